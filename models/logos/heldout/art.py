"""Painting helpers shared by both logo makers: colours, text masks, layers into RGBA, trimming and PNG files."""

from __future__ import annotations

import colorsys
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from models.logos.heldout.sources import Face, font

RGB = tuple[float, float, float]
"""0..1 each."""


def hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (r, g, b)


def luma(c: RGB) -> float:
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def brand_colours(rng: np.random.Generator) -> tuple[RGB, RGB]:
    """A primary colour and a second one that goes with it (analogous, complementary, or a dark neutral)."""
    hue = float(rng.random())
    primary = hsv(hue, float(rng.uniform(0.55, 0.95)), float(rng.uniform(0.45, 0.92)))
    how = int(rng.integers(3))
    if how == 0:
        second = hsv(
            hue + float(rng.choice([-1, 1])) * float(rng.uniform(0.08, 0.16)), 0.8, float(rng.uniform(0.5, 0.95))
        )
    elif how == 1:
        second = hsv(hue + 0.5 + float(rng.uniform(-0.06, 0.06)), float(rng.uniform(0.5, 0.9)), 0.85)
    else:
        second = hsv(hue, 0.25, float(rng.uniform(0.12, 0.25)))
    return primary, second


def other_colours(rng: np.random.Generator, like: tuple[RGB, RGB]) -> tuple[RGB, RGB]:
    """Brand colours whose primary hue is at least 70 degrees from `like`'s."""
    base = colorsys.rgb_to_hsv(*like[0])[0]
    while True:
        primary, second = brand_colours(rng)
        gap = abs((colorsys.rgb_to_hsv(*primary)[0] - base + 0.5) % 1.0 - 0.5)
        if gap >= 70 / 360:
            return primary, second


def gradient(shape: tuple[int, int], a: RGB, b: RGB, degrees: float) -> np.ndarray:
    """An H x W x 3 linear gradient from a to b along the direction `degrees`."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    d = x * math.cos(math.radians(degrees)) + y * math.sin(math.radians(degrees))
    t = ((d - d.min()) / max(float(d.max() - d.min()), 1.0))[..., None]
    return (np.asarray(a, np.float32) * (1 - t) + np.asarray(b, np.float32) * t).astype(np.float32)


def paint(layers: Sequence[tuple[np.ndarray, str]], colours: Mapping[str, RGB | np.ndarray]) -> np.ndarray:
    """Layers (coverage, role) painted in order into premultiplied RGBA float32; role "knock" cuts a hole and a
    role whose colour is an H x W x 3 array is painted with it (a gradient)."""
    h, w = layers[0][0].shape
    planes = np.zeros((4, h, w), np.float32)  # one plane per channel: whole-plane arithmetic is much faster
    for cov, role in layers:
        a = cov.astype(np.float32, copy=False)
        planes *= 1 - a
        if role == "knock":
            continue
        colour = colours[role]
        for c in range(3):
            planes[c] += (colour[..., c] if isinstance(colour, np.ndarray) else np.float32(colour[c])) * a
        planes[3] += a
    return np.ascontiguousarray(planes.transpose(1, 2, 0))


def cropped(layers: Sequence[tuple[np.ndarray, str]], margin: int = 2) -> list[tuple[np.ndarray, str]]:
    """The layers cut to the block that any of them covers (painting the empty rest is wasted work)."""
    union = np.max([cov for cov, role in layers if role != "knock"], axis=0)
    ys, xs = np.nonzero(union > 0)
    y0, y1 = max(0, ys.min() - margin), ys.max() + 1 + margin
    x0, x1 = max(0, xs.min() - margin), xs.max() + 1 + margin
    return [(cov[y0:y1, x0:x1], role) for cov, role in layers]


def text_mask(
    face: Face,
    text: str,
    size: int,
    *,
    tracking: float = 0.0,
    stroke: int = 0,
    outline: int = 0,
) -> np.ndarray:
    """Coverage (0..1) of `text` in `face` at `size` px, trimmed: letters spaced by `tracking` em, thickened by
    `stroke` px, or only their outline `outline` px wide."""
    f = font(face, size)
    pad = size // 2 + stroke + outline + 4
    advances = [f.getlength(ch) for ch in text]
    width = int(sum(advances) + tracking * size * max(len(text) - 1, 0)) + 2 * pad
    image = Image.new("L", (width, size * 2 + 2 * pad))
    hollow = Image.new("L", image.size)
    draw, inner = ImageDraw.Draw(image), ImageDraw.Draw(hollow)
    x = float(pad)
    for ch, adv in zip(text, advances, strict=True):
        draw.text((x, pad + size), ch, font=f, fill=255, anchor="ls", stroke_width=stroke + outline, stroke_fill=255)
        if outline:
            inner.text((x, pad + size), ch, font=f, fill=255, anchor="ls", stroke_width=stroke)
        x += adv + tracking * size
    mask = np.asarray(image, np.float32) / 255.0
    if outline:
        mask = np.clip(mask - np.asarray(hollow, np.float32) / 255.0, 0.0, 1.0)
    return trim(mask)


def trim(mask: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """The smallest block of `mask` (H x W or H x W x C, coverage or alpha last) holding what is visible."""
    alpha = mask if mask.ndim == 2 else mask[..., -1]
    seen = alpha > threshold
    ys, xs = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
    if not len(xs):
        raise ValueError("nothing visible to trim to")
    return mask[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1]


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resized with area averaging (shrinking) or cubic (growing); premultiplied images keep their edges."""
    if (image.shape[1], image.shape[0]) == (width, height):
        return image
    shrink = width < image.shape[1]
    out = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def pad(image: np.ndarray, margin: int) -> np.ndarray:
    pads = ((margin, margin), (margin, margin)) + (((0, 0),) if image.ndim == 3 else ())
    return np.pad(image, pads)


def place(canvas: np.ndarray, item: np.ndarray, x: int, y: int) -> None:
    """Paint premultiplied `item` over `canvas` with its top-left at x, y (both premultiplied RGBA)."""
    h, w = item.shape[:2]
    region = canvas[y : y + h, x : x + w]
    region[:] = item + region * (1 - item[..., 3:])


def save_png(path: Path, premultiplied: np.ndarray, width: int) -> None:
    """Write the logo as an RGBA PNG with straight alpha, `width` px wide with its small transparent margin."""
    logo = trim(premultiplied)
    margin = max(2, width // 60)
    inner = width - 2 * margin
    height = max(16, round(logo.shape[0] * inner / logo.shape[1]))
    logo = pad(resize(logo, inner, height), margin)
    alpha = logo[..., 3:]
    straight = np.where(alpha > 1e-4, logo[..., :3] / np.maximum(alpha, 1e-4), 0.0)
    rgba = np.concatenate([straight, alpha], axis=2)
    Image.fromarray(np.round(np.clip(rgba, 0, 1) * 255).astype(np.uint8), "RGBA").save(path, compress_level=3)
