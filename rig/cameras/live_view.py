"""Live view from one chosen camera, for the kiosk's countdown: frames at the camera's own rate, in a thread."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from rig.cameras.faults import CameraFault, CameraFaultKind

log = logging.getLogger(__name__)

PreviewSource = Callable[[], bytes]
"""Returns the camera's next live-view frame (JPEG), as fast as the camera gives one; raises CameraFault."""


@dataclass(frozen=True)
class LiveFrame:
    jpeg: bytes
    at: float
    number: int


class LiveView:
    """Pulls frames from one camera's worker as fast as it gives them. Only that camera's worker is asked, and
    each camera has its own process, so the rest of the rig is not slowed. pause() holds it while a shot is
    taken (the camera must be free for the shutter); a fault stops it and is kept in `error`."""

    def __init__(
        self,
        source: PreviewSource,
        camera: str,
        *,
        on_frame: Callable[[LiveFrame], None] | None = None,
        end: Callable[[], None] | None = None,
        retry_s: float = 1.0,
    ) -> None:
        self.camera = camera
        self._source = source
        self._on_frame = on_frame
        self._end = end
        self._retry_s = retry_s
        self._latest: LiveFrame | None = None
        self._times: deque[float] = deque(maxlen=30)
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.error = ""

    def start(self) -> LiveView:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"live view {self.camera}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        count = 0
        while not self._stop.is_set():
            if self._paused.is_set():
                self._idle.set()
                self._stop.wait(0.02)
                continue
            self._idle.clear()
            try:
                jpeg = self._source()
            except CameraFault as exc:
                self.error = str(exc)
                if exc.kind is CameraFaultKind.NOT_SUPPORTED:
                    log.warning("%s: no live view: %s", self.camera, exc)
                    break
                self._idle.set()
                self._stop.wait(self._retry_s)  # a busy or vanished camera: try again, slowly
                continue
            count += 1
            frame = LiveFrame(jpeg, time.time(), count)
            self._latest = frame
            self._times.append(frame.at)
            self.error = ""
            if self._on_frame is not None:
                self._on_frame(frame)
        self._idle.set()

    def latest(self) -> LiveFrame | None:
        return self._latest

    @property
    def fps(self) -> float:
        """Frames a second over the last 30 frames."""
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(1e-6, self._times[-1] - self._times[0])

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def pause(self, timeout_s: float = 2.0) -> None:
        """Stop asking the camera, and return once the frame in flight is in (or timeout_s passed)."""
        self._paused.set()
        self._idle.wait(timeout_s)
        self._times.clear()

    def resume(self) -> None:
        self._paused.clear()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._end is not None:
            try:
                self._end()
            except CameraFault as exc:  # the camera left already; nothing to switch off
                log.info("%s: leaving live view: %s", self.camera, exc)
