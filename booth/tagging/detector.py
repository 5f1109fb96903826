"""The class-agnostic logo detector: frames letterboxed into its input, its centre map read back as boxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from booth.errors import InputError
from booth.tagging.runtime import Model

STRIDE = 4
FLOOR = 0.15
"""Centre scores below this are not candidates at all."""
MAX_PER_FRAME = 40
PAD_VALUE = 114
ZOOM_FROM = 1.5
"""Images at least this many times the detector's input width get a second look at their middle."""


@dataclass(frozen=True)
class Candidate:
    box: tuple[float, float, float, float]
    """x0, y0, x1, y1 in the pixels of the image given to detect()."""
    score: float


@dataclass(frozen=True)
class Letterbox:
    scale: float
    left: int
    top: int


def letterbox(image: np.ndarray, height: int, width: int) -> tuple[np.ndarray, Letterbox]:
    """The image scaled to fit (height, width) whole, centred on grey: logos keep their shape."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    source = image
    while source.shape[1] * 0.55 >= nw and source.shape[0] * 0.55 >= nh:
        source = cv2.pyrDown(source)  # halving with a Gaussian: anti-aliased, and far cheaper than INTER_AREA
    resized = cv2.resize(source, (nw, nh), interpolation=cv2.INTER_AREA if nw < source.shape[1] else cv2.INTER_LINEAR)
    left, top = (width - nw) // 2, (height - nh) // 2
    canvas = np.full((height, width, 3), PAD_VALUE, np.uint8)
    canvas[top : top + nh, left : left + nw] = resized
    return canvas, Letterbox(scale, left, top)


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IoU and intersection over the smaller box, of box a against each of boxes b."""
    ix = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    iy = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    inter = ix * iy
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-6), inter / np.maximum(np.minimum(area_a, area_b), 1e-6)


def suppress(boxes: np.ndarray, scores: np.ndarray, *, iou: float = 0.45, inside: float = 0.7) -> list[int]:
    """Greedy non-maximum suppression that also drops a box mostly inside a better one (the symbol part of a
    full logo, found on its own); returns the kept indices, best first."""
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(best)
        if not order:
            break
        rest = np.array(order)
        over, contained = _overlap(boxes[best], boxes[rest])
        order = [int(i) for i, o, c in zip(rest, over, contained, strict=True) if o < iou and c < inside]
    return keep


def decode(maps: np.ndarray, fit: Letterbox, image_size: tuple[int, int]) -> list[Candidate]:
    """One frame's output (5, H/4, W/4) to candidates in the source image's pixels."""
    peaks = maps[0]
    ys, xs = np.nonzero(peaks >= FLOOR)
    if xs.size == 0:
        return []
    scores = peaks[ys, xs]
    cx = (xs + maps[3, ys, xs]) * STRIDE
    cy = (ys + maps[4, ys, xs]) * STRIDE
    w, h = maps[1, ys, xs], maps[2, ys, xs]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    boxes -= np.array([fit.left, fit.top, fit.left, fit.top], np.float32)
    boxes /= fit.scale
    width, height = image_size
    boxes = np.clip(boxes, 0, [width, height, width, height])
    sizeable = (boxes[:, 2] - boxes[:, 0] >= 2) & (boxes[:, 3] - boxes[:, 1] >= 2)
    boxes, scores = boxes[sizeable], scores[sizeable]
    kept = suppress(boxes, scores)[:MAX_PER_FRAME]
    return [Candidate(tuple(float(v) for v in boxes[k]), float(scores[k])) for k in kept]  # type: ignore[arg-type]


class LogoDetector:
    """Finds logo-like things, whatever their brand, in batches of frames."""

    def __init__(self, model: Model) -> None:
        grid = (1, 5, model.height // STRIDE, model.width // STRIDE)
        if model.output_shape != grid:
            raise InputError(
                f"{model.path}: gives {model.output_shape} for an image, not a logo detector's maps {grid}"
            )
        self.model = model

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Candidate]]:
        """Candidates in each image. An image at least ZOOM_FROM times the input's width is also looked at in
        its middle half, at twice the scale: where the participant stands, a chest logo is seen twice as big."""
        views: list[tuple[int, np.ndarray, int, int]] = []  # image index, pixels, their offset in the image
        for k, image in enumerate(images):
            views.append((k, image, 0, 0))
            h, w = image.shape[:2]
            if w >= ZOOM_FROM * self.model.width:
                views.append((k, image[h // 4 : h - h // 4, w // 4 : w - w // 4], w // 4, h // 4))
        if not views:
            return []
        fitted = [letterbox(pixels, self.model.height, self.model.width) for _, pixels, _, _ in views]
        batch = np.stack([canvas for canvas, _ in fitted]).transpose(0, 3, 1, 2).astype(np.float32)
        maps = self.model.run(batch)
        found: list[list[Candidate]] = [[] for _ in images]
        for m, ((k, pixels, x, y), (_, fit)) in enumerate(zip(views, fitted, strict=True)):
            size = (pixels.shape[1], pixels.shape[0])
            for c in decode(maps[m], fit, size):
                if (x or y) and _at_edge(c.box, size):
                    continue  # cut by the middle's border: the whole-frame view sees it whole
                x0, y0, x1, y1 = c.box
                found[k].append(Candidate((x0 + x, y0 + y, x1 + x, y1 + y), c.score))
        return [_merged(candidates) for candidates in found]


def _at_edge(box: tuple[float, float, float, float], size: tuple[int, int], margin: float = 2.0) -> bool:
    return box[0] <= margin or box[1] <= margin or box[2] >= size[0] - margin or box[3] >= size[1] - margin


def _merged(candidates: list[Candidate]) -> list[Candidate]:
    """One image's candidates from both views, the same logo seen twice kept once (the better score); the two
    views' boxes of one logo differ more than one view's duplicates, hence the looser overlap."""
    if len(candidates) < 2:
        return candidates
    boxes = np.array([c.box for c in candidates], np.float32)
    scores = np.array([c.score for c in candidates], np.float32)
    return [candidates[k] for k in suppress(boxes, scores, iou=0.3, inside=0.6)][:MAX_PER_FRAME]
