"""bench/tagging.py: its quick mode compares the booth's tagger with the SIFT baseline, which finds a plain logo."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.tagging.kit import BrandKit, load_kit
from booth.tagging.metrics import iou
from models.logos.evalset import make_evalset

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from sift_baseline import SiftMatcher
from tagging import main


@pytest.fixture(scope="module")
def evalset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("evalset")
    make_evalset(out, brands=3, images=8, empty=4, rig_frames=False)
    return out


def test_quick_bench_prints_both_methods_with_figures(
    evalset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--quick", "--data", str(evalset / "data"), "--kit", str(evalset / "kit"), "--cache", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "CPU pipelined:" in out
    for method in ("booth tagger", "SIFT baseline"):
        row = next(line for line in out.splitlines() if re.match(rf"{method} +\d", line))
        figures = [float(v) for v in re.findall(r"\d+\.\d+", row)]
        # precision, recall, mAP, the two at 40 px and more, false tags per 100 empty images, ms per image
        assert len(figures) == 7, row
        assert all(0.0 <= f <= 1.0 for f in figures[:5]), row
        assert figures[-1] > 0.0, row
    assert re.search(r"booth vs baseline, all logos: precision [+-]\d\.\d{3}, recall \d+\.\d\dx", out)


def _pasted(kit: BrandKit, brand: str, width: int, at: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A logo of `brand` at `width` pixels, untilted, on a plain light grey 960x640 image, and its box."""
    rgba = kit.brand(brand).logos[0].rgba
    h = round(rgba.shape[0] * width / rgba.shape[1])
    logo = cv2.resize(rgba, (width, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    image = np.full((640, 960, 3), 200, np.float32)
    x, y = at
    alpha = logo[:, :, 3:] / 255.0
    image[y : y + h, x : x + width] = logo[:, :, :3] * alpha + image[y : y + h, x : x + width] * (1.0 - alpha)
    return image.astype(np.uint8), (x, y, x + width, y + h)


def test_sift_baseline_finds_a_plain_logo_and_nothing_where_there_is_none(evalset: Path, tmp_path: Path) -> None:
    kit = load_kit(evalset / "kit")
    matcher = SiftMatcher(kit)
    for brand in kit.brands:
        image, box = _pasted(kit, brand.brand_id, 360, (250, 180))
        cv2.imwrite(str(tmp_path / f"{brand.brand_id}.png"), image)
        [(_, found)] = matcher.scored_files([tmp_path / f"{brand.brand_id}.png"])
        assert found, brand.brand_id
        assert found[0].brand == brand.brand_id
        # as evaluate() counts a find; the wordmark's own file may match better than the whole logo's, and its
        # box is then the wordmark's
        assert iou(found[0].box, box) >= 0.5, (found[0], box)
    truth = json.loads((evalset / "data" / "truth.json").read_text())
    empty = [evalset / "data" / e["file"] for e in truth["images"] if not e["boxes"]]
    assert len(empty) == 4
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((640, 960, 3), 200, np.uint8))
    for name, found in matcher.scored_files([*empty, tmp_path / "blank.png"]):
        assert found == [], name
