"""The pivot stays put: the axis of the sim's ground truth lands on one place in every frame of the clip."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from booth.config import TargetSection
from booth.stitch.align import OutputGeometry, frame_warp, plan_output
from booth.stitch.calibration import Calibration, calibrate_frames, load_points
from booth.stitch.encode import i420_to_bgr
from booth.stitch.frames import read_folder
from booth.stitch.interpolate import in_between
from booth.stitch.layers import layered_gap
from booth.stitch.stitcher import aligned_view
from booth.stitch.target import TargetFound, find_target
from rig.sim.camera import RigLayout
from rig.sim.look import EVENT
from rig.sim.rig import SimRig
from tests.conftest import Rendered, clip_dirs, imread, read_clip_json, render, run_booth, run_stitch

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from orbit_quality import marker_at

RMS_LIMIT_PX = 1.5


def axis_in_output(calibration: Calibration, geometry: OutputGeometry, truth: dict, point: str) -> np.ndarray:
    """Where each camera's true axis point ends up in the output frame, one row per camera."""
    rows = []
    for cam in truth["cameras"]:
        m = frame_warp(calibration.camera(cam["index"]), geometry, reduction=1)
        x, y = cam["axis"][point]
        rows.append(m @ np.array([x, y, 1.0]))
    return np.array(rows)


def rms_spread(points: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.sum((points - points.mean(axis=0)) ** 2, axis=1))))


def spreads(calibration: Calibration, truth: dict) -> dict[str, float]:
    geometry = plan_output(calibration, "vertical")
    assert (geometry.width, geometry.height) == (1080, 1920)
    return {p: rms_spread(axis_in_output(calibration, geometry, truth, p)) for p in ("top", "bottom")}


def test_detected_target_pins_the_axis_within_limit(full_target: Rendered, full_participant: Rendered) -> None:
    calibration, warnings = calibrate_frames(read_folder(full_target.folder).frames, TargetSection(), "rig")
    assert warnings == []
    assert calibration.camera_count == 24
    # the participant shot is from the same rig: the calibration must hold its axis too
    for truth in (full_target.truth, full_participant.truth):
        result = spreads(calibration, truth)
        assert result["top"] <= RMS_LIMIT_PX, result
        assert result["bottom"] <= RMS_LIMIT_PX, result


def test_uncalibrated_rig_would_drift_far_more(full_target: Rendered) -> None:
    """A guard on the test itself: without calibration the seeded aim errors move the axis by many pixels."""
    calibration, _ = calibrate_frames(read_folder(full_target.folder).frames, TargetSection(), "rig")
    identity = Calibration(
        calibration.id,
        calibration.rig_id,
        calibration.image_size,
        calibration.created_at,
        calibration.source,
        calibration.reference_top,
        calibration.reference_bottom,
        tuple(
            type(c)(c.index, c.file, c.top, c.bottom, np.array([[1.0, 0, 0], [0, 1.0, 0]]), c.gains_bgr, 0.0)
            for c in calibration.cameras
        ),
    )
    assert min(spreads(identity, full_target.truth).values()) > 10 * RMS_LIMIT_PX


def clicked_points(rendered: Rendered, path: Path) -> Path:
    """points.json as staff would click it: the true axis points, to the nearest whole pixel."""
    cams = rendered.truth["cameras"]
    doc = {
        "cameras": [
            {
                "index": c["index"],
                "file": c["file"],
                "top": [round(v) for v in c["axis"]["top"]],
                "bottom": [round(v) for v in c["axis"]["bottom"]],
            }
            for c in cams
        ]
    }
    path.write_text(json.dumps(doc))
    return path


def test_points_file_pins_the_axis_within_limit(full_target: Rendered, tmp_path: Path) -> None:
    points_path = clicked_points(full_target, tmp_path / "points.json")
    frames = read_folder(full_target.folder).frames
    calibration, _ = calibrate_frames(frames, TargetSection(), "rig", points=load_points(points_path, frames))
    assert calibration.source == "points"
    result = spreads(calibration, full_target.truth)
    assert max(result.values()) <= RMS_LIMIT_PX, result


