"""The measures the quality targets are stated in: precision, recall, mAP@0.5, false tags on empty images."""

from __future__ import annotations

import pytest

from booth.tagging.metrics import Distractor, Scored, Truth, average_precision, evaluate, iou


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
    # where recall was lost: both logos were boxed, one with its own brand (whatever the score)
    assert (result.boxed, result.named) == (2, 1)


def test_average_precision_uses_the_best_precision_to_the_right() -> None:
    assert average_precision([True, False, True], positives=2) == pytest.approx(0.5 * 1 + 0.5 * (2 / 3))
    assert average_precision([], positives=3) == 0.0


def _logo(image: str, box: tuple[float, float, float, float], **attributes: object) -> Truth:
    return Truth(image, "lumen", box, attributes or None)


def test_recall_is_reported_by_bucket_of_each_recorded_attribute() -> None:
    truths = [
        _logo("a.jpg", (0, 0, 30, 20), yaw=5.0, bend=0.0, blur=0.2, motion=0.0, occluded=0.0, mono=False),
        _logo("a.jpg", (100, 0, 160, 40), yaw=-25.0, bend=0.1, blur=1.5, motion=0.0, occluded=0.3, mono=True),
        _logo("b.jpg", (0, 0, 200, 90), width=200, yaw=50.0, blur=2.0, motion=8.0, surface="cup"),
        _logo("b.jpg", (300, 0, 400, 50), surface="fabric"),
    ]
    found = [Scored(t.image, t.brand, 0.9, t.box) for t in truths[1:3]]
    by = evaluate(found, truths, images=["a.jpg", "b.jpg"]).recall_by
    assert by["size"] == {"24-40": (0, 1), "40-80": (1, 1), "80-160": (0, 1), "160+": (1, 1)}
    assert by["yaw"] == {"<20": (0, 1), "20-40": (1, 1), "40+": (1, 1)}
    assert by["bend"] == {"none": (0, 1), "some": (1, 1)}
    assert by["blur"] == {"sharp": (0, 1), "blurred": (1, 1), "motion": (1, 1)}
    assert by["occlusion"] == {"none": (0, 1), "partial": (1, 1)}
    assert by["mono"] == {"no": (0, 1), "yes": (1, 1)}
    assert by["surface"] == {"fabric": (0, 1), "cup": (1, 1)}
    # truths without attributes still count by their box's width
    plain = evaluate([], [Truth("c.jpg", "orbita", (0, 0, 90, 20))], images=["c.jpg"]).recall_by
    assert plain == {"size": {"80-160": (0, 1)}}


def test_min_width_scores_only_wide_logos_and_ignores_tags_of_narrow_ones() -> None:
    truths = [
        _logo("a.jpg", (0, 0, 30, 20)),  # narrow: left out
        _logo("a.jpg", (100, 100, 200, 150), width=100),
        _logo("b.jpg", (0, 0, 60, 60), width=35),  # the recorded width decides, not the box
    ]
    detections = [
        Scored("a.jpg", "lumen", 0.9, (0, 0, 30, 20)),  # on a narrow logo: neither true nor false
        Scored("a.jpg", "lumen", 0.8, (100, 100, 200, 150)),
        Scored("b.jpg", "orbita", 0.7, (0, 0, 60, 60)),  # wrong brand on a narrow logo: still false
        Scored("b.jpg", "lumen", 0.6, (400, 400, 450, 450)),  # nowhere near a logo: false
    ]
    everything = evaluate(detections, truths, images=["a.jpg", "b.jpg"])
    assert (everything.true_positives, everything.false_positives, everything.missed) == (2, 2, 1)
    wide = evaluate(detections, truths, images=["a.jpg", "b.jpg"], min_width=40)
    assert (wide.true_positives, wide.false_positives, wide.missed, wide.ignored) == (1, 2, 0, 2)
    assert wide.recall == 1.0 and wide.precision == pytest.approx(1 / 3)
    assert wide.per_brand_ap["lumen"] == pytest.approx(1.0), "the narrow logo's tag is not a false one in AP"
    assert wide.recall_by["size"] == {"80-160": (1, 1)}


def test_tags_on_look_alikes_are_counted() -> None:
    truths = [Truth("a.jpg", "lumen", (0, 0, 100, 50))]
    distractors = [
        Distractor("a.jpg", (200, 0, 300, 50), like="lumen", how="shape"),
        Distractor("b.jpg", (0, 0, 100, 100), like="lumen", how="name"),
    ]
    detections = [
        Scored("a.jpg", "lumen", 0.9, (0, 0, 100, 50)),  # the real logo
        Scored("a.jpg", "lumen", 0.8, (210, 5, 300, 50)),  # on the look-alike
        Scored("b.jpg", "lumen", 0.7, (0, 0, 100, 40)),  # IoU 0.4 with the look-alike: >= 0.3
        Scored("b.jpg", "lumen", 0.6, (0, 0, 100, 20)),  # IoU 0.2: a false tag, but not on the look-alike
        Scored("a.jpg", "lumen", 0.2, (200, 0, 300, 50)),  # below the score kept
    ]
    result = evaluate(detections, truths, images=["a.jpg", "b.jpg"], distractors=distractors)
    assert (result.true_positives, result.false_positives) == (1, 3)
    assert (result.distractors, result.distractor_false_tags) == (2, 2)
