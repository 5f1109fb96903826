"""Pictures on 3-D surfaces seen through a pinhole camera: a plane turned in perspective, a cylinder, a waving
banner, folded cloth. The surface is a grid of 3-D points; each is projected, and every screen pixel the surface
covers is traced back to its point on the picture, which is then resampled there, lit by the surface's normals."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Pose:
    yaw: float
    """Degrees about the vertical axis (the surface turned away to the side)."""
    pitch: float
    roll: float
    """Degrees about the line of sight."""
    centre: tuple[float, float]
    """Screen pixel where the surface's origin is seen."""
    depth: float
    """Distance of the surface's origin from the camera, in the surface's own units (its picture's pixels)."""
    focal: float
    """Focal length in screen pixels."""


@dataclass(frozen=True)
class Material:
    ambient: float = 0.45
    diffuse: float = 0.6
    specular: float = 0.0
    shininess: float = 20.0


@dataclass(frozen=True)
class Surface:
    """A surface's shape: the 3-D point (x right, y down, z away from the camera) of every `step`-th pixel of its
    picture, which is centred on the origin."""

    points: np.ndarray
    """(rows, cols, 3) float32."""
    step: float
    overlaps: bool = False
    """Parts of it may hide others (waves, folds): draw nearest last."""
    planar: bool = False
    """A flat picture: seen through one homography, resampled in one pass."""


@dataclass(frozen=True)
class Projected:
    """A surface as seen: its window in the screen, the picture resampled into it, and how each pixel is lit."""

    x0: int
    y0: int
    rgba: np.ndarray
    """Premultiplied RGBA, lit."""
    channels: np.ndarray
    """Other channels of the picture (a logo's coverage...), resampled alike, not lit."""
    scale: float
    """Screen pixels per picture pixel, on average."""


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return (rz @ rx @ ry).astype(np.float64)


def plane(width: int, height: int, step: float) -> Surface:
    return Surface(grid(width, height, step, lambda u, v: np.zeros_like(u)), step)


