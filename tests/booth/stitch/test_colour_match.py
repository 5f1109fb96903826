"""Colour from the content: with no grey patch in view, a shot's clip has the colour of the same shot taken by
cameras without colour or exposure errors. The clips show the cameras' own views (interpolation "hold"), so
that what is compared is colour, not how two shots' in-between views came out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from booth.stitch.colour import SRGB8_TO_LINEAR
from booth.stitch.colour_match import MAX_LAG, PairMeasure, _past_the_lag, solve_gains
from rig.sim.camera import RigLayout
from rig.sim.look import EVENT
from rig.sim.rig import SimRig
from tests.conftest import clip_dirs, run_booth, run_stitch

LAYOUT = RigLayout(cameras=12, radius_m=2.5, vertical_fov_deg=50.0, width=1500, height=1000)


def shoot(folder: Path, scene: str, exact: bool) -> Path:
    folder.mkdir(parents=True)
    rig = SimRig(LAYOUT, seed=12, look=EVENT, colour_errors=not exact)
    rig.scene_name = "target" if scene == "target" else "participant"
    rig.render_to(folder)
    return folder


def clip_gains(clip: Path) -> np.ndarray:
    """Each frame's mean colour in linear light (frames x BGR)."""
    means = []
    with av.open(str(clip / "clip.mp4")) as container:
        for frame in container.decode(video=0):
            bgr = frame.to_ndarray(format="bgr24")[::4, ::4]
            means.append(SRGB8_TO_LINEAR[bgr].reshape(-1, 3).mean(axis=0))
    return np.array(means)


def clip_of(tmp: Path, name: str, shot: Path, calibration: Path, config: str = "") -> Path:
    toml = tmp / f"{name}.toml"
    toml.write_text('[stitch]\ninterpolation = "hold"\n' + config)
    result = run_stitch(shot, calibration, tmp / name, "--config", str(toml))
    assert result.returncode == 0, result.stderr
    (clip,) = clip_dirs(tmp / name)
    return clip


@dataclass(frozen=True)
class Clips:
    warnings: str
    """What `booth calibrate` said of the rig with colour errors."""
    matched: Path
    exact: Path
    unmatched: Path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    tmp = tmp_path_factory.mktemp("colour")
    calibrations: dict[str, tuple[Path, str]] = {}
    for exact in (False, True):
        name = "exact" if exact else "errors"
        target = shoot(tmp / f"{name}-target", "target", exact)
        result = run_booth("calibrate", str(target), "--out", str(tmp / f"{name}.json"))
        assert result.returncode == 0, result.stderr
        calibrations[name] = (tmp / f"{name}.json", result.stderr)
    errors_shot, exact_shot = shoot(tmp / "errors-shot", "shot", False), shoot(tmp / "exact-shot", "shot", True)
    # the rig as the booth had it before: no grey patch, so every camera left as it made its frames
    plain = json.loads(calibrations["errors"][0].read_text())
    for camera in plain["cameras"]:
        camera["gains"] = {"r": 1.0, "g": 1.0, "b": 1.0}
    (tmp / "plain.json").write_text(json.dumps(plain))
    return Clips(
        warnings=calibrations["errors"][1],
        matched=clip_of(tmp, "matched", errors_shot, calibrations["errors"][0]),
        exact=clip_of(tmp, "exact", exact_shot, calibrations["exact"][0]),
        unmatched=clip_of(tmp, "unmatched", errors_shot, tmp / "plain.json", 'colour_per_shot = "off"\n'),
    )


def gain_error(clip: Path, exact: Path) -> np.ndarray:
    """Per channel, the RMS over the clip's frames of each frame's gain against the exact shot's same frame,
    the clip's common gain divided out (the rig's overall white balance is the cameras' own)."""
    gains = clip_gains(clip) / clip_gains(exact)
    relative = gains / gains.mean(axis=0)
    return np.asarray(np.sqrt(np.mean((relative - 1.0) ** 2, axis=0)))


