"""How long the GUI thread goes without running: a 10 ms timer that records the gap between its beats."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

BEAT_MS = 10


class StallProbe(QObject):
    """gaps holds every gap (ms) since start(); a gap well over BEAT_MS is time the screen could not move."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gaps: list[float] = []
        self._watch = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self._watch.invalidate()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def worst(self) -> float:
        return max(self.gaps, default=0.0)

    def _beat(self) -> None:
        if self._watch.isValid():
            self.gaps.append(self._watch.nsecsElapsed() / 1e6)
        self._watch.restart()
