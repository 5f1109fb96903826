"""What the training side does to a logo between the file and the camera: the surface it is printed on (cloth
with folds, a cup, a banner), the light that falls on the scene, and the camera's blur and sensor noise."""

from __future__ import annotations

import math

import cv2
import numpy as np


def cylinder(rgba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A logo wrapped on a cup or a bottle: squeezed towards both edges as the surface turns away."""
    h, w = rgba.shape[:2]
    span = float(rng.uniform(0.6, 1.3))  # radians of the cylinder the print covers
    out_w = max(4, round(w * math.sin(span / 2) / (span / 2)))
    xs = np.arange(out_w, dtype=np.float32)
    # where each output column looks on the flat print: the arc length behind its projected position
    u = np.arcsin(np.clip((xs - out_w / 2) / (out_w / 2) * math.sin(span / 2), -1, 1)) / (span / 2)
    map_x = np.tile(((u + 1) / 2 * (w - 1)).astype(np.float32), (h, 1))
    map_y = np.repeat(np.arange(h, dtype=np.float32)[:, None], out_w, axis=1)
    warped = cv2.remap(rgba, map_x, map_y, cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    shade = (0.75 + 0.25 * np.cos(np.arcsin(np.clip((xs - out_w / 2) / (out_w / 2), -1, 1)))).astype(np.float32)
    warped[:, :, :3] = (warped[:, :, :3] * shade[None, :, None]).astype(np.uint8)
    return warped


def cloth(rng: np.random.Generator, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A piece of cloth (BGR) and its shading (float, about 1): weave, and folds that shade what is printed."""
    colour = rng.integers(0, 256, 3).astype(np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    pitch = float(rng.uniform(1.6, 3.5))
    weave = 1 + 0.05 * np.sin(xs * math.pi / pitch) * np.sin(ys * math.pi / pitch)
    folds = np.ones((height, width), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        angle = float(rng.uniform(0, math.pi))
        period = float(rng.uniform(0.4, 1.5)) * max(width, height)
        phase = float(rng.uniform(0, 2 * math.pi))
        folds *= 1 + float(rng.uniform(0.05, 0.22)) * np.sin(
            (xs * math.cos(angle) + ys * math.sin(angle)) * 2 * math.pi / period + phase
        )
    shade = (weave * folds).astype(np.float32)
    fabric = np.clip(colour[None, None, :] * shade[..., None], 0, 255).astype(np.uint8)
    return fabric, folds


def light(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uneven light over the whole scene: a ramp, a soft spot, a darker corner."""
    h, w = image.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = float(rng.uniform(0, 2 * math.pi))
    ramp = (xs * math.cos(angle) + ys * math.sin(angle)) / max(w, h)
    field = 1 + float(rng.uniform(-0.35, 0.35)) * (ramp - float(ramp.mean()))
    if rng.random() < 0.5:
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        radius = float(rng.uniform(0.2, 0.7)) * max(w, h)
        field += float(rng.uniform(0.1, 0.5)) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius * radius))
    field *= float(rng.uniform(0.6, 1.15))
    return np.clip(image.astype(np.float32) * field[..., None], 0, 255).astype(np.uint8)


def camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The camera's part: lens blur or motion blur, shot and read noise, then the JPEG it writes."""
    out = image
    if rng.random() < 0.2:
        length = int(rng.integers(3, 10))
        line = np.zeros((length, length), np.float32)
        line[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), float(rng.uniform(0, 180)), 1.0)
        kernel = np.asarray(cv2.warpAffine(line, rot, (length, length)), np.float32)
        out = cv2.filter2D(out, -1, kernel / max(1e-6, float(kernel.sum())))
    else:
        sigma = float(rng.uniform(0, 1.4))
        if sigma > 0.3:
            out = cv2.GaussianBlur(out, (0, 0), sigma)
    gain = float(rng.uniform(0.02, 0.5))  # photo-electrons per level: high ISO shows more grain
    signal = out.astype(np.float32)
    noisy = signal + rng.standard_normal(signal.shape, dtype=np.float32) * np.sqrt(signal * gain + 1.5)
    out = np.clip(noisy, 0, 255).astype(np.uint8)
    _, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 95))])
    return np.asarray(cv2.imdecode(data, cv2.IMREAD_COLOR))


def occluder(image: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator, share: float) -> None:
    """Cover part of the box with something in front: a rounded blob (a hand), a strap, or a block."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    colour = rng.uniform(0, 255, 3).tolist()
    kind = int(rng.integers(3))
    if kind == 0:
        axes = (max(2, int(bw * math.sqrt(share) * rng.uniform(0.3, 0.6))), max(2, int(bh * rng.uniform(0.3, 0.7))))
        centre = (int(rng.uniform(x0, x1)), int(rng.choice([y0, y1])))
        cv2.ellipse(image, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
    elif kind == 1:
        thickness = max(2, int(bw * share * rng.uniform(0.3, 0.7)))
        x = int(rng.uniform(x0, x1))
        cv2.line(image, (x - bh // 2, y0 - 4), (x + bh // 2, y1 + 4), colour, thickness, cv2.LINE_AA)
    else:
        ow, oh = int(bw * math.sqrt(share) * rng.uniform(0.5, 1.0)), int(bh * rng.uniform(0.3, 1.0))
        ox = x0 + int(rng.integers(0, max(1, bw - ow)))
        oy = y0 + int(rng.integers(0, max(1, bh - oh)))
        cv2.rectangle(image, (ox, oy), (ox + ow, oy + oh), colour, -1)
