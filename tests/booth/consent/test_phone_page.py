"""The phone page in a real browser (Debian's Chromium at a phone's size) on a clip shot by the simulated rig."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from booth.atomic import file_sha256
from booth.config import BoothConfig, load_config
from booth.consent.registry import open_store
from booth.consent.store import ConsentStore, shown_code
from tests.conftest import run_booth

CHROMIUM = Path("/usr/bin/chromium")
PHONE = ViewportSize(width=390, height=844)
REPO = Path(__file__).resolve().parents[3]
PICTURES = os.environ.get("PHONE_PICTURES")
"""Where the README's phone page pictures are written (`make pictures` sets docs/screenshots); unset, they are
drawn and checked, and the committed ones are left as they are."""
SERVE = (  # what `booth serve --config booth.toml` does
    "import sys, pathlib, booth.config as c, booth.consent.web as w; w.serve(c.load_config(pathlib.Path(sys.argv[1])))"
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package (apt install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[bytes], log: Path, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the phone page did not start on port {port}: {log.read_text()}")


@dataclass
class Served:
    """The booth's phone page running on a real port, and the booth's database as staff would open it."""

    base: str
    url: str
    config: BoothConfig
    log: Path
    """What the server wrote: one line per request."""
    secrets: list[str]
    """Every token and code the tests used, none of which may be in the log."""
    clip_dir: Path
    original: Path
    """A copy of the clip's folder made before any test ran: the withdrawal test deletes clip_dir."""
    store: ConsentStore

    def another_clip(self, name: str) -> tuple[str, str, Path]:
        """A copy of the shot's clip registered as a clip of its own: its id, page URL and folder."""
        folder = self.clip_dir.parent / f"clip-{name}"
        shutil.copytree(self.original, folder)
        clip_id = f"clip-{name}"
        token = self.store.register_clip(clip_id, file_sha256(folder / "clip.mp4"), folder, None, 7)
        self.secrets.append(token)
        return clip_id, f"{self.base}/c/{token}", folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("phone-page")
    port = free_port()
    cfg = root / "booth.toml"
    cfg.write_text(
        f'[booth]\ndata_dir = "data"\n[rig.sim]\nwidth = 1200\nheight = 800\n[web]\nhost = "127.0.0.1"\nport = {port}\n'
    )
    shot = run_booth("shoot", "--rig", "sim", "--cameras", "8", "--out", str(root / "out"), "--config", str(cfg))
    assert shot.returncode == 0, shot.stderr
    found = re.search(r"^consent page: (http://\S+)$", shot.stdout, re.MULTILINE)
    assert found, shot.stdout
    config = load_config(cfg)
    log = root / "server.log"
    with log.open("wb") as out:  # serve() as `booth serve` runs it, in a process of its own
        server = subprocess.Popen([sys.executable, "-c", SERVE, str(cfg)], stdout=out, stderr=out, cwd=REPO)
    clip_dir = next((root / "out").glob("clip-*"))
    original = shutil.copytree(clip_dir, root / "original")
    store = open_store(config)
    try:
        wait_for_port(port, server, log)
        url = found[1]
        yield Served(f"http://127.0.0.1:{port}", url, config, log, [url.rsplit("/", 1)[1]], clip_dir, original, store)
    finally:
        server.terminate()
        server.wait(timeout=10)
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        yield launch(p)


def launch(p: Playwright) -> Browser:
    return p.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


@pytest.fixture
def phone_en(browser: Browser) -> Iterator[BrowserContext]:
    context = phone(browser, "en-US")
    yield context
    context.close()


def phone(browser: Browser, locale: str) -> BrowserContext:
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True, locale=locale)


def shot(page: Page, name: str) -> None:
    png = page.screenshot(full_page=True)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000, f"{name}: the page drew nothing"
    if PICTURES:
        Path(PICTURES).mkdir(parents=True, exist_ok=True)
        (Path(PICTURES) / name).write_bytes(png)


def still_frame(page: Page) -> None:
    """Stop the looping clip on a frame from its middle, so that the screenshot shows the participant. (Test code
    is given as functions: the page's CSP refuses JavaScript evaluated from strings, Playwright's included.)"""
    page.evaluate("(() => { const v = document.querySelector('video'); v.pause(); v.currentTime = 1.5; })()")
    page.wait_for_function("() => document.querySelector('video').seeking === false")


