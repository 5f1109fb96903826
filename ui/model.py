"""KioskModel: the view-model between the screens and the booth; owns the session, ticks it, carries out actions."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from booth.consent.decisions import Choice, give
from booth.consent.page_words import say
from booth.consent.qr import qr_png, wifi_payload
from booth.consent.records import ConsentError, Method
from booth.consent.registry import page_url, withdraw_url
from booth.consent.store import shown_code
from booth.consent.texts import LANGUAGES, ConsentText
from booth.delivery.outbox import ConsentGateError
from booth.session import (
    Abandon,
    Action,
    ClipReady,
    ConsentInvalid,
    Decided,
    Event,
    Fire,
    Keep,
    OnPhone,
    Ready,
    RecordConsent,
    Report,
    Retake,
    Screen,
    Session,
    ShowPage,
    Tick,
    Touch,
)
from booth.shot_runner import ShotRunner
from booth.station import Station
from booth.stitch.calibration import Calibration

log = logging.getLogger(__name__)

TICK_MS = 100
STAGE_SPAN = {"capture": (0.0, 0.35), "encode": (0.35, 0.9), "tags": (0.9, 1.0)}
"""Each stage's share of the progress bar."""


@dataclass(frozen=True)
class LogLine:
    at: float
    level: str
    text: str


def screen_qr(text: str) -> bytes:
    """`text` as a QR code for the kiosk's screen: one pixel a module, which the screen scales by a whole number, in
    the 4-module white margin the standard asks (the page around it is dark, and 2 modules left some cameras and
    OpenCV's detector unsure where the code begins)."""
    return qr_png(text, box_size=1, border=4)


