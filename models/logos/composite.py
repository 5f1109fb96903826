"""Synthetic scenes for the logo detector: kit logos pasted with perspective, bending, light, blur and occlusion
onto varied backgrounds, with truth.json giving every logo's brand and box."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.tagging.augment import bend, tilt
from booth.tagging.kit import BrandKit, Logo
from models.logos.photos import photo_ground
from models.logos.printing import camera, cloth, cylinder, light, occluder

MIN_WIDTH = 40
"""The quality targets hold for logos at least this many pixels wide."""


@dataclass(frozen=True)
class Placed:
    brand: str
    box: tuple[int, int, int, int]


def background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A busy, logo-free backdrop: noise at several scales, a gradient, stripes or blobs."""
    base = rng.integers(0, 256, (max(2, height // 64), max(2, width // 64), 3), dtype=np.uint8)
    image = cv2.resize(base, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    fine = rng.normal(0, float(rng.uniform(2, 18)), (height, width, 3)).astype(np.float32)
    image += fine
    kind = int(rng.integers(3))
    if kind == 0:
        for _ in range(int(rng.integers(3, 12))):
            y = int(rng.integers(0, height))
            cv2.line(
                image,
                (0, y),
                (width, y + int(rng.integers(-80, 80))),
                rng.uniform(0, 255, 3).tolist(),
                int(rng.integers(2, 25)),
            )
    elif kind == 1:
        for _ in range(int(rng.integers(3, 10))):
            centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.circle(image, centre, int(rng.integers(10, 120)), rng.uniform(0, 255, 3).tolist(), -1)
    ramp = np.linspace(float(rng.uniform(0.6, 1.0)), float(rng.uniform(0.6, 1.2)), width, dtype=np.float32)
    image *= ramp[None, :, None]
    return np.clip(image, 0, 255).astype(np.uint8)


def paste(
    image: np.ndarray,
    logo: Logo,
    rng: np.random.Generator,
    *,
    width: int,
    max_tilt_deg: float = 30.0,
    occlude: float = 0.25,
) -> tuple[int, int, int, int] | None:
    """Paste one logo variant `width` pixels wide (before tilting) at a random free place; returns its box
    (the visible extent of the logo before occlusion), or None if it does not fit."""
    rgba = logo.rgba
    scale = width / rgba.shape[1]
    rgba = cv2.resize(rgba, (width, max(4, round(rgba.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    rgba = tilt(bend(rgba, rng), rng, max_tilt_deg)
    h, w = rgba.shape[:2]
    full_h, full_w = image.shape[:2]
    if w >= full_w or h >= full_h:
        return None
    x, y = int(rng.integers(0, full_w - w)), int(rng.integers(0, full_h - h))
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    light = float(rng.uniform(0.55, 1.25))
    colour = np.clip(rgba[:, :, :3].astype(np.float32) * light, 0, 255)
    region = image[y : y + h, x : x + w].astype(np.float32)
    image[y : y + h, x : x + w] = (region * (1 - alpha) + colour * alpha).astype(np.uint8)
    ys, xs = np.nonzero(alpha[:, :, 0] > 0.5)
    if xs.size == 0:
        return None
    box = (x + int(xs.min()), y + int(ys.min()), x + int(xs.max()) + 1, y + int(ys.max()) + 1)
    if occlude > 0 and rng.random() < 0.5:  # a hand, a strap, a cup in front of part of it
        bw, bh = box[2] - box[0], box[3] - box[1]
        ow, oh = int(bw * math.sqrt(occlude) * rng.uniform(0.5, 1.0)), int(bh * rng.uniform(0.3, 1.0))
        ox = box[0] + int(rng.integers(0, max(1, bw - ow)))
        oy = box[1] + int(rng.integers(0, max(1, bh - oh)))
        cv2.rectangle(image, (ox, oy), (ox + ow, oy + oh), rng.uniform(0, 255, 3).tolist(), -1)
    return box


def scene(
    kit: BrandKit,
    rng: np.random.Generator,
    *,
    width: int = 960,
    height: int = 640,
    logos: int = 3,
    min_width: int = MIN_WIDTH,
    max_width: int = 320,
    backdrop: np.ndarray | None = None,
    others: BrandKit | None = None,
) -> tuple[np.ndarray, list[Placed]]:
    """One image with up to `logos` logos of the kit (none overlapping much), blurred a little like a photo;
    on `backdrop` (width x height BGR) if given, else on a synthetic background. With `others`, one or two
    logos of brands outside the kit too, which are not in the returned list: they must not be tagged."""
    image = background(rng, width, height) if backdrop is None else backdrop.copy()
    placed: list[Placed] = []
    foreign: list[Placed] = []
    draws = [(kit, placed)] * logos + ([(others, foreign)] * int(rng.integers(1, 3)) if others else [])
    for source, into in draws:
        brand = source.brands[int(rng.integers(len(source.brands)))]
        logo = brand.logos[int(rng.integers(len(brand.logos)))]
        for _attempt in range(5):
            trial = image.copy()
            box = paste(trial, logo, rng, width=int(rng.integers(min_width + 10, max_width)))
            if box is None or any(_overlap(box, p.box) > 0.1 for p in placed + foreign):
                continue
            image = trial
            into.append(Placed(brand.brand_id, box))
            break
    sigma = float(rng.uniform(0, 1.4))
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    return image, placed


SURFACES = ("flat", "cloth", "cup", "banner", "sticker")


def printed(
    image: np.ndarray, rgba: np.ndarray, rng: np.random.Generator, *, width: int, surface: str
) -> tuple[int, int, int, int] | None:
    """Print one logo `width` pixels wide on `surface` at a random place: wrapped on a cup, waved on a banner,
    on a cloth patch whose folds shade it, or on a sticker; returns the logo's visible box, or None."""
    rgba = cv2.resize(rgba, (width, max(4, round(rgba.shape[0] * width / rgba.shape[1]))), interpolation=cv2.INTER_AREA)
    if surface == "cup":
        rgba = cylinder(rgba, rng)
    rgba = bend(rgba, rng)
    if surface == "banner":
        rgba = bend(bend(rgba, rng), rng)
    rgba = tilt(rgba, rng, 50.0)
    h, w = rgba.shape[:2]
    pad = int(max(h, w) * rng.uniform(0.1, 0.5)) if surface in ("cloth", "sticker") else 0
    full_h, full_w = image.shape[:2]
    if w + 2 * pad >= full_w or h + 2 * pad >= full_h:
        return None
    x = int(rng.integers(pad, full_w - w - pad))
    y = int(rng.integers(pad, full_h - h - pad))
    region = (slice(y - pad, y + h + pad), slice(x - pad, x + w + pad))
    folds = None
    if surface == "cloth":
        fabric, folds = cloth(rng, w + 2 * pad, h + 2 * pad)
        image[region] = fabric
    elif surface == "sticker":
        paper = rng.integers(180, 256, 3).tolist() if rng.random() < 0.7 else rng.integers(0, 256, 3).tolist()
        radius = max(1, min(h, w) // 4 + pad // 2)
        x0, y0, x1, y1 = x - pad, y - pad, x + w + pad - 1, y + h + pad - 1
        cv2.rectangle(image, (x0 + radius, y0), (x1 - radius, y1), paper, -1)
        cv2.rectangle(image, (x0, y0 + radius), (x1, y1 - radius), paper, -1)
        for cx, cy in ((x0 + radius, y0 + radius), (x1 - radius, y0 + radius), (x0 + radius, y1 - radius)):
            cv2.circle(image, (cx, cy), radius, paper, -1, cv2.LINE_AA)
        cv2.circle(image, (x1 - radius, y1 - radius), radius, paper, -1, cv2.LINE_AA)
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    ys, xs = np.nonzero(alpha[:, :, 0] > 0.5)
    if xs.size == 0:
        return None
    ink = rgba[:, :, :3].astype(np.float32) * float(rng.uniform(0.6, 1.2))
    opacity = float(rng.uniform(0.8, 1.0)) if surface == "cloth" else 1.0
    under = image[y : y + h, x : x + w].astype(np.float32)
    image[y : y + h, x : x + w] = np.clip(under * (1 - alpha * opacity) + ink * alpha * opacity, 0, 255).astype(
        np.uint8
    )
    if folds is not None:
        image[region] = np.clip(image[region].astype(np.float32) * folds[..., None], 0, 255).astype(np.uint8)
    return (x + int(xs.min()), y + int(ys.min()), x + int(xs.max()) + 1, y + int(ys.max()) + 1)


def printed_scene(
    kit: BrandKit,
    rng: np.random.Generator,
    *,
    width: int = 768,
    height: int = 512,
    logos: int = 3,
    min_width: int = 24,
    max_width: int = 300,
    backdrop: np.ndarray | None = None,
    others: BrandKit | None = None,
) -> tuple[np.ndarray, list[Placed]]:
    """A training scene as a camera would see it: a photograph, a synthetic ground or `backdrop`, logos printed
    on cloth, cups, banners and stickers, some partly covered, uneven light, then blur, sensor noise and JPEG.
    With `others`, logos of brands outside the kit too, which are not in the returned list."""
    image = backdrop.copy() if backdrop is not None else None
    if image is None and rng.random() < 0.6:
        image = photo_ground(rng, width, height)
    if image is None:
        image = background(rng, width, height)
    placed: list[Placed] = []
    foreign: list[Placed] = []
    draws = [(kit, placed)] * logos + ([(others, foreign)] * int(rng.integers(1, 3)) if others else [])
    for source, into in draws:
        brand = source.brands[int(rng.integers(len(source.brands)))]
        logo = brand.logos[int(rng.integers(len(brand.logos)))]
        surface = str(rng.choice(SURFACES, p=[0.35, 0.3, 0.12, 0.13, 0.1]))
        for _attempt in range(5):
            trial = image.copy()
            size = int(np.exp(rng.uniform(np.log(min_width + 4), np.log(max_width))))
            box = printed(trial, logo.rgba, rng, width=size, surface=surface)
            if box is None or any(_overlap(box, p.box) > 0.1 for p in placed + foreign):
                continue
            if rng.random() < 0.25:
                occluder(trial, box, rng, float(rng.uniform(0.1, 0.35)))
            image = trial
            into.append(Placed(brand.brand_id, box))
            break
    return camera(light(image, rng), rng), placed


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller else 0.0


def write_set(
    out: Path,
    kit: BrandKit,
    *,
    images: int,
    empty: int,
    seed: int,
    backdrops: list[np.ndarray] | None = None,
    empty_backdrops: list[np.ndarray] | None = None,
    others: BrandKit | None = None,
    **scene_args: Any,
) -> Path:
    """`images` scenes with logos and `empty` without, as JPEGs, and truth.json; returns truth.json's path.
    With `backdrops` (frames of the scene size), a quarter of the scenes use them; with `empty_backdrops`
    (frames holding no logo at all), half the empty images."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    size = (scene_args.get("width", 960), scene_args.get("height", 640))
    truth: list[dict[str, Any]] = []
    for k in range(images + empty):
        with_logos = k < images
        backdrop = None
        frames = backdrops if with_logos else empty_backdrops
        if frames and rng.random() < (0.25 if with_logos else 0.5):
            backdrop = frames[int(rng.integers(len(frames)))]
            backdrop = backdrop[:, ::-1] if rng.random() < 0.5 else backdrop
            backdrop = np.clip(backdrop.astype(np.float32) * rng.uniform(0.7, 1.2), 0, 255).astype(np.uint8)
        if with_logos:
            image, placed = scene(kit, rng, backdrop=backdrop, others=others, **scene_args)
        else:
            image, placed = (background(rng, *size) if backdrop is None else backdrop), []
        name = f"img_{k:04d}.jpg"
        cv2.imwrite(str(out / name), image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(75, 95))])
        truth.append({"file": name, "boxes": [{"brand": p.brand, "box": list(p.box)} for p in placed]})
    path = out / "truth.json"
    path.write_text(json.dumps({"kit": kit.name, "images": truth}, indent=1))
    return path
