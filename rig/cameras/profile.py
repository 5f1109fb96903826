"""The capture profile in libgphoto2's words: which widget each setting is on each make of camera."""

from __future__ import annotations

from rig.base import CaptureSettings

ALIASES: dict[str, tuple[str, ...]] = {
    "iso": ("iso", "isospeed"),
    "shutter": ("shutterspeed", "shutterspeed2"),
    "aperture": ("f-number", "aperture"),
    "white_balance": ("whitebalance",),
    "image_quality": ("imagequality", "imageformat"),
    "image_size": ("imagesize",),
    "focus_mode": ("focusmode", "focusmode2"),
    "capture_target": ("capturetarget",),
    "drive_mode": ("drivemode", "stillcapturemode", "capturemode"),
}
"""Profile settings and the widget names that hold them, first match wins: Nikon and Sony say f-number,
Canon says aperture; Canon's drive mode is drivemode, Nikon's stillcapturemode."""

LABELS: dict[str, str] = {
    "iso": "ISO",
    "shutter": "shutter speed",
    "aperture": "aperture",
    "white_balance": "white balance",
    "image_quality": "image quality",
    "image_size": "image size",
    "focus_mode": "focus mode",
    "capture_target": "capture target",
    "drive_mode": "drive mode",
    "exposurecompensation": "exposure comp.",
}


def wanted_settings(settings: CaptureSettings) -> dict[str, str]:
    """The profile's settings that are set, by profile name; `extra` ones keep their widget names."""
    wanted = {name: str(getattr(settings, name)) for name in ALIASES if getattr(settings, name) is not None}
    wanted.update({widget: str(value) for widget, value in settings.extra.items()})
    return wanted


def label(name: str) -> str:
    return LABELS.get(name, name)
