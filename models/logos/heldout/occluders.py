"""Things in front of a logo: a hand, a bag strap, a cup. Irregular shapes drawn as distance fields, shaded."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from models.logos.heldout.art import RGB, hsv
from models.logos.heldout.shapes import box, segment, turned

OCCLUDERS = ("hand", "strap", "cup")
SKIN: tuple[RGB, ...] = (
    (0.96, 0.8, 0.69),
    (0.87, 0.67, 0.53),
    (0.76, 0.55, 0.4),
    (0.6, 0.4, 0.27),
    (0.42, 0.27, 0.18),
    (0.3, 0.19, 0.13),
)


@dataclass(frozen=True)
class Occluder:
    kind: str
    x0: int
    y0: int
    rgba: np.ndarray
    """Premultiplied RGBA in the window at x0, y0."""


def _cover(d: np.ndarray) -> np.ndarray:
    return np.clip(0.5 - d, 0.0, 1.0).astype(np.float32)


def _shaded(
    cover: np.ndarray, d: np.ndarray, colour: RGB, depth: float, rng: np.random.Generator, light: float
) -> np.ndarray:
    """A rounded object: lit from one side, darker towards its edges (d: distance inside, negative)."""
    h, w = cover.shape
    inner = np.clip(-d / max(depth, 1.0), 0, 1)
    roundness = np.sqrt(inner)
    y, x = np.mgrid[:h, :w].astype(np.float32)
    side = ((x / w - 0.5) * math.cos(light) + (y / h - 0.5) * math.sin(light)) * 0.5
    shade = (0.55 + 0.45 * roundness) * (1 + side)
    shade *= 1 + 0.03 * rng.normal(0, 1, (h, w)).astype(np.float32)
    rgb = np.asarray(colour, np.float32) * shade[..., None]
    return np.concatenate([np.clip(rgb, 0, 1) * cover[..., None], cover[..., None]], axis=2)


def hand(rng: np.random.Generator, size: float, centre: tuple[float, float], angle: float) -> Occluder:
    """A hand, fingers together or spread, `size` px from wrist to fingertips, pointing along `angle`."""
    span = int(size * 1.4)
    y, x = np.mgrid[:span, :span].astype(np.float32)
    x, y = turned(x - span / 2, y - span / 2, angle)
    palm_w, palm_h = size * 0.24, size * 0.26
    palm = box(x + size * 0.1, y, palm_h, palm_w, palm_w * 0.6)
    d = palm
    spread = float(rng.uniform(0.0, 0.12))
    widths = (0.085, 0.09, 0.085, 0.07)
    lengths = (0.42, 0.46, 0.43, 0.34)
    for i, (fw, fl) in enumerate(zip(widths, lengths, strict=True)):
        off = (i - 1.5) * palm_w * 0.55
        base = (-size * 0.1 + palm_h * 0.75, off)  # inside the palm's far edge: fingers grow out of it
        tip_angle = (i - 1.5) * spread
        tip = (base[0] + fl * size * math.cos(tip_angle), off + fl * size * math.sin(tip_angle))
        d = np.minimum(d, segment(x, y, base, tip) - fw * size / 2)
    thumb_base = (-size * 0.15, -palm_w * 0.7)
    thumb_tip = (size * 0.12, -palm_w * 0.9 - size * float(rng.uniform(0.12, 0.22)))
    d = np.minimum(d, segment(x, y, thumb_base, thumb_tip) - 0.055 * size)
    d = np.minimum(d, box(x + size * 0.45, y, size * 0.2, palm_w * 0.85, palm_w * 0.4))  # wrist
    colour = SKIN[int(rng.integers(len(SKIN)))]
    rgba = _shaded(_cover(d), d, colour, size * 0.08, rng, float(rng.uniform(0, 2 * math.pi)))
    return Occluder("hand", round(centre[0] - span / 2), round(centre[1] - span / 2), rgba)


def strap(rng: np.random.Generator, size: float, centre: tuple[float, float], angle: float) -> Occluder:
    """A bag or camera strap: a woven band, stitched along its edges, curving across."""
    length = size * 2.2
    span = int(length * 1.1)
    width = size * float(rng.uniform(0.12, 0.22))
    y, x = np.mgrid[:span, :span].astype(np.float32)
    x, y = turned(x - span / 2, y - span / 2, angle)
    bow = float(rng.uniform(-0.15, 0.15)) * length
    curve = y - bow * (1 - (2 * x / length) ** 2)
    d = np.maximum(np.abs(curve) - width / 2, np.abs(x) - length / 2)
    colour = [(0.08, 0.08, 0.09), (0.3, 0.2, 0.12), (0.25, 0.28, 0.18), hsv(float(rng.random()), 0.6, 0.5)][
        int(rng.integers(4))
    ]
    cover = _cover(d)
    ribs = 0.9 + 0.1 * np.sin(x * 2 * math.pi / max(2.0, width * 0.12))
    stitch = (np.abs(np.abs(curve) - width * 0.38) < max(0.7, width * 0.03)) & (
        np.sin(x * 2 * math.pi / max(3.0, width * 0.25)) > 0
    )
    shade = (0.8 + 0.2 * np.cos(curve / (width / 2) * math.pi / 2)) * ribs
    rgb = np.asarray(colour, np.float32) * shade[..., None]
    rgb[stitch] = rgb[stitch] * 0.5 + 0.35
    rgba = np.concatenate([np.clip(rgb, 0, 1) * cover[..., None], cover[..., None]], axis=2)
    return Occluder("strap", round(centre[0] - span / 2), round(centre[1] - span / 2), rgba)


def cup(rng: np.random.Generator, size: float, centre: tuple[float, float], angle: float) -> Occluder:
    """A cup held in front: a tapered body with a rim, round-shaded, seen nearly upright."""
    height = size
    top, bottom = size * 0.38, size * 0.3
    span = int(size * 1.3)
    y, x = np.mgrid[:span, :span].astype(np.float32)
    x, y = turned(x - span / 2, y - span / 2, float(rng.uniform(-12, 12)))  # cups are held nearly upright
    t = np.clip((y + height / 2) / height, 0, 1)
    half = top + (bottom - top) * t
    body = np.maximum(np.abs(x) - half, np.abs(y) - height / 2)
    rim = (np.hypot(x / top, (y + height / 2) / (top * 0.22)) - 1) * top * 0.22
    d = np.minimum(body, rim)
    colour = [(0.95, 0.95, 0.93), (0.62, 0.47, 0.32), hsv(float(rng.random()), 0.5, 0.7)][int(rng.integers(3))]
    cover = _cover(d)
    across = np.clip(x / np.maximum(half, 1.0), -1, 1)
    shade = 0.55 + 0.45 * np.sqrt(np.clip(1 - across**2, 0, 1)) + 0.25 * np.exp(-(((across + 0.45) / 0.12) ** 2))
    inside = _cover((np.hypot(x / (top * 0.92), (y + height / 2) / (top * 0.18)) - 1) * top * 0.18)
    rgb = np.asarray(colour, np.float32) * shade[..., None]
    rgb = rgb * (1 - inside[..., None]) + np.asarray(colour, np.float32) * 0.35 * inside[..., None]
    rgba = np.concatenate([np.clip(rgb, 0, 1) * cover[..., None], cover[..., None]], axis=2)
    return Occluder("cup", round(centre[0] - span / 2), round(centre[1] - span / 2), rgba)


MAKERS = {"hand": hand, "strap": strap, "cup": cup}


def occluder(rng: np.random.Generator, target: tuple[float, float, float, float]) -> Occluder:
    """An occluder over part of the box `target` (x0 y0 x1 y1): it comes in from a side and covers some of it."""
    kind = OCCLUDERS[int(rng.integers(len(OCCLUDERS)))]
    x0, y0, x1, y1 = target
    w, h = x1 - x0, y1 - y0
    size = float(max(w, h) * rng.uniform(0.45, 0.9) if kind != "strap" else max(w, h) * rng.uniform(0.5, 0.8))
    size = max(size, 24.0)
    edge = int(rng.integers(4))
    depth = float(rng.uniform(0.1, 0.45))
    if edge == 0:
        centre = (x0 + w * depth - size * 0.45, y0 + h * float(rng.uniform(0.1, 0.9)))
        angle = 0.0
    elif edge == 1:
        centre = (x1 - w * depth + size * 0.45, y0 + h * float(rng.uniform(0.1, 0.9)))
        angle = 180.0
    elif edge == 2:
        centre = (x0 + w * float(rng.uniform(0.1, 0.9)), y0 + h * depth - size * 0.45)
        angle = 90.0
    else:
        centre = (x0 + w * float(rng.uniform(0.1, 0.9)), y1 - h * depth + size * 0.45)
        angle = 270.0
    if kind == "strap":  # a strap crosses the logo instead
        centre = (x0 + w * float(rng.uniform(0.0, 1.0)), y0 + h * float(rng.uniform(0.0, 1.0)))
        angle = float(rng.uniform(0, 180))
    return MAKERS[kind](rng, size, centre, angle + float(rng.uniform(-25, 25)))


def shadow_of(alpha: np.ndarray, offset: tuple[float, float], softness: float) -> tuple[np.ndarray, int]:
    """A drop shadow's coverage: the alpha moved by offset and blurred; padded by the returned margin."""
    margin = int(abs(offset[0]) + abs(offset[1]) + 3 * softness) + 2
    padded = np.pad(alpha, margin)
    m = np.array([[1, 0, offset[0]], [0, 1, offset[1]]], np.float32)
    moved = cv2.warpAffine(padded, m, (padded.shape[1], padded.shape[0]))
    return cv2.GaussianBlur(moved, (0, 0), max(softness, 0.3)), margin