def logged(*lines: str, log: Path) -> None:
    """The server logged each of these lines (each a moment after its answer was sent)."""
    deadline = time.monotonic() + 5
    while (missing := [line for line in lines if line not in log.read_text()]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not missing, f"not in the server's log: {missing}"


def test_a_participant_consents_downloads_and_withdraws(served: Served, phone_en: BrowserContext) -> None:
    page = phone_en.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    opened = page.goto(served.url)
    assert opened is not None and opened.status == 200
    video = page.locator("video.clip")
    assert video.get_attribute("playsinline") is not None and video.get_attribute("muted") is not None
    # the clip really plays here: Debian's Chromium decodes H.264, and the server answers its range requests
    page.wait_for_function("() => document.querySelector('video').readyState >= 2", timeout=60_000)
    assert page.evaluate("document.querySelector('video').duration") > 3.0
    assert page.locator("input.switch").count() == 4 and page.locator("input.switch:checked").count() == 0
    screen = page.locator("label.switch-row", has=page.locator("input[value=booth_screen]"))
    assert "Shown on this booth's screen" in screen.inner_text()
    assert "Stays on this booth: sent to no one." in screen.inner_text(), "no recipient, and the page says so"
    assert page.locator("input[name=age]:checked").count() == 0
    still_frame(page)
    shot(page, "01-clip-and-choices.png")

    page.locator("input.switch[value=send_me]").check()
    page.locator("input.switch[value=social]").check()
    page.get_by_label("18 or over").check()
    clip_id = served.clip_dir.name
    page.locator("input[name=screen_code]").fill(shown_code(served.store.screen_code_for(clip_id)))  # from the kiosk
    shot(page, "02-choices-made.png")
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url(served.url)
    assert page.get_by_role("heading", name="Your choices are saved").is_visible()
    code = page.locator("#withdrawal-code").inner_text()
    served.secrets.append(code)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert page.evaluate("document.querySelector('.qr img').naturalWidth") > 100, "the QR code image loads"
    shot(page, "03-confirmation.png")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my clip").click()
    download = download_info.value
    assert download.suggested_filename == "bullet-time.mp4"
    got = hashlib.sha256(Path(download.path()).read_bytes()).hexdigest()
    assert got == file_sha256(served.clip_dir / "clip.mp4"), "the download is the clip, byte for byte"

    page.get_by_role("link", name="Withdraw my consent").click()
    page.wait_for_url(f"{served.base}/w/{code}")
    shot(page, "05-withdraw.png")
    page.get_by_role("button", name="Withdraw and delete my clip").click()
    assert page.get_by_text("Withdrawn: your clip was deleted from the booth").is_visible()
    shot(page, "06-withdrawn.png")
    gone = page.goto(served.url)
    assert gone is not None and gone.status == 404
    assert not served.clip_dir.exists(), "the clip's folder is deleted"
    assert dialogs == []
    logged("GET /c/… 200", "POST /c/… 303", "GET /c/…/clip.mp4 206", "POST /w/… 200", "GET /c/… 404", log=served.log)
    log = served.log.read_text()
    assert [s for s in (code, served.url.rsplit("/", 1)[1]) if s in log] == [], "no token or code in the server log"


def test_a_french_phone_reads_the_page_in_french(served: Served, browser: Browser) -> None:
    _, url, _ = served.another_clip("french")
    context = phone(browser, "fr-FR")
    try:
        page = context.new_page()
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("heading", name="Votre clip bullet-time").is_visible()
        for words in (
            "Montré sur l'écran de la borne",
            "Réseaux sociaux de la marque",
            "Publicité",
            "Moins de 15 ans",
            "Quel âge a la personne filmée",
        ):
            assert page.get_by_text(words).first.is_visible(), words
        assert page.get_by_role("button", name="Tout refuser").is_visible()
        page.wait_for_function("() => document.querySelector('video').readyState >= 2", timeout=60_000)
        still_frame(page)
        shot(page, "09-french.png")
        page.get_by_role("link", name="English").click()
        assert page.get_by_role("heading", name="Your bullet-time clip").is_visible()
    finally:
        context.close()


def test_unknown_and_expired_links_show_one_page(served: Served, phone_en: BrowserContext) -> None:
    clip_id, url, _ = served.another_clip("expired")
    served.store.db.execute("UPDATE clips SET token_expires = 0 WHERE clip_id = ?", (clip_id,))
    page = phone_en.new_page()
    unknown = page.goto(f"{served.base}/c/AAAAAAAAAAAAAAAAAAAAAA")
    assert unknown is not None and unknown.status == 404
    unknown_body = unknown.text()
    assert page.get_by_role("heading", name="This page is not open").is_visible()
    shot(page, "07-expired-or-unknown.png")
    expired = page.goto(url)
    assert expired is not None and expired.status == 404
    assert expired.text() == unknown_body, "nothing tells an expired link from one that never existed"


def test_a_form_posted_from_another_site_is_refused(served: Served, phone_en: BrowserContext) -> None:
    clip_id, url, _ = served.another_clip("forged")
    page = phone_en.new_page()
    page.goto(url)  # the participant has the page open: the browser holds its form cookie
    forged = (
        f'<!doctype html><form method="post" action="{url}"><input type="hidden" name="purpose" value="advertising">'
        '<input type="hidden" name="age" value="adult"><input type="hidden" name="csrf" value="guessed">'
        '<button type="submit">Win a prize</button></form>'
    ).encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(forged)

        def log_message(self, *args: object) -> None:
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://localhost:{evil.server_address[1]}/")
        with page.expect_navigation():
            page.get_by_role("button", name="Win a prize").click()
        assert page.get_by_role("heading", name="This form was refused").is_visible()
    finally:
        evil.shutdown()
        evil.server_close()
    direct = page.request.post(url, form={"purpose": "advertising", "age": "adult"})
    assert direct.status == 403
    assert served.store.records_for(clip_id) == [], "nothing was recorded"


def test_a_script_typed_as_a_name_is_shown_as_text(served: Served, phone_en: BrowserContext) -> None:
    clip_id, url, _ = served.another_clip("script")
    page = phone_en.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    page.goto(url)
    typed = "<script>alert(1)</script>"
    page.locator("input.switch[value=social]").check()
    page.get_by_label("Under 15").check()
    page.get_by_label("Name of the parent or guardian").fill(typed)
    page.locator("input[name=screen_code]").fill(served.store.screen_code_for(clip_id))
    page.get_by_role("button", name="Save my choices").click()
    error = page.get_by_role("alert")
    assert "a parent or guardian consents for the participant: give their name" in error.inner_text()
    assert page.get_by_label("Name of the parent or guardian").input_value() == typed, "kept, as text"
    assert page.locator("script").count() == 0 and dialogs == []
    page.locator(".error").scroll_into_view_if_needed()
    shot(page, "08-script-shown-as-text.png")
    assert served.store.records_for(clip_id) == []


def test_no_token_or_code_reaches_the_server_log(served: Served) -> None:
    log = served.log.read_text()
    assert served.secrets and not [s for s in served.secrets if s in log]
