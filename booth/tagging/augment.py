"""A logo as a camera sees it on a shirt or a backdrop: bent, turned away; shared by training and the kit's
reference views."""

from __future__ import annotations

import math

import cv2
import numpy as np


def bend(rgba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Curve the logo as on a shirt or a cup: rows shift along a sine across its width."""
    h, w = rgba.shape[:2]
    amplitude = float(rng.uniform(0, 0.08)) * h
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    pad = math.ceil(amplitude) + 1
    padded = cv2.copyMakeBorder(rgba, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0, 0))
    map_y = ys + pad - amplitude * np.sin(np.pi * xs / max(1, w - 1))
    return cv2.remap(padded, xs, map_y.astype(np.float32), cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))


def tilt(rgba: np.ndarray, rng: np.random.Generator, max_deg: float) -> np.ndarray:
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
