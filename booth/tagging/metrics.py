"""How well logos are found: precision, recall and mAP@0.5 against boxes known to be true, per brand and by
the logos' attributes (size, turn, bend, blur, occlusion, ink, surface), and false tags on look-alikes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    attributes: Mapping[str, Any] | None = field(default=None, hash=False)
    """How the logo was shown, where known: width (px), yaw and roll (degrees), bend, blur (sigma), motion (px),
    occluded (fraction), mono, surface; see recall_by_attribute."""


@dataclass(frozen=True)
class Distractor:
    """A look-alike of a kit logo (same symbol, same colours or a similar name): a tag on it is always false."""

    image: str
    box: Box
    like: str = ""
    how: str = ""


Counts = tuple[int, int]
"""Logos found, logos in the bucket."""


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
    recall_by: dict[str, dict[str, Counts]] = field(default_factory=dict)
    """recall_by_attribute of the logos scored."""
    distractors: int = 0
    distractor_false_tags: int = 0
    """Kept detections, not true, overlapping a look-alike's box at IoU >= DISTRACTOR_IOU."""
    ignored: int = 0
    """True logos narrower than min_width: neither counted as missed nor as found."""
    boxed: int = 0
    """Scored logos some detection (of those kept for evaluation) overlaps at the IoU threshold, whatever its
    brand and score: the detector's share of recall."""
    named: int = 0
    """Scored logos a detection of their own brand overlaps at the IoU threshold, whatever its score: what the
    least confidence then keeps or drops is the rest."""


SIZE_BUCKETS = ((24.0, "24-40"), (40.0, "40-80"), (80.0, "80-160"), (160.0, "160+"))
"""Lower bound of each width bucket in pixels; narrower than the first is "<24"."""
YAW_BUCKETS = ((0.0, "<20"), (20.0, "20-40"), (40.0, "40+"))
BENT_FROM = 0.02
"""A bend at least this (depth over width) is "some"."""
BLURRED_FROM = 1.0
"""Gaussian sigma in pixels from which a logo counts as blurred."""
MOTION_FROM = 3.0
"""Motion blur length in pixels from which a logo counts as moving (before its gaussian blur is looked at)."""
OCCLUDED_FROM = 0.02
DISTRACTOR_IOU = 0.3
ATTRIBUTE_ORDER: dict[str, tuple[str, ...]] = {
    "size": ("<24", *(name for _, name in SIZE_BUCKETS)),
    "yaw": tuple(name for _, name in YAW_BUCKETS),
    "bend": ("none", "some"),
    "blur": ("sharp", "blurred", "motion"),
    "occlusion": ("none", "partial"),
    "mono": ("no", "yes"),
    "surface": ("flat", "fabric", "cup", "banner", "sticker"),
}


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _claims(detections: Sequence[Scored], truths: Sequence[Truth], threshold: float) -> list[int]:
    """For each detection, highest score first: the true box of its brand it claims (not claimed before), or -1."""
    claimed: set[int] = set()
    claims = []
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
        claims.append(best)
    return claims


def _match(detections: Sequence[Scored], truths: Sequence[Truth], threshold: float) -> list[bool]:
    """For each detection, highest score first: does it claim a true box of its brand not claimed before?"""
    return [k >= 0 for k in _claims(detections, truths, threshold)]


def truth_width(truth: Truth) -> float:
    """The logo's width in pixels: its recorded width, else its box's."""
    width = (truth.attributes or {}).get("width")
    return float(width) if isinstance(width, int | float) else truth.box[2] - truth.box[0]


def _ranked(value: float, buckets: Sequence[tuple[float, str]], below: str) -> str:
    name = below
    for lower, bucket in buckets:
        if value >= lower:
            name = bucket
    return name


def attribute_buckets(truth: Truth) -> dict[str, str]:
    """The bucket of each attribute the truth records (size always: from its box when no width is recorded)."""
    a = truth.attributes or {}
    out = {"size": _ranked(truth_width(truth), SIZE_BUCKETS, "<24")}
    if isinstance(a.get("yaw"), int | float):
        out["yaw"] = _ranked(abs(float(a["yaw"])), YAW_BUCKETS, "<20")
    if isinstance(a.get("bend"), int | float):
        out["bend"] = "some" if abs(float(a["bend"])) >= BENT_FROM else "none"
    if isinstance(a.get("blur"), int | float) or isinstance(a.get("motion"), int | float):
        if float(a.get("motion") or 0.0) >= MOTION_FROM:
            out["blur"] = "motion"
        else:
            out["blur"] = "blurred" if float(a.get("blur") or 0.0) >= BLURRED_FROM else "sharp"
    if isinstance(a.get("occluded"), int | float):
        out["occlusion"] = "partial" if float(a["occluded"]) >= OCCLUDED_FROM else "none"
    if isinstance(a.get("mono"), bool):
        out["mono"] = "yes" if a["mono"] else "no"
    if isinstance(a.get("surface"), str):
        out["surface"] = a["surface"]
    return out


