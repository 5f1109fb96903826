"""`booth kiosk`: the booth opened behind the kiosk window, fullscreen, until staff quit or the booth is stopped
(or, with --check-layout, once every screen has been checked)."""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication

from booth.config import BoothConfig
from booth.station import RigKind, Station, open_station
from ui.model import KioskModel, LogLine
from ui.theme import Theme
from ui.tour import Tour
from ui.window import KioskWindow

CLOSE_S = 60.0
"""How long the kiosk may take to close the rig and the services once asked to stop: past it, every thread's
stack goes to stderr (the journal) and the process ends, so a restart is never held up by a hung camera."""

log = logging.getLogger(__name__)


class LogBridge(QObject, logging.Handler):
    """The booth's warnings and errors, from any thread, into the staff panel's log."""

    line = Signal(object)

    def __init__(self, model: KioskModel) -> None:
        QObject.__init__(self)
        logging.Handler.__init__(self, logging.INFO)
        self.model = model
        self.line.connect(self._add, Qt.ConnectionType.QueuedConnection)

    def emit(self, record: logging.LogRecord) -> None:  # type: ignore[override]
        if record.name.startswith("ui.model"):
            return  # the model's own notes are in the log already
        self.line.emit(LogLine(record.created, record.levelname.lower(), f"{record.name}: {record.getMessage()}"))

    def _add(self, line: LogLine) -> None:
        self.model.log_lines.append(line)
        self.model.logged.emit(line)


def stop_on_signals(app: QApplication) -> None:
    """SIGTERM (systemd stopping the kiosk) and SIGINT (Ctrl-C) end the kiosk like Quit on the staff panel. The quit
    is queued, not called: one that comes while the window opens, before Qt's loop runs, would be lost by quit()
    (it ends only a loop that runs) and leave the kiosk running for ever."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: QTimer.singleShot(0, app.quit))


def build(station: Station) -> tuple[KioskModel, KioskWindow]:
    """The model and window for a station: what `booth kiosk` shows, and what the tests drive."""
    model = KioskModel(station)
    window = KioskWindow(model, Theme.from_config(station.config))
    return model, window


def fill_screen(window: KioskWindow, screen: QScreen) -> None:
    """Fullscreen that holds without a window manager: the window asks for the screen's whole geometry itself
    (with no window manager nobody acts on Qt's fullscreen request and the window keeps its first size), and
    follows the screen when it is rotated or changes mode."""
    window.setGeometry(screen.geometry())
    window.showFullScreen()
    screen.geometryChanged.connect(window.setGeometry)


def check_layout(app: QApplication, window: KioskWindow, model: KioskModel, shots: Path | None) -> int:
    """Walk every screen in every language; print what runs off the screen or is cut, one line each."""
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    found = Tour(app, window, model, shots).walk()
    for problem in found:
        print(problem)
    screen = window.screen().geometry()
    size = f"{screen.width()}x{screen.height()}"
    print(f"{len(found)} problems on the {size} screen" if found else f"every screen fits the {size} screen")
    return 1 if found else 0


def run(config: BoothConfig, kind: RigKind, *, windowed: bool, layout: bool = False, shots: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with open_station(config, kind) as station:
        model, window = build(station)
        bridge = LogBridge(model)
        logging.getLogger().addHandler(bridge)
        window.staff.quit_requested = app.quit
        stop_on_signals(app)
        wake = QTimer()
        wake.start(250)  # lets Python see the signal while Qt's loop runs
        wake.timeout.connect(lambda: None)
        if windowed:
            portrait = config.stitch.profile == "vertical"
            window.resize(540, 960) if portrait else window.resize(960, 540)
            window.show()
        else:
            fill_screen(window, app.primaryScreen())
            window.setCursor(Qt.CursorShape.BlankCursor)
        model.start()
        code = check_layout(app, window, model, shots) if layout else app.exec()
        faulthandler.dump_traceback_later(CLOSE_S, exit=True)
        logging.getLogger().removeHandler(bridge)
        model.shutdown()
    faulthandler.cancel_dump_traceback_later()
    return int(code)
