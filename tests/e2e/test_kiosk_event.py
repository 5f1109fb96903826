"""One participant at an event, end to end, on the rig the booth drives as hardware but with none: the
trigger-box firmware in simavr fires libgphoto2's virtual cameras, which hold a simulated participant's frames.
The kiosk takes the shot; the participant decides on their phone (Debian's Chromium at a phone's size) and
gives consent for the brand's social media; the booth delivers the clip through a real Mosquitto to the
agency's `booth collect`, which holds it with its consent record and tags; then the participant withdraws on
the phone page's link and the clip is erased at the agency and deleted at the booth."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from booth.atomic import file_sha256
from booth.config import BoothConfig, load_config
from booth.consent.store import ConsentStore, Event
from booth.session import Screen
from booth.station import open_station
from rig.cameras.virtual import load_frames
from rig.trigger.simbench import SimulatedBox
from tests.booth.consent.test_phone_page import CHROMIUM, PHONE, free_port, launch
from tests.booth.delivery.broker import MOSQUITTO, Mosquitto
from tests.conftest import Rendered, read_clip_json, run_booth
from tests.e2e.test_camera_rig import frames_of
from ui.app import build
from ui.window import KioskWindow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the application

EVENT, BOOTH, AGENCY = "launch-2026", "booth-e2e", "orbita-agency"
CAMERAS = 12
"""The small rig of tests/conftest.py: 12 cameras at 1200x800."""
SHOT_S = 90
"""The longest the shot (capture, stitch, preview) may take on a small machine."""
DELIVERY_S = 45
"""The longest a clip or an erasure may take to cross the broker."""

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package (apt install chromium)"),
    pytest.mark.skipif(not Path(MOSQUITTO).exists(), reason="needs the mosquitto broker (apt install mosquitto)"),
]


def booth_toml(root: Path, web_port: int, broker_url: str, box: SimulatedBox, calibration: Path) -> Path:
    """The event's booth.toml: the virtual cameras in root/vrig, fired by the simulated box's pin log."""
    made = run_booth("rig", "cameras", "virtual", str(root / "target"), "--out", str(root / "vrig"))
    assert made.returncode == 0, made.stderr
    serials = made.stdout.split("serials = ")[1].strip()
    cfg = root / "booth.toml"
    cfg.write_text(
        f'[booth]\nid = "{BOOTH}"\nevent = "{EVENT}"\ndata_dir = "data"\n'
        f'[rig]\nkind = "gphoto2"\ncameras = {CAMERAS}\n[rig.trigger]\nport = "{box.pty}"\n'
        f'[rig.gphoto2]\nvirtual_dir = "vrig"\nvirtual_edges = "{box.edges_path.name}"\nserials = {serials}\n'
        f'[calibration]\nfile = "{calibration}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {web_port}\n'
        f'[delivery]\nurl = "{broker_url}"\nchunk_kib = 64\nretry_min_s = 0.2\nretry_max_s = 1.0\n'
        "reply_timeout_s = 2.0\nkeepalive_s = 5\n"
        "[kiosk]\ncountdown_s = 1\n"
    )
    return cfg


@contextmanager
def collector(root: Path, broker_url: str) -> Iterator[Path]:
    """The agency's `booth collect`, as its own process; yields the folder it stores clips in."""
    out = root / "agency"
    cfg = root / "agency.toml"
    cfg.write_text(f'recipient = "{AGENCY}"\ngroup = "agency"\nout = "{out}"\n[broker]\nurl = "{broker_url}"\n')
    log = root / "agency.log"
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "booth.cli", "collect", "--config", str(cfg)], stdout=fh, stderr=fh
        )
    try:
        yield out
        assert proc.poll() is None, f"the collector stopped: {log.read_text()[-2000:]}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def tap(window: KioskWindow, name: str) -> None:
    """A finger on the kiosk's button of that name."""
    button = window.findChild(QPushButton, name)
    assert button is not None, f"no {name!r} button on the kiosk"
    assert button.isVisible() and button.isEnabled(), f"the {name!r} button cannot be tapped"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def events_of(store: ConsentStore, clip_id: str, event: Event) -> list[str]:
    """The recipients named by this clip's audit entries of one kind."""
    return [str(e.detail.get("recipient")) for e in store.audit(clip_id=clip_id) if e.event == event.value]


