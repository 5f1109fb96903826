"""The kiosk on the simulated rig, driven by taps: the participant's way through, time-outs, a retake, a refusal,
a failed shot, the staff panel behind its PIN, and the GUI thread's worst stall during a shot."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget, QWidget
from pytestqt.exceptions import TimeoutError as WaitTimeout
from pytestqt.qtbot import QtBot

from booth.config import BoothConfig, load_config
from booth.consent.records import Method
from booth.services import PhonePageServer
from booth.session import Screen
from booth.staff import attract_clips
from booth.station import Station, open_station
from tests.booth.delivery.broker import free_port
from tests.conftest import read_clip_json
from tests.qr import read_qr
from ui.model import KioskModel
from ui.player import ClipPlayer
from ui.screens import AttractPage
from ui.staff_panel import PointsView
from ui.stall_probe import StallProbe
from ui.theme import Theme
from ui.widgets import Toggle
from ui.window import KioskWindow

REPO = Path(__file__).resolve().parents[2]
CAMERAS = 8
ACCENT = "#00a3e0"
"""The event's colour in booth.toml (not the default), to see it on the buttons."""
SHOT_MS = 120_000
WAIT_MS = 60_000
"""A generous deadline for what a busy machine may take seconds to do: waits end as soon as it is done."""


