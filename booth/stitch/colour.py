"""Colour matching across cameras: per-channel gains in linear light, applied to 8-bit frames as look-up tables."""

from __future__ import annotations

import numpy as np

_SRGB8 = np.arange(256, dtype=np.float64) / 255.0
SRGB8_TO_LINEAR = np.where(_SRGB8 <= 0.04045, _SRGB8 / 12.92, ((_SRGB8 + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb8(values: np.ndarray) -> np.ndarray:
    v = np.clip(values, 0.0, 1.0)
    s = np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1.0 / 2.4) - 0.055)
    return np.round(s * 255.0).astype(np.uint8)


# Rec. 709 luminance weights, in OpenCV's BGR order.
LUMA_BGR = np.array([0.0722, 0.7152, 0.2126])


def neutral_gains(patch_means_bgr: np.ndarray) -> np.ndarray:
    """Per-camera BGR gains that make every camera's grey patch the same neutral grey.

    The reference is the median camera's patch luminance, so the rig as a whole keeps its exposure
    and no camera is pushed far into clipping."""
    means = np.asarray(patch_means_bgr, dtype=np.float64)
    reference = float(np.median(means @ LUMA_BGR))
    return reference / np.maximum(means, 1e-6)


def gain_lut(gains_bgr: np.ndarray) -> np.ndarray:
    """A (256, 1, 3) table for cv2.LUT that applies linear-light gains to an sRGB 8-bit BGR image."""
    lin = SRGB8_TO_LINEAR.astype(np.float64)[:, None] * np.asarray(gains_bgr, dtype=np.float64)[None, :]
    return linear_to_srgb8(lin).reshape(256, 1, 3)


def mean_linear(pixels_bgr: np.ndarray) -> np.ndarray:
    """Mean colour of 8-bit sRGB pixels, in linear light (BGR)."""
    flat = pixels_bgr.reshape(-1, 3)
    return np.asarray(SRGB8_TO_LINEAR[flat].mean(axis=0), dtype=np.float64)


def is_neutral(mean_bgr: np.ndarray, tolerance: float = 0.25) -> bool:
    """Whether a measured patch is grey enough to balance on (chroma relative to brightness)."""
    m = np.asarray(mean_bgr, dtype=np.float64)
    return bool(m.max() > 0.01 and (m.max() - m.min()) / m.max() <= tolerance)
