"""A given logo on the simulated participant's shirt, its ground truth, shot sets of such shots, and their rig's true
calibration; the default participant (ORBITA on the chest) renders exactly as it did before logos could be given."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from booth.config import TargetSection
from booth.stitch.calibration import calibrate_frames
from booth.stitch.frames import read_folder
from rig.sim.camera import RigLayout, build_cameras
from rig.sim.rig import SimRig, frame_name
from rig.sim.scene import (
    MAX_PRINT_HEIGHT_M,
    PrintColour,
    Scene,
    ShirtLogo,
    TargetGeometry,
    VerticalCylinder,
    participant_scene,
    print_on_torso,
    turned,
    wear,
)
from rig.sim.shots import MIN_VISIBLE_FRACTION, cameras_seeing, plan_shots, write_shot_set
from rig.sim.truth import ground_truth
from tests.conftest import Rendered, imread, run_booth

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from logo_shots import true_calibration

SMALL = RigLayout(cameras=8, width=640, height=480)
BLUE = (200, 90, 30)
YELLOW = (40, 220, 250)


def two_colour_logo(width: int = 400, height: int = 120) -> np.ndarray:
    """A logo on a transparent ground: a yellow bar with a blue disc on it, so that a mono print must change it."""
    logo = np.zeros((height, width, 4), np.uint8)
    cv2.rectangle(logo, (0, height // 4), (width - 1, 3 * height // 4), (*YELLOW, 255), -1)
    cv2.circle(logo, (height // 2, height // 2), height // 2 - 2, (*BLUE, 255), -1, cv2.LINE_AA)
    return logo


def truth_of(scene: Scene, layout: RigLayout = SMALL, seed: int = 4) -> dict[str, Any]:
    cameras = build_cameras(layout, seed)
    return ground_truth(cameras, layout, seed, scene, TargetGeometry(), [frame_name(c.index) for c in cameras])


def seeing_azimuths(truth: dict[str, Any]) -> list[float]:
    return [truth["cameras"][k]["azimuth_deg"] for k in cameras_seeing(truth)]


@pytest.fixture(scope="module")
def plain() -> Scene:
    """One participant in a plain shirt (a scene takes seconds to build; prints on it take next to nothing)."""
    return participant_scene(4, None)


# Taken before a logo could be given, from the commit before it: the default participant must render as it did.
# Each frame as 16x12 block means (BGR): a JPEG's bytes change with the build of OpenCV or NumPy a fresh install
# gets, while a change of the participant, its print or its light moves a block by far more than BLOCK_LEVELS.
DEFAULT_BLOCKS = Path(__file__).with_name("default_participant_blocks.json")
BLOCK_LEVELS = 1.5
DEFAULT_LOGO_TRUTH = [
    ([331.7, 157.8, 336.8, 176.7], 0.458),
    ([332.9, 181.0, 348.9, 199.8], 0.833),
    ([331.3, 150.9, 360.6, 169.8], 1.0),
    ([308.5, 172.7, 346.6, 192.6], 1.0),
    ([278.9, 155.3, 318.1, 175.5], 1.0),
    ([264.6, 168.9, 295.2, 188.7], 1.0),
    ([273.2, 179.4, 289.9, 198.9], 0.833),
    ([295.5, 144.7, 300.7, 163.9], 0.458),
]


def test_the_default_participant_renders_as_before(tmp_path: Path) -> None:
    truth = SimRig(SMALL, seed=9).render_to(tmp_path)
    before = np.array(json.loads(DEFAULT_BLOCKS.read_text()))
    for k in range(8):
        blocks = cv2.resize(imread(tmp_path / frame_name(k)).astype(np.float64), (16, 12), interpolation=cv2.INTER_AREA)
        worst = float(np.abs(blocks - before[k]).max())
        assert worst <= BLOCK_LEVELS, f"camera {k}'s frame moved by up to {worst:.1f} levels from before"
    assert truth["logo_brand"] == "orbita"
    assert [(c["logo_box"], c["logo_visible_fraction"]) for c in truth["cameras"]] == DEFAULT_LOGO_TRUTH
    facing = [c["logo_facing_deg"] for c in truth["cameras"]]
    assert facing.index(min(facing)) in (3, 4), "ORBITA faces the middle of the arc"


def test_a_given_logo_is_in_the_frames_where_the_truth_says(tmp_path: Path) -> None:
    logo = ShirtLogo(two_colour_logo(), "acme", facing_deg=40.0)
    (tmp_path / "printed").mkdir()
    (tmp_path / "plain").mkdir()
    # same rig, same participant, same sensor noise: the frames differ only where the print is
    rig = SimRig(SMALL, seed=4, logo=logo)
    printed = rig.render_to(tmp_path / "printed")
    rig.logo, rig.shots_taken = None, 0
    rig.render_to(tmp_path / "plain")
    assert printed["logo_brand"] == "acme"
    seen = 0
    for cam in printed["cameras"]:
        a = imread(tmp_path / "printed" / cam["file"]).astype(int)
        b = imread(tmp_path / "plain" / cam["file"]).astype(int)
        changed = np.abs(a - b).max(axis=2) > 40
        if cam["logo_box"] is None:
            assert not changed.any(), f"camera {cam['index']} sees no logo, and its frame is as without one"
            continue
        x0, y0, x1, y1 = cam["logo_box"]
        ys, xs = np.nonzero(changed)
        margin = 4  # lens softness and the JPEG's blocks spread an edge by a few pixels
        if len(xs):  # a sliver of print seen edge on may change no pixel by much
            assert xs.min() >= x0 - margin and xs.max() <= x1 + margin, cam["index"]
            assert ys.min() >= y0 - margin and ys.max() <= y1 + margin, cam["index"]
        if cam["logo_visible_fraction"] == 1.0:
            seen += 1
            inside = changed[math.ceil(y0) : math.floor(y1) + 1, math.ceil(x0) : math.floor(x1) + 1]
            assert inside.mean() > 0.3, "the print fills much of its box"
    assert seen >= 3


def test_booth_sim_render_prints_a_logo_file_on_the_shirt(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "logo.png"), two_colour_logo())
    out = tmp_path / "frames"
    common = ["sim", "render", "--cameras", "8", "--size", "640x480"]
    result = run_booth(
        *common, "--out", str(out), "--logo", str(tmp_path / "logo.png"), "--brand", "acme", "--facing", "-30"
    )
    assert result.returncode == 0, result.stderr
    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["logo_brand"] == "acme" and truth["logo_print"]["facing_deg"] == pytest.approx(-30.0, abs=0.2)
    refused = run_booth(*common, "--out", str(tmp_path / "x"), "--facing", "10")
    assert refused.returncode != 0 and "--logo" in refused.stderr and not (tmp_path / "x").exists()


def test_the_facing_angle_moves_which_cameras_see_the_logo(plain: Scene) -> None:
    logo = two_colour_logo()
    left = truth_of(wear(plain, ShirtLogo(logo, "acme", facing_deg=-50.0)))
    right = truth_of(wear(plain, ShirtLogo(logo, "acme", facing_deg=50.0)))
    assert left["logo_print"]["facing_deg"] == pytest.approx(-50.0, abs=0.2)
    assert seeing_azimuths(left) and max(seeing_azimuths(left)) < 0 < min(seeing_azimuths(right))
    for truth, facing in ((left, -50.0), (right, 50.0)):
        square_on = min(truth["cameras"], key=lambda c: c["logo_facing_deg"])
        step = 180.0 / (SMALL.cameras - 1)
        assert abs(square_on["azimuth_deg"] - facing) <= step / 2 + 2.0
        assert square_on["logo_visible_fraction"] == 1.0 and square_on["logo_facing_deg"] < step / 2 + 3.0
        away = max(truth["cameras"], key=lambda c: c["logo_facing_deg"])
        assert away["logo_facing_deg"] > 90 and away["logo_box"] is None


def test_turning_the_participant_turns_the_print_and_the_arms(plain: Scene) -> None:
    logo = two_colour_logo()
    chest_turned = truth_of(turned(wear(plain, ShirtLogo(logo, "acme")), 50.0))
    side_print = truth_of(wear(plain, ShirtLogo(logo, "acme", facing_deg=50.0)))
    assert chest_turned["logo_print"]["facing_deg"] == pytest.approx(50.0, abs=0.2)
    for a, b in zip(chest_turned["cameras"], side_print["cameras"], strict=True):
        assert a["logo_facing_deg"] == pytest.approx(b["logo_facing_deg"], abs=0.2)
    # a print on the side of the body is under the arm; a participant turned to the end camera shows it his chest
    end = SMALL.cameras - 1
    under_arm = truth_of(wear(plain, ShirtLogo(logo, "acme", facing_deg=90.0)))["cameras"][end]
    turned_to_end = truth_of(turned(wear(plain, ShirtLogo(logo, "acme")), 90.0))["cameras"][end]
    assert under_arm["logo_visible_fraction"] < MIN_VISIBLE_FRACTION
    assert turned_to_end["logo_visible_fraction"] == 1.0


def flat_torso(bgr: tuple[int, int, int] = (150, 118, 24)) -> VerticalCylinder:
    return VerticalCylinder(np.full((1024, 2048, 3), bgr, np.uint8), 0.0, 0.0, 0.17, 0.85, 1.45)


def test_a_mono_print_is_one_ink_and_as_is_keeps_the_colours() -> None:
    shirt = (150, 118, 24)
    ink = (30, 30, 220)
    colours = {}
    modes: tuple[PrintColour, ...] = ("as_is", "mono")
    for colour in modes:
        torso = flat_torso(shirt)
        print_on_torso(torso, ShirtLogo(two_colour_logo(), "acme", colour=colour, ink_bgr=ink))
        printed = torso.texture.reshape(-1, 3).astype(float)
        colours[colour] = printed[np.abs(printed - shirt).max(axis=1) > 0]
    mono = colours["mono"]
    # every printed pixel lies between the shirt and the one ink (edges are part ink, part shirt)
    t = np.clip((mono - shirt) @ (np.subtract(ink, shirt)) / float(np.sum(np.subtract(ink, shirt) ** 2)), 0, 1)
    off_line = np.abs(mono - (np.array(shirt) + t[:, None] * np.subtract(ink, shirt))).max(axis=1)
    assert off_line.max() <= 2.0
    assert (np.abs(mono - ink).max(axis=1) <= 1).mean() > 0.5, "most of the print is the ink itself"
    as_is = colours["as_is"]
    for logo_colour in (BLUE, YELLOW):
        assert (np.abs(as_is - logo_colour).max(axis=1) <= 2).sum() > 1000, f"{logo_colour} is printed as it is"


def test_a_print_keeps_its_aspect_and_width_and_may_cross_the_back_seam() -> None:
    torso = flat_torso()
    patch = print_on_torso(torso, ShirtLogo(two_colour_logo(400, 120), "acme", width_m=0.25, facing_deg=180.0))
    width = (patch.phi1 - patch.phi0) * torso.radius
    assert width == pytest.approx(0.25, abs=0.001)
    assert (patch.z1 - patch.z0) / width == pytest.approx(120 / 400, rel=0.01)
    assert patch.phi0 < math.pi < patch.phi1, "centred on the back, across the texture's seam"
    changed = (torso.texture != torso.texture[0, 1024]).any(axis=2).any(axis=0)
    assert changed[:10].any() and changed[-10:].any() and not changed[900:1100].any()
    tall = print_on_torso(flat_torso(), ShirtLogo(two_colour_logo(100, 400), "acme", width_m=0.2))
    assert tall.z1 - tall.z0 == pytest.approx(MAX_PRINT_HEIGHT_M, abs=0.002), "a tall logo is printed narrower"
    for bad in (
        {"width_m": 0.05},
        {"width_m": 0.4},
        {"brand_id": ""},
        {"bgra": np.zeros((10, 10, 3), np.uint8)},
        {"bgra": np.zeros((10, 10, 4), np.uint8)},
        {"facing_deg": math.nan},
    ):
        args: dict[str, Any] = {"bgra": two_colour_logo(), "brand_id": "acme", **bad}
        with pytest.raises(ValueError):
            ShirtLogo(**args)


def test_a_shot_set_lists_every_shot_with_its_brand_and_the_cameras_that_see_it(tmp_path: Path) -> None:
    kit = [("acme", two_colour_logo()), ("acme", two_colour_logo(200, 200)), ("zenit", two_colour_logo(300, 60))]
    foreign = [("stranger", two_colour_logo(240, 80))]
    out = tmp_path / "set"
    document = write_shot_set(
        out,
        kit,
        foreign_logos=foreign,
        shots=3,
        cameras=8,
        size=(640, 480),
        seed=3,
        participants=1,
        foreign_share=1 / 3,
        plain_share=1 / 3,
    )
    assert json.loads((out / "shots.json").read_text()) == document
    shots = document["shots"]
    assert sorted(s["logo"]["source"] if s["logo"] else "none" for s in shots) == ["foreign", "kit", "none"]
    assert document["rig"]["rig_id"] == SimRig(SMALL, seed=3).rig_id
    for shot in shots:
        truth = json.loads((out / shot["folder"] / "ground_truth.json").read_text())
        assert sorted(p.name for p in (out / shot["folder"]).glob("cam_*.jpg")) == [frame_name(k) for k in range(8)]
        assert shot["cameras_seeing"] == len(cameras_seeing(truth))
        source = shot["logo"]["source"] if shot["logo"] else None
        assert shot["brand"] == (truth["logo_brand"] if source == "kit" else None)
        assert truth["logo_brand"] == {"kit": shot["brand"], "foreign": "stranger", None: None}[source]
        assert truth["turn_deg"] == shot["turn_deg"]


def test_shot_plans_give_every_kit_brand_its_turn() -> None:
    kit = [
        ("a", two_colour_logo()),
        ("b", two_colour_logo()),
        ("b", two_colour_logo(200, 200)),
        ("c", two_colour_logo()),
    ]
    plans = plan_shots(kit, [("x", two_colour_logo())], shots=40, seed=5, participants=8)
    brands = [p.brand for p in plans if p.brand]
    assert len(brands) == 32 and {brands.count(b) for b in "abc"} <= {10, 11}
    assert sum(p.source == "foreign" for p in plans) == 4 and sum(p.source is None for p in plans) == 4
    assert len({p.scene_seed for p in plans}) == 8
    assert plans == plan_shots(kit, [("x", two_colour_logo())], shots=40, seed=5, participants=8)


def test_the_true_calibration_is_what_the_target_gives(small_target: Rendered) -> None:
    truth = small_target.truth
    rig = SimRig(RigLayout(cameras=12, width=1200, height=800), seed=truth["seed"])
    assert rig.rig_id == truth["rig_id"]
    true = true_calibration(rig)
    fitted, _ = calibrate_frames(read_folder(small_target.folder).frames, TargetSection(), rig.rig_id)
    assert true.rig_id == rig.rig_id and true.image_size == fitted.image_size == (1200, 800)
    probe = np.array([[0.0, 0.0, 1.0], [1199.0, 0.0, 1.0], [0.0, 799.0, 1.0], [1199.0, 799.0, 1.0], [600, 400, 1]])
    for t, f in zip(true.cameras, fitted.cameras, strict=True):
        assert t.index == f.index and t.file == f.file
        # the detector finds the balls' centres 0.7 px off, alike in every camera, so the fits agree closely
        assert np.abs(probe @ t.transform.T - probe @ f.transform.T).max() < 1.5
        # a sleeve measured in a small JPEG is a per cent or two off its true colour
        assert np.allclose(t.gains_bgr, f.gains_bgr, rtol=0.03)
