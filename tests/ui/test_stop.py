"""The kiosk stops when systemd or Ctrl-C asks, whenever the signal comes: a SIGTERM while the window is still
opening, before Qt's loop runs, once left the kiosk running for ever."""

from __future__ import annotations

import os
import signal
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.app import stop_on_signals

DEADLINE_MS = 30_000
"""Long past any busy machine's delay: a kiosk still running then would run for ever."""


def test_a_sigterm_before_the_loop_runs_still_ends_it(qapp: QApplication) -> None:
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    ended_by_deadline: list[bool] = []

    def give_up() -> None:
        ended_by_deadline.append(True)
        qapp.quit()

    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(give_up)
    try:
        stop_on_signals(qapp)
        os.kill(os.getpid(), signal.SIGTERM)  # handled at once, on this thread: no loop runs yet
        deadline.start(DEADLINE_MS)
        start = time.monotonic()
        qapp.exec()
        assert not ended_by_deadline, "the SIGTERM was lost: the kiosk would have run on"
        assert time.monotonic() - start < DEADLINE_MS / 1000
    finally:
        deadline.stop()
        for number, handler in before.items():
            signal.signal(number, handler)
