"""The exposure a camera recorded in a JPEG's EXIF (shutter, aperture, ISO), read without decoding the image."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from typing import Any

from PIL import Image, UnidentifiedImageError

from rig.base import Exposure, Frame

log = logging.getLogger(__name__)

EXIF_IFD = 0x8769
EXPOSURE_TIME = 0x829A
F_NUMBER = 0x829D
ISO_SPEED = 0x8827


def _number(value: Any) -> float | None:
    """An EXIF rational (or a pair) as a float; None for 0/0 and anything unreadable."""
    try:
        if isinstance(value, tuple) and len(value) == 2:
            return float(value[0]) / float(value[1]) if value[1] else None
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(number) else number  # NaN from a 0/0 IFDRational


def exposure_of(jpeg: bytes) -> Exposure | None:
    """Shutter time, f-number and ISO from the frame's EXIF; None when it has no EXIF exposure at all."""
    try:
        with Image.open(io.BytesIO(jpeg)) as image:  # parses the headers only; the pixels are never decoded
            tags = image.getexif().get_ifd(EXIF_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        log.debug("no EXIF: %s", exc)
        return None
    iso = tags.get(ISO_SPEED)
    if isinstance(iso, tuple):  # some cameras write a list of speeds; the first is the one used
        iso = iso[0] if iso else None
    exposure = Exposure(
        shutter_s=_number(tags.get(EXPOSURE_TIME)),
        f_number=_number(tags.get(F_NUMBER)),
        iso=int(iso) if isinstance(iso, int) and iso > 0 else None,
    )
    return None if exposure == Exposure() else exposure


def odd_exposures(frames: Sequence[Frame]) -> list[str]:
    """Frames whose EXIF exposure differs from the one most frames have: the camera really shot differently,
    whatever its settings read back."""
    known = [(f, f.exposure) for f in frames if f.exposure is not None]
    if len(known) < 2:
        return []
    values = [e for _, e in known]
    common = max(values, key=values.count)
    return [
        f"cam {f.camera_index:02d} shot at {e.describe()} where the others shot at {common.describe()}"
        for f, e in sorted(known, key=lambda fe: fe[0].camera_index)
        if e != common
    ]
