"""Ray-casts what one simulated camera sees and turns it into the JPEG a real camera would write."""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from rig.sim.camera import SimCamera
from rig.sim.look import iso_noise_sigma
from rig.sim.scene import (
    BACKDROP_HEIGHT_M,
    BACKDROP_RADIUS_M,
    FLOOR_SIZE_M,
    SRGB8_TO_LINEAR,
    Primitive,
    Scene,
    linear_to_srgb,
)

COARSE_STEP = 8
NOISE_SIGMA = 0.006
"""Sensor noise, standard deviation in linear light (about 1.5 levels of 255 at mid grey)."""
LENS_BLUR_PX = 0.6
_LINEAR_TO_SRGB8 = np.round(linear_to_srgb(np.arange(4096) / 4095.0) * 255.0).astype(np.uint8)


def _shade(normals: np.ndarray, view: np.ndarray) -> np.ndarray:
    """Even studio light around the arc plus a key light from above: the same from every camera's side."""
    n_z = normals[:, 2]
    v = view / np.linalg.norm(view, axis=1, keepdims=True)
    facing = np.abs(np.sum(normals * v, axis=1))
    return ((0.74 + 0.26 * n_z) * (0.62 + 0.38 * facing)).astype(np.float32)


def _sample(texture_linear: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear texture look-up at scattered texture coordinates; wraps around horizontally."""
    h = texture_linear.shape[0]
    k = uv.shape[0]
    cols = 1024  # remap wants maps under 32767 on a side: fold the samples into a block
    rows = -(-k // cols)
    mx = np.zeros(rows * cols, dtype=np.float32)
    my = np.zeros(rows * cols, dtype=np.float32)
    mx[:k] = uv[:, 0]
    my[:k] = np.clip(uv[:, 1], 0, h - 1)
    out = cv2.remap(
        texture_linear, mx.reshape(rows, cols), my.reshape(rows, cols), cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP
    )
    return out.reshape(-1, 3)[:k]


class TextureCache:
    """Linear-light copies of a scene's textures, converted once per scene rather than per camera."""

    def __init__(self, scene: Scene) -> None:
        self.primitives = [cv2.LUT(p.texture, SRGB8_TO_LINEAR) for p in scene.primitives]
        self.floor = scene.floor
        self.backdrop = scene.backdrop


def foreground_roi(camera: SimCamera, primitives: list[Primitive]) -> tuple[int, int, int, int] | None:
    """Pixel box (x0, y0, x1, y1) that holds every foreground primitive, or None if none is in view."""
    corners = []
    for p in primitives:
        lo, hi = p.bounds()
        for x in (lo[0], hi[0]):
            for y in (lo[1], hi[1]):
                for z in (lo[2], hi[2]):
                    corners.append((x, y, z))
    uv = camera.project(np.array(corners))
    if np.isnan(uv).any():
        return 0, 0, camera.width, camera.height
    x0 = max(0, math.floor(uv[:, 0].min()) - 2)
    y0 = max(0, math.floor(uv[:, 1].min()) - 2)
    x1 = min(camera.width, math.ceil(uv[:, 0].max()) + 3)
    y1 = min(camera.height, math.ceil(uv[:, 1].max()) + 3)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def first_hits(
    primitives: list[Primitive], origin: np.ndarray, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest ray parameter and the index of the primitive hit (-1 where nothing is hit)."""
    depth = np.full(dx.shape, np.inf, dtype=np.float32)
    which = np.full(dx.shape, -1, dtype=np.int16)
    for k, prim in enumerate(primitives):
        t = prim.intersect(origin, dx, dy, dz)
        nearer = t < depth
        depth = np.where(nearer, t, depth)
        which[nearer] = k
    return depth, which


def _background(camera: SimCamera, scene: Scene) -> np.ndarray:
    """Floor and backdrop, in linear light. Their texture coordinates are smooth, so they are solved on a
    coarse grid and interpolated; the selection between them is a smooth field too."""
    w, h, s = camera.width, camera.height, COARSE_STEP
    cw, ch = -(-w // s), -(-h // s)
    xs = (np.arange(cw) + 0.5) * s - 0.5
    ys = (np.arange(ch) + 0.5) * s - 0.5
    dx, dy, dz = camera.ray_directions(xs, ys)
    ox, oy, oz = (float(v) for v in camera.position)
    with np.errstate(divide="ignore", invalid="ignore"):
        tf = np.where(dz < 0, -oz / dz, np.inf)
        fx, fy = ox + tf * dx, oy + tf * dy
        r2 = fx * fx + fy * fy
        floor_sel = np.where(dz < 0, BACKDROP_RADIUS_M**2 - r2, -1e3)
        a = dx * dx + dy * dy
        b = 2.0 * (ox * dx + oy * dy)
        c = ox * ox + oy * oy - BACKDROP_RADIUS_M**2
        tb = (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
    bx, by, bz = ox + tb * dx, oy + tb * dy, oz + tb * dz
    look = math.atan2(-oy, -ox)  # the backdrop the camera faces; its seam stays behind the camera
    rel = np.angle(np.exp(1j * (np.arctan2(by, bx) - look)))
    bh, bw = scene.backdrop.shape[:2]
    back_u = ((look + rel) / (2 * math.pi) + 0.5) * bw
    back_v = (BACKDROP_HEIGHT_M - bz) / BACKDROP_HEIGHT_M * (bh - 1)
    fh, fw = scene.floor.shape[:2]
    per_m = fw / FLOOR_SIZE_M
    floor_u = np.where(floor_sel > 0, fx * per_m + fw / 2, 0.0)
    floor_v = np.where(floor_sel > 0, -fy * per_m + fh / 2, 0.0)
    shadow = 1.0 - 0.45 * np.exp(-r2 / max(scene.contact_shadow_m, 1e-3) ** 2)
    light = scene.light
    floor_light = 0.9 if light is None else float(light.shade(np.array([[0.0, 0.0, 1.0]]))[0])
    floor_shade = np.where(floor_sel > 0, floor_light * shadow * (0.8 + 0.2 * np.exp(-r2 / 16.0)), 0.0)

    def up(field: np.ndarray) -> np.ndarray:
        big = cv2.resize(field.astype(np.float32), (cw * s, ch * s), interpolation=cv2.INTER_LINEAR)
        return big[:h, :w]

    sel = up(floor_sel) > 0
    back = cv2.remap(scene.backdrop, up(back_u), up(back_v), cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    floor = cv2.remap(scene.floor, up(floor_u), up(floor_v), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    albedo = np.where(sel[..., None], floor, back)
    # the studio lights its backdrop evenly; a key light unevenly, a smooth field solved on the coarse grid
    back_shade = 0.85 if light is None else up(light.backdrop(np.arctan2(by, bx), bz / BACKDROP_HEIGHT_M))
    shade = np.where(sel, up(floor_shade), back_shade)
    img = cv2.LUT(albedo, SRGB8_TO_LINEAR)
    img *= shade[..., None]
    return img


def render_linear(camera: SimCamera, scene: Scene, textures: TextureCache) -> np.ndarray:
    """The scene as this camera sees it, in linear light, before the camera's own response."""
    img = _background(camera, scene)
    roi = foreground_roi(camera, scene.primitives)
    if roi is None:
        return img
    x0, y0, x1, y1 = roi
    dx, dy, dz = camera.ray_directions(np.arange(x0, x1, dtype=np.float64), np.arange(y0, y1, dtype=np.float64))
    depth, which = first_hits(scene.primitives, camera.position, dx, dy, dz)
    patch = img[y0:y1, x0:x1]
    for k, prim in enumerate(scene.primitives):
        mask = which == k
        if not mask.any():
            continue
        t = depth[mask].astype(np.float64)
        dirs = np.stack([dx[mask], dy[mask], dz[mask]], axis=1).astype(np.float64)
        points = camera.position + dirs * t[:, None]
        hits = prim.surface(points)
        colour = _sample(textures.primitives[k], hits.uv)
        light = scene.light.shade(hits.normals) if scene.light else _shade(hits.normals, camera.position - points)
        colour *= light[:, None]
        patch[mask] = colour
    return img


def camera_response(linear: np.ndarray, camera: SimCamera, noise: np.ndarray, iso: int = 0) -> np.ndarray:
    """Lens softness, the camera's exposure and colour gains, sensor noise, then sRGB encoding (BGR, uint8).
    With an ISO, the noise is a 24 MP camera's at that ISO, growing with the signal (see look.iso_noise_sigma);
    without, the plain fixed noise."""
    img: np.ndarray = cv2.GaussianBlur(linear, (0, 0), LENS_BLUR_PX)
    r, g, b = camera.imperfection.gain_rgb
    img *= np.array([b, g, r], dtype=np.float32) * np.float32(camera.exposure * 4095.0)
    if iso:
        sigma = iso_noise_sigma(img, iso, camera.width * camera.height)
        img += noise * (sigma * np.float32(1.0 / (NOISE_SIGMA * 4095.0)))
    else:
        img += noise
    np.clip(img, 0, 4095, out=img)
    return _LINEAR_TO_SRGB8[img.astype(np.uint16)]


NOISE_MARGIN = 64


def sensor_noise(width: int, height: int, seed: int) -> np.ndarray:
    """A field of sensor noise in the 12-bit linear scale, a margin larger than a frame: a shot's cameras
    share it, each through its own offset window (no copy)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    shape = (height + NOISE_MARGIN, width + NOISE_MARGIN, 3)
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(NOISE_SIGMA * 4095.0)


def shifted(noise: np.ndarray, index: int) -> np.ndarray:
    """Camera index's window on the shared noise field; distinct for every camera of a rig."""
    h, w = noise.shape[0] - NOISE_MARGIN, noise.shape[1] - NOISE_MARGIN
    dy, dx = (index * 7) % NOISE_MARGIN, (index * 13) % NOISE_MARGIN
    return noise[dy : dy + h, dx : dx + w]


SIM_EXPOSURE = {0x829A: (1, 250), 0x829D: (8, 1), 0x8827: 400}
"""What every simulated camera writes in its EXIF, as cameras set to one manual profile do: 1/250 s, f/8,
ISO 400 (ExposureTime, FNumber, ISOSpeedRatings)."""


def _exif_segment() -> bytes:
    exif = Image.Exif()
    exif[0x8769] = dict(SIM_EXPOSURE)
    payload = exif.tobytes()  # starts with the Exif\0\0 header
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


EXIF_SEGMENT = _exif_segment()


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """JPEG with the camera's EXIF exposure, as a camera writes it (APP1 right after the start of image)."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    data = buf.tobytes()
    return data[:2] + EXIF_SEGMENT + data[2:]
