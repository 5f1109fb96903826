"""`booth kiosk`: the booth opened behind the kiosk window, fullscreen, until staff quit or the booth is stopped."""

from __future__ import annotations

import logging
import os
import signal
import sys

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from booth.config import BoothConfig
from booth.errors import ConfigError
from booth.station import RigKind, Station, open_station
from ui.model import KioskModel, LogLine
from ui.theme import Theme
from ui.window import KioskWindow

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


def build(station: Station) -> tuple[KioskModel, KioskWindow]:
    """The model and window for a station: what `booth kiosk` shows, and what the tests drive."""
    model = KioskModel(station)
    window = KioskWindow(model, Theme.from_config(station.config))
    return model, window


def run(config: BoothConfig, kind: RigKind, *, windowed: bool) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and "QT_QPA_PLATFORM" not in os.environ:
        raise ConfigError("no screen: run the kiosk on the booth's display (or set QT_QPA_PLATFORM=offscreen)")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with open_station(config, kind) as station:
        model, window = build(station)
        bridge = LogBridge(model)
        logging.getLogger().addHandler(bridge)
        window.staff.quit_requested = app.quit
        # Ctrl-C in the terminal ends the kiosk like Quit on the staff panel
        signal.signal(signal.SIGINT, lambda *_: app.quit())
        signal.signal(signal.SIGTERM, lambda *_: app.quit())
        wake = QTimer()
        wake.start(250)  # lets Python see the signal while Qt's loop runs
        wake.timeout.connect(lambda: None)
        if windowed:
            portrait = config.stitch.profile == "vertical"
            window.resize(540, 960) if portrait else window.resize(960, 540)
            window.show()
        else:
            window.showFullScreen()
            window.setCursor(Qt.CursorShape.BlankCursor)
        model.start()
        code = app.exec()
        logging.getLogger().removeHandler(bridge)
        model.shutdown()
    return int(code)