class KioskModel(QObject):
    """Everything the screens show and every tap they pass on. Worker threads (the shot, the log) only emit
    signals; the session is touched on the GUI thread alone."""

    changed = Signal()
    """The screen or what it shows changed."""
    progressed = Signal()
    logged = Signal(object)
    _reported = Signal(object)
    _stage = Signal(str, float)

    def __init__(self, station: Station, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.station = station
        self.config = station.config
        self.clock = clock
        self.session = Session(station.config.kiosk)
        self.language: str = station.config.kiosk.language
        self.progress = 0.0
        self.stage = ""
        self.page: str | None = None
        """The phone page's URL on the share screen."""
        self.qr: bytes = b""
        self.screen_code = ""
        """The digits the phone page asks for before it records a choice, shown beside the QR code."""
        self.wifi_qr: bytes = b""
        """The event Wi-Fi as a QR code phones join from (web.wifi_name), shown before the page's."""
        self.withdrawal_code = ""
        """After choices made on the kiosk: the code that withdraws them, shown once on the share screen."""
        self.withdraw_page = ""
        self.withdraw_qr: bytes = b""
        """The phone page's withdrawal form (its address never holds the code)."""
        self.decided_granted = False
        self.refused_all = False
        """The participant refused everything on the kiosk (not: left it to their phone, or walked away)."""
        self.log_lines: deque[LogLine] = deque(maxlen=500)
        self.staff_open = False
        self._reported.connect(self._on_report, Qt.ConnectionType.QueuedConnection)
        self._stage.connect(self._on_stage, Qt.ConnectionType.QueuedConnection)
        live = station.live
        self.runner = ShotRunner(
            station.rig,
            station.calibration,
            station.config,
            station.clips_dir,
            self._reported.emit,
            tagger=station.tagger,
            progress=self._stage.emit,
            before=live.pause if live is not None else None,
        )
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self._shown = self.session.screen

    # what the screens read

    @property
    def screen(self) -> Screen:
        return self.session.screen

    @property
    def clip_id(self) -> str | None:
        return self.session.clip_id

    @property
    def text(self) -> ConsentText:
        """The consent text in the screen's language (English where the event has no text in it)."""
        return self.station.texts.get(self.language)

    def countdown(self) -> int:
        return self.session.countdown_left(self.clock())

    def time_left(self) -> float | None:
        return self.session.time_left(self.clock())

    @property
    def calibrated(self) -> bool:
        return self.station.calibration is not None

    @property
    def frames_in(self) -> tuple[int, int]:
        """Cameras' frames arrived of those fired for the shot in flight (0 of the rig's cameras before)."""
        frames = self.runner.frames
        if frames is None:
            return 0, len(self.station.rig.cameras.cameras())
        return frames.arrived, frames.expected

    def phone_page_down(self) -> str:
        """Why phones cannot open the page now ("" while it is served): no QR code is handed out meanwhile."""
        return self.station.phone_page_error()

    # taps

    def start(self) -> None:
        self.timer.start()
        self._screen_changed()

    @Slot()
    def touch(self) -> None:
        self.handle(Touch())

    @Slot()
    def ready(self) -> None:
        self.handle(Ready())

    @Slot()
    def retake(self) -> None:
        self.handle(Retake())

    @Slot()
    def keep(self) -> None:
        self.handle(Keep())

    @Slot()
    def on_phone(self) -> None:
        self.handle(OnPhone())

    def decide(self, purposes: dict[str, bool], age: str) -> None:
        self.handle(Decided(Choice(purposes, age), self.text.content.language))

    @Slot()
    def switch_language(self) -> None:
        self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        if self.screen in (Screen.POSE, Screen.REVIEW, Screen.CONSENT):
            self.handle(Touch())  # someone is there: the screen's time-out starts again
        self.changed.emit()

    @Slot()
    def tick(self) -> None:
        self.handle(Tick())
        if self.screen is Screen.COUNTDOWN:
            self.changed.emit()

    # the session's actions

    def handle(self, event: Event) -> None:
        actions = self.session.handle(event, self.clock())
        self._carry_out(actions)
        if self.session.screen is not self._shown:
            self._screen_changed()
        elif not isinstance(event, Tick):
            self.changed.emit()  # the same screen with something new on it (a problem to show)

    def _carry_out(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, RecordConsent) and not self._record(action):
                return  # the session went back to the consent screen; nothing after the decision happens
            if isinstance(action, Fire):
                self._fire(action)
            elif isinstance(action, ShowPage):
                self._show_page(action.clip_id)
            elif isinstance(action, Abandon):
                self.note("info", f"clip {action.clip_id or '(none yet)'} left undecided: {action.reason}")
            elif isinstance(action, Report):
                self.note("error", f"{action.stage} failed: {action.detail}")

    def _fire(self, action: Fire) -> None:
        self.progress, self.stage = 0.0, "capture"
        self.note("info", f"shot {action.shot} (attempt {action.attempt}) fired")
        self.runner.fire(action)

    def _record(self, action: RecordConsent) -> bool:
        try:
            _, code = give(
                self.station.store,
                self.station.texts.get(action.language),
                action.clip_id,
                action.choice,
                method=Method.KIOSK,
                booth_id=self.config.booth.id,
            )
        except ConsentError as exc:
            self.handle(ConsentInvalid(say(self.language, exc)))
            return False
        self.decided_granted = any(action.choice.purposes.values())
        self.refused_all = not self.decided_granted
        if self.decided_granted:  # a refusal has nothing to withdraw
            self.show_withdrawal(code)
        try:
            self.station.outbox.add_consented(action.clip_id)
        except ConsentGateError as exc:  # the record stands; staff see why nothing was queued
            self.note("error", f"consent recorded but {action.clip_id} was not queued: {exc}")
        self.note("info", f"consent for {action.clip_id} decided on the kiosk")
        return True

    def show_withdrawal(self, code: str) -> None:
        """The withdrawal code for the share screen, with the QR code of the phone page's withdrawal form."""
        self.decided_granted = True
        self.withdrawal_code = code
        self.withdraw_page = withdraw_url(self.config)
        self.withdraw_qr = screen_qr(self.withdraw_page)

    def _show_page(self, clip_id: str) -> None:
        down = self.phone_page_down()
        if down:  # a QR code leading nowhere is worse than none: the participant is told, staff are alerted
            self.page, self.qr, self.screen_code = None, b"", ""
            self.note("error", f"no QR code given for {clip_id}: {down}")
            return
        web = self.config.web
        if web.wifi_name:
            self.wifi_qr = screen_qr(wifi_payload(web.wifi_name, web.wifi_password))
        self.page = page_url(self.config, self.station.store.token_for(clip_id))
        self.qr = screen_qr(self.page)
        self.screen_code = shown_code(self.station.store.screen_code_for(clip_id)) if web.screen_code else ""

    @Slot(object)
    def _on_report(self, event: Event) -> None:
        if isinstance(event, ClipReady) and event.shot == self.session.shots:
            self.progress = 1.0
        self.handle(event)  # a failure of the shot in flight comes back from the session as a Report

    @Slot(str, float)
    def _on_stage(self, stage: str, share: float) -> None:
        lo, hi = STAGE_SPAN.get(stage, (0.0, 1.0))
        self.stage = stage
        self.progress = max(self.progress, lo + (hi - lo) * share)
        self.progressed.emit()

    def _screen_changed(self) -> None:
        screen = self._shown = self.session.screen
        live = self.station.live
        if live is not None:
            if screen in (Screen.POSE, Screen.COUNTDOWN) and not self.staff_open:
                live.resume()
            elif screen is not Screen.CAPTURE:  # the shot's worker waits for it to let go of the camera
                live.pause(0.0)
        if screen is not Screen.SHARE:
            # the link opens the clip for anyone who scans it: it leaves with the share screen, and the
            # withdrawal code is shown to this participant only
            self.page, self.qr, self.wifi_qr, self.screen_code = None, b"", b"", ""
            self.withdrawal_code, self.withdraw_page, self.withdraw_qr = "", "", b""
        if screen is Screen.ATTRACT:
            self.decided_granted = self.refused_all = False
            self.language = self.config.kiosk.language  # the next participant starts in the event's language
        self.changed.emit()

    # staff

    def show_error(self) -> None:
        """The error screen without a failure, for staff checking how it looks (`booth kiosk --check-layout`)."""
        self.session.screen, self.session.entered_at = Screen.ERROR, self.clock()
        self._screen_changed()

    def note(self, level: str, text: str) -> None:
        line = LogLine(time.time(), level, text)
        self.log_lines.append(line)
        log.log(logging.ERROR if level == "error" else logging.INFO, text)
        self.logged.emit(line)

    def use_calibration(self, calibration: Calibration) -> None:
        """A calibration made on the staff panel: saved, and used from the next shot."""
        calibration.save(self.station.calibration_path)
        self.station.calibration = calibration
        self.runner.calibration = calibration
        self.note("info", f"calibration {calibration.id} saved in {self.station.calibration_path}")

    def set_profile(self, profile: str) -> None:
        """The clip's frame for the next shots (this run only; booth.toml's stitch.profile keeps it)."""
        stitch = self.config.stitch.model_copy(update={"profile": profile})
        self.config = self.config.model_copy(update={"stitch": stitch})
        self.runner.config = self.config
        self.note("info", f"clips are now made {profile}")

    def shutdown(self) -> None:
        self.timer.stop()
        self.runner.wait(30.0)
