"""How well logos are found: precision, recall and mAP@0.5 against boxes known to be true, per brand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in the image's pixels."""


@dataclass(frozen=True)
class Scored:
    image: str
    brand: str
    score: float
    box: Box


@dataclass(frozen=True)
class Truth:
    image: str
    brand: str
    box: Box


@dataclass(frozen=True)
class Evaluation:
    precision: float
    recall: float
    map50: float
    per_brand_ap: dict[str, float]
    true_positives: int
    false_positives: int
    missed: int
    false_tags_per_100_empty: float


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _match(detections: Sequence[Scored], truths: Sequence[Truth], threshold: float) -> list[bool]:
    """For each detection, highest score first: does it claim a true box of its brand not claimed before?"""
    claimed: set[int] = set()
    hits = []
    for d in detections:
        best, best_iou = -1, threshold
        for k, t in enumerate(truths):
            if k in claimed or t.image != d.image or t.brand != d.brand:
                continue
            overlap = iou(d.box, t.box)
            if overlap >= best_iou:
                best, best_iou = k, overlap
        if best >= 0:
            claimed.add(best)
        hits.append(best >= 0)
    return hits


def average_precision(hits: Sequence[bool], positives: int) -> float:
    """Area under the precision-recall curve, with precision made monotone (all-point interpolation)."""
    if positives == 0:
        return 0.0
    tp = fp = 0
    points: list[tuple[float, float]] = []
    for hit in hits:
        tp, fp = tp + hit, fp + (not hit)
        points.append((tp / positives, tp / (tp + fp)))
    ap, best = 0.0, 0.0
    for i in range(len(points) - 1, -1, -1):  # from the right: the best precision at this recall or beyond
        recall, precision = points[i]
        best = max(best, precision)
        ap += (recall - (points[i - 1][0] if i else 0.0)) * best
    return ap


def evaluate(
    detections: Sequence[Scored],
    truths: Sequence[Truth],
    *,
    images: Sequence[str],
    min_score: float = 0.5,
    brand_min_score: Mapping[str, float] | None = None,
    iou_threshold: float = 0.5,
) -> Evaluation:
    """Precision and recall of the detections at or above min_score (or the brand's own minimum); mAP@0.5 over
    every detection; false tags per 100 images that hold no logo at all."""
    ranked = sorted(detections, key=lambda d: -d.score)
    least = brand_min_score or {}
    kept = [d for d in ranked if d.score >= least.get(d.brand, min_score)]
    hits = _match(kept, truths, iou_threshold)
    tp = sum(hits)
    fp = len(hits) - tp
    brands = sorted({t.brand for t in truths} | {d.brand for d in ranked})
    per_brand = {}
    for brand in brands:
        mine = [d for d in ranked if d.brand == brand]
        true = [t for t in truths if t.brand == brand]
        per_brand[brand] = average_precision(_match(mine, true, iou_threshold), len(true))
    with_logos = {t.image for t in truths}
    empty = [i for i in images if i not in with_logos]
    false_on_empty = sum(1 for d in kept if d.image not in with_logos)
    return Evaluation(
        precision=tp / len(kept) if kept else 1.0,
        recall=tp / len(truths) if truths else 1.0,
        map50=sum(per_brand.values()) / len(per_brand) if per_brand else 0.0,
        per_brand_ap=per_brand,
        true_positives=tp,
        false_positives=fp,
        missed=len(truths) - tp,
        false_tags_per_100_empty=100.0 * false_on_empty / len(empty) if empty else 0.0,
    )
