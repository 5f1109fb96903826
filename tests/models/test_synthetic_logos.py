"""The synthetic scenes the logo detector is trained and judged on: every logo's box is where its pixels are."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from booth.tagging.kit import load_kit
from models.logos.brands import make_kit
from models.logos.composite import MIN_WIDTH, paste, write_set


def test_the_same_seed_makes_the_same_set(tmp_path: Path) -> None:
    make_kit(tmp_path / "kit", brands=3, seed=1)
    kit = load_kit(tmp_path / "kit")
    a = write_set(tmp_path / "a", kit, images=3, empty=1, seed=9)
    b = write_set(tmp_path / "b", kit, images=3, empty=1, seed=9)
    assert a.read_text() == b.read_text()
    assert (tmp_path / "a" / "img_0001.jpg").read_bytes() == (tmp_path / "b" / "img_0001.jpg").read_bytes()
    images = json.loads(a.read_text())["images"]
    assert images[-1]["boxes"] == [], "the empty images hold no logo"
    for entry in images[:-1]:
        assert entry["boxes"]
        for box in entry["boxes"]:
            x0, y0, x1, y1 = box["box"]
            assert 0 <= x0 < x1 <= 960 and 0 <= y0 < y1 <= 640 and x1 - x0 >= MIN_WIDTH * 0.8
            assert box["brand"] in {"brand_00", "brand_01", "brand_02"}


def test_a_pasted_logos_box_holds_its_pixels_and_nothing_outside_changed(tmp_path: Path) -> None:
    make_kit(tmp_path / "kit", brands=1, seed=3)
    logo = load_kit(tmp_path / "kit").brands[0].logos[0]
    image = np.full((400, 600, 3), 127, np.uint8)
    box = paste(image, logo, np.random.default_rng(5), width=200, occlude=0)
    assert box is not None
    x0, y0, x1, y1 = box
    changed = np.nonzero((image != 127).any(axis=2))
    edge = 2  # the anti-aliased rim, under half opaque, is left out of the box
    assert changed[1].min() >= x0 - edge and changed[1].max() < x1 + edge
    assert changed[0].min() >= y0 - edge and changed[0].max() < y1 + edge
    assert 120 <= x1 - x0 <= 220, "about the asked width, turned by up to 30 degrees"
    assert cv2.countNonZero(((image[y0:y1, x0:x1] != 127).any(axis=2)).astype(np.uint8)) > 0
