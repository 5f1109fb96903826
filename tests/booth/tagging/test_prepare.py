"""Kit preparation as staff meet it: `booth logos prepare` learns a kit once, `booth tag` uses what it learnt,
a changed logo file or other models make it stale, and a kit whose brands cannot be told apart is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.tagging.kit import load_kit
from booth.tagging.prepare import kit_digest, load_preparation, preparation_state
from booth.tagging.tagger import DETECTOR, EMBEDDER, bundled
from models.logos.artwork import make_art_brand
from models.logos.brands import make_kit
from models.logos.composite import background, paste
from tests.booth.test_bad_input import assert_refused
from tests.conftest import run_booth

MINUTES = "0.2"
"""A test's budget: the default is minutes, a short one still makes every part of a preparation."""


def _models() -> str:
    from booth.tagging.tagger import _fingerprint

    return f"{_fingerprint(bundled(DETECTOR))}+{_fingerprint(bundled(EMBEDDER))}"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-brand kit prepared once for the module."""
    kit = tmp_path_factory.mktemp("prepared") / "kit"
    make_kit(kit, brands=1, seed=7)
    make_art_brand(kit / "drawn", 24001)
    result = run_booth("logos", "prepare", "--kit", str(kit), "--minutes", MINUTES)
    assert result.returncode == 0, result.stderr
    assert "2 brands prepared" in result.stdout and "100 %  ready" in result.stdout, result.stdout
    return kit


def _photo(folder: Path, kit: Path) -> Path:
    rng = np.random.default_rng(3)
    image = background(rng, 1200, 800)
    assert paste(image, load_kit(kit).brand("drawn").logos[0], rng, width=260, occlude=0.0) is not None
    folder.mkdir(exist_ok=True)
    cv2.imwrite(str(folder / "photo.jpg"), image)
    return folder


def test_a_prepared_kit_is_kept_beside_it_and_used_by_tag(prepared: Path, tmp_path: Path) -> None:
    digest = kit_digest(load_kit(prepared))
    folders = [p.name for p in (prepared / ".prepared").iterdir()]
    assert folders == [digest[:16]], "one preparation, named by the kit's content"
    about = json.loads((prepared / ".prepared" / digest[:16] / "prepared.json").read_text())
    assert about["brands"] == ["brand_00", "drawn"] and about["models"] == _models()
    assert preparation_state(load_kit(prepared), _models()) == "ready"

    out = tmp_path / "tags.json"
    result = run_booth("tag", str(_photo(tmp_path / "photos", prepared)), "--kit", str(prepared), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "preparing" not in result.stderr, "an unchanged kit is never prepared twice"
    assert json.loads(out.read_text())["model"].endswith(f"+kit-{digest[:8]}"), "tags name the preparation"


def test_a_changed_logo_file_makes_the_preparation_stale(prepared: Path, tmp_path: Path) -> None:
    kit = shutil.copytree(prepared, tmp_path / "kit")
    assert preparation_state(load_kit(kit), _models()) == "ready"
    logo = kit / "drawn" / "mono.png"
    pixels = np.asarray(cv2.imread(str(logo), cv2.IMREAD_UNCHANGED))
    pixels[0, 0, 3] = 255 - pixels[0, 0, 3]  # one pixel: the artwork was exported again
    cv2.imwrite(str(logo), pixels)
    assert preparation_state(load_kit(kit), _models()) == "stale"
    assert load_preparation(load_kit(kit), _models()) is None

    out = tmp_path / "tags.json"
    photos = _photo(tmp_path / "photos", kit)
    result = run_booth("tag", str(photos), "--kit", str(kit), "--out", str(out), "--prepare-minutes", MINUTES)
    assert result.returncode == 0, result.stderr
    assert "preparation stale; preparing the kit now" in result.stderr
    assert preparation_state(load_kit(kit), _models()) == "ready"
    assert len(list((kit / ".prepared").iterdir())) == 1, "the stale preparation is replaced, not kept"


def test_a_preparation_for_other_models_is_not_trusted(prepared: Path) -> None:
    kit = load_kit(prepared)
    assert load_preparation(kit, _models()) is not None
    assert load_preparation(kit, "detector-00000000+embedder-00000000") is None
    assert preparation_state(kit, "detector-00000000+embedder-00000000") == "stale"


def test_unprepared_tags_with_the_shared_models(prepared: Path, tmp_path: Path) -> None:
    kit = shutil.copytree(prepared, tmp_path / "kit")
    shutil.rmtree(kit / ".prepared")
    out = tmp_path / "tags.json"
    result = run_booth("tag", str(_photo(tmp_path / "p", kit)), "--kit", str(kit), "--out", str(out), "--unprepared")
    assert result.returncode == 0, result.stderr
    assert "not prepared" in result.stderr, "staff are warned"
    assert "+kit-" not in json.loads(out.read_text())["model"]
    assert not (kit / ".prepared").exists()


def test_two_brands_sharing_a_logo_are_named_at_prepare(tmp_path: Path) -> None:
    make_kit(tmp_path / "kit", brands=2, seed=7)
    shutil.copy(tmp_path / "kit" / "brand_00" / "symbol.png", tmp_path / "kit" / "brand_01" / "borrowed.png")
    result = run_booth("logos", "prepare", "--kit", str(tmp_path / "kit"), "--minutes", MINUTES)
    assert_refused(result, "the same logo in two brands (brand_00, brand_01)")
    assert result.returncode == 2
    assert not (tmp_path / "kit" / ".prepared").exists(), "nothing half-written"


def test_two_brands_with_nearly_the_same_logo_are_named_at_prepare(tmp_path: Path) -> None:
    make_kit(tmp_path / "kit", brands=2, seed=7)
    near = np.asarray(cv2.imread(str(tmp_path / "kit" / "brand_00" / "colour.png"), cv2.IMREAD_UNCHANGED))
    near = cv2.resize(near, None, fx=0.9, fy=0.9, interpolation=cv2.INTER_AREA)  # the same artwork, exported smaller
    cv2.imwrite(str(tmp_path / "kit" / "brand_01" / "colour.png"), near)
    result = run_booth("logos", "prepare", "--kit", str(tmp_path / "kit"), "--minutes", MINUTES)
    assert_refused(result, "too alike to tell apart")
    assert result.returncode == 2
    assert "brand_00/colour.png" in result.stderr and "brand_01/colour.png" in result.stderr
