"""The Qt binding the kiosk runs on keeps Python's reference counts: a kiosk makes millions of calls a day."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_calls_that_return_nothing_leave_none_alone(qtbot: QtBot) -> None:
    """PySide6 6.12.0 dropped a reference to None on each such call; on Python 3.11 None's count then reaches
    zero and the interpreter aborts ('deallocating None') hours into an event."""
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) - before > -100, "the Qt binding loses references to None: pin another release"
