"""The photograph around the logos: a crop of a real photo, uneven light (a gradient, a soft spotlight, cast
shadows), lens and motion blur, and a camera sensor's shot and read noise before JPEG."""

from __future__ import annotations

import functools
import io
import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from models.logos.heldout.sources import PHOTOS, photo


def backdrop(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, str]:
    """A random crop of one of the photographs at a random scale, perhaps mirrored, resized to size: float32 RGB
    in linear light, and the photograph's name."""
    name = PHOTOS[int(rng.integers(len(PHOTOS)))]
    image = photo(name)
    w, h = size
    ph, pw = image.shape[:2]
    most = min(pw, ph * w / h)
    cw = most * float(rng.uniform(0.4, 1.0))
    ch = cw * h / w
    x0 = float(rng.uniform(0, pw - cw))
    y0 = float(rng.uniform(0, ph - ch))
    if cw / w > 1.2:  # shrinking: average the pixels
        region = image[int(y0) : int(y0 + ch) + 1, int(x0) : int(x0 + cw) + 1]
        crop = cv2.resize(region, (w, h), interpolation=cv2.INTER_AREA)
    else:  # an affine map crops and scales in one resampling
        m = np.array([[cw / w, 0, x0], [0, ch / h, y0]], np.float64)
        crop = cv2.warpAffine(
            image, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
        )
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return _DECODE8[crop], name


_DECODE8 = (np.arange(256, dtype=np.float32) / 255.0) ** 2.2
"""8-bit sRGB to linear light."""


GAMMA = 2.2
_ENCODE = np.round(np.linspace(0.0, 1.0, 65536) ** (1 / GAMMA) * 255).astype(np.uint8)
"""Linear light in 1/65535 steps to 8-bit sRGB: a table is many times faster than a power per pixel."""


def to_linear(srgb: np.ndarray) -> np.ndarray:
    return np.power(np.clip(srgb, 0, 1), GAMMA, dtype=np.float32)


def to_srgb8(linear: np.ndarray) -> np.ndarray:
    """Linear light to 8-bit sRGB."""
    scaled = np.multiply(linear, np.float32(65535.0))
    scaled += np.float32(0.5)
    np.clip(scaled, 0, 65535, out=scaled)
    return _ENCODE[scaled.astype(np.uint16)]


