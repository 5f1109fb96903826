"""The logo crop the embedder sees: a detection's box with a little margin, resized to one fixed shape."""

from __future__ import annotations

import cv2
import numpy as np

CROP_HEIGHT, CROP_WIDTH = 48, 96
MARGIN = 0.08
"""Share of the box's width and height added on each side, so that a box a little tight still holds the logo."""


def crop(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The box of `image` (BGR) widened by MARGIN, out-of-frame parts repeated from the edge, as 48x96 BGR."""
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
    x0, y0, x1, y1 = x0 - mx, y0 - my, x1 + mx, y1 + my
    # one affine map from the widened box onto the crop: sub-pixel exact, edges replicated, a single pass
    sx, sy = CROP_WIDTH / max(x1 - x0, 1.0), CROP_HEIGHT / max(y1 - y0, 1.0)
    if sx < 1 or sy < 1:  # shrinking: smooth first, as INTER_AREA would, so text does not alias
        kx, ky = max(0.0, 0.5 / sx - 0.5), max(0.0, 0.5 / sy - 0.5)
        ix0, iy0 = max(0, int(x0) - 2), max(0, int(y0) - 2)
        ix1, iy1 = min(image.shape[1], int(x1) + 3), min(image.shape[0], int(y1) + 3)
        if ix1 > ix0 and iy1 > iy0 and (kx > 0.3 or ky > 0.3):
            region = cv2.GaussianBlur(image[iy0:iy1, ix0:ix1], (0, 0), sigmaX=max(kx, 0.01), sigmaY=max(ky, 0.01))
            image, x0, x1, y0, y1 = region, x0 - ix0, x1 - ix0, y0 - iy0, y1 - iy0
    matrix = np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy]], np.float32)
    return cv2.warpAffine(
        image, matrix, (CROP_WIDTH, CROP_HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