def recall_by_attribute(truths: Sequence[Truth], found: Sequence[bool]) -> dict[str, dict[str, Counts]]:
    """Recall by bucket: {attribute: {bucket: (found, total)}}, for the attributes the truths record. Buckets:
    size 24-40, 40-80, 80-160, 160+ px wide; yaw <20, 20-40, 40+ degrees; bend none/some; blur sharp, blurred
    (sigma >= 1) or motion (>= 3 px); occlusion none/partial; mono no/yes; surface as recorded."""
    if len(truths) != len(found):
        raise ValueError(f"{len(truths)} truths but {len(found)} found flags")
    counts: dict[str, dict[str, list[int]]] = {}
    for truth, hit in zip(truths, found, strict=True):
        for attribute, bucket in attribute_buckets(truth).items():
            tally = counts.setdefault(attribute, {}).setdefault(bucket, [0, 0])
            tally[0] += bool(hit)
            tally[1] += 1
    ordered: dict[str, dict[str, Counts]] = {}
    for attribute in [*ATTRIBUTE_ORDER, *sorted(set(counts) - set(ATTRIBUTE_ORDER))]:
        if attribute not in counts:
            continue
        known = ATTRIBUTE_ORDER.get(attribute, ())
        names = [b for b in known if b in counts[attribute]] + sorted(set(counts[attribute]) - set(known))
        ordered[attribute] = {b: (counts[attribute][b][0], counts[attribute][b][1]) for b in names}
    return ordered


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
    min_width: float = 0.0,
    distractors: Sequence[Distractor] = (),
) -> Evaluation:
    """Precision and recall of the detections at or above min_score (or the brand's own minimum); mAP@0.5 over
    every detection; false tags per 100 images that hold no logo at all; recall by attribute; false tags on
    look-alikes. Only true logos at least min_width wide are scored: a detection of a narrower one (its brand,
    IoU >= iou_threshold) counts neither as true nor as false."""
    ranked = sorted(detections, key=lambda d: -d.score)
    least = brand_min_score or {}
    scored = [t for t in truths if truth_width(t) >= min_width]
    narrow = [t for t in truths if truth_width(t) < min_width]

    def counted(found: Sequence[Scored], claims: Sequence[int]) -> list[tuple[Scored, int]]:
        """Drop detections that claim no scored logo but do claim a narrow one."""
        misses = [d for d, k in zip(found, claims, strict=True) if k < 0]
        on_narrow = iter(_claims(misses, narrow, iou_threshold) if narrow else [-1] * len(misses))
        return [(d, k) for d, k in zip(found, claims, strict=True) if k >= 0 or next(on_narrow) < 0]

    above = [d for d in ranked if d.score >= least.get(d.brand, min_score)]
    kept = counted(above, _claims(above, scored, iou_threshold))
    tp = sum(k >= 0 for _, k in kept)
    fp = len(kept) - tp
    brands = sorted({t.brand for t in scored} | {d.brand for d in ranked})
    per_brand = {}
    for brand in brands:
        mine = [d for d in ranked if d.brand == brand]
        true = [t for t in scored if t.brand == brand]
        hits = [k >= 0 for _, k in counted(mine, _claims(mine, true, iou_threshold))]
        per_brand[brand] = average_precision(hits, len(true))
    with_logos = {t.image for t in truths}
    empty = [i for i in images if i not in with_logos]
    false_on_empty = sum(1 for d, _ in kept if d.image not in with_logos)
    found = [False] * len(scored)
    for _, k in kept:
        if k >= 0:
            found[k] = True
    lookalikes: dict[str, list[Box]] = {}
    for x in distractors:
        lookalikes.setdefault(x.image, []).append(x.box)
    on_distractors = sum(
        1 for d, k in kept if k < 0 and any(iou(box, d.box) >= DISTRACTOR_IOU for box in lookalikes.get(d.image, ()))
    )
    boxes: dict[str, list[Box]] = {}
    for d in ranked:
        boxes.setdefault(d.image, []).append(d.box)
    boxed = sum(any(iou(box, t.box) >= iou_threshold for box in boxes.get(t.image, ())) for t in scored)
    named = sum(k >= 0 for k in _claims(ranked, scored, iou_threshold))
    return Evaluation(
        precision=tp / len(kept) if kept else 1.0,
        recall=tp / len(scored) if scored else 1.0,
        map50=sum(per_brand.values()) / len(per_brand) if per_brand else 0.0,
        per_brand_ap=per_brand,
        true_positives=tp,
        false_positives=fp,
        missed=len(scored) - tp,
        false_tags_per_100_empty=100.0 * false_on_empty / len(empty) if empty else 0.0,
        recall_by=recall_by_attribute(scored, found),
        distractors=len(distractors),
        distractor_false_tags=on_distractors,
        ignored=len(narrow),
        boxed=boxed,
        named=named,
    )