def light_field(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, tuple[float, float, float]]:
    """How much light falls on each pixel (H x W x 3, linear, about 0.3..1.6) and the direction it comes from
    (for the surfaces' shading): a gradient across the frame, often a soft spotlight, sometimes cast shadows,
    a slightly warm or cool cast."""
    w, h = size
    scale = 4  # light varies slowly: work at a quarter of the size
    lw, lh = w // scale, h // scale
    y, x = np.mgrid[:lh, :lw].astype(np.float32)
    angle = float(rng.uniform(0, 2 * math.pi))
    t = ((x - lw / 2) * math.cos(angle) + (y - lh / 2) * math.sin(angle)) / max(lw, lh) + 0.5
    a, b = float(rng.uniform(0.55, 1.15)), float(rng.uniform(0.55, 1.15))
    field = a + (b - a) * t
    if rng.random() < 0.55:
        cx, cy = float(rng.uniform(0.1, 0.9)) * lw, float(rng.uniform(0.1, 0.9)) * lh
        sigma = float(rng.uniform(0.15, 0.45)) * lw
        field = field * (1 + float(rng.uniform(0.25, 0.7)) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2)))
    if rng.random() < 0.35:
        field = field * (1 - float(rng.uniform(0.3, 0.55)) * _shadow(rng, (lw, lh)))
    cast = float(rng.uniform(-0.07, 0.07))
    light = cv2.resize(field.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    rgb = np.stack([light * (1 + cast), light, light * (1 - cast)], axis=2)
    direction = (math.cos(angle) * (b - a), math.sin(angle) * (b - a) - 0.4, -1.0)
    return rgb.astype(np.float32), direction


def _shadow(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A soft-edged cast shadow: of a window frame, a pole, a person or a tree's foliage."""
    w, h = size
    image = Image.new("L", size)
    draw = ImageDraw.Draw(image)
    kind = int(rng.integers(3))
    if kind == 0:  # bars
        angle = float(rng.uniform(-0.6, 0.6))
        for _ in range(int(rng.integers(1, 4))):
            x = float(rng.uniform(0, w))
            width = float(rng.uniform(0.03, 0.12)) * w
            dx = math.tan(angle) * h
            draw.polygon([(x, 0), (x + width, 0), (x + width + dx, h), (x + dx, h)], fill=255)
    elif kind == 1:  # a large shape from one side
        pts = [(float(rng.uniform(0, w)), float(rng.uniform(0, h))) for _ in range(5)]
        corner = [(0.0, 0.0), (0.0, float(h)), (float(w), float(h)), (float(w), 0.0)][int(rng.integers(4))]
        draw.polygon([corner, *pts], fill=255)
    else:  # foliage: light through leaves, in patches of every size
        leaves = np.zeros((h, w), np.float32)
        for cells, weight in ((8, 0.5), (24, 0.35), (60, 0.25)):
            coarse = rng.normal(0, 1, (max(2, cells * h // w), cells)).astype(np.float32)
            leaves += weight * cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
        cut = float(np.quantile(leaves, rng.uniform(0.35, 0.6)))
        mask = np.where(leaves > cut, np.float32(0.6), np.float32(0.0))  # leaves let some light through
        return cv2.GaussianBlur(mask, (0, 0), float(rng.uniform(1.0, 3.0)))
    mask = np.asarray(image, np.float32) / 255.0
    return cv2.GaussianBlur(mask, (0, 0), float(rng.uniform(1.5, 8.0)))


def motion_kernel(length: float, degrees: float) -> np.ndarray:
    """A line of `length` px at `degrees`, anti-aliased, summing to 1: the blur of a moving camera or object."""
    n = math.ceil(length) | 1
    size = n + 2
    kernel = np.zeros((size, size), np.float32)
    c = (size - 1) / 2
    for t in np.linspace(-length / 2, length / 2, 4 * n):
        x = c + t * math.cos(math.radians(degrees))
        y = c + t * math.sin(math.radians(degrees))
        ix, iy = math.floor(x), math.floor(y)
        fx, fy = x - ix, y - iy
        kernel[iy, ix] += (1 - fx) * (1 - fy)
        kernel[iy, ix + 1] += fx * (1 - fy)
        kernel[iy + 1, ix] += (1 - fx) * fy
        kernel[iy + 1, ix + 1] += fx * fy
    return kernel / kernel.sum()


def blurred(layer: np.ndarray, sigma: float, motion: float, angle: float) -> np.ndarray:
    """A premultiplied layer out of focus by `sigma` px and moved `motion` px along `angle` while exposed."""
    out = layer
    if sigma > 0.05:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    if motion >= 1.0:
        out = cv2.filter2D(out, -1, motion_kernel(motion, angle), borderType=cv2.BORDER_CONSTANT)
    return out.reshape(layer.shape)


@functools.cache
def _normals(n: int) -> np.ndarray:
    """Unit normal numbers, drawn once: each image reads its noise from a random place in them (drawing 3 million
    numbers for every image costs more than all its shading)."""
    return np.random.default_rng(20417).standard_normal(n + (1 << 20), dtype=np.float32)


def sensor(rng: np.random.Generator, linear: np.ndarray) -> np.ndarray:
    """Shot noise (its variance grows with the light) and read noise, then back to sRGB, as 8-bit RGB."""
    gain = float(np.exp(rng.uniform(np.log(1.5e-4), np.log(2.5e-3))))
    read = float(rng.uniform(0.0015, 0.006))
    noise = np.maximum(linear, 0)
    noise *= np.float32(gain)
    noise += np.float32(read**2)
    np.sqrt(noise, out=noise)
    n = linear.size
    normals = _normals(n)
    start = int(rng.integers(0, len(normals) - n))
    noise *= normals[start : start + n].reshape(linear.shape)
    noise += linear
    return to_srgb8(noise)


def jpeg(rgb: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
