"""Composing output frames: the view for each timeline position, the brand overlay, and the end card."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from booth.errors import InputError
from booth.stitch.timeline import Timeline

END_CARD_FADE_S = 0.3


@dataclass(frozen=True)
class Overlay:
    """A brand overlay fitted to the output: colour and coverage, ready to blend."""

    colour: np.ndarray  # float32, premultiplied by alpha
    alpha: np.ndarray  # float32 (h, w, 1), 0..1

    def apply(self, frame: np.ndarray) -> np.ndarray:
        out = frame.astype(np.float32) * (1.0 - self.alpha) + self.colour
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _read_image(path: Path, what: str, flags: int) -> np.ndarray:
    if not path.exists():
        raise InputError(f"{path}: no such {what} file")
    if not path.is_file():
        raise InputError(f"{path}: is not a file; the {what} must be a PNG or JPEG file")
    image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), flags)
    if image is None:
        raise InputError(f"{path}: not an image; the {what} must be a PNG or JPEG file")
    return image


def _fit(image: np.ndarray, width: int, height: int) -> tuple[np.ndarray, int, int]:
    """Scale to fit inside width x height, keeping the aspect ratio; returns the image and its offset."""
    h, w = image.shape[:2]
    s = min(width / w, height / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, (nw, nh), interpolation=interp), (width - nw) // 2, (height - nh) // 2


def load_overlay(path: Path, width: int, height: int) -> Overlay:
    """A PNG with transparency, fitted inside the output frame and centred."""
    image = _read_image(path, "overlay", cv2.IMREAD_UNCHANGED)
    if image.ndim != 3 or image.shape[2] != 4:
        raise InputError(f"{path}: the overlay has no transparency; save it as a PNG with an alpha channel")
    if image.dtype != np.uint8:
        image = (image / 257).astype(np.uint8)
    fitted, x, y = _fit(image, width, height)
    alpha = np.zeros((height, width, 1), dtype=np.float32)
    colour = np.zeros((height, width, 3), dtype=np.float32)
    fh, fw = fitted.shape[:2]
    a = fitted[..., 3:4].astype(np.float32) / 255.0
    alpha[y : y + fh, x : x + fw] = a
    colour[y : y + fh, x : x + fw] = fitted[..., :3].astype(np.float32) * a
    return Overlay(colour, alpha)


def load_end_card(path: Path, width: int, height: int) -> np.ndarray:
    """An image shown after the orbit, fitted on black; transparency shows as black."""
    image = _read_image(path, "end card", cv2.IMREAD_UNCHANGED)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.dtype != np.uint8:
        image = (image / 257).astype(np.uint8)
    if image.shape[2] == 4:
        a = image[..., 3:4].astype(np.float32) / 255.0
        image = (image[..., :3].astype(np.float32) * a).astype(np.uint8)
    fitted, x, y = _fit(image, width, height)
    card = np.zeros((height, width, 3), dtype=np.uint8)
    card[y : y + fitted.shape[0], x : x + fitted.shape[1]] = fitted
    return card


class Views(Protocol):
    """The orbit's views in order; a list, or one whose views are still being made (indexing waits)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int, /) -> np.ndarray: ...


def view_at(views: Views, position: float, crossfade: bool) -> np.ndarray:
    """The output image for a fractional rig position: the nearest view, or a blend of the two around it."""
    if not crossfade:
        return views[min(len(views) - 1, max(0, round(position)))]
    i = min(len(views) - 1, max(0, math.floor(position)))
    f = position - i
    if f < 1e-3 or i + 1 >= len(views):
        return views[i]
    return cv2.addWeighted(views[i], 1.0 - f, views[i + 1], f, 0.0)


def output_frames(
    views: Views, timeline: Timeline, crossfade: bool, end_card: np.ndarray | None, end_card_s: float
) -> Iterator[np.ndarray]:
    """Every frame of the clip, in order: the orbit, then the end card faded in from the last frame."""
    last = views[0]
    for p in timeline.positions:
        last = view_at(views, p, crossfade)
        yield last
    if end_card is None:
        return
    fade = max(1, round(END_CARD_FADE_S * timeline.fps))
    for k in range(1, fade + 1):
        yield cv2.addWeighted(last, 1.0 - k / fade, end_card, k / fade, 0.0)
    for _ in range(max(0, round(end_card_s * timeline.fps) - fade)):
        yield end_card


def frame_count(timeline: Timeline, end_card: bool, end_card_s: float) -> int:
    if not end_card:
        return len(timeline.positions)
    fade = max(1, round(END_CARD_FADE_S * timeline.fps))
    return len(timeline.positions) + fade + max(0, round(end_card_s * timeline.fps) - fade)
