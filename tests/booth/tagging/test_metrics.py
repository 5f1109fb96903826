"""The measures the quality targets are stated in: precision, recall, mAP@0.5, false tags on empty images."""

from __future__ import annotations

import pytest

from booth.tagging.metrics import Scored, Truth, average_precision, evaluate, iou


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0


def test_perfect_detections_score_one_and_mistakes_are_counted() -> None:
    truths = [Truth("a.jpg", "lumen", (10, 10, 60, 40)), Truth("b.jpg", "orbita", (0, 0, 50, 50))]
    perfect = [Scored(t.image, t.brand, 0.9, t.box) for t in truths]
    result = evaluate(perfect, truths, images=["a.jpg", "b.jpg", "empty.jpg"])
    assert (result.precision, result.recall, result.map50) == (1.0, 1.0, 1.0)
    wrong = [
        Scored("a.jpg", "orbita", 0.95, (10, 10, 60, 40)),  # right place, wrong brand
        Scored("b.jpg", "orbita", 0.9, (2, 2, 50, 50)),  # right
        Scored("empty.jpg", "lumen", 0.8, (0, 0, 10, 10)),  # a false tag on a logo-free image
        Scored("b.jpg", "orbita", 0.3, (0, 0, 50, 50)),  # below the score kept
    ]
    result = evaluate(wrong, truths, images=["a.jpg", "b.jpg", "empty.jpg"])
    assert (result.true_positives, result.false_positives, result.missed) == (1, 2, 1)
    assert result.precision == pytest.approx(1 / 3) and result.recall == 0.5
    assert result.false_tags_per_100_empty == 100.0


def test_average_precision_uses_the_best_precision_to_the_right() -> None:
    assert average_precision([True, False, True], positives=2) == pytest.approx(0.5 * 1 + 0.5 * (2 / 3))
    assert average_precision([], positives=3) == 0.0
