"""Ground truth of a simulated shot: camera poses, the pivot axis in every frame, the logo's box in every frame."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rig.sim.camera import RigLayout, SimCamera
from rig.sim.render import first_hits
from rig.sim.scene import Scene, TargetGeometry, VerticalCylinder


def _point(uv: np.ndarray) -> list[float] | None:
    if np.isnan(uv).any():
        return None
    return [round(float(uv[0]), 3), round(float(uv[1]), 3)]


def logo_box(camera: SimCamera, scene: Scene) -> tuple[list[float] | None, float]:
    """The visible part of the logo as a pixel box, and the fraction of the logo that is visible."""
    patch = scene.logo_patch
    if patch is None:
        return None, 0.0
    cylinder = scene.primitives[patch.cylinder_index]
    assert isinstance(cylinder, VerticalCylinder)
    points = patch.sample_points(cylinder)
    rays = (points - camera.position).astype(np.float32)
    depth, which = first_hits(scene.primitives, camera.position, rays[:, 0], rays[:, 1], rays[:, 2])
    normals = points[:, :2] - np.array([cylinder.cx, cylinder.cy])
    facing = np.sum(normals * (camera.position[:2] - points[:, :2]), axis=1) > 0
    visible = facing & (which == patch.cylinder_index) & (np.abs(depth - 1.0) < 1e-3)
    uv = camera.project(points[visible])
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < camera.width) & (uv[:, 1] >= 0) & (uv[:, 1] < camera.height)
    uv = uv[inside]
    fraction = float(len(uv)) / len(points)
    if len(uv) == 0:
        return None, 0.0
    box = [float(uv[:, 0].min()), float(uv[:, 1].min()), float(uv[:, 0].max()), float(uv[:, 1].max())]
    return [round(v, 1) for v in box], round(fraction, 3)


def logo_facing_deg(camera: SimCamera, scene: Scene) -> float | None:
    """The angle between the print's normal at its middle and the direction from there to the camera: 0 when
    the print faces the camera square on, over 90 when it faces away."""
    patch = scene.logo_patch
    if patch is None:
        return None
    cylinder = scene.primitives[patch.cylinder_index]
    assert isinstance(cylinder, VerticalCylinder)
    phi = patch.facing_rad
    normal = np.array([math.cos(phi), math.sin(phi), 0.0])
    to_camera = camera.position - patch.centre(cylinder)
    cos = float(normal @ to_camera) / float(np.linalg.norm(to_camera))
    return round(math.degrees(math.acos(max(-1.0, min(1.0, cos)))), 2)


def _print(scene: Scene) -> dict[str, Any] | None:
    """The print as it landed on the shirt: which way it faces, its size, and how it was printed."""
    patch = scene.logo_patch
    if patch is None:
        return None
    cylinder = scene.primitives[patch.cylinder_index]
    assert isinstance(cylinder, VerticalCylinder)
    return {
        "facing_deg": round(math.degrees(math.atan2(math.sin(patch.facing_rad), math.cos(patch.facing_rad))), 3),
        "width_m": round((patch.phi1 - patch.phi0) * cylinder.radius, 4),
        "height_m": round(patch.z1 - patch.z0, 4),
        "colour": patch.colour,
    }


def ground_truth(
    cameras: list[SimCamera], layout: RigLayout, seed: int, scene: Scene, target: TargetGeometry, files: list[str]
) -> dict[str, Any]:
    """What a test needs to judge the stitcher: where the axis and the logo really are in every frame."""
    axis_points = np.array([[0.0, 0.0, target.top_m], [0.0, 0.0, target.bottom_m], [0.0, 0.0, 0.0]])
    entries = []
    for cam, name in zip(cameras, files, strict=True):
        uv = cam.project(axis_points)
        box, fraction = logo_box(cam, scene)
        imp = cam.imperfection
        entries.append(
            {
                "index": cam.index,
                "file": name,
                "serial": cam.serial,
                "azimuth_deg": round(cam.azimuth_deg, 4),
                "position_m": [round(float(v), 5) for v in cam.position],
                "rotation": [[round(float(v), 7) for v in row] for row in cam.rotation],
                "focal_px": round(cam.focal_px, 3),
                "principal_point": list(cam.principal_point),
                "aim_error_deg": {"yaw": imp.yaw_deg, "pitch": imp.pitch_deg, "roll": imp.roll_deg},
                "focal_error": imp.focal_error,
                "position_error_m": list(imp.position_error_m),
                "gain_rgb": list(imp.gain_rgb),
                "exposure_stops": imp.exposure_stops,
                "axis": {"top": _point(uv[0]), "bottom": _point(uv[1]), "floor": _point(uv[2])},
                "logo_box": box,
                "logo_visible_fraction": fraction,
                "logo_facing_deg": logo_facing_deg(cam, scene),
            }
        )
    return {
        "scene": scene.name,
        "seed": seed,
        "rig": {
            "cameras": len(cameras),
            "radius_m": layout.radius_m,
            "span_deg": layout.span_deg,
            "camera_height_m": layout.camera_height_m,
            "aim_height_m": layout.aim_height_m,
            "width": layout.width,
            "height": layout.height,
        },
        "axis_heights_m": {"top": target.top_m, "bottom": target.bottom_m, "floor": 0.0},
        "logo_brand": scene.logo_patch.brand if scene.logo_patch else None,
        "logo_print": _print(scene),
        "cameras": entries,
    }
