"""Finding the calibration target in one frame: the two marker balls on the axis, and its neutral grey sleeve."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from booth.config import TargetSection
from booth.stitch.colour import mean_linear

Point = tuple[float, float]
SEARCH_SIDE = 1000
SPACING_RANGE = (0.5, 2.0)
"""How far the balls' distance may be from what their size makes it (the target's heights over the ball's
diameter), as a factor: a ball of a few pixels measures small or large, and perspective differs."""
MIN_SATURATION = 100
MIN_VALUE = 60


@dataclass(frozen=True)
class TargetFound:
    top: Point
    bottom: Point
    residual_px: float
    """How far each ball's centroid sits from the centre of the ellipse fitted to its outline (RMS)."""


@dataclass(frozen=True)
class TargetMissed:
    reason: str


def marker_mask(image_bgr: np.ndarray, spec: TargetSection) -> np.ndarray:
    hsv = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2HSV)
    hue = hsv[..., 0].astype(np.int16) * 2  # OpenCV stores hue as degrees / 2
    diff = np.abs(((hue - spec.marker_hue_deg) + 180) % 360 - 180)
    mask = (diff <= spec.hue_tolerance_deg) & (hsv[..., 1] >= MIN_SATURATION) & (hsv[..., 2] >= MIN_VALUE)
    return mask.astype(np.uint8) * 255


def _blobs(mask: np.ndarray) -> list[tuple[float, float, int, tuple[int, int, int, int]]]:
    """Round-ish blobs: (cx, cy, area, bbox)."""
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = []
    for k in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[k])
        if area < 6:
            continue
        if not 0.5 <= w / h <= 2.0 or area / (w * h) < 0.5:
            continue
        found.append((float(centroids[k][0]), float(centroids[k][1]), area, (x, y, w, h)))
    return found


def _refine(image_bgr: np.ndarray, spec: TargetSection, bbox: tuple[int, int, int, int]) -> tuple[Point, float] | None:
    """Sub-pixel centre of one ball at full resolution, and how well its outline agrees with its centroid."""
    x, y, w, h = bbox
    pad = max(4, int(0.6 * max(w, h)))
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(image_bgr.shape[1], x + w + pad), min(image_bgr.shape[0], y + h + pad)
    mask = marker_mask(image_bgr[y0:y1, x0:x1], spec)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    blob = (labels == k).astype(np.uint8)
    m = cv2.moments(blob, binaryImage=True)
    if m["m00"] <= 0:
        return None
    cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=len)
    residual = 0.0
    if len(outline) >= 5:
        (ex, ey), _, _ = cv2.fitEllipse(outline)
        residual = math.hypot(ex - cx, ey - cy)
    return (x0 + cx, y0 + cy), residual


def find_target(image_bgr: np.ndarray, spec: TargetSection) -> TargetFound | TargetMissed:
    """Locate the two marker balls; the top one is the higher in the frame."""
    h, w = image_bgr.shape[:2]
    scale = min(1.0, SEARCH_SIDE / max(h, w))
    small = (
        cv2.resize(image_bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else image_bgr
    )
    mask = cv2.morphologyEx(marker_mask(small, spec), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    blobs = _blobs(mask)
    # the balls are as far apart as the target says, for their size: a magenta spot on a backdrop print is not
    spacing = (spec.top_m - spec.bottom_m) / (2.0 * spec.marker_radius_m)
    best: tuple[float, int, int] | None = None
    for i in range(len(blobs)):
        for j in range(i + 1, len(blobs)):
            a, b = blobs[i], blobs[j]
            dx, dy = abs(a[0] - b[0]), abs(a[1] - b[1])
            if dy == 0 or dx > 0.35 * dy or max(a[2], b[2]) > 4 * min(a[2], b[2]):
                continue
            diameter = 2.0 * math.sqrt((a[2] + b[2]) / (2.0 * math.pi))
            if not SPACING_RANGE[0] <= math.hypot(dx, dy) / (diameter * spacing) <= SPACING_RANGE[1]:
                continue
            score = float(a[2] + b[2])
            if best is None or score > best[0]:
                best = (score, i, j)
    if best is None:
        return TargetMissed(f"marker balls not found ({len(blobs)} marker-coloured blob(s) seen, two needed)")
    refined = []
    for k in (best[1], best[2]):
        bx, by, bw, bh = blobs[k][3]
        full_bbox = (int(bx / scale), int(by / scale), math.ceil(bw / scale), math.ceil(bh / scale))
        r = _refine(image_bgr, spec, full_bbox)
        if r is None:
            return TargetMissed("a marker ball could not be measured at full resolution")
        refined.append(r)
    (p, rp), (q, rq) = sorted(refined, key=lambda item: item[0][1])
    return TargetFound(top=p, bottom=q, residual_px=math.sqrt((rp * rp + rq * rq) / 2.0))


def patch_mean(
    image_bgr: np.ndarray, top: Point, bottom: Point, spec: TargetSection, patch_radius_m: float = 0.05
) -> np.ndarray:
    """Mean linear BGR colour of the middle of the grey sleeve, located from the two marker centres."""
    t, b = np.array(top), np.array(bottom)
    axis = t - b
    if float(np.linalg.norm(axis)) < 2.0:
        return np.zeros(3)
    px_per_m = float(np.linalg.norm(axis)) / (spec.top_m - spec.bottom_m)
    up = axis / np.linalg.norm(axis)
    side = np.array([-up[1], up[0]])
    mid_m = (spec.patch_bottom_m + spec.patch_top_m) / 2.0
    centre = b + up * (mid_m - spec.bottom_m) * px_per_m
    half_h = 0.3 * (spec.patch_top_m - spec.patch_bottom_m) * px_per_m
    half_w = 0.4 * patch_radius_m * px_per_m
    corners = np.array(
        [
            centre + up * dh + side * dw
            for dh, dw in ((half_h, -half_w), (half_h, half_w), (-half_h, half_w), (-half_h, -half_w))
        ]
    )
    mask = np.zeros(image_bgr.shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners * 16).astype(np.int32), 255, lineType=cv2.LINE_8, shift=4)
    pixels = image_bgr[mask > 0]
    if len(pixels) == 0:
        return np.zeros(3)
    return mean_linear(pixels)
