"""Cross-view agreement on a rendered shot's true geometry: the views of one logo confirm each other through the
rig's calibration, a view that missed it is recovered, and a detection no neighbour supports is dropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from booth.stitch.calibration import Calibration
from booth.tagging.crossview import Box, View, agree, camera_number
from tests.conftest import Rendered

LEAST = 0.5


def _shot(participant: Rendered, calibration: Path) -> tuple[list[Box | None], list[np.ndarray], list[int]]:
    cal = Calibration.load(calibration)
    cameras = participant.truth["cameras"]
    boxes: list[Box | None] = [tuple(c["logo_box"]) if c["logo_box"] else None for c in cameras]
    order = [camera_number(c["file"]) or 0 for c in cameras]
    return boxes, [cal.camera(n).transform for n in order], order


def _seen(boxes: list[Box | None]) -> list[int]:
    """Frames where the logo is in view and not a sliver."""
    return [k for k, b in enumerate(boxes) if b is not None and b[2] - b[0] >= 12]


def _agree(views: list[View], transforms: list[np.ndarray], order: list[int], probe=None):  # type: ignore[no-untyped-def]
    return agree(views, transforms, order, [(1200, 800)] * len(order), lambda brand: LEAST, probe)


def test_the_views_of_a_logo_confirm_each_other_and_a_missed_view_is_recovered(
    small_participant: Rendered, small_calibration: Path
) -> None:
    boxes, transforms, order = _shot(small_participant, small_calibration)
    seen = _seen(boxes)
    assert len(seen) >= 4, "the small rig's participant faces several cameras"
    missed = seen[len(seen) // 2]
    views = [View(k, {"orbita": 0.8, "other": 0.1}, boxes[k]) for k in seen if k != missed]  # type: ignore[arg-type]
    looked: list[int] = []

    def probe(frame: int, box: Box) -> dict[str, float]:
        looked.append(frame)
        true = boxes[frame]
        assert true is not None
        centre_off = abs((box[0] + box[2]) / 2 - (true[0] + true[2]) / 2)
        near = frame in seen and centre_off < true[2] - true[0]  # a sliver at the arc's end shows no logo
        return {"orbita": 0.45 if near else 0.0}

    shot = _agree(views, transforms, order, probe)
    assert list(shot.brands) == ["orbita"]
    frames = {t.frame for t in shot.brands["orbita"]}
    assert missed in looked, "the view that missed the logo was looked at again where its neighbours put it"
    assert frames == set(seen), (frames, seen)
    assert [t.recovered for t in shot.tags if t.frame == missed] == [True]
    assert not shot.dropped


def test_a_detection_no_neighbour_supports_is_dropped(small_participant: Rendered, small_calibration: Path) -> None:
    boxes, transforms, order = _shot(small_participant, small_calibration)
    seen = _seen(boxes)
    views = [View(k, {"orbita": 0.7}, boxes[k]) for k in seen]  # type: ignore[arg-type]
    lone = next(k for k in range(len(order)) if k not in seen)
    views.append(View(lone, {"other": 0.9}, (100.0, 600.0, 180.0, 640.0)))  # a sign on the floor, seen once
    shot = _agree(views, transforms, order)
    assert list(shot.brands) == ["orbita"]
    assert [(t.frame, t.brand) for t in shot.dropped] == [(lone, "other")]


def test_the_views_outvote_one_views_mistaken_brand(small_participant: Rendered, small_calibration: Path) -> None:
    boxes, transforms, order = _shot(small_participant, small_calibration)
    seen = _seen(boxes)
    wrong = seen[1]
    views = [
        View(k, {"orbita": 0.3, "lookalike": 0.6} if k == wrong else {"orbita": 0.7, "lookalike": 0.2}, boxes[k])  # type: ignore[arg-type]
        for k in seen
    ]
    shot = _agree(views, transforms, order)
    assert list(shot.brands) == ["orbita"], "one view's mistaken brand is outvoted by its neighbours"
    assert {t.frame for t in shot.brands["orbita"]} == set(seen)


def test_a_brand_seen_once_is_not_the_shots(small_participant: Rendered, small_calibration: Path) -> None:
    boxes, transforms, order = _shot(small_participant, small_calibration)
    seen = _seen(boxes)
    views = [View(seen[0], {"orbita": 0.9}, boxes[seen[0]])]  # type: ignore[arg-type]
    shot = _agree(views, transforms, order)
    assert shot.brands == {} and len(shot.dropped) == 1
