"""Pinhole cameras on an arc around the pivot, each with the seeded imperfections of a real rig."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from rig.base import MAX_CAMERAS, MIN_CAMERAS

MAX_YAW_DEG = 2.0
MAX_PITCH_DEG = 2.0
MAX_ROLL_DEG = 3.0
MAX_FOCAL_ERROR = 0.03
MAX_POSITION_ERROR_M = 0.01
MAX_GAIN_ERROR = 0.08
MAX_EXPOSURE_STOPS = 1.0 / 3.0


@dataclass(frozen=True)
class RigLayout:
    """Where the cameras stand: the nominal geometry staff set up."""

    cameras: int = 24
    radius_m: float = 3.0
    span_deg: float = 180.0
    camera_height_m: float = 1.3
    aim_height_m: float = 1.0
    width: int = 3000
    height: int = 2000
    vertical_fov_deg: float = 44.0

    def azimuths_deg(self) -> list[float]:
        """Camera azimuths, in rig order; a full circle does not repeat its first camera."""
        n = self.cameras
        if self.span_deg >= 360.0:
            step = 360.0 / n
            return [-180.0 + step * (i + 0.5) for i in range(n)]
        step = self.span_deg / (n - 1)
        return [-self.span_deg / 2.0 + step * i for i in range(n)]

    def nominal_focal_px(self) -> float:
        return (self.height / 2.0) / math.tan(math.radians(self.vertical_fov_deg) / 2.0)


@dataclass(frozen=True)
class Imperfection:
    """How one camera differs from its nominal place, optics and colour."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    focal_error: float
    position_error_m: tuple[float, float, float]
    gain_rgb: tuple[float, float, float]
    exposure_stops: float

    @staticmethod
    def draw(rng: np.random.Generator) -> Imperfection:
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        offset = direction * MAX_POSITION_ERROR_M * rng.uniform(0.0, 1.0) ** (1.0 / 3.0)
        gains = rng.uniform(1.0 - MAX_GAIN_ERROR, 1.0 + MAX_GAIN_ERROR, size=3)
        return Imperfection(
            yaw_deg=float(rng.uniform(-MAX_YAW_DEG, MAX_YAW_DEG)),
            pitch_deg=float(rng.uniform(-MAX_PITCH_DEG, MAX_PITCH_DEG)),
            roll_deg=float(rng.uniform(-MAX_ROLL_DEG, MAX_ROLL_DEG)),
            focal_error=float(rng.uniform(-MAX_FOCAL_ERROR, MAX_FOCAL_ERROR)),
            position_error_m=(float(offset[0]), float(offset[1]), float(offset[2])),
            gain_rgb=(float(gains[0]), float(gains[1]), float(gains[2])),
            exposure_stops=float(rng.uniform(-MAX_EXPOSURE_STOPS, MAX_EXPOSURE_STOPS)),
        )

    def blend(self, other: Imperfection, t: float) -> Imperfection:
        """Part-way (t from 0 to 1) from this camera's imperfection to another's."""

        def mix(a: float, b: float) -> float:
            return (1.0 - t) * a + t * b

        def mix3(a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, float, float]:
            return (mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2]))

        return Imperfection(
            yaw_deg=mix(self.yaw_deg, other.yaw_deg),
            pitch_deg=mix(self.pitch_deg, other.pitch_deg),
            roll_deg=mix(self.roll_deg, other.roll_deg),
            focal_error=mix(self.focal_error, other.focal_error),
            position_error_m=mix3(self.position_error_m, other.position_error_m),
            gain_rgb=mix3(self.gain_rgb, other.gain_rgb),
            exposure_stops=mix(self.exposure_stops, other.exposure_stops),
        )


