"""The held-out evaluation set: made alike for a seed, its true boxes on its logos, its code apart from training's."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.tagging.kit import load_kit
from booth.tagging_commands import _truth
from models.logos.heldout import SCENE_SIZE, sources
from models.logos.heldout.__main__ import main
from models.logos.heldout.generate import Sizes, generate
from models.logos.heldout.scenes import Artwork, Scene, place
from models.logos.heldout.surfaces import SURFACES

PACKAGE = Path(__file__).resolve().parents[2] / "models" / "logos" / "heldout"
TRAINING_SIDE = (
    "models.logos.brands",
    "models.logos.composite",
    "models.logos.training_data",
    "models.logos.evalset",
    "models.logos.devset",
    "models.logos.artwork",
    "booth.tagging.augment",
    "booth.tagging.identify",
    "booth.tagging.crops",
)
TINY = Sizes(brands=1, scenes=2, empty=1)
"""The quick set's code path at its smallest: every part of the set, in seconds."""
SEED = 4242


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heldout") / "set"
    generate(out, seed=SEED, sizes=TINY)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_seed_makes_the_same_set_in_one_process_or_two(made: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", seed=SEED, sizes=TINY, workers=2)
    first, again = _files(made), _files(tmp_path / "again")
    assert first.keys() == again.keys()
    assert [name for name in first if first[name] != again[name]] == []
    assert first["a/scenes/scene_0001.jpg"] != first["a/scenes/scene_0002.jpg"]


def test_the_set_holds_two_kits_look_alikes_and_four_labelled_folders(made: Path) -> None:
    for letter in ("a", "b"):
        kit = load_kit(made / f"kit-{letter}")
        assert len(kit.brands) == TINY.brands
        for brand in kit.brands:
            assert {logo.variant for logo in brand.logos} >= {"mono", "wordmark"}
            for logo in brand.logos:
                assert logo.rgba.shape[2] == 4 and (logo.rgba[:, :, 3] == 0).any(), "transparent round the logo"
                assert 200 <= logo.rgba.shape[1] <= 800
        looks = json.loads((made / f"lookalikes-{letter}" / "lookalikes.json").read_text())
        assert len(looks) == 3 * TINY.brands
        assert {v["how"] for v in looks.values()} == {"shape", "colour", "name"}
        assert {v["like"] for v in looks.values()} == {b.brand_id for b in kit.brands}
        assert not set(looks) & {b.brand_id for b in kit.brands}
        for part in ("scenes", "lookalike"):
            folder = made / letter / part
            doc = json.loads((folder / "truth.json").read_text())
            assert doc["kit"] == f"kit-{letter}"
            images = doc["images"]
            assert len(images) == TINY.scenes + TINY.empty
            assert all(e["boxes"] for e in images if e["file"].startswith("scene_"))
            assert not any(e["boxes"] for e in images if e["file"].startswith("empty_"))
            if part == "lookalike":
                assert all(e["distractors"] for e in images), "a look-alike in every image"
            else:
                assert not any(e["distractors"] for e in images)
            for entry in images:
                assert (folder / entry["file"]).is_file()
                for box in entry["boxes"]:
                    a = box["attributes"]
                    assert box["brand"] in {b.brand_id for b in kit.brands}
                    assert a["surface"] in SURFACES and -60 <= a["yaw"] <= 60 and -20 <= a["roll"] <= 20
                    assert 0 <= a["occluded"] <= 0.6 and a["width"] == box["box"][2] - box["box"][0]
                    assert a["at_least_40px"] == (a["width"] >= 40)
                for x in entry["distractors"]:
                    assert x["like"] in {b.brand_id for b in kit.brands} and x["how"] in {"shape", "colour", "name"}


def test_truth_json_reads_as_the_eval_command_reads_it(made: Path) -> None:
    images, truths, distractors = _truth(made / "a" / "lookalike")
    assert len(images) == TINY.scenes + TINY.empty
    assert truths and all(t.attributes and "surface" in t.attributes for t in truths)
    assert distractors and all(d.image in images and d.how for d in distractors)


def test_the_true_boxes_lie_on_the_logos(made: Path) -> None:
    """Where a box is, the image differs from the bare, lit photograph it was made from (each image draws its
    photograph and light first, from its own random numbers, so they can be made again)."""
    doc = json.loads((made / "a" / "scenes" / "truth.json").read_text())
    for entry in (e for e in doc["images"] if e["boxes"]):
        index = int(entry["file"].removeprefix("scene_").removesuffix(".jpg"))
        bare = Scene(SCENE_SIZE, np.random.default_rng([SEED, 0, 0, 0, index]))
        assert bare.photo == entry["photo"]
        read = cv2.imread(str(made / "a" / "scenes" / entry["file"]))
        assert read is not None
        image = read[:, :, ::-1].astype(np.float32) / 255
        photo = (bare.image * bare.light) ** (1 / 2.2)
        gain = np.median(image.mean(axis=2)) / max(float(np.median(photo.mean(axis=2))), 1e-3)
        differs = np.abs(image - photo * gain).mean(axis=2)
        usual = float(np.median(differs))
        for box in entry["boxes"]:
            x0, y0, x1, y1 = box["box"]
            assert float(differs[y0:y1, x0:x1].mean()) > 2 * usual + 0.01, (entry["file"], box)


@pytest.mark.parametrize("surface", ["flat", "sticker"])
def test_a_flat_prints_box_is_where_its_pixels_changed(surface: str) -> None:
    scene = Scene(SCENE_SIZE, np.random.default_rng(3))
    before = scene.image.copy()
    logo = np.zeros((60, 200, 4), np.float32)
    logo[10:50, 20:180] = (0.05, 0.05, 0.05, 1.0)
    shown = place(scene, Artwork("ink", "mono", logo, True), surface=surface, width=150.0, mono=False)
    assert shown is not None
    x0, y0, x1, y1 = shown.box
    assert 120 <= x1 - x0 <= 180
    changed = np.abs(scene.image - before).max(axis=2) > 0.02
    ys, xs = np.nonzero(changed)
    if surface == "flat":  # only the print changed the photo: its box is where the changes are, give or take blur
        assert abs(xs.min() - x0) <= 4 and abs(xs.max() + 1 - x1) <= 4
        assert abs(ys.min() - y0) <= 4 and abs(ys.max() + 1 - y1) <= 4
    inside = changed[y0:y1, x0:x1].mean()
    assert inside > 0.5, "most of the box is the print"


def test_nothing_of_the_training_data_generator_is_imported() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            assert not [n for n in names if n.startswith(TRAINING_SIDE)], f"{path.name} imports {names}"
    code = (
        "import sys, models.logos.heldout.__main__, models.logos.heldout.generate; "
        "print('\\n'.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert "models.logos.heldout.generate" in loaded and "booth.tagging.kit" in loaded
    assert [m for m in loaded if m.startswith(TRAINING_SIDE)] == []


@pytest.mark.parametrize(
    ("root", "package"), [("FONT_ROOT", "fonts-"), ("WALLPAPER_ROOT", "plasma-workspace-wallpapers")]
)
def test_a_missing_source_is_one_line_naming_its_package(
    root: str, package: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sources, root, tmp_path / "nothing")
    sources.font_path.cache_clear()
    sources.photo_path.cache_clear()
    try:
        assert main([str(tmp_path / "out"), "--quick"]) == 2
    finally:
        sources.font_path.cache_clear()
        sources.photo_path.cache_clear()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"apt-get install {package}" in err
    assert not (tmp_path / "out").exists()
