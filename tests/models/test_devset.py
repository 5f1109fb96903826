"""The development set: the training generator's kind of scenes, with brands no other set or training uses."""

from __future__ import annotations

from pathlib import Path

import cv2

from booth.tagging.kit import load_kit
from booth.tagging.prepare import DRAWN_OTHERS
from booth.tagging_commands import _truth
from models.logos import devset
from models.logos.artwork import training_fonts
from models.logos.training_data import ART_SEEDS


def test_the_dev_set_holds_its_kit_and_true_boxes_and_shares_no_brand(tmp_path: Path) -> None:
    assert training_fonts(), "the drawn brands need the TTF fonts the README's test command installs"
    truth = devset.make_devset(tmp_path / "dev", scenes=3, empty=1)
    kit = load_kit(tmp_path / "dev" / "kit")
    assert len(kit.brands) == len(devset.DEV_ART_SEEDS)
    images, truths, _ = _truth(truth.parent)
    assert len(images) == 4 and images[-1].startswith("empty_")
    assert truths and {t.brand for t in truths} <= {b.brand_id for b in kit.brands}
    for t in truths:
        image = cv2.imread(str(truth.parent / t.image))
        assert image is not None and image.shape[:2] == (640, 960)
        x0, y0, x1, y1 = t.box
        assert 0 <= x0 < x1 <= 960 and 0 <= y0 < y1 <= 640
    # no brand of the set is one training, the preparation's outside brands or the other set's own draw from
    seeds = {*devset.DEV_ART_SEEDS, *devset.DEV_OTHER_SEEDS}
    assert not seeds & {*ART_SEEDS, *DRAWN_OTHERS}
    assert not set(devset.DEV_ART_SEEDS) & set(devset.DEV_OTHER_SEEDS)