def consent_on_the_phone(page: Page, url: str, screen_code: str) -> str:
    """Open the QR code's page, allow the brand's social media as an adult, type the code the kiosk shows, save;
    the withdrawal code shown."""
    opened = page.goto(url)
    assert opened is not None and opened.status == 200, "the QR code's page opens on the phone"
    assert page.locator("input.switch:checked").count() == 0, "nothing is allowed before the participant says so"
    page.locator("input.switch[value=social]").check()
    page.get_by_label("18 or over").check()
    page.locator("input[name=screen_code]").fill(screen_code)
    page.get_by_role("button", name="Save my choices").click()
    page.get_by_role("heading", name="Your choices are saved").wait_for()
    assert page.url == url, "the page confirms on the QR code's address"
    code = page.locator("#withdrawal-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    return code


def test_a_participant_shoots_consents_on_the_phone_is_delivered_and_withdraws(
    qtbot: QtBot, tmp_path: Path, small_target: Rendered, small_participant: Rendered, small_calibration: Path
) -> None:
    broker = Mosquitto(tmp_path / "broker").start()
    try:
        small_target.copy_to(tmp_path / "target")
        with SimulatedBox(tmp_path / "edges.csv") as box:
            config = load_config(booth_toml(tmp_path, free_port(), broker.url, box, small_calibration))
            load_frames(frames_of(small_participant), tmp_path / "vrig")  # the participant steps onto the mark
            event(qtbot, config, tmp_path)
    finally:
        broker.stop()


def event(qtbot: QtBot, config: BoothConfig, root: Path) -> None:
    broker_url = config.delivery.url
    assert broker_url is not None
    with collector(root, broker_url) as agency, open_station(config, "hardware") as station:
        assert station.phone_page is not None and station.phone_page.running, station.phone_page
        model, window = build(station)
        qtbot.addWidget(window)
        window.resize(1080, 1920)
        window.show()
        model.start()
        try:
            # at the kiosk: a tap wakes it, the participant poses, the rig fires and the clip is shown
            assert model.screen is Screen.ATTRACT
            QTest.mouseClick(window.pages[Screen.ATTRACT], Qt.MouseButton.LeftButton)  # a tap anywhere
            qtbot.waitUntil(lambda: model.screen is Screen.POSE, timeout=60_000)
            tap(window, "ready")
            qtbot.waitUntil(lambda: model.screen is Screen.REVIEW, timeout=SHOT_S * 1000)
            clip_id = model.clip_id
            assert clip_id is not None
            clip_dir = station.clips_dir / clip_id
            video = clip_dir / "clip.mp4"
            assert video.is_file(), f"the kiosk shows a clip that is not on disk: {clip_dir}"
            sha256 = file_sha256(video)
            meta = read_clip_json(clip_dir)
            assert meta["cameras_used"] == list(range(CAMERAS)), "every virtual camera delivered"
            assert meta["trigger_skew_us"] <= 1.0, "fired by the box, whose edges are within a microsecond"
            tap(window, "keep")
            qtbot.waitUntil(lambda: model.screen is Screen.CONSENT, timeout=60_000)
            tap(window, "on_phone")
            qtbot.waitUntil(lambda: model.screen is Screen.SHARE, timeout=60_000)
            url = model.page
            assert url is not None and url.startswith(f"http://127.0.0.1:{config.web.port}/c/"), url
            shown = window.findChild(QLabel, "screen_code")
            assert shown is not None and shown.isVisible(), "the kiosk shows the code beside the QR code"
            screen_code = "".join(re.findall(r"[0-9]", shown.text()))
            assert len(screen_code) == 6, shown.text()
            assert station.store.current(clip_id) is None, "nothing is decided until the phone says so"

            with sync_playwright() as p:
                browser = launch(p)
                try:
                    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
                    context.set_default_timeout(15_000)
                    phone = context.new_page()
                    code = consent_on_the_phone(phone, url, screen_code)

                    # the participant is done at the kiosk: it thanks them
                    tap(window, "done")
                    qtbot.waitUntil(lambda: model.screen is Screen.THANKS, timeout=60_000)
                    record = station.store.current(clip_id)
                    assert record is not None and record.granted() == ["social"], record

                    # the agency holds the clip, byte for byte, with the consent it travels under and its tags
                    held = agency / EVENT / BOOTH / clip_id

                    def arrived() -> None:
                        assert (held / "clip.mp4").is_file(), f"{held} has no clip.mp4 yet"
                        assert AGENCY in events_of(station.store, clip_id, Event.DELIVERED), "not confirmed yet"

                    qtbot.waitUntil(arrived, timeout=DELIVERY_S * 1000)
                    assert file_sha256(held / "clip.mp4") == sha256
                    consent = json.loads((held / "consent.json").read_text())
                    assert consent["clip_id"] == clip_id and consent["recipient"] == AGENCY
                    assert consent["purposes"] == ["social"]
                    assert consent["record"]["record_id"] == record.record_id
                    assert isinstance(json.loads((held / "tags.json").read_text()), dict)

                    # later, the participant withdraws on the page's link: gone at the booth and the agency
                    phone.get_by_role("link", name="Withdraw my consent").click()
                    phone.wait_for_url(re.compile(rf"/w/{re.escape(code)}$"))
                    phone.get_by_role("button", name="Withdraw and delete my clip").click()
                    phone.get_by_text("Withdrawn: your clip was deleted from the booth").wait_for()
                    assert not clip_dir.exists(), "the kiosk's clip folder is deleted"

                    def erased() -> None:
                        assert not held.exists(), f"{held} is still at the agency"
                        assert AGENCY in events_of(station.store, clip_id, Event.ERASURE_ACKNOWLEDGED)

                    qtbot.waitUntil(erased, timeout=DELIVERY_S * 1000)
                    left = sorted(f.name for f in (agency / EVENT / BOOTH).glob("*"))
                    assert left == [], f"the agency still holds something of this booth: {left}"
                    gone = phone.goto(url)
                    assert gone is not None and gone.status == 404, "the QR code's page is closed"
                    context.close()
                finally:
                    browser.close()
            assert station.store.verify() == [], "the booth's audit log is intact"
        finally:
            model.shutdown()
            window.close()
