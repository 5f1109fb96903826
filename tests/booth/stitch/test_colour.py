"""Colour: the same neutral surface looks the same in every camera of the clip after correction."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from booth.config import StitchSection, TargetSection
from booth.stitch.align import frame_warp, plan_output
from booth.stitch.calibration import Calibration
from booth.stitch.colour import SRGB8_TO_LINEAR, gain_lut, linear_to_srgb8, neutral_gains
from booth.stitch.stitcher import orbit_timeline
from tests.conftest import Rendered, clip_dirs, imread, read_clip_json, render, run_booth, run_stitch


def sleeve_mean(image: np.ndarray, top: np.ndarray, bottom: np.ndarray, half_w_px: float) -> np.ndarray:
    """Mean linear colour of the middle of the grey sleeve (0.95 m to 1.05 m), from the true marker positions."""
    spec = TargetSection()
    span = spec.top_m - spec.bottom_m
    pts = []
    for z in np.linspace(0.96, 1.04, 9):
        c = bottom + (top - bottom) * (z - spec.bottom_m) / span
        for dx in np.linspace(-half_w_px, half_w_px, 7):
            pts.append((round(c[1]), round(c[0] + dx)))
    pixels = np.array([image[y, x] for y, x in pts])
    return np.asarray(SRGB8_TO_LINEAR[pixels].mean(axis=0))


def channel_spread(means: list[np.ndarray]) -> float:
    m = np.array(means)
    return float((m.max(axis=0) - m.min(axis=0)).max())


def test_neutral_surface_spread_shrinks_at_least_three_times(full_target: Rendered, tmp_path: Path) -> None:
    cal_path = tmp_path / "calibration.json"
    assert run_booth("calibrate", str(full_target.folder), "--out", str(cal_path)).returncode == 0
    calibration = Calibration.load(cal_path)
    # judged on a later shot of the same rig, with its own sensor noise, not on the frames the gains came from
    later = render(tmp_path / "later", scene="target", cameras=24, size=(3000, 2000), shot=2)
    assert (later.folder / "cam_00.jpg").read_bytes() != (full_target.folder / "cam_00.jpg").read_bytes()
    out = tmp_path / "out"
    result = run_stitch(later.folder, cal_path, out)
    assert result.returncode == 0, result.stderr
    (clip,) = clip_dirs(out)
    meta = read_clip_json(clip)
    with av.open(str(clip / "clip.mp4")) as container:
        decoded = [cv2.cvtColor(f.to_ndarray(format="rgb24"), cv2.COLOR_RGB2BGR) for f in container.decode(video=0)]
    s = StitchSection()
    timeline = orbit_timeline(24, s.interpolation_factor, s)  # camera k is orbit view 2k
    assert len(timeline.positions) == meta["frame_count"]

    geometry = plan_output(calibration, "vertical")
    before, after = [], []
    for cam in later.truth["cameras"]:
        k = cam["index"]
        frames_of_view = [i for i, p in enumerate(timeline.positions) if round(p) == k * s.interpolation_factor]
        if not frames_of_view:
            continue
        top, bottom = np.array(cam["axis"]["top"]), np.array(cam["axis"]["bottom"])
        px_per_m = float(np.linalg.norm(top - bottom))
        raw = imread(later.folder / cam["file"])
        before.append(sleeve_mean(raw, top, bottom, 0.02 * px_per_m))
        m = frame_warp(calibration.camera(k), geometry, 1)
        top_o, bottom_o = m @ np.append(top, 1.0), m @ np.append(bottom, 1.0)
        after.append(
            sleeve_mean(decoded[frames_of_view[0]], top_o, bottom_o, 0.02 * float(np.linalg.norm(top_o - bottom_o)))
        )
    assert len(after) >= 20
    spread_before, spread_after = channel_spread(before), channel_spread(after)
    assert spread_before > 0.02, "the rig's seeded colour errors should be visible before correction"
    assert spread_after * 3 <= spread_before, (spread_before, spread_after)


def test_gains_undo_a_known_colour_cast() -> None:
    grey = np.full((4, 4, 3), 118, np.uint8)
    cast = np.array([0.9, 1.05, 1.1])  # BGR gains a camera applied in linear light
    seen = linear_to_srgb8(SRGB8_TO_LINEAR[grey].astype(np.float64) * cast)
    means = np.array([SRGB8_TO_LINEAR[seen].reshape(-1, 3).mean(axis=0), SRGB8_TO_LINEAR[grey].reshape(-1, 3).mean(0)])
    gains = neutral_gains(means)
    fixed = cv2.LUT(seen, gain_lut(gains[0]))
    assert np.ptp(fixed[0, 0].astype(int)) <= 1, "the corrected patch is neutral grey"
