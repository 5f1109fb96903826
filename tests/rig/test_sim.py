"""The simulated rig: a real rig's imperfections, deterministic for a seed, behind the hardware interfaces."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from rig.base import CameraArray, FireSchedule, RigError, Trigger, TriggerState
from rig.sim.camera import RigLayout, build_cameras
from rig.sim.rig import SimRig
from tests.conftest import Rendered, imread, render


def test_imperfections_stay_within_the_rig_tolerances() -> None:
    for seed in range(5):
        for cam in build_cameras(RigLayout(cameras=48), seed):
            imp = cam.imperfection
            assert abs(imp.yaw_deg) <= 2 and abs(imp.pitch_deg) <= 2 and abs(imp.roll_deg) <= 3
            assert abs(imp.focal_error) <= 0.03
            assert math.hypot(*imp.position_error_m) <= 0.01 + 1e-12
            assert all(0.92 <= g <= 1.08 for g in imp.gain_rgb)
            assert abs(imp.exposure_stops) <= 1 / 3


def test_imperfections_differ_between_cameras_and_follow_the_seed() -> None:
    a, b, c = (build_cameras(RigLayout(cameras=24), s) for s in (1, 1, 2))
    assert [x.imperfection for x in a] == [x.imperfection for x in b]
    assert [x.imperfection for x in a] != [x.imperfection for x in c]
    assert len({x.imperfection.roll_deg for x in a}) == 24


@pytest.mark.parametrize("span,n", [(180.0, 24), (360.0, 8), (90.0, 48)])
def test_cameras_stand_on_the_arc_looking_at_the_pivot(span: float, n: int) -> None:
    layout = RigLayout(cameras=n, span_deg=span, radius_m=2.5)
    cams = build_cameras(layout, 1)
    az = [c.azimuth_deg for c in cams]
    assert az == sorted(az)
    assert az[-1] - az[0] == pytest.approx(span if span < 360 else 360 - 360 / n)
    for cam in cams:
        assert np.hypot(*cam.position[:2]) == pytest.approx(2.5, abs=0.011)
        u, v = cam.project(np.array([[0.0, 0.0, layout.aim_height_m]]))[0]
        # aim errors of up to 2 degrees move the pivot, but it stays well inside the frame
        assert 0.3 * layout.width < u < 0.7 * layout.width and 0.3 * layout.height < v < 0.7 * layout.height


def test_rig_size_limits() -> None:
    for n in (7, 49):
        with pytest.raises(RigError, match="8 to 48"):
            SimRig(RigLayout(cameras=n))


def test_same_seed_same_frames(tmp_path: Path) -> None:
    a = render(tmp_path / "a", scene="participant", cameras=8, size=(640, 480), seed=9)
    b = render(tmp_path / "b", scene="participant", cameras=8, size=(640, 480), seed=9)
    c = render(tmp_path / "c", scene="participant", cameras=8, size=(640, 480), seed=10)
    for k in range(8):
        name = f"cam_{k:02d}.jpg"
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes()
        assert (a.folder / name).read_bytes() != (c.folder / name).read_bytes()
    assert a.truth == b.truth


def test_ground_truth_describes_every_frame(small_participant: Rendered, small_target: Rendered) -> None:
    truth = small_participant.truth
    assert truth["rig"]["cameras"] == 12 and len(truth["cameras"]) == 12
    for cam in truth["cameras"]:
        assert (small_participant.folder / cam["file"]).exists()
        for point in ("top", "bottom", "floor"):
            x, y = cam["axis"][point]
            assert 0 <= x < 1200 and 0 <= y < 800
        assert cam["axis"]["top"][1] < cam["axis"]["bottom"][1] < cam["axis"]["floor"][1]
    front = min(truth["cameras"], key=lambda c: abs(c["azimuth_deg"]))
    side = min(truth["cameras"], key=lambda c: c["azimuth_deg"])
    assert front["logo_box"] is not None and front["logo_visible_fraction"] > 0.95
    x0, y0, x1, y1 = front["logo_box"]
    assert 0 < x0 < x1 < 1200 and 0 < y0 < y1 < 800
    assert side["logo_visible_fraction"] < front["logo_visible_fraction"]
    assert all(c["logo_box"] is None for c in small_target.truth["cameras"]), "the target shot has no logo"


def test_logo_box_is_where_the_logo_is(small_participant: Rendered) -> None:

    front = min(small_participant.truth["cameras"], key=lambda c: abs(c["azimuth_deg"]))
    img = imread(small_participant.folder / front["file"])
    x0, y0, x1, y1 = (round(v) for v in front["logo_box"])
    inside = img[y0:y1, x0:x1].astype(float)
    below = img[y1 + 15 : y1 + 15 + (y1 - y0), x0:x1].astype(float)  # plain shirt under the logo

    def white(region: np.ndarray) -> float:
        return float((region.min(axis=2) > 170).mean())

    assert white(inside) > 0.05, "the white logo is inside its box"
    assert white(below) < 0.01, "the plain shirt under it is not white"


def test_sim_rig_behind_the_hardware_interfaces() -> None:
    rig = SimRig(RigLayout(cameras=8, width=640, height=480), seed=2, faults={6: "missing"})
    assert isinstance(rig.trigger, Trigger) and isinstance(rig.array, CameraArray)
    with pytest.raises(RigError, match="not armed"):
        rig.trigger.fire(FireSchedule())
    rig.trigger.arm()
    assert rig.trigger.status().state is TriggerState.ARMED
    report = rig.trigger.fire(FireSchedule())
    rig.trigger.release()
    assert report.skew_us == 0.0
    frames = list(rig.array.collect(deadline=time.time() + 60))
    assert sorted(f.camera_index for f in frames) == [0, 1, 2, 3, 4, 5, 7]
    arrivals = [f.arrived_at for f in frames]
    assert arrivals == sorted(arrivals), "frames come out in arrival order"
    assert all(f.data[:2] == b"\xff\xd8" and f.captured_at == report.fired_at for f in frames)
    health = {h.index: h for h in rig.array.health()}
    assert not health[6].connected and health[6].last_error
    assert health[0].connected and health[0].last_frame_at is not None


def test_collect_gives_up_at_the_deadline() -> None:
    rig = SimRig(RigLayout(cameras=8, width=1200, height=800), seed=2)
    rig.trigger.arm()
    rig.trigger.fire(FireSchedule())
    start = time.time()
    frames = list(rig.array.collect(deadline=start + 0.05))
    assert time.time() - start < 1.0
    assert len(frames) < 8