def grid(width: int, height: int, step: float, depth: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Points of a height field z = depth(u, v) over a width x height picture, u and v centred."""
    us = np.arange(0.0, width - 1 + step, step) - (width - 1) / 2
    vs = np.arange(0.0, height - 1 + step, step) - (height - 1) / 2
    u, v = np.meshgrid(us, vs)
    z = depth(u, v)
    return np.stack([u, v, z], axis=2).astype(np.float32)


def world(surface: Surface, pose: Pose, screen: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Camera-space points, screen x and y of every grid point."""
    r = rotation(pose.yaw, pose.pitch, pose.roll)
    w, h = screen
    tx = (pose.centre[0] - w / 2) * pose.depth / pose.focal
    ty = (pose.centre[1] - h / 2) * pose.depth / pose.focal
    p = surface.points.astype(np.float64) @ r.T + np.array([tx, ty, pose.depth])
    z = np.maximum(p[..., 2], 1e-3)
    return p, pose.focal * p[..., 0] / z + w / 2, pose.focal * p[..., 1] / z + h / 2


def screen_box(
    surface: Surface, pose: Pose, screen: tuple[int, int], region: tuple[float, float, float, float] | None = None
) -> tuple[float, float, float, float]:
    """Where the surface (or the part of its picture in region, x0 y0 x1 y1 in picture pixels) is seen."""
    _, sx, sy = world(surface, pose, screen)
    if region is not None:
        rows, cols = surface.points.shape[:2]
        u = (np.arange(cols) * surface.step)[None, :].repeat(rows, 0)
        v = (np.arange(rows) * surface.step)[:, None].repeat(cols, 1)
        inside = (u >= region[0]) & (u <= region[2]) & (v >= region[1]) & (v <= region[3])
        if inside.any():
            sx, sy = sx[inside], sy[inside]
    return float(sx.min()), float(sy.min()), float(sx.max()), float(sy.max())


def _upsample(fields: list[np.ndarray], k: int) -> list[np.ndarray]:
    """Linear interpolation between grid points, k samples per grid step (the corners stay where they are)."""
    if k == 1:
        return [f.astype(np.float32) for f in fields]
    rows, cols = fields[0].shape
    size = ((cols - 1) * k + 1, (rows - 1) * k + 1)
    m = np.array([[1 / k, 0, 0], [0, 1 / k, 0]], np.float64)
    out: list[np.ndarray] = []
    for i in range(0, len(fields), 4):  # four channels at a time: what warpAffine takes at once
        group = np.stack([f.astype(np.float32) for f in fields[i : i + 4]], axis=2)
        dense = cv2.warpAffine(
            group, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
        )
        out += [dense[..., j] if dense.ndim == 3 else dense for j in range(group.shape[2])]
    return out


def _project_plane(
    picture: np.ndarray,
    channels: np.ndarray,
    pose: Pose,
    screen: tuple[int, int],
    light: tuple[float, float, float],
    material: Material,
    decode: Callable[[np.ndarray], np.ndarray] | None,
) -> Projected | None:
    """A flat picture: picture pixel (u, v, 1) maps to the screen through K [r1 r2 t], r1 and r2 the plane's
    turned axes and t where its corner (0, 0) lies."""
    ph, pw = picture.shape[:2]
    w, h = screen
    r = rotation(pose.yaw, pose.pitch, pose.roll)
    t = np.array(
        [
            (pose.centre[0] - w / 2) * pose.depth / pose.focal,
            (pose.centre[1] - h / 2) * pose.depth / pose.focal,
            pose.depth,
        ]
    )
    corner = t - r[:, 0] * (pw - 1) / 2 - r[:, 1] * (ph - 1) / 2
    k = np.array([[pose.focal, 0, w / 2], [0, pose.focal, h / 2], [0, 0, 1]])
    hom = k @ np.stack([r[:, 0], r[:, 1], corner], axis=1)
    corners = hom @ np.array([[0, pw - 1, pw - 1, 0], [0, 0, ph - 1, ph - 1], [1, 1, 1, 1]], np.float64)
    if (corners[2] <= 0).any():
        return None
    xs, ys = corners[0] / corners[2], corners[1] / corners[2]
    x0, y0 = max(0, math.floor(xs.min()) - 1), max(0, math.floor(ys.min()) - 1)
    x1, y1 = min(w, math.ceil(xs.max()) + 2), min(h, math.ceil(ys.max()) + 2)
    if x1 <= x0 or y1 <= y0:
        return None
    normal = r @ np.array([0.0, 0.0, -1.0])
    facing_camera = -(normal @ t) / np.linalg.norm(t)
    if facing_camera <= 0.02:
        return None
    hom = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ hom
    jac = hom[:2, :2] / (hom[2] @ np.array([(pw - 1) / 2, (ph - 1) / 2, 1]))  # at the picture's centre, about
    scale = math.sqrt(abs(float(np.linalg.det(jac))))
    if scale < 0.75:  # the picture is shrunk: soften it first so the resampling does not alias
        sigma = 0.45 * math.sqrt(1 / scale**2 - 1)
        picture = cv2.GaussianBlur(picture, (0, 0), sigma)
        channels = cv2.GaussianBlur(channels, (0, 0), sigma).reshape(channels.shape)
    size = (x1 - x0, y1 - y0)
    rgba = cv2.warpPerspective(picture, hom, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    extra = cv2.warpPerspective(channels, hom, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    extra = extra.reshape((size[1], size[0], channels.shape[2] if channels.ndim == 3 else 1))
    if decode is not None:
        rgba = decode(rgba)
    lit = np.asarray(light, np.float64) / np.linalg.norm(light)
    view = -t / np.linalg.norm(t)
    half = (view + lit) / (np.linalg.norm(view + lit) + 1e-9)
    shade = material.ambient + material.diffuse * max(float(normal @ lit), 0.0)
    shine = material.specular * max(float(normal @ half), 0.0) ** material.shininess
    rgba[..., :3] = rgba[..., :3] * np.float32(shade) + np.float32(shine) * rgba[..., 3:]
    return Projected(x0, y0, np.clip(rgba, 0.0, None).astype(np.float32), extra.astype(np.float32), scale)


def _fill_holes(map_u: np.ndarray, map_v: np.ndarray) -> None:
    """Give a pixel that no sample landed on, inside the surface (most of its neighbours have one), the mean of
    its neighbours' picture positions: samples a little under a pixel apart still leave the odd gap."""
    valid = (map_u > -5).astype(np.float32)
    count = cv2.boxFilter(valid, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    holes = (valid == 0) & (count >= 5)
    if not holes.any():
        return
    for m in (map_u, map_v):
        total = cv2.boxFilter(m * valid, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
        m[holes] = total[holes] / count[holes]


def project(
    picture: np.ndarray,
    channels: np.ndarray,
    surface: Surface,
    pose: Pose,
    screen: tuple[int, int],
    *,
    light: tuple[float, float, float],
    material: Material,
    decode: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Projected | None:
    """The picture (premultiplied RGBA, float32) on the surface, seen by the camera; None when none of it is in
    view. `channels` (H x W x n) travel with the picture unlit. `light` points from the surface to the light.
    `decode` turns the resampled picture into linear light before it is lit (cheaper than the whole picture)."""
    if surface.planar:
        return _project_plane(picture, channels, pose, screen, light, material, decode)
    p, sx, sy = world(surface, pose, screen)
    step = surface.step
    du = np.gradient(p, step, axis=1)
    dv = np.gradient(p, step, axis=0)
    normal = -np.cross(du, dv)  # the side of the picture that faces the camera when it is not turned
    normal /= np.linalg.norm(normal, axis=2, keepdims=True) + 1e-9
    view = -p / (np.linalg.norm(p, axis=2, keepdims=True) + 1e-9)
    facing = (normal * view).sum(axis=2)
    lit = np.asarray(light, np.float64)
    lit /= np.linalg.norm(lit)
    diffuse = material.ambient + material.diffuse * np.maximum((normal * lit).sum(axis=2), 0.0)
    half = view + lit
    half /= np.linalg.norm(half, axis=2, keepdims=True) + 1e-9
    spec = material.specular * np.maximum((normal * half).sum(axis=2), 0.0) ** material.shininess
    jac = np.stack(
        [
            np.gradient(sx, step, axis=1),
            np.gradient(sx, step, axis=0),
            np.gradient(sy, step, axis=1),
            np.gradient(sy, step, axis=0),
        ],
        axis=2,
    )
    w, h = screen
    # only the grid cells in view and facing the camera are sampled densely
    seen = (facing > 0.02) & (sx > -2 * step) & (sy > -2 * step) & (sx < w + 2 * step) & (sy < h + 2 * step)
    if not seen.any():
        return None
    rows_in, cols_in = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
    r0, r1 = max(0, int(rows_in[0]) - 1), min(seen.shape[0], int(rows_in[-1]) + 2)
    c0, c1 = max(0, int(cols_in[0]) - 1), min(seen.shape[1], int(cols_in[-1]) + 2)
    full_jac, full_facing = jac, facing
    p, sx, sy, facing, jac = (a[r0:r1, c0:c1] for a in (p, sx, sy, facing, jac))
    # screen pixels between neighbouring grid points, at most, where the surface is seen
    reach = float(np.abs(jac[seen[r0:r1, c0:c1]]).max()) * step
    k = max(1, math.ceil(reach / 0.9))
    if k > 32 or (r1 - r0) * (c1 - c0) * k * k > 6_000_000:  # part of it all but touches the lens: not a view
        return None
    # only a surface turned close to edge-on somewhere can hide part of itself
    ordered = surface.overlaps and float(facing.min()) < 0.3
    fields = [sx, sy, facing, *(jac[..., i] for i in range(4)), *([p[..., 2]] if ordered else [])]
    dense = _upsample(fields, k)
    dsx, dsy, dfacing = dense[:3]
    px, py = np.rint(dsx), np.rint(dsy)
    ok = (dfacing > 0.02) & (px >= 0) & (py >= 0) & (px < w) & (py < h)
    rows, cols = np.nonzero(ok)
    if not len(rows):
        return None
    pxo, pyo = px[rows, cols], py[rows, cols]
    x0, y0 = int(pxo.min()), int(pyo.min())
    x1, y1 = int(pxo.max()) + 1, int(pyo.max()) + 1
    # each sample lands within half a pixel of a pixel centre: move its picture position by that much (through
    # the inverse of the local Jacobian) so the pixel samples the picture exactly where it sees it
    ex, ey = pxo - dsx[rows, cols], pyo - dsy[rows, cols]
    a, b, c, d = (j[rows, cols] for j in dense[3:7])
    det = a * d - b * c
    det = np.where(np.abs(det) < 1e-6, 1e-6, det)
    mu = (cols * np.float32(step / k) + np.float32(c0 * step) + (d * ex - b * ey) / det).astype(np.float32)
    mv = (rows * np.float32(step / k) + np.float32(r0 * step) + (-c * ex + a * ey) / det).astype(np.float32)
    ix, iy = pxo.astype(np.intp) - x0, pyo.astype(np.intp) - y0
    if ordered:
        order = np.argsort(-dense[7][rows, cols], kind="stable")  # far first: the nearest is written last
        ix, iy, mu, mv = ix[order], iy[order], mu[order], mv[order]
    map_u = np.full((y1 - y0, x1 - x0), -10.0, np.float32)
    map_v = np.full_like(map_u, -10.0)
    map_u[iy, ix], map_v[iy, ix] = mu, mv
    _fill_holes(map_u, map_v)
    # light varies slowly over a surface: each pixel takes it from the grid, where it sees the picture
    lighting = np.stack([diffuse, spec], axis=2).astype(np.float32)
    lit_map = cv2.remap(lighting, map_u / step, map_v / step, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    shade, shine = lit_map[..., 0], lit_map[..., 1]
    front = full_facing > 0.02
    area = np.abs(full_jac[..., 0] * full_jac[..., 3] - full_jac[..., 1] * full_jac[..., 2])
    scale = float(np.sqrt(area[front].mean())) if front.any() else 1.0
    if scale < 0.75:  # the picture is shrunk: soften it first so the resampling does not alias
        sigma = 0.45 * math.sqrt(1 / scale**2 - 1)
        picture = cv2.GaussianBlur(picture, (0, 0), sigma)
        channels = cv2.GaussianBlur(channels, (0, 0), sigma).reshape(channels.shape)
    rgba = cv2.remap(picture, map_u, map_v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if decode is not None:
        rgba = decode(rgba)
    extra = cv2.remap(channels, map_u, map_v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    extra = extra.reshape((*map_u.shape, channels.shape[2] if channels.ndim == 3 else 1))
    rgba[..., :3] = rgba[..., :3] * shade[..., None] + shine[..., None] * rgba[..., 3:]
    return Projected(x0, y0, np.clip(rgba, 0.0, None).astype(np.float32), extra.astype(np.float32), scale)
