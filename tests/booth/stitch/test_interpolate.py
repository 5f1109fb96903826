"""In-between views: closer to the true view than a cross-fade, no ghosts at edges, and the clip uses them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.config import StitchSection, TargetSection
from booth.stitch.align import plan_output
from booth.stitch.calibration import calibrate_frames
from booth.stitch.encode import bgr_to_i420, planes
from booth.stitch.frames import read_folder
from booth.stitch.interpolate import FLOW_SCALE, Gap, crossfade, gap, in_between
from booth.stitch.layers import layered_gap
from booth.stitch.stitcher import aligned_view, orbit_timeline, steps_needed
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig
from tests.conftest import clip_dirs, read_clip_json, render, run_booth, run_stitch

W, H = 1080, 1920


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10.0 * np.log10(255.0**2 / mse)


def texture(seed: int, size: tuple[int, int], blur: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 1.0, size=(size[1], size[0])).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), blur)
    return np.clip(128 + smooth / smooth.std() * 40, 0, 255).astype(np.uint8)


def scene_at(t: float) -> np.ndarray:
    """A background sweeping right by 200 px over the gap, and a box in front moving left by 40 px: what an
    orbit does to what stands behind and in front of the pivot."""
    background = texture(1, (W + 400, H), 4.0)
    shift = round(200 * t)
    frame = background[:, 200 - shift : 200 - shift + W].copy()
    box = texture(2, (300, 500), 8.0) // 2 + 120
    x = 400 - round(40 * t)
    frame[700:1200, x : x + 300] = box
    return bgr_to_i420(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))


def test_flow_in_between_beats_a_crossfade_and_keeps_the_edge_single() -> None:
    a, b, truth = scene_at(0.0), scene_at(1.0), scene_at(0.5)
    made = planes(in_between(gap(a, b), 0.5))[0]
    faded = planes(crossfade(a, b, 0.5))[0]
    y = planes(truth)[0]
    assert psnr(made, y) > psnr(faded, y) + 4.0
    # half-way, the box spans x = 380..680; a cross-fade shows a half-strength copy of it from each view, at
    # 400..700 and 360..660, so each edge appears twice. Averaged down the box's height, the background's
    # texture evens out and what is left across each edge is the edge itself, or its ghost.
    rows = slice(760, 1140)
    truth_profile = y[rows].mean(axis=0)
    made_off = np.abs(made[rows].mean(axis=0) - truth_profile)
    faded_off = np.abs(faded[rows].mean(axis=0) - truth_profile)
    for edge in (slice(340, 420), slice(640, 720)):
        assert made_off[edge].mean() < 0.5 * faded_off[edge].mean()
    assert np.abs(made[rows, 400:660].astype(int) - y[rows, 400:660]).mean() < 1.0  # the box itself: exact


def test_in_between_at_the_ends_is_the_view_itself() -> None:
    a, b = scene_at(0.0), scene_at(1.0)
    g = gap(a, b)
    assert psnr(planes(in_between(g, 0.0))[0], planes(a)[0]) > 35
    assert psnr(planes(in_between(g, 1.0))[0], planes(b)[0]) > 35


def test_only_the_steps_a_frame_shows_are_made() -> None:
    settings = StitchSection()
    steps = steps_needed(24, 2, settings)
    assert len(steps) == 23
    shown = {round(p) for p in orbit_timeline(24, 2, settings).positions}
    made = {2 * m + j for m, js in enumerate(steps) for j in js}
    assert made == {d for d in shown if d % 2}
    assert all(js <= {1} for js in steps)
    assert steps_needed(24, 1, settings) == [frozenset()] * 23


@pytest.fixture(scope="module")
def dense_views(tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    """10 cameras 7.8 degrees apart (the 24-camera rig's spacing) with the true half-way camera in each gap:
    19 views, calibrated and aligned as the stitcher does."""
    layout = RigLayout(cameras=10, width=1800, height=1200, span_deg=180.0 * 9 / 23)
    folders = {}
    for scene in ("target", "participant"):
        folder = tmp_path_factory.mktemp(scene)
        rig = SimRig(layout, seed=4, between=2)
        rig.scene_name = "target" if scene == "target" else "participant"
        rig.render_to(folder)
        folders[scene] = folder
    calibration, _ = calibrate_frames(read_folder(folders["target"]).frames, TargetSection(), "test")
    geometry = plan_output(calibration, "vertical")
    return [aligned_view(frame, calibration, geometry) for frame in read_folder(folders["participant"]).frames]


def test_sim_in_betweens_are_closer_to_the_true_camera_than_a_crossfade(dense_views: list[np.ndarray]) -> None:
    gains = []
    for k in range(0, len(dense_views) - 2, 2):
        a, truth, b = dense_views[k], dense_views[k + 1], dense_views[k + 2]
        y = planes(truth)[0]
        gains.append(psnr(planes(in_between(gap(a, b), 0.5))[0], y) - psnr(planes(crossfade(a, b, 0.5))[0], y))
    assert np.mean(gains) > 2.5, gains
    assert min(gains) > 1.0, gains


def test_the_clip_shows_synthesised_views(tmp_path: Path) -> None:
    target = render(tmp_path / "target", scene="target", cameras=8, size=(1200, 800), seed=9)
    shot = render(tmp_path / "shot", scene="participant", cameras=8, size=(1200, 800), seed=9)
    assert run_booth("calibrate", str(target.folder), "--out", str(tmp_path / "cal.json")).returncode == 0
    for mode in ("flow", "hold"):
        (tmp_path / f"{mode}.toml").write_text(f'[stitch]\ninterpolation = "{mode}"\ninterpolation_factor = 4\n')
        result = run_stitch(
            shot.folder, tmp_path / "cal.json", tmp_path / mode, "--config", str(tmp_path / f"{mode}.toml")
        )
        assert result.returncode == 0, result.stderr
    (flow,) = (read_clip_json(c) for c in clip_dirs(tmp_path / "flow"))
    (hold,) = (read_clip_json(c) for c in clip_dirs(tmp_path / "hold"))
    assert (flow["interpolation"], flow["interpolation_factor"]) == ("flow", 4)
    assert flow["views_synthesised"] >= 15
    assert (hold["interpolation_factor"], hold["views_synthesised"]) == (1, 0)
    assert flow["frame_count"] == hold["frame_count"]


def wide_scene_at(t: float, sweep: int = 480) -> np.ndarray:
    """A gap as wide as 12 cameras over 180 degrees make it: the backdrop sweeps 480 px (over two fifths of the
    frame; 800 px between 8 cameras) while the participant at the pivot (a box) moves 16 px and a stick held out
    beside it 24 px."""
    background = cv2.applyColorMap(texture(3, (W + sweep, H), 6.0), cv2.COLORMAP_OCEAN)
    shift = round(sweep * t)
    frame = background[:, sweep - shift : sweep - shift + W].copy()
    box = cv2.applyColorMap(texture(4, (300, 700), 5.0), cv2.COLORMAP_AUTUMN)
    x = 390 - round(16 * t)
    frame[600:1300, x : x + 300] = box
    stick = 740 - round(24 * t)
    frame[930:970, x + 300 : stick] = (90, 120, 200)  # the arm that holds it
    frame[500:1400, stick : stick + 12] = (200, 40, 235)
    return bgr_to_i420(frame)


def test_layers_hold_a_wide_gap_where_free_flow_tears_it() -> None:
    a, b, truth = wide_scene_at(0.0), wide_scene_at(1.0), wide_scene_at(0.5)
    y = planes(truth)[0]
    layered = in_between(layered_gap(a, b), 0.5)
    flowed = in_between(gap(a, b), 0.5, fall_back=False)  # the free flow's own samples, torn
    faded = crossfade(a, b, 0.5)
    assert psnr(planes(layered)[0], y) > psnr(planes(faded)[0], y) + 3.0
    assert psnr(planes(layered)[0], y) > psnr(planes(flowed)[0], y) + 3.0
    # the participant at the pivot is whole and in place: the box half-way spans x = 382..682
    made = planes(layered)[0]
    assert np.abs(made[650:1250, 400:660].astype(int) - y[650:1250, 400:660]).mean() < 2.0


def test_a_gap_too_wide_to_check_is_cross_faded_not_torn() -> None:
    """Between 8 cameras over 180 degrees the backdrop sweeps three quarters of the frame: behind the
    participant it has left the other view in both directions, and the view in between is a cross-fade."""
    a, b = wide_scene_at(0.0, sweep=800), wide_scene_at(1.0, sweep=800)
    for t in (0.25, 0.5, 0.75):
        assert np.array_equal(in_between(layered_gap(a, b), t), crossfade(a, b, t))
    near_a, near_b = wide_scene_at(0.0), wide_scene_at(1.0)
    assert not np.array_equal(in_between(layered_gap(near_a, near_b), 0.5), crossfade(near_a, near_b, 0.5))


def test_where_the_motion_explains_neither_view_the_view_is_a_crossfade_not_pieces_out_of_place() -> None:
    """Two views of unrelated textures and a motion that explains neither (what a flow gives where a stick, an
    arm and a sweeping backdrop share its patches): sampled along that motion, the in-between view would be
    pieces of both drawn where neither shows them; it falls back to the cross-fade. Where the motion is right
    (the box and the sweep of scene_at), the view still follows it."""
    a = bgr_to_i420(cv2.applyColorMap(texture(5, (W, H), 3.0), cv2.COLORMAP_OCEAN))
    b = bgr_to_i420(cv2.applyColorMap(texture(6, (W, H), 3.0), cv2.COLORMAP_AUTUMN))
    wrong = np.zeros((H // FLOW_SCALE, W // FLOW_SCALE, 2), np.float32)
    wrong[..., 0] = 30.0
    nothing_hidden = np.zeros(wrong.shape[:2], np.float32)
    g = Gap(a, b, wrong, -wrong, nothing_hidden, nothing_hidden)
    faded = crossfade(a, b, 0.5).astype(np.int16)
    made = in_between(g, 0.5).astype(np.int16)
    unguarded = in_between(g, 0.5, fall_back=False).astype(np.int16)
    inside = np.s_[: H * 3 // 2, 200:-200]  # away from where the wrong motion leads out of the frame
    assert np.abs(unguarded - faded)[inside].mean() > 20.0
    assert np.abs(made - faded)[inside].mean() < 2.5  # where unrelated textures agree by chance, samples stay

    a, b, truth = scene_at(0.0), scene_at(1.0), scene_at(0.5)
    y = planes(truth)[0]
    assert psnr(planes(in_between(gap(a, b), 0.5))[0], y) > psnr(planes(crossfade(a, b, 0.5))[0], y) + 4.0
