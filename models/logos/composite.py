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

from booth.tagging.kit import BrandKit, Logo

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


def _bend(rgba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Curve the logo as on a shirt or a cup: rows shift along a sine across its width."""
    h, w = rgba.shape[:2]
    amplitude = float(rng.uniform(0, 0.08)) * h
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    pad = math.ceil(amplitude) + 1
    padded = cv2.copyMakeBorder(rgba, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0, 0))
    map_y = ys + pad - amplitude * np.sin(np.pi * xs / max(1, w - 1))
    return cv2.remap(padded, xs, map_y.astype(np.float32), cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))


def _tilt(rgba: np.ndarray, rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """Turn the logo away from the camera by up to max_deg about its vertical axis, and roll it a little."""
    h, w = rgba.shape[:2]
    yaw = math.radians(float(rng.uniform(-max_deg, max_deg)))
    roll = math.radians(float(rng.uniform(-12, 12)))
    f = 1.5 * w
    corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], np.float32)
    ry = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]], np.float32)
    rz = np.array([[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0], [0, 0, 1]], np.float32)
    moved = corners @ (rz @ ry).T
    projected = np.array([[f * x / (f + z), f * y / (f + z)] for x, y, z in moved], np.float32)
    projected -= projected.min(axis=0)
    size = (int(np.ceil(projected[:, 0].max())) + 2, int(np.ceil(projected[:, 1].max())) + 2)
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, projected)
    return cv2.warpPerspective(rgba, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))


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
    rgba = _tilt(_bend(rgba, rng), rng, max_tilt_deg)
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
) -> tuple[np.ndarray, list[Placed]]:
    """One image with up to `logos` logos of the kit (none overlapping much), blurred a little like a photo."""
    image = background(rng, width, height)
    placed: list[Placed] = []
    for _ in range(logos):
        brand = kit.brands[int(rng.integers(len(kit.brands)))]
        logo = brand.logos[int(rng.integers(len(brand.logos)))]
        for _attempt in range(5):
            trial = image.copy()
            box = paste(trial, logo, rng, width=int(rng.integers(min_width + 10, max_width)))
            if box is None or any(_overlap(box, p.box) > 0.1 for p in placed):
                continue
            image = trial
            placed.append(Placed(brand.brand_id, box))
            break
    sigma = float(rng.uniform(0, 1.4))
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    return image, placed


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller else 0.0


def write_set(out: Path, kit: BrandKit, *, images: int, empty: int, seed: int, **scene_args: Any) -> Path:
    """`images` scenes with logos and `empty` without, as JPEGs, and truth.json; returns truth.json's path."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    truth: list[dict[str, Any]] = []
    for k in range(images + empty):
        with_logos = k < images
        if with_logos:
            image, placed = scene(kit, rng, **scene_args)
        else:
            image, placed = background(rng, scene_args.get("width", 960), scene_args.get("height", 640)), []
        name = f"img_{k:04d}.jpg"
        cv2.imwrite(str(out / name), image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(75, 95))])
        truth.append({"file": name, "boxes": [{"brand": p.brand, "box": list(p.box)} for p in placed]})
    path = out / "truth.json"
    path.write_text(json.dumps({"kit": kit.name, "images": truth}, indent=1))
    return path
