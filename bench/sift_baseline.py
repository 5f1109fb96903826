"""The usual do-it-yourself logo matcher (SIFT, ratio test, RANSAC homography per kit logo file), as a baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from booth.tagging.kit import BrandKit, Logo
from booth.tagging.tagger import read_image
from booth.tagging.tags import Detection

RATIO = 0.75
"""Lowe's ratio test: the nearest logo descriptor must be clearly nearer than the second."""
REPROJECTION_PX = 5.0
MIN_INLIERS = 10
SCORE_HALF = 10.0
"""Score is inliers / (inliers + SCORE_HALF): MIN_INLIERS inliers score 0.5, the booth's own least confidence."""
MIN_SCORE = MIN_INLIERS / (MIN_INLIERS + SCORE_HALF)
ROUNDS = 3
"""Instances of one logo file looked for in an image: each found one takes its keypoints away for the next."""
MIN_SIDE_PX = 12.0
LONGEST = 1200
MAX_SIDE = 1600
GROUNDS = (128, 255)
"""A logo file's transparent parts shown as mid grey and as white: the grounds logos are printed on most."""
OVERLAP = 0.5


@dataclass(frozen=True)
class Reference:
    """One logo file composited on one ground at one size: its SIFT keypoints in the logo file's pixels."""

    points: np.ndarray
    """(N, 2) float32."""
    descriptors: np.ndarray


@dataclass(frozen=True)
class LogoFile:
    brand: str
    corners: np.ndarray
    """(4, 1, 2) float32: the logo file's outline, clockwise from the top left."""
    references: tuple[Reference, ...]


def composited(logo: Logo, ground: int) -> tuple[np.ndarray, np.ndarray]:
    """The logo in grey levels on a plain ground, and the mask of where it is not transparent."""
    alpha = logo.rgba[:, :, 3:].astype(np.float32) / 255.0
    bgr = logo.rgba[:, :, :3].astype(np.float32) * alpha + ground * (1.0 - alpha)
    gray = cv2.cvtColor(bgr.astype(np.uint8), cv2.COLOR_BGR2GRAY)
    # a few pixels past the outline: the corners that SIFT finds sit on the edge of the logo against its ground
    mask = cv2.dilate((logo.rgba[:, :, 3] > 0).astype(np.uint8) * 255, np.ones((7, 7), np.uint8))
    return gray, mask