def _axis_rotation(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rotation matrix about a unit axis (Rodrigues)."""
    x, y, z = axis
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + math.sin(angle_rad) * k + (1.0 - math.cos(angle_rad)) * (k @ k)


@dataclass(frozen=True)
class SimCamera:
    """One camera: pose, intrinsics and colour response. Camera axes: x right, y down, z forward."""

    index: int
    serial: str
    azimuth_deg: float
    position: np.ndarray
    rotation: np.ndarray
    """World-to-camera rotation; its rows are the camera axes in world coordinates."""
    focal_px: float
    width: int
    height: int
    imperfection: Imperfection

    @property
    def principal_point(self) -> tuple[float, float]:
        return ((self.width - 1) / 2.0, (self.height - 1) / 2.0)

    @property
    def exposure(self) -> float:
        return float(2.0**self.imperfection.exposure_stops)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates of world points (N, 3); points behind the camera give NaN."""
        cam = (np.asarray(points, dtype=np.float64) - self.position) @ self.rotation.T
        cx, cy = self.principal_point
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.focal_px * cam[:, 0] / cam[:, 2] + cx
            v = self.focal_px * cam[:, 1] / cam[:, 2] + cy
        behind = cam[:, 2] <= 1e-6
        u[behind] = np.nan
        v[behind] = np.nan
        return np.stack([u, v], axis=1)

    def ray_directions(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World ray directions (not normalised) through pixel columns xs and rows ys, broadcast to a grid."""
        cx, cy = self.principal_point
        xn = ((xs - cx) / self.focal_px).astype(np.float32)[None, :]
        yn = ((ys - cy) / self.focal_px).astype(np.float32)[:, None]
        r = self.rotation.astype(np.float32)
        # camera-to-world is the transpose: world = x * row0 + y * row1 + z * row2
        dx = xn * r[0, 0] + (yn * r[1, 0] + r[2, 0])
        dy = xn * r[0, 1] + (yn * r[1, 1] + r[2, 1])
        dz = xn * r[0, 2] + (yn * r[1, 2] + r[2, 2])
        return dx, dy, dz


def _posed(index: int, serial: str, azimuth: float, layout: RigLayout, imp: Imperfection) -> SimCamera:
    """A camera at its nominal place on the arc, moved and turned by its imperfection."""
    a = math.radians(azimuth)
    nominal = np.array([layout.radius_m * math.cos(a), layout.radius_m * math.sin(a), layout.camera_height_m])
    position = nominal + np.array(imp.position_error_m)
    aim = np.array([0.0, 0.0, layout.aim_height_m])
    # the nominal aim is fixed when the camera is mounted; the position error moves the camera, not its aim
    forward = aim - nominal
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    rot = np.stack([right, down, forward])
    # aim errors, applied in the camera's own frame: yaw about down, pitch about right, roll about forward
    err = (
        _axis_rotation(np.array([0.0, 0.0, 1.0]), math.radians(imp.roll_deg))
        @ _axis_rotation(np.array([1.0, 0.0, 0.0]), math.radians(imp.pitch_deg))
        @ _axis_rotation(np.array([0.0, 1.0, 0.0]), math.radians(imp.yaw_deg))
    )
    return SimCamera(
        index=index,
        serial=serial,
        azimuth_deg=azimuth,
        position=position,
        rotation=err @ rot,
        focal_px=layout.nominal_focal_px() * (1.0 + imp.focal_error),
        width=layout.width,
        height=layout.height,
        imperfection=imp,
    )


def build_cameras(layout: RigLayout, seed: int, between: int = 1, *, colour_errors: bool = True) -> list[SimCamera]:
    """The rig's cameras with imperfections drawn from the seed; the same seed gives the same rig.

    With between > 1, between - 1 more cameras stand in each gap, every one part-way between its two
    neighbours in place, aim, optics and colour (each imperfection interpolated): the true views that view
    interpolation is measured against. The rig's own cameras are then every between-th camera. Without
    colour_errors every camera's gains and exposure are exact, all else drawn as with them."""
    if not MIN_CAMERAS <= layout.cameras <= MAX_CAMERAS:
        raise ValueError(f"a rig has {MIN_CAMERAS} to {MAX_CAMERAS} cameras, not {layout.cameras}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, layout.cameras]))
    drawn = [Imperfection.draw(rng) for _ in range(layout.cameras)]
    if not colour_errors:
        drawn = [replace(imp, gain_rgb=(1.0, 1.0, 1.0), exposure_stops=0.0) for imp in drawn]
    rig = [
        _posed(index, f"SIM{seed % 10000:04d}{index:02d}", azimuth, layout, imp)
        for index, (azimuth, imp) in enumerate(zip(layout.azimuths_deg(), drawn, strict=True))
    ]
    if between <= 1:
        return rig
    cameras: list[SimCamera] = []
    for k, cam in enumerate(rig):
        cameras.append(replace(cam, index=len(cameras)))
        if k + 1 == len(rig):
            break
        nxt = rig[k + 1]
        for j in range(1, between):
            t = j / between
            azimuth = (1.0 - t) * cam.azimuth_deg + t * nxt.azimuth_deg
            imp = cam.imperfection.blend(nxt.imperfection, t)
            cameras.append(_posed(len(cameras), f"{cam.serial}+{j}/{between}", azimuth, layout, imp))
    return cameras
