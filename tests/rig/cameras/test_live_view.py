"""Live view's pacing, pause and faults. libgphoto2's virtual camera has no live view (capture_preview answers
GP_ERROR_NOT_SUPPORTED, tested in test_worker.py and test_array.py), so a stand-in camera gives the frames here."""

from __future__ import annotations

import threading
import time

from rig.cameras.faults import CameraFault, CameraFaultKind
from rig.cameras.live_view import LiveFrame, LiveView


class StandInCamera:
    """Gives a numbered frame every `period_s`, as a camera's live view does; can be told to fail."""

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self.asked = 0
        self.fail_with: CameraFaultKind | None = None
        self.ended = False

    def preview(self) -> bytes:
        time.sleep(self.period_s)
        self.asked += 1
        if self.fail_with is not None:
            raise CameraFault("cam 12", self.fail_with)
        return b"\xff\xd8" + self.asked.to_bytes(4, "big") + b"\xff\xd9"

    def end(self) -> None:
        self.ended = True


def test_frames_come_at_the_cameras_own_rate() -> None:
    camera = StandInCamera(period_s=0.04)  # a 25 frames-a-second live view
    seen: list[LiveFrame] = []
    live = LiveView(camera.preview, "cam 12", on_frame=seen.append, end=camera.end).start()
    time.sleep(1.0)
    live.stop()
    assert 8 <= len(seen) <= 26 and 8 <= live.fps <= 26, "no faster than the camera gives them"
    assert [f.number for f in seen] == list(range(1, len(seen) + 1))
    latest = live.latest()
    assert latest is not None and latest.jpeg == seen[-1].jpeg
    assert camera.ended, "the camera is taken out of live view at the end"


def test_pause_leaves_the_camera_free_for_the_shot() -> None:
    camera = StandInCamera(period_s=0.03)
    live = LiveView(camera.preview, "cam 12").start()
    time.sleep(0.2)
    live.pause()
    asked = camera.asked
    time.sleep(0.3)
    assert camera.asked == asked, "nothing is asked of the camera while paused"
    live.resume()
    time.sleep(0.2)
    assert camera.asked > asked
    live.stop()


def test_a_busy_camera_is_asked_again_and_the_fault_clears() -> None:
    camera = StandInCamera(period_s=0.01)
    camera.fail_with = CameraFaultKind.BUSY
    live = LiveView(camera.preview, "cam 12", retry_s=0.1).start()
    time.sleep(0.35)
    assert "busy" in live.error and live.running()
    camera.fail_with = None
    time.sleep(0.3)
    assert live.error == "" and live.latest() is not None
    live.stop()


def test_a_camera_without_live_view_stops_it_with_the_reason() -> None:
    camera = StandInCamera(period_s=0.0)
    camera.fail_with = CameraFaultKind.NOT_SUPPORTED
    done = threading.Event()
    live = LiveView(camera.preview, "cam 12").start()
    for _ in range(50):
        if not live.running():
            done.set()
            break
        time.sleep(0.02)
    assert done.is_set() and camera.asked == 1
    assert live.error.startswith("camera cam 12: not supported")
    live.stop()