def test_calibration_without_a_grey_patch_says_colour_comes_from_the_content(clips: Clips) -> None:
    assert "matched camera to camera from what they see at the pivot" in clips.warnings


def test_every_channel_of_every_frame_matches_the_exact_shot_within_two_percent(clips: Clips) -> None:
    matched = gain_error(clips.matched, clips.exact)
    unmatched = gain_error(clips.unmatched, clips.exact)
    assert (matched <= 0.02).all(), matched
    assert (unmatched > 2.5 * matched).all(), (unmatched, matched)


def test_brightness_does_not_pump_from_frame_to_frame(clips: Clips) -> None:
    exact = clip_gains(clips.exact)
    luma = (clip_gains(clips.matched) / exact) @ np.array([0.0722, 0.7152, 0.2126])
    # a held view repeats: only the steps where the exact clip moves on to another camera's view count
    moved = np.abs(exact[1:] / exact[:-1] - 1.0).max(axis=1) > 1e-4
    steps = np.abs(luma[1:] / luma[:-1] - 1.0)[moved]
    assert moved.sum() >= 11
    assert float(np.sqrt(np.mean(steps**2))) <= 0.01, steps
    assert float(steps.max()) <= 0.03, steps


def test_pairs_measured_two_ways_outvote_one_wrong_pair() -> None:
    truth = np.log(np.array([[1.0, 1.0, 1.0], [1.1, 0.9, 1.0], [0.95, 1.05, 1.2], [1.2, 1.0, 0.9], [1.0, 1.1, 1.0]]))
    truth -= truth.mean(axis=0)
    measures = [
        PairMeasure(i, j, truth[j] - truth[i] + (0.15 if (i, j) == (1, 2) else 0.0), 1.0)
        for step in (1, 2)
        for i, j in ((k, k + step) for k in range(5 - step))
    ]
    solved = solve_gains(list(range(5)), measures)
    found = np.log(np.array([solved.gains[k] for k in range(5)]))
    # gains undo the measured ratios: camera j's gain is the inverse of its brightness
    assert np.abs(found + truth).max() < 0.06
    assert solved.unmatched == []


def test_a_camera_no_pair_reaches_is_named_and_left_alone() -> None:
    solved = solve_gains([0, 1, 2], [PairMeasure(0, 1, np.array([0.1, 0.0, -0.1]), 1.0)])
    assert solved.unmatched == [2]
    assert np.allclose(solved.gains[2], 1.0)


def test_a_pair_measured_on_a_lit_slope_is_not_biased_by_the_flows_lag() -> None:
    """Where the key light falls off across the body, a flow that falls short of the motion by 0.4 px samples
    b on the darker side of the point a shows: every ratio reads low by the lag times the slope there. The
    level comes out right; a lag beyond MAX_LAG (a pair on the bare calibration target, where little is shaded)
    is taken out only as far as MAX_LAG."""
    rng = np.random.default_rng(4)
    slopes = np.column_stack([rng.uniform(0.0, 0.05, 5000), rng.normal(0.0, 0.01, 5000)])  # log units per px
    level = np.array([0.04, 0.0, -0.03])
    ratios = level + (slopes @ np.array([-0.4, 0.0]))[:, None] + rng.normal(0.0, 0.01, (5000, 3))
    centre = np.median(ratios, axis=0)
    spread = np.median(np.abs(ratios - centre), axis=0)
    assert np.abs(centre - level).min() > 0.008  # the plain median is off by about 1 %
    assert np.abs(_past_the_lag(ratios, slopes, centre, spread) - level).max() < 0.002
    far = level + (slopes @ np.array([-3.0, 0.0]))[:, None]
    centre = np.median(far, axis=0)
    found = _past_the_lag(far, slopes, centre, np.full(3, 0.02))
    assert np.allclose(found, centre + MAX_LAG * np.median(slopes[:, 0]), atol=0.003)
