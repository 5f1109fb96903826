"""Where the output frame sits in rig space, and the one warp per camera that puts a frame there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from booth.stitch.frames import decode

if TYPE_CHECKING:  # calibration makes its colour from aligned views, so it imports this module
    from booth.stitch.calibration import Calibration, CameraCalibration

PROFILES: dict[str, tuple[int, int]] = {"vertical": (1080, 1920), "landscape": (1920, 1080), "square": (1080, 1080)}
MAX_UPSCALE = 1.12
"""How far a reduced JPEG decode may be enlarged before a larger decode is used instead: a 6000x4000 frame
cropped to 3800 rows decodes at half size (1900 rows) for a 1920-row output; 1 % enlargement is invisible."""


@dataclass(frozen=True)
class OutputGeometry:
    width: int
    height: int
    crop: tuple[float, float, float, float]
    """x0, y0, width, height of the output's window in rig space."""

    @property
    def scale(self) -> float:
        return self.height / self.crop[3]

    def rig_to_output(self) -> np.ndarray:
        """The window's edges go to the output's pixel edges (-0.5 and size - 0.5, pixel centres being whole)."""
        x0, y0, _, _ = self.crop
        s = self.scale
        return np.array([[s, 0.0, -x0 * s - 0.5], [0.0, s, -y0 * s - 0.5], [0.0, 0.0, 1.0]])

    def reduction(self) -> int:
        """The largest JPEG decode reduction (1, 2, 4, 8) that still gives enough pixels for the output."""
        best = 1
        for r in (2, 4, 8):
            if self.scale * r <= MAX_UPSCALE:
                best = r
        return best


def _covered_quads(calibration: Calibration) -> np.ndarray:
    """Each camera's frame outline in rig space: (cameras, 2, 4), corners in order."""
    w, h = calibration.image_size
    corners = np.array([[-0.5, -0.5, 1], [w - 0.5, -0.5, 1], [w - 0.5, h - 0.5, 1], [-0.5, h - 0.5, 1]]).T
    return np.stack([cam.transform @ corners for cam in calibration.cameras])


def _inside_all(points: np.ndarray, quads: np.ndarray) -> bool:
    """Whether every point (2, K) lies inside every convex quad (quads: (n, 2, 4), corners in order)."""
    a = quads[..., None]  # (n, 2, 4, 1): each edge's start
    b = np.roll(quads, -1, axis=2)[..., None]  # each edge's end
    cross = (b[:, 0] - a[:, 0]) * (points[1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (points[0] - a[:, 0])
    return not bool((cross < -1e-9).any())


def plan_output(calibration: Calibration, profile: str, zoom: float = 1.0) -> OutputGeometry:
    """The largest window of the profile's shape, centred on the axis, that every camera fully covers, placed
    as near the middle of the axis as that allows."""
    out_w, out_h = PROFILES[profile]
    aspect = out_w / out_h
    quads = _covered_quads(calibration)
    cx = calibration.reference_top[0]
    _, img_h = calibration.image_size

    def fits(cy: float, h: float) -> bool:
        hw, hh = h * aspect / 2.0, h / 2.0
        rect = np.array([[cx - hw, cx + hw, cx + hw, cx - hw], [cy - hh, cy - hh, cy + hh, cy + hh]])
        return _inside_all(rect, quads)

    def largest(cy: float) -> float:
        lo, hi = 0.0, float(img_h) * 1.5
        if not fits(cy, 1.0):
            return 0.0
        for _ in range(40):
            mid = (lo + hi) / 2.0
            lo, hi = (mid, hi) if fits(cy, mid) else (lo, mid)
        return lo

    # among the vertical places that allow (nearly) the largest window, the one nearest the middle of the
    # axis, so the participant stays centred when the frame's shape leaves room above and below
    middle = (calibration.reference_top[1] + calibration.reference_bottom[1]) / 2.0
    candidates = np.append(np.linspace(0.2 * img_h, 0.8 * img_h, 61), middle)
    sizes = np.array([largest(float(cy)) for cy in candidates])
    good = np.flatnonzero(sizes >= 0.98 * sizes.max())
    k = int(good[np.argmin(np.abs(candidates[good] - middle))])
    height = float(sizes[k]) / zoom
    if height < 16:
        raise ValueError("the cameras share no common view of the pivot: recalibrate")
    cy = float(candidates[k])
    x0 = cx - height * aspect / 2.0
    return OutputGeometry(out_w, out_h, (x0, cy - height / 2.0, height * aspect, height))


def frame_warp(camera: CameraCalibration, geometry: OutputGeometry, reduction: int) -> np.ndarray:
    """2x3 matrix from a frame decoded at 1/reduction scale to output pixels.

    A reduced JPEG decode averages reduction x reduction blocks, so decoded pixel k's centre is full-size
    coordinate reduction * k + (reduction - 1) / 2."""
    r = float(reduction)
    decoded_to_full = np.array([[r, 0.0, (r - 1) / 2.0], [0.0, r, (r - 1) / 2.0], [0.0, 0.0, 1.0]])
    full_to_rig = np.vstack([camera.transform, [0.0, 0.0, 1.0]])
    return (geometry.rig_to_output() @ full_to_rig @ decoded_to_full)[:2]


def aligned_frame(data: bytes, camera: CameraCalibration, geometry: OutputGeometry) -> np.ndarray | None:
    """A camera's JPEG decoded at the output's scale and warped onto it (BGR, colour as the camera made it);
    None where the JPEG cannot be decoded."""
    reduction = geometry.reduction()
    image = decode(data, reduction)
    return None if image is None else warp(image, frame_warp(camera, geometry, reduction), geometry)


def warp(image: np.ndarray, matrix: np.ndarray, geometry: OutputGeometry) -> np.ndarray:
    return cv2.warpAffine(
        image, matrix, (geometry.width, geometry.height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