@pytest.mark.parametrize("source", ["target", "points"])
def test_markers_hold_still_in_the_encoded_clip(full_target: Rendered, tmp_path: Path, source: str) -> None:
    """End to end through the CLI and the encoder: find the marker balls in the decoded clip's frames."""
    cal = tmp_path / "calibration.json"
    extra = ["--points", str(clicked_points(full_target, tmp_path / "points.json"))] if source == "points" else []
    made = run_booth("calibrate", str(full_target.folder), "--out", str(cal), *extra)
    assert made.returncode == 0, made.stderr
    assert f"from the {source}" in made.stdout
    result = run_stitch(full_target.folder, cal, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    (clip,) = clip_dirs(tmp_path / "out")
    meta = read_clip_json(clip)
    assert meta["cameras_missing"] == []
    tops, bottoms = [], []
    with av.open(str(clip / "clip.mp4")) as container:
        for k, frame in enumerate(container.decode(video=0)):
            if k % 3:
                continue
            found = find_target(cv2.cvtColor(frame.to_ndarray(format="rgb24"), cv2.COLOR_RGB2BGR), TargetSection())
            assert isinstance(found, TargetFound), f"frame {k}: {found}"
            tops.append(found.top)
            bottoms.append(found.bottom)
    assert len(tops) >= 30
    # H.264 and re-detection add their own error; the pivot must still sit still to within about 1.5 px
    assert rms_spread(np.array(tops)) <= RMS_LIMIT_PX
    assert rms_spread(np.array(bottoms)) <= RMS_LIMIT_PX
    axis_x = np.array(tops + bottoms)[:, 0].mean()
    assert abs(axis_x - (1080 - 1) / 2) < 2.0, "the axis must be on the output's vertical centre line"


@pytest.mark.parametrize("profile,size", [("landscape", (1920, 1080)), ("square", (1080, 1080))])
def test_every_profile_keeps_the_axis_centred(full_target: Rendered, profile: str, size: tuple[int, int]) -> None:
    calibration, _ = calibrate_frames(read_folder(full_target.folder).frames, TargetSection(), "rig")
    geometry = plan_output(calibration, profile)
    assert (geometry.width, geometry.height) == size
    middles = []
    for point in ("top", "bottom"):
        placed = axis_in_output(calibration, geometry, full_target.truth, point)
        assert rms_spread(placed) <= RMS_LIMIT_PX
        assert abs(placed[:, 0].mean() - (size[0] - 1) / 2) < 1.0
        middles.append(placed[:, 1].mean())
    # a wide frame leaves room above and below: the pivot's middle stays in the middle, feet and head in view
    assert abs(np.mean(middles) - (size[1] - 1) / 2) < 0.05 * size[1]


def test_magenta_spots_spaced_unlike_the_balls_are_not_taken_for_the_target(tmp_path: Path) -> None:
    """A backdrop print with two magenta spots, bigger than the balls: the balls are found, not the spots,
    because the spots are not as far apart as the target's heights make two balls of their size."""
    shot = render(tmp_path / "target", scene="target", cameras=8, size=(1500, 1000), seed=3)
    frame = imread(shot.folder / "cam_03.jpg")
    truth = shot.truth["cameras"][3]["axis"]
    for y in (180, 330):  # 150 px apart, 60 px across: balls of that size would stand about 750 px apart
        cv2.circle(frame, (240, y), 30, (200, 40, 235), -1, cv2.LINE_AA)
    found = find_target(frame, TargetSection())
    assert isinstance(found, TargetFound), found
    assert np.hypot(*np.subtract(found.top, truth["top"])) < 2.0
    assert np.hypot(*np.subtract(found.bottom, truth["bottom"])) < 2.0


def test_an_8_camera_event_rig_keeps_the_markers_in_place_in_every_frame(tmp_path: Path) -> None:
    """8 cameras over 180 degrees, the event look (photographs, a key light, ISO noise, no grey sleeve): both
    marker balls within 1.5 px of where the calibration puts the axis in every view the orbit shows, the
    synthesised ones between the cameras included."""
    layout = RigLayout(cameras=8, width=1500, height=1000)
    rig = SimRig(layout, seed=17, look=EVENT)
    rig.scene_name = "target"
    rig.render_to(tmp_path)
    calibration, _ = calibrate_frames(read_folder(tmp_path).frames, TargetSection(), "test")
    geometry = plan_output(calibration, "vertical")
    to_out = geometry.rig_to_output()
    places = [(to_out @ np.array([*p, 1.0]))[:2] for p in (calibration.reference_top, calibration.reference_bottom)]
    views = [aligned_view(frame, calibration, geometry) for frame in read_folder(tmp_path).frames]
    shown = list(views) + [in_between(layered_gap(a, b), 0.5) for a, b in itertools.pairwise(views)]
    metre = float(np.linalg.norm(places[0] - places[1]))  # the balls stand 1 m apart
    ball = TargetSection()
    area = np.pi * (metre * ball.marker_radius_m / (ball.top_m - ball.bottom_m)) ** 2
    worst = 0.0
    for bgr in map(i420_to_bgr, shown):
        for place in places:
            found = marker_at(bgr, place, 0.15 * metre, area)  # as bench/orbit_quality.py finds it
            assert found is not None, "a marker ball is gone from a view"
            worst = max(worst, float(np.linalg.norm(found - place)))
    assert worst <= 1.5, worst
