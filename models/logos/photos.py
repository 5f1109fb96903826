"""Photographs the training side composes logos onto: Debian's mate-backgrounds nature photos and GNOME's wood.

The held-out evaluation draws its backgrounds from other photographs (models/logos/heldout), so no figure is
measured on a picture that training saw. Licences: models/logos/MODEL_CARD.md."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

TRAINING_PHOTOS = (
    *(f"/usr/share/backgrounds/mate/nature/{n}.jpg" for n in ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden")),
    *(f"/usr/share/backgrounds/mate/nature/{n}.jpg" for n in ("GreenMeadow", "LadyBird", "RainDrops", "Storm")),
    *(f"/usr/share/backgrounds/mate/nature/{n}.jpg" for n in ("TwoWings", "Wood", "YellowFlower")),
    "/usr/share/backgrounds/mate/abstract/Elephants.jpg",
    "/usr/share/backgrounds/gnome/wood-d.webp",
    "/usr/share/backgrounds/gnome/wood-l.webp",
)
PACKAGES = "mate-backgrounds gnome-backgrounds"
LONGEST = 1600
"""Photos are kept at most this wide: crops are taken at 0.3 to 1 of that, then resized to the scene."""


@functools.cache
def training_photos() -> tuple[tuple[np.ndarray, ...], ...]:
    """The photos, loaded once, each as a pyramid (full, half, quarter...) so a small crop is cut from a small
    level; empty when the packages are not installed (synthetic grounds stand in)."""
    photos = []
    for name in TRAINING_PHOTOS:
        image = cv2.imread(name, cv2.IMREAD_COLOR) if Path(name).is_file() else None
        if image is None:
            continue
        scale = LONGEST / max(image.shape[:2])
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        levels = [image]
        while max(levels[-1].shape[:2]) > 200:
            levels.append(cv2.pyrDown(levels[-1]))
        photos.append(tuple(levels))
    return tuple(photos)


def photo_ground(rng: np.random.Generator, width: int, height: int) -> np.ndarray | None:
    """A random crop of a training photo, flipped or not, scaled to width x height; None without photos."""
    photos = training_photos()
    if not photos:
        return None
    levels = photos[int(rng.integers(len(photos)))]
    share = float(rng.uniform(0.3, 1.0))
    photo = levels[0]
    for level in levels[1:]:  # the smallest level whose crop is still at least the size asked for
        if level.shape[1] * share < width or level.shape[0] * share < height:
            break
        photo = level
    h, w = photo.shape[:2]
    cw = min(w, max(32, int(w * share)))
    ch = min(h, max(32, int(cw * height / width)))
    cw = min(cw, int(ch * width / height))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    crop = photo[y : y + ch, x : x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA if cw > width else cv2.INTER_LINEAR)
