"""Live view from one simulated camera: its view of the scene at a small size, through the cameras' LiveView."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace

import cv2

from rig.cameras.live_view import LiveView
from rig.priority import run_in_background
from rig.sim.camera import build_cameras
from rig.sim.render import camera_response, render_linear, sensor_noise, shifted
from rig.sim.rig import SimRig


def sim_live_view(rig: SimRig, k: int, *, width: int = 480, rate_hz: float = 8.0) -> LiveView:
    """What the camera at rig position k sees, `width` pixels wide, with fresh sensor noise in each frame, at
    most rate_hz frames a second; the scene is built at once in the background (it takes seconds)."""
    lay = rig.layout
    camera = build_cameras(replace(lay, width=width, height=round(width * lay.height / lay.width)), rig.seed)[k]
    period = 1.0 / rate_hz
    numbers = itertools.count()
    last = time.monotonic()
    threading.Thread(target=rig.scene, name="sim scene", daemon=True).start()

    def frame() -> bytes:
        nonlocal last
        run_in_background()  # rendering is the simulation's cost, not a camera's: the screen comes first
        time.sleep(max(0.0, period - (time.monotonic() - last)))
        last = time.monotonic()
        scene, textures = rig.scene()
        noise = shifted(sensor_noise(camera.width, camera.height, next(numbers)), camera.index)
        _, jpeg = cv2.imencode(".jpg", camera_response(render_linear(camera, scene, textures), camera, noise))
        return bytes(jpeg)

    return LiveView(frame, f"sim:{k}")
