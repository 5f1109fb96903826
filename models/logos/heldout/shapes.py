"""Logo symbols drawn as signed distance fields in numpy: leaf, wave, cut hexagon, monogram ring, blob, line art..."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Layer = tuple[np.ndarray, str]
"""Coverage in 0..1 and its paint: "primary", "secondary", "gradient" (primary into secondary) or "knock"."""
Glyph = Callable[[str, int], np.ndarray]
"""A letter's coverage (size x size, 0..1) in the brand's font: for monograms."""


@dataclass(frozen=True)
class Canvas:
    x: np.ndarray
    y: np.ndarray
    px: float
    """One pixel in the canvas's units (it spans -1..1)."""


def canvas(size: int) -> Canvas:
    c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0
    y, x = np.meshgrid(c, c, indexing="ij")
    return Canvas(x, y, 2.0 / size)


def cover(d: np.ndarray, px: float) -> np.ndarray:
    """Anti-aliased coverage of the inside (d < 0) of a distance field."""
    return np.clip(0.5 - d / px, 0.0, 1.0).astype(np.float32)


def turned(x: np.ndarray, y: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    a = math.radians(degrees)
    return x * math.cos(a) + y * math.sin(a), -x * math.sin(a) + y * math.cos(a)


def circle(x: np.ndarray, y: np.ndarray, cx: float, cy: float, r: float) -> np.ndarray:
    return np.hypot(x - cx, y - cy) - r


def box(x: np.ndarray, y: np.ndarray, hw: float, hh: float, radius: float = 0.0) -> np.ndarray:
    qx = np.abs(x) - hw + radius
    qy = np.abs(y) - hh + radius
    return np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - radius


def segment(x: np.ndarray, y: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    """Distance to the segment a-b (subtract a radius for a capsule)."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = np.clip(((x - ax) * dx + (y - ay) * dy) / max(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
    return np.hypot(x - ax - t * dx, y - ay - t * dy)


def polyline(x: np.ndarray, y: np.ndarray, points: list[tuple[float, float]]) -> np.ndarray:
    return np.min([segment(x, y, points[i], points[i + 1]) for i in range(len(points) - 1)], axis=0)


def polygon(x: np.ndarray, y: np.ndarray, points: list[tuple[float, float]]) -> np.ndarray:
    """Signed distance to a closed polygon (negative inside, even-odd rule)."""
    closed = [*points, points[0]]
    d = polyline(x, y, closed)
    inside = np.zeros(x.shape, bool)
    for (x0, y0), (x1, y1) in itertools.pairwise(closed):
        crosses = (y0 > y) != (y1 > y)
        at = x0 + (y - y0) * (x1 - x0) / (y1 - y0 if y1 != y0 else 1e-9)
        inside ^= crosses & (x < at)
    return np.where(inside, -d, d)


def _leaf(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    angle = float(rng.uniform(25, 60))
    x, y = turned(c.x, c.y, angle)
    r = 0.85
    off = float(rng.uniform(0.45, 0.6))
    blade = np.maximum(circle(x, y, 0, -off, r), circle(x, y, 0, off, r))
    tip = math.sqrt(max(r * r - off * off, 0.01))
    rib = segment(x, y, (-tip * 0.8, 0.0), (tip * 0.9, 0.0)) - 0.035
    stem = segment(x, y, (-tip - 0.25, 0.05), (-tip * 0.7, 0.0)) - 0.045
    layers: list[Layer] = [(cover(np.minimum(blade, stem), c.px), "gradient"), (cover(rib, c.px), "knock")]
    if rng.random() < 0.5:  # veins
        for k in (-0.4, 0.0, 0.4):
            v = segment(x, y, (k * tip, 0.0), (k * tip + 0.3, -0.35)) - 0.02
            w = segment(x, y, (k * tip, 0.0), (k * tip + 0.3, 0.35)) - 0.02
            layers.append((cover(np.minimum(v, w), c.px) * cover(blade + 0.08, c.px), "knock"))
    return layers


def _wave(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    disc = circle(c.x, c.y, 0, 0, 0.95)
    k = float(rng.uniform(2.5, 4.5))
    phase = float(rng.uniform(0, 2 * math.pi))
    bands = int(rng.integers(2, 4))
    layers: list[Layer] = [(cover(disc, c.px), "primary")]
    for i in range(bands):
        centre = -0.1 + 0.32 * i
        wave = np.abs(c.y - centre - 0.14 * np.sin(k * c.x + phase + i * 0.6)) - 0.07
        layers.append((cover(np.maximum(wave, disc + 0.06), c.px), "secondary" if i % 2 == 0 else "knock"))
    return layers


def _hexagon(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    start = 30.0 if rng.random() < 0.5 else 0.0
    pts = [
        (0.95 * math.cos(math.radians(start + 60 * i)), 0.95 * math.sin(math.radians(start + 60 * i))) for i in range(6)
    ]
    hexagon = polygon(c.x, c.y, pts)
    sx, sy = turned(c.x, c.y, float(rng.uniform(-50, 50)))
    slot = box(sx - float(rng.uniform(-0.2, 0.2)), sy, 0.09, 1.2)
    layers: list[Layer] = [(cover(np.maximum(hexagon, -slot), c.px), "primary")]
    if rng.random() < 0.6:
        inner = [
            (0.4 * math.cos(math.radians(start + 60 * i)), 0.4 * math.sin(math.radians(start + 60 * i)))
            for i in range(6)
        ]
        layers.append((cover(np.maximum(polygon(c.x, c.y, inner), -slot), c.px), "secondary"))
    return layers


def _monogram(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    size = c.x.shape[0]
    outer = float(rng.uniform(0.06, 0.12))
    ring = np.abs(circle(c.x, c.y, 0, 0, 0.95 - outer)) - outer
    letter = glyph(initial, size)
    layers: list[Layer] = [(cover(ring, c.px), "primary"), (letter, "secondary")]
    if rng.random() < 0.4:  # a filled disc with the letter cut out of it
        layers = [(cover(circle(c.x, c.y, 0, 0, 0.95), c.px), "primary"), (letter, "knock")]
    return layers


def _blob(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    rho = np.hypot(c.x, c.y)
    theta = np.arctan2(c.y, c.x)
    r = np.full_like(rho, 0.72)
    for k in range(2, 6):
        r += float(rng.uniform(0.0, 0.11)) * np.cos(k * theta + float(rng.uniform(0, 2 * math.pi)))
    blob = (rho - r) * 0.8
    layers: list[Layer] = [(cover(blob, c.px), "gradient")]
    if rng.random() < 0.5:
        hole = circle(c.x, c.y, float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.2, 0.2)), 0.18)
        layers.append((cover(hole, c.px), "knock"))
    return layers


def _line_art(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    stroke = float(rng.uniform(0.025, 0.045))
    peaks = [(-0.9, 0.5), (-0.45, -0.2), (-0.15, 0.2), (0.25, -0.45), (0.9, 0.5)]
    mountains = polyline(c.x, c.y, peaks)
    sun = np.abs(circle(c.x, c.y, float(rng.uniform(0.3, 0.6)), -0.6, 0.22))
    horizon = segment(c.x, c.y, (-0.95, 0.62), (0.95, 0.62))
    frame = np.abs(circle(c.x, c.y, 0, 0, 0.97)) if rng.random() < 0.5 else np.full_like(c.x, 9.0)
    art = np.minimum(np.minimum(mountains, horizon), frame) - stroke
    return [(cover(art, c.px), "primary"), (cover(sun - stroke, c.px), "secondary")]


def _petals(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    n = int(rng.integers(5, 9))
    length, width = float(rng.uniform(0.42, 0.5)), float(rng.uniform(0.15, 0.24))
    layers: list[Layer] = []
    for i in range(n):
        px, py = turned(c.x, c.y, 360.0 * i / n)
        petal = (np.hypot((px - length) / length, py / width) - 1.0) * width
        layers.append((cover(petal, c.px), "primary" if i % 2 == 0 else "secondary"))
    layers.append((cover(circle(c.x, c.y, 0, 0, 0.16), c.px), "knock"))
    return layers


def _crescent(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    x, y = turned(c.x, c.y, float(rng.uniform(0, 360)))
    moon = np.maximum(circle(x, y, 0, 0, 0.9), -circle(x, y, 0.38, -0.1, 0.72))
    star = [
        (
            0.45 + (0.2 if i % 2 == 0 else 0.08) * math.cos(math.pi / 2 + math.pi * i / 5),
            -0.1 + (0.2 if i % 2 == 0 else 0.08) * math.sin(math.pi / 2 + math.pi * i / 5),
        )
        for i in range(10)
    ]
    return [(cover(moon, c.px), "primary"), (cover(polygon(x, y, star), c.px), "secondary")]


def _spiral(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    rho = np.hypot(c.x, c.y)
    theta = np.arctan2(c.y, c.x) + math.pi
    step = float(rng.uniform(0.22, 0.3))
    a = step / (2 * math.pi)
    turns = np.round((rho / a - theta) / (2 * math.pi))
    d = np.abs(rho - a * (theta + 2 * math.pi * turns))
    d = np.where(rho > 0.92, np.maximum(d, rho - 0.92), d)
    arm = d - step * float(rng.uniform(0.22, 0.32))
    return [(cover(arm, c.px), "gradient"), (cover(circle(c.x, c.y, 0, 0, 0.08), c.px), "secondary")]


def _rings(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    n = int(rng.integers(2, 4))
    width = float(rng.uniform(0.06, 0.1))
    r = 0.55 if n == 2 else 0.45
    layers: list[Layer] = []
    for i in range(n):
        cx = (i - (n - 1) / 2) * (0.8 if n == 2 else 0.5)
        ring = np.abs(circle(c.x, c.y, cx, 0, r)) - width
        gap = np.abs(circle(c.x, c.y, cx, 0, r)) - width * 2.2
        if i:
            layers.append((cover(gap, c.px) * layers[-1][0], "knock"))  # woven: this ring passes over the last
        layers.append((cover(ring, c.px), "primary" if i % 2 == 0 else "secondary"))
    return layers


def _bolt(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    pts = [(0.12, -0.85), (-0.42, 0.1), (-0.02, 0.1), (-0.15, 0.85), (0.45, -0.18), (0.05, -0.18), (0.22, -0.85)]
    lean = float(rng.uniform(-15, 15))
    x, y = turned(c.x, c.y, lean)
    bolt = polygon(x, y, pts)
    layers: list[Layer] = [(cover(bolt, c.px), "primary")]
    if rng.random() < 0.6:
        layers.insert(0, (cover(np.abs(circle(c.x, c.y, 0, 0, 0.92)) - 0.05, c.px), "secondary"))
    return layers


def _drop(c: Canvas, rng: np.random.Generator, glyph: Glyph, initial: str) -> list[Layer]:
    body = circle(c.x, c.y, 0, 0.28, 0.62)
    cone = polygon(c.x, c.y, [(0, -0.95), (0.52, 0.0), (-0.52, 0.0)])
    k = 0.12  # smooth union: no crease where the tip meets the bowl
    h = np.clip(0.5 + 0.5 * (cone - body) / k, 0, 1)
    drop = cone * (1 - h) + body * h - k * h * (1 - h)
    shine = np.maximum(np.abs(circle(c.x, c.y, 0, 0.28, 0.42)) - 0.05, c.x + 0.05)
    return [(cover(drop, c.px), "gradient"), (cover(np.maximum(shine, c.y - 0.45), c.px), "knock")]


SYMBOLS: dict[str, Callable[[Canvas, np.random.Generator, Glyph, str], list[Layer]]] = {
    "leaf": _leaf,
    "wave": _wave,
    "hexagon": _hexagon,
    "monogram": _monogram,
    "blob": _blob,
    "line-art": _line_art,
    "petals": _petals,
    "crescent": _crescent,
    "spiral": _spiral,
    "rings": _rings,
    "bolt": _bolt,
    "drop": _drop,
}


def draw_symbol(kind: str, seed: int, size: int, glyph: Glyph, initial: str) -> list[Layer]:
    """The layers of symbol `kind`; one seed always draws the same shape, whatever it is painted in."""
    return SYMBOLS[kind](canvas(size), np.random.default_rng(seed), glyph, initial)
