"""What a logo is printed on: straight onto a flat part of the photo, a sticker, a banner, a cup or can, or cloth.
Each gives the picture (carrier and print), the logo's own coverage in it, the 3-D shape and its material."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from models.logos.heldout.art import RGB, hsv, luma
from models.logos.heldout.warp import Material, Surface, grid

SURFACES = ("flat", "fabric", "cup", "banner", "sticker")


@dataclass(frozen=True)
class Carrier:
    kind: str
    picture: np.ndarray
    """Premultiplied RGBA float32: the carrier with the logo printed on it."""
    logo: np.ndarray
    """H x W x 1: the logo's own coverage in the picture (the truth box is where it is seen)."""
    region: tuple[int, int, int, int]
    """The logo's block in the picture, x0 y0 x1 y1."""
    surface: Surface
    material: Material
    turn: tuple[float, float, float]
    """Yaw, pitch and roll the carrier is seen at, degrees."""
    yaw: float
    """The logo's turn away from the camera, degrees (on a cup: how far round it the logo sits)."""
    ink: bool = False
    """Printed straight onto the photo: its colour is lit by the photo's own light."""
    shadow: float = 0.0
    """Strength of the carrier's drop shadow on what is behind it."""
    rim: tuple[float, float, float, RGB] | None = None
    """A cup's opening: its radius, the height of its top edge (picture v), the depth of the cup's axis, and
    the colour inside."""
    frontal: float | None = None
    """The logo's width as it would be seen facing the camera, when that differs from the picture's (on a cup)."""


