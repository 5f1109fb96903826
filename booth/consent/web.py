"""The participant's phone page: watch the clip, switch each use on or off, keep a withdrawal code, withdraw.

An ASGI app (Starlette) with no JavaScript: every choice is a plain form post, checked here and by
booth.consent.decisions. Tokens and withdrawal codes are secrets in the path, so the server's access log is off
and this module logs each request with that part replaced by '…'."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl

import anyio.to_thread
import jinja2
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from booth.config import BoothConfig
from booth.consent.decisions import SEND_ME, Choice, give, withdraw
from booth.consent.page_guard import AttemptWindow, Guard
from booth.consent.page_server import server_config
from booth.consent.page_words import LANGUAGE_NAMES, french_spacing, say, words
from booth.consent.qr import qr_png
from booth.consent.records import MAX_EMAIL, MAX_NAME, AgeBand, ConsentError, ConsentRecord, Method
from booth.consent.registry import open_outbox, open_store, public_url, texts_of
from booth.consent.store import ClipEntry, ConsentStore, normal_code
from booth.consent.texts import ConsentText, ConsentTexts
from booth.delivery.outbox import ConsentGateError, Outbox

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
MAX_BODY = 16 * 1024
CSRF_COOKIE = "booth_form"
SHOW_COOKIE = "booth_code"
SHOW_S = 900
"""How long after saving the choice the page may still show the withdrawal code, once."""
AGE_ANSWERS = frozenset(band.value for band in AgeBand)
WITHDRAW_FORM = "/w"
"""The withdrawal form's path: registry.withdraw_url's address."""

P = ParamSpec("P")
T = TypeVar("T")


class Refusal(Exception):
    """A request answered with a message page instead of what it asked for."""

    def __init__(self, status: int, key: str, *, back: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.back = back
        self.retry_after = retry_after


@dataclass
class Filled:
    """What the participant put in the form, shown again (escaped) when something needs fixing."""

    purposes: set[str] = field(default_factory=set)
    age: str = ""
    guardian_name: str = ""
    guardian_declared: bool = False
    email: str = ""
    screen_code: str = ""

    @classmethod
    def read(cls, form: dict[str, list[str]]) -> Filled:
        def one(name: str) -> str:
            return (form.get(name) or [""])[0]

        return cls(
            set(form.get("purpose", [])),
            one("age"),
            one("guardian_name"),
            one("guardian_declared") == "yes",
            one("email"),
            "".join(one("screen_code").split())[:12],
        )

    def choice(self, *, refuse: bool = False) -> Choice:
        purposes = {} if refuse else dict.fromkeys(self.purposes, True)
        email = "" if refuse else self.email
        return Choice(purposes, self.age, self.guardian_name, self.guardian_declared, email)


class PhonePage:
    """The routes of the phone page, over the booth's consent store, texts and outbox."""

    def __init__(
        self,
        config: BoothConfig,
        store: ConsentStore,
        texts: ConsentTexts,
        outbox: Outbox,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.store = store
        self.texts = texts
        self.outbox = outbox
        self.clock = clock
        self.attempts = AttemptWindow(config.web.attempts_per_minute, clock)
        self.db_lock = threading.Lock()
        self.secure_cookie = (config.web.public_url or "").startswith("https://")
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["bound"] = french_spacing  # the texts' own words: « ? » stays on its word's line

    # plumbing

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Store work runs off the event loop, one call at a time: the store is one SQLite connection."""

        def locked() -> T:
            with self.db_lock:
                return fn(*args, **kwargs)

        return await anyio.to_thread.run_sync(locked)

    def language(self, request: Request, default: str | None = None) -> str:
        asked = request.query_params.get("lang", "")
        if asked in self.texts.by_language:
            return asked
        if default in self.texts.by_language:
            return default
        return self.texts.pick_language(request.headers.get("accept-language", ""))

    def render(self, template: str, language: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(lang=language, w=words(language), **context)
        return HTMLResponse(html, status_code=status, headers={"Content-Language": language})

    def message(self, request: Request, refusal: Refusal) -> HTMLResponse:
        language = self.language(request)
        w = words(language)
        response = self.render(
            "message.html",
            language,
            refusal.status,
            title=w[f"{refusal.key}_title"],
            text=w[refusal.key],
            back=refusal.back,
        )
        if refusal.retry_after is not None:
            response.headers["Retry-After"] = str(refusal.retry_after)
        return response

    def other_languages(self, language: str) -> list[tuple[str, str]]:
        """The links that switch the page to the other languages there is a text in."""
        return [(code, LANGUAGE_NAMES.get(code, code)) for code in self.texts.by_language if code != language]

    @staticmethod
    def address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def attempt(self, request: Request) -> None:
        """Count one attempt at a page; refuse it when the address used up its minute."""
        self.not_blocked(request)
        self.attempts.count(self.address(request))

    def not_blocked(self, request: Request) -> None:
        wait = self.attempts.wait_s(self.address(request))
        if wait:
            raise Refusal(429, "too_many", retry_after=wait)

    def csrf_cookie(self, request: Request) -> tuple[str, bool]:
        """The browser's form cookie, or a new one; and whether it is new (to be set)."""
        value = request.cookies.get(CSRF_COOKIE, "")
        if re.fullmatch(r"[A-Za-z0-9_-]{43}", value):
            return value, False
        return secrets.token_urlsafe(32), True

    def csrf_field(self, cookie: str, target: str) -> str:
        """The hidden field a form from this page carries: only this booth can make it, for this cookie and page."""
        return hmac.new(self.store.secret, f"form:{cookie}:{target}".encode(), hashlib.sha256).hexdigest()

    def with_cookie(self, response: Response, cookie: str, new: bool) -> Response:
        if new:
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=self.secure_cookie, path="/"
            )
        return response

    def check_length(self, request: Request) -> None:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            raise Refusal(413, "too_big")

    async def form(self, request: Request, target: str, back: str) -> dict[str, list[str]]:
        """The posted form, at most 16 KiB, refused unless it carries this page's hidden field."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise Refusal(403, "forbidden", back=back)  # this page's forms never send anything else
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    raise Refusal(413, "too_big")
        except ClientDisconnect:
            raise Refusal(400, "unreadable") from None  # the phone went away mid-post: nothing to answer
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=64)
        except (UnicodeDecodeError, ValueError):
            raise Refusal(400, "unreadable") from None
        form: dict[str, list[str]] = {}
        for name, value in pairs:
            form.setdefault(name, []).append(value)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = (form.get("csrf") or [""])[0]
        if not cookie or not hmac.compare_digest(sent.encode(), self.csrf_field(cookie, target).encode()):
            log.warning("a form post without this page's hidden field was refused")
            raise Refusal(403, "forbidden", back=back)
        return form

    def open_clip(self, token: str) -> ClipEntry | None:
        """The clip behind a token while its page is open; None for unknown, expired, deleted and withdrawn."""
        clip = self.store.clip_by_token(token, now=self.clock())
        if clip is None:
            return None
        record = self.store.record_for(clip.clip_id)
        if record is not None and self.store.withdrawn(record.record_id):
            return None  # withdrawn, its files on their way out
        return clip

    # the clip page

    async def clip_page(self, request: Request) -> Response:
        self.attempt(request)
        token = request.path_params["token"]
        if request.method == "POST":
            self.check_length(request)
        clip = await self.db(self.open_clip, token)
        if clip is None:
            raise Refusal(404, "not_found")
        if request.method == "POST":
            return await self.choose(request, token, clip)
        record = await self.db(self.store.current, clip.clip_id)
        if record is not None:
            return self.confirmation(request, token, record)
        text = self.texts.get(self.language(request))
        return self.choices(request, token, text, Filled(), None)

    def choices(self, request: Request, token: str, text: ConsentText, filled: Filled, error: str | None) -> Response:
        language = text.content.language
        w = words(language)
        n = self.config.consent.age_threshold
        ages = [(AgeBand.UNDER_THRESHOLD.value, w["age_under"].format(n=n))]
        if n < 18:
            ages.append((AgeBand.MINOR.value, w["age_minor"].format(n=n)))
        ages.append((AgeBand.ADULT.value, w["age_adult"]))
        send_me = next((p.title for p in text.content.purposes if p.id == SEND_ME), SEND_ME)
        cookie, new = self.csrf_cookie(request)
        response = self.render(
            "choices.html",
            language,
            400 if error else 200,
            token=token,
            text=text.content,
            text_sha256=text.sha256,
            purposes=[(p, text.recipient_names(p.recipients)) for p in text.content.purposes],
            recipients=[r.name for r in text.content.recipients],
            ages=ages,
            threshold=n,
            send_me=send_me,
            filled=filled,
            error=error,
            csrf=self.csrf_field(cookie, token),
            languages=self.other_languages(language),
            wifi_name=self.config.web.wifi_name,
            wifi_password=self.config.web.wifi_password,
            screen_code=self.config.web.screen_code,
            max_name=MAX_NAME,
            max_email=MAX_EMAIL,
        )
        return self.with_cookie(response, cookie, new)

    def problem(self, text: ConsentText, filled: Filled) -> str | None:
        """What is wrong with the form before it reaches give(), in the page's language."""
        w = words(text.content.language)
        offered = {p.id for p in text.content.purposes}
        if filled.purposes - offered:
            return w["bad_purpose"]
        if filled.age not in AGE_ANSWERS:
            return w["bad_age"]
        if len(filled.guardian_name) > MAX_NAME:
            return w["long_name"]
        if len(filled.email) > MAX_EMAIL:
            return w["long_email"]
        return None

    async def choose(self, request: Request, token: str, clip: ClipEntry) -> Response:
        form = await self.form(request, token, back=f"/c/{token}")
        here = RedirectResponse(f"/c/{token}", status_code=303)
        if await self.db(self.store.record_for, clip.clip_id) is not None:
            return here  # one record per clip: the page shows the one there is
        filled = Filled.read(form)
        refuse = (form.get("action") or [""])[0] == "refuse"
        text = self.texts.by_hash((form.get("text") or [""])[0])
        if text is None:
            current = self.texts.get(self.language(request))
            return self.choices(request, token, current, filled, words(current.content.language)["text_changed"])
        if refuse:
            # with an age (any age: refusing needs no guardian), the refusal is recorded as proof that nothing may
            # leave; without one nothing is recorded, and the unconsented clip goes at the end of the day
            if filled.age in AGE_ANSWERS:
                if not self.code_typed(request, clip, filled):
                    return self.choices(request, token, text, filled, words(text.content.language)["bad_code"])
                try:
                    await self.db(self.record_choice, text, clip, filled.choice(refuse=True))
                    return self.show_code_once(here, token)
                except ConsentError:
                    pass
            return self.refused(token, text.content.language)
        problem = self.problem(text, filled)
        if problem is None and not self.code_typed(request, clip, filled):
            problem = words(text.content.language)["bad_code"]
        if problem is not None:
            return self.choices(request, token, text, filled, problem)
        try:
            await self.db(self.record_choice, text, clip, filled.choice())
        except ConsentError as exc:
            if await self.db(self.store.record_for, clip.clip_id) is not None:
                return here  # recorded meanwhile, from another tab
            return self.choices(request, token, text, filled, say(text.content.language, exc))
        return self.show_code_once(here, token)

    def show_code_once(self, response: Response, token: str) -> Response:
        """Mark the browser that just recorded the choice: its next view of the page, and no other, shows the
        withdrawal code (whoever gets the link later cannot withdraw with it)."""
        response.set_cookie(
            SHOW_COOKIE, self.show_mark(token), max_age=SHOW_S, httponly=True, samesite="strict",
            secure=self.secure_cookie, path=f"/c/{token}",
        )  # fmt: skip
        return response

    def show_mark(self, token: str) -> str:
        return hmac.new(self.store.secret, f"show:{token}".encode(), hashlib.sha256).hexdigest()

    def code_typed(self, request: Request, clip: ClipEntry, filled: Filled) -> bool:
        """Whether the code on the booth's screen was typed (always, where the event turned the code off); a wrong
        one costs an attempt, so guessing is as slow as guessing a link."""
        if not self.config.web.screen_code:
            return True
        if hmac.compare_digest(filled.screen_code.encode(), self.store.screen_code_for(clip.clip_id).encode()):
            return True
        self.attempts.count(self.address(request))
        filled.screen_code = ""
        return False

    def record_choice(self, text: ConsentText, clip: ClipEntry, choice: Choice) -> ConsentRecord:
        """Record the choice, then queue the clip for every recipient it names (none for a refusal)."""
        record, _ = give(self.store, text, clip.clip_id, choice, method=Method.PHONE, booth_id=self.config.booth.id)
        try:
            self.outbox.add_consented(clip.clip_id)
        except ConsentGateError as exc:  # the record stands; staff see why nothing was queued
            log.error("consent recorded but the clip was not queued: %s", exc)
        return record

    def refused(self, token: str, language: str) -> Response:
        return self.render("refused.html", language, back=f"/c/{token}")

    def confirmation(self, request: Request, token: str, record: ConsentRecord) -> Response:
        language = self.language(request, default=record.language)
        show = hmac.compare_digest(request.cookies.get(SHOW_COOKIE, "").encode(), self.show_mark(token).encode())
        text = self.texts.get(language)
        titles = {p.id: p.title for p in text.content.purposes}
        order = [p for p in titles if p in record.purposes] + [p for p in record.purposes if p not in titles]
        purposes = [
            (titles.get(p, p), record.purposes[p], text.recipient_names(record.recipients.get(p, []))) for p in order
        ]
        response = self.render(
            "confirmation.html",
            language,
            token=token,
            purposes=purposes,
            granted=bool(record.granted()),
            can_download=bool(record.purposes.get(SEND_ME)),
            email_kept=record.email is not None,
            code=self.store.code_for(record.record_id) if show else None,
            withdrawal=text.content.withdrawal,
            languages=self.other_languages(language),
        )
        if show:
            response.delete_cookie(SHOW_COOKIE, path=f"/c/{token}")
        return response

    # the clip's files

    async def clip_file(self, request: Request) -> Response:
        """clip.mp4 (with HTTP ranges, which iOS needs to play it), poster.jpg, or the download."""
        self.not_blocked(request)
        token, name = request.path_params["token"], request.path_params["name"]
        clip = await self.db(self.open_clip, token)
        if name not in ("clip.mp4", "poster.jpg", "download") or clip is None:
            self.attempts.count(self.address(request))
            raise Refusal(404, "not_found")
        if name == "download":
            record = await self.db(self.store.current, clip.clip_id)
            if record is None or not record.purposes.get(SEND_ME):
                self.attempts.count(self.address(request))
                raise Refusal(404, "not_found")
        path = clip.directory / ("poster.jpg" if name == "poster.jpg" else "clip.mp4")
        if not path.is_file():
            raise Refusal(404, "not_found")
        if name == "download":
            return FileResponse(path, media_type="video/mp4", filename="bullet-time.mp4")
        return FileResponse(path, media_type="image/jpeg" if name == "poster.jpg" else "video/mp4")

    # withdrawal

    async def withdrawal_form(self, request: Request) -> Response:
        """Where a code is typed (the address the kiosk shows beside it): the code travels only in a post, so a
        photographed QR code or a shared link opens this form, never someone's withdrawal."""
        self.attempt(request)
        language = self.language(request)
        if request.method == "GET":
            return self.code_form(request, language)
        self.check_length(request)
        form = await self.form(request, WITHDRAW_FORM, back=WITHDRAW_FORM)
        typed = (form.get("code") or [""])[0][:40]
        code = normal_code(typed)
        record = await self.db(self.store.record_by_code, code)
        if record is None:
            return self.code_form(request, language, typed, words(language)["bad_withdrawal_code"])
        return await self.withdrawal_confirm(request, language, code, record)

    def code_form(self, request: Request, language: str, typed: str = "", error: str | None = None) -> Response:
        cookie, new = self.csrf_cookie(request)
        response = self.render(
            "withdraw_code.html",
            language,
            400 if error else 200,
            typed=typed,
            error=error,
            csrf=self.csrf_field(cookie, WITHDRAW_FORM),
            withdrawal=self.texts.get(language).content.withdrawal,
            languages=self.other_languages(language),
        )
        return self.with_cookie(response, cookie, new)

    async def withdrawal_page(self, request: Request) -> Response:
        self.attempt(request)
        code = normal_code(request.path_params["code"])  # as typed: any case, O for 0; shown and linked as printed
        if request.method == "POST":
            self.check_length(request)
        record = await self.db(self.store.record_by_code, code)
        if record is None:
            raise Refusal(404, "not_found")
        language = self.language(request, default=record.language)
        if request.method == "GET":
            return await self.withdrawal_confirm(request, language, code, record)
        w = words(language)
        if await self.db(self.store.withdrawn, record.record_id):
            return self.render("withdraw.html", language, done=[w["already_withdrawn"]])
        await self.form(request, code, back=f"/w/{code}")
        result = await self.db(withdraw, self.store, self.outbox, record, how="phone page")
        n = len(result.erasures)
        singular = n == 1 or (n == 0 and language == "fr")  # French counts zero in the singular
        done = [w["withdrawn_one" if singular else "withdrawn_many"].format(n=n)]
        if result.cancelled:
            done.append(w["cancelled"].format(n=len(result.cancelled)))
        return self.render("withdraw.html", language, done=done)

    async def withdrawal_confirm(self, request: Request, language: str, code: str, record: ConsentRecord) -> Response:
        """The page that withdraws with one more tap: what withdrawing does, and its button (a post to /w/CODE)."""
        if await self.db(self.store.withdrawn, record.record_id):
            return self.render("withdraw.html", language, done=[words(language)["already_withdrawn"]])
        cookie, new = self.csrf_cookie(request)
        response = self.render(
            "withdraw.html",
            language,
            done=[],
            code=code,
            csrf=self.csrf_field(cookie, code),
            withdrawal=self.texts.get(language).content.withdrawal,
            languages=self.other_languages(language),
        )
        return self.with_cookie(response, cookie, new)

    async def withdrawal_qr(self, request: Request) -> Response:
        self.not_blocked(request)
        code = normal_code(request.path_params["code"])
        record = await self.db(self.store.record_by_code, code)
        if record is None:
            self.attempts.count(self.address(request))
            raise Refusal(404, "not_found")
        url = f"{public_url(self.config)}/w/{code}"
        return Response(qr_png(url), media_type="image/png")

    # errors

    async def refusal(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return self.message(request, exc)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return self.message(request, Refusal(404, "not_found"))
        return self.message(request, Refusal(exc.status_code, "unreadable"))

    async def server_error(self, request: Request, exc: Exception) -> Response:
        return self.message(request, Refusal(500, "broken"))


def create_app(
    config: BoothConfig,
    store: ConsentStore,
    texts: ConsentTexts,
    outbox: Outbox,
    *,
    clock: Callable[[], float] = time.time,
) -> ASGIApp:
    """The phone page as an ASGI app; `clock` is what token expiry and the attempt window read."""
    page = PhonePage(config, store, texts, outbox, clock)
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        Refusal: page.refusal,
        HTTPException: page.http_error,
        Exception: page.server_error,
    }
    app = Starlette(
        routes=[
            Route("/c/{token}", page.clip_page, methods=["GET", "POST"]),
            Route("/c/{token}/{name}", page.clip_file, methods=["GET"]),
            Route(WITHDRAW_FORM, page.withdrawal_form, methods=["GET", "POST"]),
            Route("/w/{code}", page.withdrawal_page, methods=["GET", "POST"]),
            Route("/w/{code}/qr.png", page.withdrawal_qr, methods=["GET"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        exception_handlers=handlers,
    )
    app.router.redirect_slashes = False  # its redirect is built from the Host header a client sends
    return Guard(app)


def serve(config: BoothConfig) -> None:
    """Run the phone page on web.host:web.port until stopped; the server's own access log stays off."""
    if not logging.getLogger().handlers:  # run outside the CLI: still one line per request on stderr
        logging.basicConfig(format="booth: %(levelname)s: %(message)s")
    texts = texts_of(config)
    with open_store(config) as store:
        app = create_app(config, store, texts, open_outbox(store))
        log.setLevel(logging.INFO)  # one line per request, secrets left out, whatever the CLI's level
        uvicorn.Server(server_config(app, config)).run()