class Clock:
    """Real time, plus whatever a test skips ahead: time-outs are judged on it."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead

    def skip(self, seconds: float) -> None:
        self.ahead += seconds


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    root = tmp_path_factory.mktemp("kiosk")
    # the sponsor's wordmark on a white plate, as an event's logo file would carry it
    logo = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.rounded_rectangle((10, 10, 230, 70), radius=12, fill=(255, 255, 255, 255))
    draw.text((120, 40), "LUMEN", fill=(17, 24, 39, 255), font=ImageFont.load_default(size=40), anchor="mm")
    logo.save(root / "logo.png")
    frames = [Image.new("RGB", (270, 480), (40 * k, 80, 160)) for k in range(4)]
    frames[0].save(root / "demo.webp", save_all=True, append_images=frames[1:], duration=200, loop=0)
    cfg = root / "booth.toml"
    cfg.write_text(
        '[booth]\nid = "booth-7"\nevent = "launch-2026"\ndata_dir = "data"\n'
        f"[rig]\ncameras = {CAMERAS}\n[rig.sim]\nwidth = 1200\nheight = 800\n"
        '[kiosk]\ncountdown_s = 1\nlong_press_s = 1.0\ntitle = "Lumen Launch Night"\n'
        f'accent = "{ACCENT}"\nlogo = "logo.png"\ndemo_clip = "demo.webp"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {free_port()}\nwifi_name = "Lumen-Guests"\nwifi_password = "bullettime"\n'
    )
    with open_station(load_config(cfg), "sim", services=False) as opened:
        # the phone page alone of the booth's services: the share screen hands out its address
        opened.phone_page = PhonePageServer(opened.config).start()
        try:
            yield opened
        finally:
            opened.phone_page.stop()


class Kiosk:
    def __init__(self, qtbot: QtBot, station: Station, size: tuple[int, int] = (1080, 1920)) -> None:
        self.bot = qtbot
        self.clock = Clock()
        self.model = KioskModel(station, clock=self.clock)
        self.window = KioskWindow(self.model, Theme.from_config(station.config))
        qtbot.addWidget(self.window)
        self.window.resize(*size)
        self.window.show()
        self.model.start()
        self.seen: list[Screen] = [self.model.screen]
        self.model.changed.connect(self._changed)

    def _changed(self) -> None:
        screen = self.model.screen
        if not self.seen or self.seen[-1] is not screen:
            self.seen.append(screen)

    def button(self, name: str) -> QPushButton:
        found = self.window.findChild(QPushButton, name)
        assert found is not None, f"no button {name}"
        return found

    def tap(self, name: str) -> None:
        target = self.button(name)
        assert target.isVisible() and target.isEnabled(), f"{name} cannot be tapped"
        QTest.mouseClick(target, Qt.MouseButton.LeftButton)

    def tap_widget(self, widget: QWidget) -> None:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(widget.width() // 2, widget.height() // 2))

    def tap_screen(self) -> None:
        self.tap_widget(self.window.current_page())

    def wait_for(self, screen: Screen, timeout_ms: int = WAIT_MS) -> None:
        try:
            self.bot.waitUntil(lambda: self.model.screen is screen, timeout=timeout_ms)
        except WaitTimeout as exc:
            problem = self.model.session.problem
            seen = " > ".join(s.value for s in self.seen)
            log = "; ".join(line.text for line in list(self.model.log_lines)[-4:])
            raise AssertionError(
                f"still on {self.model.screen.value}, not {screen.value}: {problem} (seen {seen}; log {log})"
            ) from exc

    def begin(self) -> None:
        """A tap on the attract screen: the pose screen."""
        self.tap_screen()
        self.wait_for(Screen.POSE)

    def keep(self) -> None:
        """Keep the clip in review: the consent screen."""
        self.tap("keep")
        self.wait_for(Screen.CONSENT)

    def shoot(self, timeout_ms: int = SHOT_MS) -> None:
        """From the pose screen to review: ready, the countdown, the shot, the clip."""
        self.tap("ready")
        self.bot.waitUntil(lambda: Screen.COUNTDOWN in self.seen, timeout=WAIT_MS)
        self.wait_for(Screen.REVIEW, timeout_ms)

    def toggle(self, name: str) -> Toggle:
        found = self.window.findChild(Toggle, name)
        assert found is not None, f"no switch {name}"
        return found

    def close(self) -> None:
        self.model.shutdown()
        self.window.close()


def qr_text(widget: QLabel) -> str:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = array[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    return read_qr(rgb)


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_a_participant_shoots_keeps_and_consents_on_the_kiosk(qtbot: QtBot, station: Station, orientation: str) -> None:
    size = (1080, 1920) if orientation == "portrait" else (1920, 1080)
    kiosk = Kiosk(qtbot, station, size)
    model = kiosk.model
    try:
        attract = kiosk.window.pages[Screen.ATTRACT]
        assert isinstance(attract, AttractPage)
        shown = [c / "preview.webp" for c in attract_clips(station.store, station.texts)]
        assert attract.media.path == (shown[0] if shown else station.config.resolve(Path("demo.webp"))), (
            "the attract loop plays a clip someone agreed to show, or the event's demo clip"
        )
        kiosk.begin()
        qtbot.waitUntil(lambda: station.live is not None and station.live.latest() is not None, timeout=WAIT_MS)
        qtbot.wait(400)  # the preview shows the centre camera
        best = 0.0

        def progress() -> None:
            nonlocal best
            best = max(best, model.progress)

        model.progressed.connect(progress)
        kiosk.shoot()
        assert Screen.PROCESSING in kiosk.seen and Screen.CAPTURE in kiosk.seen
        assert best > 0.35, "the progress bar moved with the stitcher's stages"
        clip = model.clip_id
        assert clip is not None and (station.clips_dir / clip / "clip.mp4").exists()
        shown_clip = kiosk.window.pages[Screen.REVIEW].findChild(QLabel, "clip")
        assert shown_clip is not None
        qtbot.waitUntil(lambda: not shown_clip.pixmap().isNull(), timeout=WAIT_MS)  # the clip loops
        assert isinstance(shown_clip, ClipPlayer)
        qtbot.waitUntil(lambda: shown_clip.frames is not None, timeout=WAIT_MS)  # the clip itself, decoded
        assert shown_clip.frames is not None
        played = QImage.fromData(shown_clip.frames.jpegs[0])
        preview = Image.open(station.clips_dir / clip / "preview.webp")
        assert played.width() > 1.3 * preview.width, "the clip at the size it is shown, not its preview stretched"
        kiosk.keep()
        assert not kiosk.button("save").isEnabled(), "an age must be chosen first"
        kiosk.tap_widget(kiosk.toggle("purpose_social"))
        kiosk.tap_widget(kiosk.toggle("purpose_booth_screen"))
        assert kiosk.toggle("purpose_social").checked and kiosk.toggle("purpose_booth_screen").checked
        kiosk.tap("age_adult")
        kiosk.tap("save")
        kiosk.wait_for(Screen.SHARE)
        assert model.page is not None and "/c/" in model.page
        qr = kiosk.window.findChild(QLabel, "qr")
        assert qr is not None
        qtbot.waitUntil(lambda: qr_text(qr) == model.page, timeout=WAIT_MS)  # the QR code opens the phone page
        record = station.store.current(clip)
        assert record is not None and record.method == Method.KIOSK.value
        assert sorted(record.granted()) == ["booth_screen", "social"]
        assert {j.recipient for j in station.outbox.jobs(clip)} == {"orbita-agency", "brand"}
        # the withdrawal code, once, with a QR code of the form where it is typed (the code is not in it)
        shown_code = kiosk.window.findChild(QLabel, "withdrawal_code")
        assert shown_code is not None and shown_code.isVisible()
        assert station.store.record_by_code(model.withdrawal_code) is not None
        assert model.withdrawal_code in shown_code.text()
        withdraw_qr = kiosk.window.findChild(QLabel, "withdraw_qr")
        assert withdraw_qr is not None
        qtbot.waitUntil(lambda: qr_text(withdraw_qr) == model.withdraw_page, timeout=WAIT_MS)
        assert model.withdrawal_code not in model.withdraw_page
        kiosk.tap("done")
        kiosk.wait_for(Screen.THANKS)
        assert qr.pixmap().isNull() and model.qr == b"", "the link's QR code leaves with the share screen"
        assert model.withdrawal_code == ""
        kiosk.clock.skip(station.config.kiosk.message_s + 1)
        kiosk.wait_for(Screen.ATTRACT)
        assert kiosk.seen[1:] == [
            Screen.POSE,
            Screen.COUNTDOWN,
            Screen.CAPTURE,
            Screen.PROCESSING,
            Screen.REVIEW,
            Screen.CONSENT,
            Screen.SHARE,
            Screen.THANKS,
            Screen.ATTRACT,
        ]
        attract = kiosk.window.pages[Screen.ATTRACT]
        assert isinstance(attract, AttractPage)
        assert station.clips_dir / clip / "preview.webp" in attract.playlist, (
            "a clip allowed on the booth's screen joins the attract loop"
        )
    finally:
        kiosk.close()


def test_a_retake_then_everything_refused(qtbot: QtBot, station: Station) -> None:
    kiosk = Kiosk(qtbot, station)
    model = kiosk.model
    try:
        kiosk.begin()
        kiosk.shoot()
        first = model.clip_id
        assert kiosk.button("retake").text().startswith("Retake (2")
        kiosk.tap("retake")
        kiosk.wait_for(Screen.REVIEW, SHOT_MS)
        second = model.clip_id
        assert second is not None and second != first
        assert "(1" in kiosk.button("retake").text()
        assert station.store.current(first or "") is None, "the first take gets no decision"
        kiosk.keep()
        kiosk.tap("language")
        assert kiosk.button("save").text() == "Enregistrer mes choix"
        kiosk.tap("age_under_threshold")  # refusing everything needs no guardian, at any age
        kiosk.tap("refuse")
        kiosk.wait_for(Screen.THANKS)
        assert "Rien ne quitte la borne" in " ".join(w.text() for w in kiosk.window.findChildren(QLabel))
        record = station.store.current(second)
        assert record is not None and record.granted() == [] and record.language == "fr"
        assert record.age_band == "under_threshold"
        assert station.outbox.jobs(second) == [], "nothing of a refused clip is queued"
        kiosk.clock.skip(station.config.kiosk.message_s + 1)
        kiosk.wait_for(Screen.ATTRACT)
        assert kiosk.button("language").text() == "Français", "the next participant starts in the event's language"
    finally:
        kiosk.close()


def test_below_the_age_limit_the_guardian_decides_on_the_phone(qtbot: QtBot, station: Station) -> None:
    kiosk = Kiosk(qtbot, station)
    model = kiosk.model
    try:
        kiosk.begin()
        kiosk.shoot()
        kiosk.keep()
        kiosk.tap_widget(kiosk.toggle("purpose_send_me"))
        kiosk.tap("age_under_threshold")
        note = kiosk.window.findChild(QLabel, "guardian_note")
        assert note is not None and note.isVisible() and "guardian" in note.text()
        qtbot.waitUntil(lambda: not note.visibleRegion().isEmpty(), timeout=WAIT_MS)  # scrolled into view
        assert not kiosk.button("save").isEnabled(), "a guardian gives their name on the phone page"
        # a decision the booth cannot keep (no guardian) brings the participant back with the reason
        model.decide({"send_me": True}, "under_threshold")
        kiosk.wait_for(Screen.CONSENT)
        problem = kiosk.window.pages[Screen.CONSENT].findChild(QLabel, "problem")
        assert problem is not None and problem.isVisible() and "guardian" in problem.text()
        assert kiosk.toggle("purpose_send_me").checked, "what they chose is kept"
        assert station.store.current(model.clip_id or "") is None
        kiosk.tap("on_phone")
        kiosk.wait_for(Screen.SHARE)
        shown = " ".join(w.text() for w in kiosk.window.current_page().findChildren(QLabel))
        assert "Scan to decide" in shown
        kiosk.tap("done")
        kiosk.wait_for(Screen.THANKS)
        shown = " ".join(w.text() for w in kiosk.window.current_page().findChildren(QLabel))
        assert "Nothing leaves" not in shown, "the phone decides next: nothing was refused"
    finally:
        kiosk.close()


def test_screens_give_up_by_themselves(qtbot: QtBot, station: Station) -> None:
    kiosk = Kiosk(qtbot, station)
    rules = station.config.kiosk
    try:
        kiosk.begin()
        kiosk.clock.skip(rules.idle_s - 5)
        kiosk.tap_screen()  # still there: the time-out starts again
        kiosk.clock.skip(10)
        qtbot.wait(300)
        assert kiosk.model.screen is Screen.POSE
        kiosk.clock.skip(rules.idle_s)
        kiosk.wait_for(Screen.ATTRACT)
        kiosk.begin()
        kiosk.shoot()
        clip = kiosk.model.clip_id
        kiosk.keep()
        kiosk.clock.skip(rules.consent_s + 1)
        kiosk.wait_for(Screen.ATTRACT)
        assert station.store.current(clip or "") is None, "a participant who walks away decides nothing"
        assert any("walked away on the consent screen" in line.text for line in kiosk.model.log_lines)
    finally:
        kiosk.close()


def test_a_failed_shot_ends_on_the_error_screen_and_goes_back(qtbot: QtBot, station: Station) -> None:
    assert station.sim is not None
    kiosk = Kiosk(qtbot, station)
    station.sim.faults = {k: "missing" for k in range(CAMERAS)}  # every camera drops out
    try:
        kiosk.begin()
        kiosk.tap("ready")
        kiosk.wait_for(Screen.ERROR, SHOT_MS)

        def shown() -> str:
            return " ".join(w.text() for w in kiosk.window.current_page().findChildren(QLabel))

        qtbot.waitUntil(lambda: "didn't work" in shown(), timeout=WAIT_MS)
        assert "camera" not in shown(), "participants see a friendly message"
        assert any(line.level == "error" and "stitch failed" in line.text for line in kiosk.model.log_lines), [
            line.text for line in kiosk.model.log_lines
        ]
        kiosk.clock.skip(station.config.kiosk.message_s + 1)
        kiosk.wait_for(Screen.ATTRACT)
    finally:
        station.sim.faults = {}
        kiosk.close()
    landscape = Kiosk(qtbot, station, (1920, 1080))
    station.sim.faults = {k: "missing" for k in range(CAMERAS)}
    try:
        landscape.begin()
        landscape.tap("ready")
        landscape.wait_for(Screen.ERROR, SHOT_MS)
        qtbot.wait(400)
    finally:
        station.sim.faults = {}
        landscape.close()


def test_the_gui_thread_never_stalls_during_a_shot(qtbot: QtBot, station: Station) -> None:
    kiosk = Kiosk(qtbot, station)
    probe = StallProbe()
    try:
        kiosk.begin()
        probe.start()
        kiosk.shoot()
        qtbot.wait(1500)  # the review screen starts its loop
        probe.stop()
        gaps = probe.gaps
        assert len(gaps) > 100
        print(f"GUI thread: {len(gaps)} beats, worst gap {probe.worst:.1f} ms, median {np.median(gaps):.1f} ms")
        # the 100 ms target is bench/kiosk_stall.py's, measured on a quiet host; here, beside other work, the test
        # catches what a participant would see as a frozen screen: work done on the GUI thread takes seconds
        assert probe.worst < 500, f"the GUI thread stalled {probe.worst:.0f} ms during a shot"
    finally:
        probe.stop()
        kiosk.close()


def test_the_staff_panel_behind_a_long_press_and_the_pin(qtbot: QtBot, station: Station) -> None:
    kiosk = Kiosk(qtbot, station, (1920, 1080))
    window, model = kiosk.window, kiosk.model
    config: BoothConfig = station.config
    try:
        corner = window.corner
        QTest.mouseClick(corner, Qt.MouseButton.LeftButton)  # a short tap is a touch
        kiosk.wait_for(Screen.POSE)
        assert window.current_page() is not window.pin
        QTest.mousePress(corner, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.current_page() is window.pin, timeout=WAIT_MS)
        for digit in "0000":
            kiosk.tap(f"pin_{digit}")
        kiosk.tap("pin_ok")
        assert window.current_page() is window.pin and "Wrong PIN" in window.pin.prompt.text()
        for digit in config.kiosk.staff_pin:
            kiosk.tap(f"pin_{digit}")
        kiosk.tap("pin_ok")
        staff = window.staff
        assert window.current_page() is staff

        # rig health: a tile per camera, and the trigger
        staff.tabs.setCurrentWidget(staff.rig)
        qtbot.waitUntil(lambda: len(staff.rig.tiles) == CAMERAS, timeout=WAIT_MS)
        assert "8 of 8 cameras connected" in staff.rig.summary.text()
        assert "Trigger box: connected" in staff.rig.box.text()

        # test fire: the arrival table and the skew
        staff.tabs.setCurrentWidget(staff.test)
        kiosk.tap("test_fire")
        qtbot.waitUntil(lambda: staff.test.result is not None, timeout=60_000)
        table = staff.test.findChild(QTableWidget, "arrivals")
        assert table is not None and table.rowCount() == CAMERAS
        assert "trigger skew 0.0 µs" in staff.test.report.text()

        # calibration: shoot the target, drag a point, save
        staff.tabs.setCurrentWidget(staff.calibration)
        before = station.calibration
        kiosk.tap("shoot_target")
        qtbot.waitUntil(lambda: len(staff.calibration.views) == CAMERAS, timeout=60_000)
        assert "Axis found in 8 of 8 frames" in staff.calibration.report.text()
        view = staff.calibration.findChild(PointsView, "points_3")
        assert view is not None and len(view.points) == 2
        top = view.points[0]
        QTest.mousePress(view, Qt.MouseButton.LeftButton, pos=top)
        QTest.mouseMove(view, top + QPoint(2, 1))
        QTest.mouseRelease(view, Qt.MouseButton.LeftButton, pos=top + QPoint(2, 1))
        target = staff.calibration.target
        assert target is not None and target.moved == {3}
        kiosk.tap("save_calibration")
        qtbot.waitUntil(lambda: station.calibration is not before, timeout=WAIT_MS)
        assert station.calibration is not None and station.calibration_path.exists()
        assert model.runner.calibration is station.calibration, "the next shot uses it"

        # event settings, outbox, consent counts, the log
        staff.tabs.setCurrentWidget(staff.event_tab)
        kiosk.tap("profile_landscape")
        assert model.config.stitch.profile == "landscape" and model.runner.config.stitch.profile == "landscape"
        assert "landscape" in staff.event_tab.info.text() and "Consent texts" in staff.event_tab.info.text()
        kiosk.tap("profile_vertical")
        staff.tabs.setCurrentWidget(staff.outbox)
        assert "job(s) waiting" in staff.outbox.state.text()
        staff.tabs.setCurrentWidget(staff.consent)
        counts = staff.consent.counts.text()
        assert "clips made" in counts and "Decided on the kiosk" in counts
        staff.tabs.setCurrentWidget(staff.log)
        log = staff.log.text.toPlainText()
        assert "wrong staff PIN" in log and "test fire" in log and "calibration" in log
        kiosk.tap("staff_back")
        assert window.current_page() is window.pages[model.screen]
    finally:
        kiosk.close()


def test_the_event_look_comes_from_booth_toml(qtbot: QtBot, station: Station) -> None:
    kiosk = Kiosk(qtbot, station)
    try:
        kiosk.begin()
        qtbot.wait(200)
        logo = kiosk.window.header.logo.pixmap()
        assert not logo.isNull() and logo.height() == round(kiosk.window.unit * 1.6), "the event's logo, sized"
        ready = kiosk.button("ready")
        picture = ready.grab().toImage()
        colour = picture.pixelColor(picture.width() // 2, 6).name()
        assert colour == ACCENT, f"the button is {colour}, booth.toml says {ACCENT}"
        assert kiosk.button("ready").height() >= 2 * kiosk.window.unit, "a touch target a finger finds"
    finally:
        kiosk.close()


def test_a_camera_dropping_out_shows_to_staff_and_the_participant_still_gets_a_clip(
    qtbot: QtBot, station: Station
) -> None:
    assert station.sim is not None
    station.sim.faults = {3: "missing"}
    kiosk = Kiosk(qtbot, station)
    try:
        kiosk.begin()
        kiosk.shoot()
        meta = read_clip_json(station.clips_dir / (kiosk.model.clip_id or ""))
        assert [m["index"] for m in meta["cameras_missing"]] == [3]
        rig = kiosk.window.staff.rig
        rig.refresh()
        qtbot.waitUntil(lambda: len(rig.tiles) == CAMERAS, timeout=WAIT_MS)
        assert f"{CAMERAS - 1} of {CAMERAS} cameras connected" in rig.summary.text()
        assert rig.tiles[3].property("ok") == "false" and rig.tiles[2].property("ok") == "true"
    finally:
        station.sim.faults = {}
        kiosk.close()


def test_the_phone_page_failing_to_listen_stops_the_share_step(qtbot: QtBot, station: Station) -> None:
    serving = station.phone_page
    with socket.socket() as taken:  # another program holds the page's port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        web = station.config.web.model_copy(update={"port": taken.getsockname()[1]})
        station.phone_page = PhonePageServer(station.config.model_copy(update={"web": web})).start()
        kiosk = Kiosk(qtbot, station)
        model = kiosk.model
        try:
            qtbot.waitUntil(lambda: station.phone_page_error() != "", timeout=WAIT_MS)
            kiosk.begin()
            kiosk.shoot()
            kiosk.keep()
            assert not kiosk.button("on_phone").isVisible(), "no deciding on a phone whose page is not there"
            kiosk.tap_widget(kiosk.toggle("purpose_send_me"))
            kiosk.tap("age_adult")
            kiosk.tap("save")
            kiosk.wait_for(Screen.SHARE)
            qr = kiosk.window.findChild(QLabel, "qr")
            assert qr is not None and not qr.isVisible() and model.qr == b"", "no QR code that leads nowhere"
            shown = " ".join(w.text() for w in kiosk.window.current_page().findChildren(QLabel) if w.isVisible())
            assert "staff have been told" in shown
            alert = [line.text for line in model.log_lines if line.level == "error"]
            assert any("could not listen" in line and str(web.port) in line for line in alert), alert
            assert station.store.current(model.clip_id or "") is not None, "the choice made on the kiosk stands"
        finally:
            kiosk.close()
            station.phone_page.stop()
            station.phone_page = serving


def test_with_the_age_limit_at_18_no_one_is_between_it_and_adulthood(
    qtbot: QtBot, station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    consent = station.config.consent.model_copy(update={"age_threshold": 18})
    monkeypatch.setattr(station, "config", station.config.model_copy(update={"consent": consent}))
    kiosk = Kiosk(qtbot, station)
    try:
        page = kiosk.window.pages[Screen.CONSENT]
        page.refresh()
        assert kiosk.button("age_under_threshold").text() == "Under 18"
        assert kiosk.button("age_minor").isHidden(), "as on the phone page: no '18 to 17'"
        assert not kiosk.button("age_adult").isHidden()
    finally:
        kiosk.close()