def _noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Smooth noise in about -1..1 with `cells` blobs across the larger side."""
    h, w = shape
    n = max(2, cells)
    coarse = rng.normal(0, 1, (max(2, round(n * h / max(h, w))) + 1, max(2, round(n * w / max(h, w))) + 1))
    return cv2.resize(coarse.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def one_ink(mask: np.ndarray, ink: RGB) -> np.ndarray:
    """A single-ink print of coverage `mask` (H x W): premultiplied RGBA."""
    a = np.clip(mask, 0.0, 1.0)[..., None].astype(np.float32)
    return np.concatenate([np.asarray(ink, np.float32) * a, a], axis=2)


def _print_on(base: np.ndarray, art: np.ndarray, x: int, y: int, grain: np.ndarray | None = None) -> np.ndarray:
    """Print premultiplied `art` on opaque `base` (H x W x 3) at x, y; a grain (0..1) lets the ground show through."""
    h, w = art.shape[:2]
    out = np.concatenate([base, np.ones((*base.shape[:2], 1), np.float32)], axis=2)
    ink = art.copy()
    if grain is not None:
        g = grain[y : y + h, x : x + w, None]
        ink[..., 3:] *= 0.82 + 0.18 * g
        ink[..., :3] *= (0.82 + 0.18 * g) * (0.8 + 0.2 * g)
    region = out[y : y + h, x : x + w]
    region[:] = ink + region * (1 - ink[..., 3:])
    return out


def _coverage(shape: tuple[int, int], art: np.ndarray, x: int, y: int) -> np.ndarray:
    out = np.zeros((*shape, 1), np.float32)
    out[y : y + art.shape[0], x : x + art.shape[1], 0] = art[..., 3]
    return out


def _step(width: int) -> float:
    return float(max(2.0, min(8.0, width / 70)))


def flat(rng: np.random.Generator, art: np.ndarray, turn: tuple[float, float, float]) -> Carrier:
    """Printed straight on a flat part of the photo: a wall, a board, a table."""
    h, w = art.shape[:2]
    surface = Surface(grid(w, h, _step(w), lambda u, v: np.zeros_like(u)), _step(w), planar=True)
    return Carrier("flat", art, art[..., 3:].copy(), (0, 0, w, h), surface, Material(1.0, 0.0), turn, turn[0], ink=True)


def sticker(rng: np.random.Generator, art: np.ndarray, turn: tuple[float, float, float]) -> Carrier:
    """A die-cut or rounded sticker with a border round the logo, slightly glossy."""
    h, w = art.shape[:2]
    border = max(3, round(0.07 * max(w, h) if rng.random() < 0.5 else 0.05 * max(w, h)))
    pw, ph = w + 2 * border, h + 2 * border
    base_colour: RGB = (0.96, 0.96, 0.94) if rng.random() < 0.7 else hsv(float(rng.random()), 0.5, 0.25)
    canvas = np.zeros((ph, pw), np.float32)
    canvas[border : border + h, border : border + w] = art[..., 3]
    shape_kind = int(rng.integers(3))
    if shape_kind == 0:  # die-cut along the logo
        size = 2 * border + 1
        kernel = ((np.mgrid[:size, :size] - border) ** 2).sum(axis=0) <= border**2
        grown = cv2.dilate((canvas > 0.3).astype(np.uint8), kernel.astype(np.uint8)).astype(np.float32)
        outline = cv2.GaussianBlur(grown, (0, 0), 0.8)
    else:  # rounded rectangle or oval
        y, x = np.mgrid[:ph, :pw].astype(np.float32)
        if shape_kind == 1:
            r = border * 1.5
            qx = np.abs(x - (pw - 1) / 2) - (pw / 2 - r)
            qy = np.abs(y - (ph - 1) / 2) - (ph / 2 - r)
            d = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) - r
        else:
            d = (
                (np.hypot((x - (pw - 1) / 2) / (pw / 2 * 1.15), (y - (ph - 1) / 2) / (ph / 2 * 1.25)) - 1)
                * min(pw, ph)
                / 2
            )
        outline = np.clip(0.5 - d, 0, 1).astype(np.float32)
    if mean_luma(art) > 0.6 and luma(base_colour) > 0.6:
        base_colour = (0.1, 0.1, 0.12)  # a light logo needs a dark sticker
    picture = np.zeros((ph, pw, 4), np.float32)
    picture[..., :3] = np.asarray(base_colour, np.float32) * outline[..., None]
    picture[..., 3] = outline
    region = picture[border : border + h, border : border + w]
    region[:] = art + region * (1 - art[..., 3:])
    surface = Surface(grid(pw, ph, _step(pw), lambda u, v: np.zeros_like(u)), _step(pw), planar=True)
    logo = _coverage((ph, pw), art, border, border)
    material = Material(0.5, 0.55, float(rng.uniform(0.1, 0.35)), 40.0)
    return Carrier(
        "sticker",
        picture,
        logo,
        (border, border, border + w, border + h),
        surface,
        material,
        turn,
        turn[0],
        shadow=0.35,
    )


def banner(rng: np.random.Generator, art: np.ndarray, turn: tuple[float, float, float]) -> Carrier:
    """A cloth or vinyl banner: hemmed, with eyelets, waving; the logo in its middle."""
    h, w = art.shape[:2]
    bw = round(w * rng.uniform(1.2, 1.7))
    bh = max(round(h * rng.uniform(1.5, 2.4)), round(bw * 0.3))
    colour: RGB = (
        (0.95, 0.95, 0.93)
        if rng.random() < 0.4
        else hsv(float(rng.random()), float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.15, 0.85)))
    )
    art = _contrasting(art, colour)
    base = np.empty((bh, bw, 3), np.float32)
    base[:] = colour
    base *= (1 + 0.012 * _noise(rng, (bh, bw), 6) + 0.01 * rng.normal(0, 1, (bh, bw)).astype(np.float32))[..., None]
    hem = max(2, round(min(bw, bh) * 0.04))
    for edge in (hem, bh - hem - 1):
        base[edge : edge + max(1, hem // 4)] *= 0.85
    eyelet = max(2, hem // 2)
    y, x = np.mgrid[:bh, :bw]
    for cx, cy in (
        (hem * 1.5, hem * 1.5),
        (bw - hem * 1.5, hem * 1.5),
        (hem * 1.5, bh - hem * 1.5),
        (bw - hem * 1.5, bh - hem * 1.5),
    ):
        ring = np.abs(np.hypot(x - cx, y - cy) - eyelet) < max(1.0, eyelet * 0.45)
        base[ring] = (0.55, 0.55, 0.56)
    x0, y0 = (bw - w) // 2, (bh - h) // 2
    picture = _print_on(base, art, x0, y0)
    wavelength = bw * float(rng.uniform(0.5, 1.4))
    amplitude = bw * float(rng.uniform(0.01, 0.05))
    phase = float(rng.uniform(0, 2 * math.pi))
    sag = bh * float(rng.uniform(0.0, 0.06))

    def shape(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return amplitude * np.sin(2 * math.pi * u / wavelength + phase) + sag * (1 - (2 * u / bw) ** 2) * (v / bh + 0.5)

    step = _step(bw)
    surface = Surface(grid(bw, bh, step, shape), step, overlaps=True)
    return Carrier(
        "banner",
        picture,
        _coverage((bh, bw), art, x0, y0),
        (x0, y0, x0 + w, y0 + h),
        surface,
        Material(0.5, 0.6, 0.04, 8.0),
        turn,
        turn[0],
        shadow=0.2,
    )


def mean_luma(art: np.ndarray) -> float:
    """The mean luma of premultiplied art where it is painted."""
    mean = art[..., :3].sum((0, 1)) / max(float(art[..., 3].sum()), 1.0)
    return float(0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2])


def _contrasting(art: np.ndarray, ground: RGB) -> np.ndarray:
    """The art, or the art in one ink that reads on the ground when its own colours would not."""
    if abs(mean_luma(art) - luma(ground)) > 0.18:
        return art
    ink: RGB = (0.97, 0.97, 0.96) if luma(ground) < 0.5 else (0.06, 0.06, 0.07)
    return np.concatenate([np.asarray(ink, np.float32) * art[..., 3:], art[..., 3:]], axis=2)


def cup(rng: np.random.Generator, art: np.ndarray, turn: tuple[float, float, float], yaw: float) -> Carrier:
    """A cup, tumbler or can (a cylinder, a cone for cups), the logo `yaw` degrees round it from the front."""
    h, w = art.shape[:2]
    # radians of the circumference the logo covers; a wide logo goes further round, so no cup is huge
    span = float(rng.uniform(min(max(1.0, w * (math.pi + 0.6) / 2000), 2.4), 2.4))
    radius = w / span
    height = max(h * rng.uniform(1.5, 2.3), radius * rng.uniform(1.3, 2.6))
    taper = float(rng.uniform(0.0, 0.22)) if rng.random() < 0.6 else 0.0
    kind = int(rng.integers(4))
    colour: RGB = [
        (0.95, 0.94, 0.9),
        (0.62, 0.47, 0.32),
        hsv(float(rng.random()), float(rng.uniform(0.3, 0.8)), float(rng.uniform(0.3, 0.9))),
        (0.75, 0.76, 0.78),
    ][kind]
    material = [
        Material(0.45, 0.6, 0.12, 12.0),
        Material(0.45, 0.6, 0.02, 6.0),
        Material(0.4, 0.6, 0.5, 40.0),
        Material(0.3, 0.5, 0.9, 60.0),
    ][kind]
    art = _contrasting(art, colour)
    tw = round(radius * (math.pi + 0.6))  # the front half and a little more: the back is never seen
    th = round(height)
    base = np.empty((th, tw, 3), np.float32)
    base[:] = colour
    grain = np.float32(0.03 if kind == 1 else 0.006) * rng.standard_normal((th, tw), dtype=np.float32)
    base *= (1 + 0.008 * _noise(rng, (th, tw), 5) + grain)[..., None]
    lip = max(2, round(th * 0.04))
    base[:lip] *= 0.9
    if rng.random() < 0.4:
        band = round(th * rng.uniform(0.75, 0.88))
        base[band : band + max(2, lip)] = hsv(float(rng.random()), 0.6, 0.5)
    x0 = round(tw / 2 + math.radians(yaw) * radius - w / 2)
    y0 = round((th - h) / 2 + rng.uniform(-0.1, 0.1) * (th - h))
    # the part of the logo that wraps beyond the picture is out of sight anyway
    cx0, cx1 = max(0, x0), min(tw, x0 + w)
    shown = art[:, cx0 - x0 : cx1 - x0]
    picture = _print_on(base, shown, cx0, y0)
    logo = _coverage((th, tw), shown, cx0, y0)

    def points(step: float) -> np.ndarray:
        us = np.arange(0.0, tw - 1 + step, step) - (tw - 1) / 2
        vs = np.arange(0.0, th - 1 + step, step) - (th - 1) / 2
        u, v = np.meshgrid(us, vs)
        r = radius * (1 + taper * (0.5 - (v / th + 0.5)))  # cups narrow towards the bottom
        theta = u / radius
        return np.stack([r * np.sin(theta), v, -r * np.cos(theta) + radius], axis=2).astype(np.float32)

    step = _step(w)
    rim_colour: RGB = (colour[0] * 0.45, colour[1] * 0.45, colour[2] * 0.45) if kind != 3 else (0.6, 0.6, 0.62)
    return Carrier(
        "cup",
        picture,
        logo,
        (x0, y0, x0 + w, y0 + h),
        Surface(points(step), step),
        material,
        turn,
        yaw,
        shadow=0.3,
        rim=(radius * (1 + taper * 0.5), -(th - 1) / 2, radius, rim_colour),
        frontal=2 * radius * math.sin(min(span / 2, math.pi / 2)),
    )


FABRICS: tuple[RGB, ...] = (
    (0.05, 0.05, 0.06),
    (0.08, 0.1, 0.22),
    (0.55, 0.55, 0.56),
    (0.92, 0.92, 0.9),
    (0.6, 0.08, 0.1),
    (0.1, 0.3, 0.16),
    (0.12, 0.25, 0.6),
    (0.35, 0.36, 0.2),
    (0.38, 0.08, 0.14),
    (0.85, 0.7, 0.15),
)


def weave(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Cloth's texture in 0..1: crossing threads, each a little lighter or darker, and a heathered speckle."""
    h, w = shape
    tile = 128  # woven in a tile that repeats: threads a whole number of times across it, so it joins up
    threads = int(rng.integers(28, 51))
    period = tile / threads
    y, x = np.mgrid[:tile, :tile].astype(np.float32)
    warp_threads = rng.normal(0, 0.1, threads).astype(np.float32)
    weft_threads = rng.normal(0, 0.1, threads).astype(np.float32)
    col = (x / period).astype(int) % threads
    row = (y / period).astype(int) % threads
    over = np.sin(2 * math.pi * x / period) * np.sin(2 * math.pi * y / period)
    cell = 0.5 + 0.25 * over + np.where(over > 0, warp_threads[col], weft_threads[row])
    texture = np.tile(cell, (h // tile + 1, w // tile + 1))[:h, :w]
    texture += np.float32(0.12) * rng.standard_normal((h, w), dtype=np.float32)
    return np.clip(texture, 0, 1).astype(np.float32)


def fabric(
    rng: np.random.Generator, art: np.ndarray, turn: tuple[float, float, float], colour: RGB | None = None
) -> Carrier:
    """A printed panel of cloth (a shirt front, a bag, a flag): woven, folded, its folds shading and bending the
    print."""
    h, w = art.shape[:2]
    garment = rng.random() < 0.3  # a close view of a shirt or bag: the cloth fills much of the frame
    pw = round(w * (rng.uniform(2.6, 4.0) if garment else rng.uniform(1.4, 2.2)))
    ph = max(round(h * rng.uniform(1.8, 3.0)), round(pw * rng.uniform(0.5, 0.9)))
    pw, ph = min(pw, max(round(w * 1.4), 1800)), min(ph, max(round(h * 1.8), 1400))  # no more than the frame shows
    cloth = colour or FABRICS[int(rng.integers(len(FABRICS)))]
    art = _contrasting(art, cloth)
    grain = weave(rng, (ph, pw))
    base = np.empty((ph, pw, 3), np.float32)
    base[:] = cloth
    base *= (0.75 + 0.5 * grain)[..., None] * (1 + 0.05 * _noise(rng, (ph, pw), 12))[..., None]
    x0 = (pw - w) // 2 + round(rng.uniform(-0.1, 0.1) * (pw - w))
    y0 = (ph - h) // 2 + round(rng.uniform(-0.15, 0.1) * (ph - h))
    picture = _print_on(base, art, x0, y0, grain)
    # the panel's edge: cloth is never cut quite straight
    # worked out at half size (a soft edge loses nothing by it), in full-size units
    hh, hw = (ph + 1) // 2, (pw + 1) // 2
    y, x = np.mgrid[:hh, :hw].astype(np.float32) * 2
    wobble = 0.02 * max(pw, ph) * _noise(rng, (hh, hw), 6)
    r = 0.08 * min(pw, ph)
    qx = np.abs(x - (pw - 1) / 2) - (pw / 2 - r) + wobble
    qy = np.abs(y - (ph - 1) / 2) - (ph / 2 - r) - wobble
    edge = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - r
    inside = cv2.resize(np.clip(0.5 - edge / 2, 0, 1), (pw, ph), interpolation=cv2.INTER_LINEAR)
    picture *= inside[..., None]
    logo = _coverage((ph, pw), art, x0, y0) * inside[..., None]
    step = _step(w)
    depth = w * float(rng.uniform(0.02, 0.09))
    shift = w * float(rng.uniform(0.0, 0.035))
    folds = _folds(rng, (ph, pw), depth)
    dx, dy = _noise(rng, (ph, pw), 4) * shift, _noise(rng, (ph, pw), 4) * shift

    def sample(field: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        iu = np.clip(np.rint(u + (pw - 1) / 2), 0, pw - 1).astype(int)
        iv = np.clip(np.rint(v + (ph - 1) / 2), 0, ph - 1).astype(int)
        return field[iv, iu]

    points = grid(pw, ph, step, lambda u, v: sample(folds, u, v))
    points[..., 0] += sample(dx, points[..., 0], points[..., 1])
    points[..., 1] += sample(dy, points[..., 0], points[..., 1])
    return Carrier(
        "fabric",
        picture,
        logo,
        (x0, y0, x0 + w, y0 + h),
        Surface(points, step, overlaps=True),
        Material(0.3, 0.8),
        turn,
        turn[0],
        shadow=0.25,
    )


def _folds(rng: np.random.Generator, shape: tuple[int, int], depth: float) -> np.ndarray:
    """A height field of cloth: a few long soft ridges and troughs, and gentle unevenness."""
    full_h, full_w = shape
    h, w = max(2, full_h // 4), max(2, full_w // 4)  # folds are smooth: made at a quarter of the size
    y, x = np.mgrid[:h, :w].astype(np.float32)
    field = 0.4 * _noise(rng, (h, w), 3)
    for _ in range(int(rng.integers(2, 6))):
        angle = math.radians(float(rng.uniform(-70, 70)) + 90 * int(rng.integers(2)))
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        across = (x - cx) * math.cos(angle) + (y - cy) * math.sin(angle)
        along = -(x - cx) * math.sin(angle) + (y - cy) * math.cos(angle)
        width = float(rng.uniform(0.04, 0.15)) * max(w, h)
        length = float(rng.uniform(0.3, 0.9)) * max(w, h)
        field += float(rng.choice([-1, 1])) * np.exp(-(across**2) / (2 * width**2) - (along**2) / (2 * length**2))
    field -= field.mean()
    full = cv2.resize(field.astype(np.float32), (full_w, full_h), interpolation=cv2.INTER_LINEAR)
    return (full / (np.abs(full).max() + 1e-6) * depth).astype(np.float32)


BUILDERS: dict[str, Callable[..., Carrier]] = {"flat": flat, "sticker": sticker, "banner": banner, "fabric": fabric}