class SiftMatcher:
    """Every logo file of a kit as SIFT references, computed once; then each image matched against each file."""

    def __init__(self, kit: BrandKit) -> None:
        self.kit = kit
        self.sift = cv2.SIFT.create()
        # brute force, not FLANN: a reference holds tens to hundreds of keypoints, too few for a tree to pay
        self.bf = cv2.BFMatcher(cv2.NORM_L2)
        self.logos: list[LogoFile] = []
        for brand in kit.brands:
            for logo in brand.logos:
                h, w = logo.rgba.shape[:2]
                corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
                references = []
                for ground in GROUNDS:
                    gray, mask = composited(logo, ground)
                    for scale in (1.0, 0.5):
                        size = (max(1, round(w * scale)), max(1, round(h * scale)))
                        keypoints, descriptors = self.sift.detectAndCompute(
                            cv2.resize(gray, size, interpolation=cv2.INTER_AREA),
                            cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST),
                        )
                        if descriptors is None or len(keypoints) < MIN_INLIERS:
                            continue
                        points = np.array([k.pt for k in keypoints], np.float32) / scale
                        references.append(Reference(points, descriptors))
                self.logos.append(LogoFile(brand.brand_id, corners, tuple(references)))

    def find(self, gray: np.ndarray) -> list[Detection]:
        """Every logo found in a grey-level image, boxes in its pixels, best first; at most one per place."""
        keypoints, descriptors = self.sift.detectAndCompute(gray, None)
        if descriptors is None or len(keypoints) < MIN_INLIERS:
            return []
        scene = np.array([k.pt for k in keypoints], np.float32)
        found: list[Detection] = []
        for logo in self.logos:
            pairs = self._pairs(logo, descriptors)
            for _ in range(ROUNDS):
                if len(pairs) < MIN_INLIERS:
                    break
                src = np.array([p for p, _ in pairs], np.float32).reshape(-1, 1, 2)
                dst = scene[[k for _, k in pairs]].reshape(-1, 1, 2)
                homography, inliers = cv2.findHomography(src, dst, cv2.RANSAC, REPROJECTION_PX)
                count = int(inliers.sum()) if inliers is not None else 0
                if homography is None or count < MIN_INLIERS:
                    break
                quad = cv2.perspectiveTransform(logo.corners, homography)
                if not sane(quad):
                    break
                x0, y0 = np.maximum(quad.reshape(-1, 2).min(axis=0), 0)
                x1, y1 = np.minimum(quad.reshape(-1, 2).max(axis=0), (gray.shape[1], gray.shape[0]))
                found.append(Detection(logo.brand, count / (count + SCORE_HALF), (int(x0), int(y0), int(x1), int(y1))))
                # what lies inside the found logo belongs to it: the next round looks for another instance
                outline = quad.reshape(-1, 2)
                pairs = [
                    (p, k)
                    for (p, k), inlier in zip(pairs, inliers.ravel(), strict=True)
                    if not inlier and cv2.pointPolygonTest(outline, (float(scene[k][0]), float(scene[k][1])), False) < 0
                ]
        return suppressed(sorted(found, key=lambda d: -d.score))

    def _pairs(self, logo: LogoFile, descriptors: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """(point in the logo file, index of the image keypoint) for every image keypoint that passes the ratio
        test against one of the file's references: the image asks, so that two instances both find the logo."""
        pairs: list[tuple[np.ndarray, int]] = []
        taken: set[int] = set()
        for reference in logo.references:
            for nearest in self.bf.knnMatch(descriptors, reference.descriptors, k=2):
                if len(nearest) < 2 or nearest[0].distance >= RATIO * nearest[1].distance:
                    continue
                if nearest[0].queryIdx not in taken:  # one logo point per image keypoint, for RANSAC
                    taken.add(nearest[0].queryIdx)
                    pairs.append((reference.points[nearest[0].trainIdx], nearest[0].queryIdx))
        return pairs

    def scored_files(self, paths: Sequence[Path]) -> list[tuple[str, list[Detection]]]:
        """Each file's name with every logo found, boxes in the file's pixels: Tagger.scored_files' shape."""
        out = []
        for path in paths:
            image = read_image(path, LONGEST)
            pixels, scale = image.pixels, image.scale
            if max(pixels.shape[:2]) > MAX_SIDE:  # a large PNG is not reduced when decoded
                shrink = MAX_SIDE / max(pixels.shape[:2])
                pixels = cv2.resize(pixels, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
                scale /= shrink
            found = self.find(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY))
            out.append((image.name, [replace(d, box=_scaled(d.box, scale)) for d in found]))
        return out


def _scaled(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    return x0, y0, x1, y1


def sane(quad: np.ndarray) -> bool:
    """Whether a projected logo outline is a plausible view of a flat logo: convex, not mirrored, not tiny, and
    not squashed (opposite sides within 1:4 of each other)."""
    points = quad.reshape(-1, 2).astype(np.float32)
    if not np.isfinite(points).all() or not cv2.isContourConvex(points):
        return False
    if cv2.contourArea(points, oriented=True) <= 0:  # the corners were clockwise on the logo, in image axes
        return False
    sides = np.linalg.norm(points - np.roll(points, -1, axis=0), axis=1)
    if sides.min() < MIN_SIDE_PX:
        return False
    return bool(max(sides[0] / sides[2], sides[2] / sides[0], sides[1] / sides[3], sides[3] / sides[1]) <= 4.0)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box: a wordmark found inside the whole logo overlaps it fully."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0


def suppressed(ranked: list[Detection]) -> list[Detection]:
    """One detection per place: a brand's logo files (whole logo, wordmark, symbol) match one print several
    times over, and a wordmark in a font another brand shares matches that brand too; the best-scored stays."""
    kept: list[Detection] = []
    for d in ranked:
        if not any(_overlap(k.box, d.box) >= OVERLAP for k in kept):
            kept.append(d)
    return kept
