"""Live view from one simulated camera: its view of the scene at a small size, a few times a second, in a thread."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import replace

import cv2

from rig.cameras.live_view import LiveFrame
from rig.sim.camera import build_cameras
from rig.sim.render import camera_response, render_linear, sensor_noise, shifted
from rig.sim.rig import SimRig


class SimLiveView:
    """What the camera at rig position k sees, rendered at `width` pixels wide with fresh sensor noise each
    frame; the same interface as rig.cameras.live_view.LiveView (latest, fps, pause, resume, stop)."""

    def __init__(self, rig: SimRig, k: int, *, width: int = 480, rate_hz: float = 8.0) -> None:
        lay = rig.layout
        small = replace(lay, width=width, height=round(width * lay.height / lay.width))
        self.camera = f"sim:{k}"
        self._camera = build_cameras(small, rig.seed)[k]
        self._rig = rig
        self._period = 1.0 / rate_hz
        self._latest: LiveFrame | None = None
        self._times: deque[float] = deque(maxlen=30)
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread: threading.Thread | None = None
        self.error = ""

    def start(self) -> SimLiveView:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"live view {self.camera}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        cam = self._camera
        number = 0
        self._rig.scene()  # built once (seconds), before the first screen that shows it
        while not self._stop.is_set():
            started = time.monotonic()
            if not self._paused.is_set():
                scene, textures = self._rig.scene()
                noise = shifted(sensor_noise(cam.width, cam.height, number), cam.index)
                image = camera_response(render_linear(cam, scene, textures), cam, noise)
                ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
                if ok:
                    number += 1
                    self._latest = LiveFrame(jpeg.tobytes(), time.time(), number)
                    self._times.append(time.monotonic())
            self._stop.wait(max(0.0, self._period - (time.monotonic() - started)))

    def latest(self) -> LiveFrame | None:
        return self._latest

    @property
    def fps(self) -> float:
        t = list(self._times)
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def pause(self, timeout_s: float = 2.0) -> None:
        """Stop rendering while a shot is taken: the shot's cameras get the processors."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
