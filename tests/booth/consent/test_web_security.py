"""The phone page over HTTP, without a browser: forged and oversized posts, escaping, headers, attempts, ranges."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from booth.atomic import file_sha256
from booth.config import BoothConfig
from booth.consent.page_guard import CSP
from booth.consent.qr import qr_png
from booth.consent.registry import open_store, texts_of, withdraw_url
from booth.consent.store import ConsentStore, shown_code
from booth.consent.web import create_app
from booth.delivery.outbox import JobKind, Outbox
from tests.qr import read_qr_png

CLIP_BYTES = bytes(range(256)) * 400  # 100 KiB; the page serves bytes, it does not decode them
PUBLIC = "http://booth.test:8080"


class Clock:
    """The app's clock, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Page:
    config: BoothConfig
    store: ConsentStore
    outbox: Outbox
    clock: Clock
    client: TestClient

    def clip(self, name: str = "a") -> tuple[str, str, Path]:
        """A clip folder registered as `booth shoot` does; returns its id, page token and folder."""
        folder = self.config.data_dir / "clips" / f"clip-{name}"
        folder.mkdir(parents=True)
        (folder / "clip.mp4").write_bytes(CLIP_BYTES)
        (folder / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0poster\xff\xd9")
        clip_id = f"clip-{name}"
        token = self.store.register_clip(clip_id, file_sha256(folder / "clip.mp4"), folder, None, 7)
        return clip_id, token, folder

    def new_client(self, address: str = "10.0.0.9") -> TestClient:
        app = self.client.app
        return TestClient(app, base_url=PUBLIC, client=(address, 50000), follow_redirects=False)

    def form(self, token: str, client: TestClient | None = None) -> dict[str, str]:
        """Open the page as a phone does and return its hidden fields, and the code the participant types from
        the booth's screen."""
        page = (client or self.client).get(f"/c/{token}")
        assert page.status_code == 200, page.text
        clip = self.store.clip_by_token(token, now=self.clock())
        assert clip is not None
        return {**hidden_fields(page.text), "screen_code": self.store.screen_code_for(clip.clip_id)}

    def post(self, token: str, **fields: str | list[str]) -> tuple[int, str]:
        """Open the page, then send it with these fields as the participant filled them."""
        data: dict[str, str | list[str]] = {**self.form(token), **fields}
        response = self.client.post(f"/c/{token}", data=data)
        return response.status_code, response.text


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def make_page(root: Path, **web: object) -> Page:
    config = BoothConfig.model_validate(
        {
            "booth": {"id": "booth-7", "data_dir": str(root / "data")},
            "web": {
                "public_url": PUBLIC,
                "attempts_per_minute": 1000,
                "wifi_name": "Orbita Guests",
                "wifi_password": "guest-pass-42",
                **web,
            },
        }
    )
    store = open_store(config)
    outbox = Outbox(store)
    clock = Clock()
    app = create_app(config, store, texts_of(config), outbox, clock=clock)
    client = TestClient(app, base_url=PUBLIC, client=("10.0.0.5", 50000), follow_redirects=False)
    return Page(config, store, outbox, clock, client)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    p = make_page(tmp_path)
    yield p
    p.store.close()


def test_the_page_offers_every_choice_with_nothing_switched_on(page: Page) -> None:
    _, token, _ = page.clip()
    html = page.client.get(f"/c/{token}", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert re.search(r"<video [^>]*\bplaysinline\b[^>]*>", html)
    assert f'src="/c/{token}/clip.mp4"' in html and f'poster="/c/{token}/poster.jpg"' in html
    assert " checked" not in html, "no purpose is pre-switched and no age pre-selected"
    for words in (
        "Send me my clip",
        "Shown on this booth&#39;s screen",
        "Brand social posts",
        "Advertising",
        "Lumen Drinks Ltd",
        "ORBITA Events SAS",
    ):
        assert words in html
    assert html.count('name="purpose"') == 4 and html.count('name="age"') == 3
    assert "Under 15" in html and "15 to 17" in html and "18 or over" in html
    assert "Orbita Guests" in html and "<code>guest-pass-42</code>" in html, "how to join the event Wi-Fi"
    assert 'value="refuse"' in html, "refusing everything is one tap"
    assert "?lang=fr" in html


def test_unknown_expired_and_withdrawn_pages_answer_one_identical_404(page: Page) -> None:
    _, token, _ = page.clip("a")
    _, expiring, _ = page.clip("b")
    unknown = page.client.get("/c/AAAAAAAAAAAAAAAAAAAAAA")
    garbage = page.client.get("/c/x")
    page.clock.now += 8 * 86400  # past the 7 days the token is open
    expired = page.client.get(f"/c/{expiring}")
    page.clock.now -= 8 * 86400
    assert page.post(token, purpose="social", age="adult")[0] == 303
    code = re.search(r'id="withdrawal-code">([0-9A-Z-]+)<', page.client.get(f"/c/{token}").text)
    assert code, "the confirmation shows the withdrawal code"
    withdraw = hidden_fields(page.client.get(f"/w/{code[1]}").text)
    assert page.client.post(f"/w/{code[1]}", data=withdraw).status_code == 200
    withdrawn = page.client.get(f"/c/{token}")
    no_code = page.client.get("/w/ABCD-EFGH-JKMN")
    responses = [unknown, garbage, expired, withdrawn, no_code]
    assert [r.status_code for r in responses] == [404] * 5
    assert len({r.text for r in responses}) == 1, "nothing tells an expired page from one that never existed"
    assert "This page is not open" in unknown.text
    assert token not in withdrawn.text and "set-cookie" not in withdrawn.headers
    assert page.client.get(f"/c/{expiring}/clip.mp4").status_code == 200, "the clock came back: open again"


def test_forged_posts_are_refused_and_nothing_is_recorded(page: Page) -> None:
    clip_id, token, _ = page.clip("a")
    _, other_token, _ = page.clip("b")
    fields = page.form(token)
    choice = {"purpose": "social", "age": "adult", "text": fields["text"]}
    stranger = page.new_client("10.0.0.66")  # never opened the page: no cookie
    attempts = [
        page.client.post(f"/c/{token}", data=choice),
        page.client.post(f"/c/{token}", data={**choice, "csrf": "0" * 64}),
        page.client.post(f"/c/{token}", data={**choice, "csrf": page.form(other_token)["csrf"]}),
        stranger.post(f"/c/{token}", data={**choice, "csrf": fields["csrf"]}),
        page.client.post(
            f"/c/{token}",
            content=f"csrf={fields['csrf']}&age=adult&purpose=social",
            headers={"Content-Type": "text/plain"},
        ),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert "This form was refused" in attempts[0].text and f'href="/c/{token}"' in attempts[0].text
    assert page.store.records_for(clip_id) == [] and page.outbox.jobs(clip_id) == []


def test_a_body_over_16_kib_is_refused_with_413(page: Page) -> None:
    clip_id, token, _ = page.clip()
    fields = page.form(token)
    big = page.client.post(f"/c/{token}", data={**fields, "age": "adult", "guardian_name": "x" * 17_000})

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
        yield f"csrf={fields['csrf']}&age=adult&email=".encode()
        for _ in range(5):
            yield b"a" * 4096

    streamed = page.client.post(
        f"/c/{token}", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (big.status_code, streamed.status_code) == (413, 413)
    assert "Too much text" in big.text
    assert page.store.records_for(clip_id) == []


def test_a_script_typed_as_a_name_is_shown_as_text(page: Page) -> None:
    clip_id, token, _ = page.clip()
    status, html = page.post(token, purpose="social", age="under_threshold", guardian_name="<script>alert(1)</script>")
    assert status == 400
    assert "a parent or guardian consents for the participant: give their name" in html, "the error says what to do"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "what was typed is kept, escaped"
    assert "<script" not in html
    assert 'value="under_threshold" required checked' in html, "the age answer is kept"
    assert page.store.records_for(clip_id) == []


def test_every_field_is_checked_and_the_error_shown_above_the_form(page: Page) -> None:
    clip_id, token, _ = page.clip()
    cases: dict[str, dict[str, str | list[str]]] = {
        "One of the choices is not a use offered here": {"purpose": ["social", "sell_it"], "age": "adult"},
        "Choose the age of the person in the clip.": {"purpose": "social"},
        "Choose the age of the person": {"purpose": "social", "age": "42"},
        "Give the name of the parent or guardian, from 2 to 120 characters.": {
            "age": "under_threshold",
            "guardian_declared": "yes",
            "guardian_name": "N" * 121,
        },
        "Give an e-mail address of at most 254 characters.": {
            "purpose": "send_me",
            "age": "adult",
            "email": "a" * 250 + "@b.example",
        },
        "This is not an e-mail address like name@example.com.": {
            "purpose": "send_me",
            "age": "adult",
            "email": "not an address",
        },
    }
    for message, fields in cases.items():
        status, html = page.post(token, **fields)
        assert status == 400 and message in unescape(html), message
        assert html.index('class="error"') < html.index("<form"), "the error is above the form"
    status, html = page.post(token, purpose="social", age="adult", text="0" * 64)
    assert status == 400 and "The consent text changed" in html
    assert page.store.records_for(clip_id) == []


def test_an_email_without_send_me_is_refused_on_the_page(page: Page) -> None:
    clip_id, token, _ = page.clip()
    status, html = page.post(token, purpose="social", age="adult", email="ana@example.com")
    assert status == 400
    assert "An e-mail address is only used to send you your clip" in html
    assert 'value="ana@example.com"' in html and 'value="social" checked' in html, "what was chosen is kept"
    assert page.store.records_for(clip_id) == []


def test_below_the_age_limit_a_guardian_must_consent(page: Page) -> None:
    clip_id, token, _ = page.clip()
    status, html = page.post(token, purpose="social", age="under_threshold", guardian_name="Marie Curie")
    assert status == 400 and "guardian" in html
    assert page.store.records_for(clip_id) == []
    status, _ = page.post(
        token, purpose="social", age="under_threshold", guardian_name="Marie Curie", guardian_declared="yes"
    )
    assert status == 303
    record = page.store.current(clip_id)
    assert record is not None and record.guardian is not None and record.guardian.name == "Marie Curie"
    assert (record.age_band, record.method, record.booth_id) == ("under_threshold", "phone", "booth-7")


def test_refuse_all_with_an_age_records_a_refusal_and_queues_nothing(page: Page) -> None:
    clip_id, token, _ = page.clip()
    # what was switched on before the tap does not count: refusing is refusing everything
    status, _ = page.post(token, action="refuse", age="adult", purpose="social", email="ana@example.com")
    assert status == 303
    record = page.store.current(clip_id)
    assert record is not None and not any(record.purposes.values())
    assert set(record.purposes) == {"send_me", "booth_screen", "social", "advertising"}
    assert record.email is None and page.outbox.jobs(clip_id) == []
    html = page.client.get(f"/c/{token}").text
    assert "You refused everything: nothing leaves the booth." in html and "/download" not in html
    assert page.client.get(f"/c/{token}/download").status_code == 404


def test_refuse_all_below_the_age_limit_is_recorded_with_no_guardian(page: Page) -> None:
    refused, nothing_on = page.clip("refused"), page.clip("nothing-on")
    # "Refuse all", and "Save my choices" with nothing switched on, by a child with no guardian at hand
    assert page.post(refused[1], action="refuse", age="under_threshold", purpose="social")[0] == 303
    assert page.post(nothing_on[1], action="consent", age="under_threshold")[0] == 303
    for clip_id, token, _ in (refused, nothing_on):
        record = page.store.current(clip_id)
        assert record is not None and record.granted() == [] and record.age_band == "under_threshold"
        assert record.guardian is None and page.outbox.jobs(clip_id) == []
        assert "You refused everything: nothing leaves the booth." in page.client.get(f"/c/{token}").text


def test_refuse_all_without_an_age_records_nothing(page: Page) -> None:
    clip_id, token, _ = page.clip()
    status, html = page.post(token, action="refuse")
    assert status == 200 and "Nothing will leave the booth" in html
    assert page.store.records_for(clip_id) == [] and page.outbox.jobs(clip_id) == []
    assert page.client.get(f"/c/{token}").status_code == 200, "the choices are still open"


def test_consent_queues_the_clip_and_the_confirmation_offers_download_and_withdrawal(page: Page) -> None:
    clip_id, token, folder = page.clip()
    fields = page.form(token)
    choice = {**fields, "purpose": ["send_me", "social"], "age": "adult", "email": "ana@example.com"}
    assert page.client.post(f"/c/{token}", data=choice).status_code == 303
    jobs = page.outbox.jobs(clip_id)
    assert sorted((j.kind, j.recipient) for j in jobs) == [(JobKind.CLIP, "brand"), (JobKind.CLIP, "orbita-agency")]
    html = page.client.get(f"/c/{token}").text
    code = page.store.code_for(page.store.records_for(clip_id)[0].record_id)
    assert "Your choices are saved" in html and code in html
    assert f'href="/c/{token}/download"' in html and f'src="/w/{code}/qr.png"' in html
    download = page.client.get(f"/c/{token}/download")
    assert download.status_code == 200 and download.content == (folder / "clip.mp4").read_bytes()
    assert download.headers["content-disposition"] == 'attachment; filename="bullet-time.mp4"'
    qr = page.client.get(f"/w/{code}/qr.png")
    assert qr.headers["content-type"] == "image/png"
    assert read_qr_png(qr.content) == f"{PUBLIC}/w/{code}"
    again = page.client.post(f"/c/{token}", data={**fields, "purpose": "advertising", "age": "adult"})
    assert again.status_code == 303 and again.headers["location"] == f"/c/{token}"
    assert len(page.store.records_for(clip_id)) == 1, "a second post (another tab) records nothing more"


def test_download_only_when_send_me_is_granted(page: Page) -> None:
    _, token, _ = page.clip()
    assert page.client.get(f"/c/{token}/download").status_code == 404, "nothing chosen yet"
    assert page.post(token, purpose="social", age="adult")[0] == 303
    assert "/download" not in page.client.get(f"/c/{token}").text
    assert page.client.get(f"/c/{token}/download").status_code == 404


def test_withdrawing_deletes_the_clip_and_asks_recipients_to_erase(page: Page) -> None:
    clip_id, token, folder = page.clip()
    assert page.post(token, purpose=["send_me", "social"], age="adult")[0] == 303
    delivered = next(j for j in page.outbox.jobs(clip_id) if j.recipient == "brand")
    page.outbox.mark_delivered(delivered.job_id)
    code = page.store.code_for(page.store.records_for(clip_id)[0].record_id)
    html = page.client.get(f"/w/{code.lower()}").text
    assert "Withdraw and delete my clip" in html
    assert page.client.post(f"/w/{code}", data={"csrf": "0" * 64}).status_code == 403
    assert folder.exists()
    done = page.client.post(f"/w/{code}", data=hidden_fields(html))
    assert done.status_code == 200
    assert "Withdrawn: your clip was deleted from the booth and erasure was requested from 1 recipient." in done.text
    assert "Uploads cancelled before they were made: 1." in done.text
    assert not folder.exists() and page.store.current(clip_id) is None
    assert page.client.get(f"/c/{token}").status_code == 404
    assert page.client.get(f"/c/{token}/clip.mp4").status_code == 404
    assert "already withdrawn" in page.client.get(f"/w/{code}").text


def test_the_kiosk_shows_the_code_and_the_form_where_it_is_typed(page: Page, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="booth.consent.web")
    clip_id, token, folder = page.clip()
    assert page.post(token, purpose="social", age="adult")[0] == 303
    record = page.store.records_for(clip_id)[0]
    code = page.store.code_for(record.record_id)
    url = withdraw_url(page.config)
    assert url == f"{PUBLIC}/w" and read_qr_png(qr_png(url)) == url, "the address, not the code, in the QR"
    path = url.removeprefix(PUBLIC)
    # a code in the query string opens the empty form: a link or photo alone withdraws nothing
    form = page.client.get(f"{path}?code={code}")
    assert form.status_code == 200 and 'name="code"' in form.text and code not in form.text
    fields = hidden_fields(form.text)
    assert page.client.post(path, data={"code": code}).status_code == 403, "only this page's form is taken"
    wrong = page.client.post(path, data={**fields, "code": "AAAA-BBBB-CCCC"})
    assert (
        wrong.status_code == 400 and "No consent has this code" in wrong.text and 'value="AAAA-BBBB-CCCC"' in wrong.text
    )
    typed = code.lower().replace("-", " ")
    confirm = page.client.post(path, data={**fields, "code": typed})
    assert confirm.status_code == 200 and "Withdraw and delete my clip" in confirm.text
    assert not page.store.withdrawn(record.record_id) and folder.exists(), "one more tap, as from the phone's link"
    done = page.client.post(f"/w/{code}", data=hidden_fields(confirm.text))
    assert done.status_code == 200 and "Withdrawn: your clip was deleted from the booth" in done.text
    assert page.store.withdrawn(record.record_id) and not folder.exists()
    lines = [r.getMessage() for r in caplog.records if r.name == "booth.consent.web"]
    assert any(line.startswith("POST /w 200") for line in lines)
    assert not [line for line in lines if code in line or typed in line], "the code stays out of the log"


def test_clip_mp4_answers_range_requests_as_ios_needs(page: Page) -> None:
    _, token, _ = page.clip()
    whole = page.client.get(f"/c/{token}/clip.mp4")
    assert whole.status_code == 200 and whole.content == CLIP_BYTES
    assert whole.headers["content-type"] == "video/mp4" and whole.headers["accept-ranges"] == "bytes"
    part = page.client.get(f"/c/{token}/clip.mp4", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.content == CLIP_BYTES[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(CLIP_BYTES)}"
    probe = page.client.get(f"/c/{token}/clip.mp4", headers={"Range": "bytes=0-1"})  # Safari's first request
    assert (probe.status_code, probe.content) == (206, CLIP_BYTES[:2])
    poster = page.client.get(f"/c/{token}/poster.jpg")
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert page.client.get(f"/c/{token}/secret.key").status_code == 404


def test_security_headers_on_every_response(page: Page) -> None:
    _, token, _ = page.clip()
    responses = {
        "page": page.client.get(f"/c/{token}"),
        "404": page.client.get("/c/AAAAAAAAAAAAAAAAAAAAAA"),
        "other 404": page.client.get("/nothing-here"),
        "403": page.client.post(f"/c/{token}", data={"age": "adult"}),
        "clip": page.client.get(f"/c/{token}/clip.mp4", headers={"Range": "bytes=0-9"}),
        "css": page.client.get("/static/phone.css"),
    }
    for what, r in responses.items():
        assert r.headers["content-security-policy"] == CSP, what
        assert r.headers["x-content-type-options"] == "nosniff", what
        assert r.headers["referrer-policy"] == "no-referrer", what
    for what in ("page", "404", "403", "clip"):
        assert responses[what].headers["cache-control"] == "no-store", what
    assert responses["css"].status_code == 200 and responses["css"].headers["content-type"].startswith("text/css")
    html = responses["page"].text
    assert "<script" not in html and "style=" not in html and "<style" not in html, "the CSP forbids inline code"
    cookie = responses["page"].headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert page.client.get("/static/%2e%2e/web.py").status_code == 404  # encoded, so the dots reach the server


def test_attempts_are_limited_per_address(tmp_path: Path) -> None:
    page = make_page(tmp_path, attempts_per_minute=5)
    _, token, _ = page.clip()
    answers = [page.client.get(f"/c/AAAAAAAAAAAAAAAAAAAA{i:02d}").status_code for i in range(5)]
    blocked = page.client.get(f"/c/{token}")
    assert answers == [404] * 5 and blocked.status_code == 429
    assert "Wait a minute" in blocked.text and int(blocked.headers["retry-after"]) <= 60
    assert page.client.get("/w/ABCD-EFGH-JKMN/qr.png").status_code == 429
    assert page.client.get("/static/phone.css").status_code == 200, "the page's own files are not attempts"
    assert page.new_client("10.0.0.77").get(f"/c/{token}").status_code == 200, "another phone is not held back"
    page.clock.now += 30
    assert page.client.get(f"/c/{token}").status_code == 429, "the window slides; it does not reset"
    page.clock.now += 31
    assert page.client.get(f"/c/{token}").status_code == 200
    page.store.close()


def test_french_phones_get_the_french_page_and_french_errors(page: Page) -> None:
    clip_id, token, _ = page.clip()
    fr = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    html = page.client.get(f"/c/{token}", headers=fr).text
    assert '<html lang="fr">' in html
    for words in ("Votre clip bullet-time", "Publicité", "Réseaux sociaux de la marque", "Moins de 15 ans"):
        assert words in html
    assert "Tout refuser" in html and "?lang=en" in html
    english = page.client.get(f"/c/{token}?lang=en", headers=fr).text
    assert "Your bullet-time clip" in english
    fields = {**hidden_fields(html), "screen_code": page.store.screen_code_for(clip_id)}
    error = page.client.post(f"/c/{token}", data={**fields, "purpose": "social"}, headers=fr)
    assert error.status_code == 400 and "Choisissez l'âge de la personne filmée." in unescape(error.text)
    assert unescape(page.client.get("/c/AAAAAAAAAAAAAAAAAAAAAA", headers=fr).text).count("n'est pas ouverte") == 2
    done = page.client.post(f"/c/{token}", data={**fields, "purpose": "social", "age": "adult"}, headers=fr)
    confirmation = unescape(page.client.get(done.headers["location"], headers={}).text)
    assert "Vos choix sont enregistrés" in confirmation, "the confirmation speaks the language consent was given in"
    code = re.search(r'id="withdrawal-code">([0-9A-Z-]+)<', confirmation)
    assert code
    withdraw = hidden_fields(page.client.get(f"/w/{code[1]}", headers=fr).text)
    withdrawn = unescape(page.client.post(f"/w/{code[1]}", data=withdraw, headers=fr).text)
    assert "Retiré\u00a0: votre clip a été supprimé du stand" in withdrawn, "no-break space before the colon"
    assert "l'effacement a été demandé à 0 destinataire." in withdrawn, "zero is singular in French"


def test_request_log_lines_leave_tokens_and_codes_out(page: Page, caplog: pytest.LogCaptureFixture) -> None:
    clip_id, token, _ = page.clip()
    caplog.set_level(logging.INFO, logger="booth.consent.web")
    page.post(token, purpose="social", age="adult")
    code = page.store.code_for(page.store.records_for(clip_id)[0].record_id)
    page.client.get(f"/w/{code}")
    page.client.get(f"/c/{token}/clip.mp4")
    lines = [r.getMessage() for r in caplog.records if r.name == "booth.consent.web"]
    assert "POST /c/… 303" in " ".join(lines) and any(line.startswith("GET /w/… 200") for line in lines)
    assert any(line.startswith("GET /c/…/clip.mp4 200") for line in lines)
    assert not [line for line in lines if token in line or code in line]


def test_qr_png_holds_the_url() -> None:
    png = qr_png("http://10.0.0.2:8080/w/ABCD-EFGH-JKMN")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert read_qr_png(png) == "http://10.0.0.2:8080/w/ABCD-EFGH-JKMN"


def test_log_lines_cannot_be_forged_and_redirects_ignore_the_host_header(
    page: Page, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="booth.consent.web")
    page.client.get("/static/x%0AGET%20/c/forged%20200%201%20ms")
    lines = [r.getMessage() for r in caplog.records if r.name == "booth.consent.web"]
    assert lines and all("\n" not in line for line in lines), lines
    moved = page.client.get("/c/some-token-of-a-clip/", headers={"Host": "evil.example"})
    assert moved.status_code == 404 and "evil.example" not in moved.headers.get("location", "")


def test_a_choice_is_recorded_only_with_the_code_on_the_booths_screen(page: Page) -> None:
    """Whoever saw only the link, on the Wi-Fi or over a shoulder, cannot decide for the participant."""
    clip_id, token, _ = page.clip()
    code = page.store.screen_code_for(clip_id)
    assert re.fullmatch(r"[0-9]{6}", code)
    html = page.client.get(f"/c/{token}").text
    assert 'name="screen_code"' in html and "Code on the booth&#39;s screen" in html
    for typed in ("", "000000" if code != "000000" else "111111", code[:5]):
        for action in ("consent", "refuse"):
            status, html = page.post(token, purpose="social", age="adult", action=action, screen_code=typed)
            assert status == 400 and "Type the 6 digits shown on the booth" in unescape(html), (typed, action)
    assert page.store.record_for(clip_id) is None and page.outbox.pending() == []
    spaced = shown_code(code)  # as the kiosk shows it
    assert page.post(token, purpose="social", age="adult", screen_code=spaced)[0] == 303
    assert page.store.current(clip_id) is not None


def test_an_event_may_turn_the_code_off(tmp_path: Path) -> None:
    p = make_page(tmp_path, screen_code=False)
    _, token, _ = p.clip()
    assert 'name="screen_code"' not in p.client.get(f"/c/{token}").text
    assert p.post(token, purpose="social", age="adult", screen_code="")[0] == 303
    p.store.close()


def test_the_withdrawal_code_is_shown_once_to_the_phone_that_decided(page: Page) -> None:
    clip_id, token, _ = page.clip()
    assert page.post(token, purpose="social", age="adult")[0] == 303
    code = page.store.code_for(page.store.records_for(clip_id)[0].record_id)
    first = page.client.get(f"/c/{token}").text
    assert code in first and "It is shown only this once" in first
    again = page.client.get(f"/c/{token}").text
    assert code not in again and f"/w/{code}" not in again and "was shown once" in again
    someone_else = page.new_client("10.0.0.77").get(f"/c/{token}").text
    assert "Your choices are saved" in someone_else and code not in someone_else
