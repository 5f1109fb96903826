"""The seams between the booth and its hardware: Trigger and CameraArray protocols, Frame and health types."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, runtime_checkable

MIN_CAMERAS = 8
MAX_CAMERAS = 48


class RigError(Exception):
    """A hardware fault with a one-line message that tells staff what to do."""


@dataclass(frozen=True)
class Exposure:
    """The exposure a camera wrote into a frame's EXIF: what it really used, whatever it was told."""

    shutter_s: float | None = None
    f_number: float | None = None
    iso: int | None = None

    def describe(self) -> str:
        parts = []
        if self.shutter_s is not None:
            s = self.shutter_s
            parts.append(f"1/{round(1 / s)} s" if 0 < s < 0.5 else f"{s:g} s")
        if self.f_number is not None:
            parts.append(f"f/{self.f_number:g}")
        if self.iso is not None:
            parts.append(f"ISO {self.iso}")
        return " ".join(parts) or "unknown"


@dataclass(frozen=True)
class Frame:
    """One camera's picture of one shot, as it arrived from the camera."""

    camera_index: int
    serial: str
    data: bytes
    captured_at: float
    """Host time (time.time()) of the shutter, as best known."""
    arrived_at: float
    """Host time the bytes were in memory."""
    file_name: str = ""
    """The name the camera (or the folder) gave the file, e.g. cam_03.jpg."""
    exposure: Exposure | None = None
    """From the frame's EXIF, where the camera wrote one."""


@dataclass(frozen=True)
class FireSchedule:
    """When to fire: at a host time, or as soon as possible when `at` is None."""

    at: float | None = None
    channel_delays_us: Sequence[int] = ()


@dataclass(frozen=True)
class FireReport:
    """What the trigger did: when each channel fired, in host time."""

    fired_at: float
    channel_times: Sequence[float]
    skew_us: float


class TriggerState(Enum):
    IDLE = "idle"
    ARMED = "armed"
    FAULT = "fault"


@dataclass(frozen=True)
class TriggerStatus:
    connected: bool
    state: TriggerState
    firmware: str = ""
    last_error: str = ""


@dataclass(frozen=True)
class CameraInfo:
    index: int
    serial: str
    model: str
    port: str


@dataclass(frozen=True)
class CameraHealth:
    index: int
    serial: str
    connected: bool
    battery_percent: int | None = None
    card_free_mb: int | None = None
    last_frame_at: float | None = None
    last_error: str = ""


@dataclass(frozen=True)
class CaptureSettings:
    """One capture profile applied to every camera of the array; None leaves a setting as the camera has it.

    Values are the camera's own words for them ("f/8", "1/250", "Daylight"), as `booth rig cameras settings`
    lists them."""

    iso: str | None = None
    shutter: str | None = None
    aperture: str | None = None
    white_balance: str | None = None
    image_quality: str | None = None
    """JPEG quality as the camera names it ("JPEG Fine")."""
    image_size: str | None = None
    focus_mode: str | None = None
    capture_target: str | None = None
    drive_mode: str | None = None
    jpeg_quality: int | None = None
    """Quality the simulated cameras encode at (1 to 100)."""
    extra: dict[str, str] = field(default_factory=dict)
    """Further settings by libgphoto2's own widget names."""


@runtime_checkable
class Trigger(Protocol):
    """Fires every camera of the rig at the same instant."""

    def arm(self) -> None: ...

    def fire(self, schedule: FireSchedule) -> FireReport: ...

    def release(self) -> None: ...

    def status(self) -> TriggerStatus: ...


@runtime_checkable
class CameraArray(Protocol):
    """The rig's cameras: frames come out of collect() in arrival order."""

    def cameras(self) -> Sequence[CameraInfo]: ...

    def apply(self, settings: CaptureSettings) -> None: ...

    def prepare(self) -> None:
        """Ready every camera for the next fire: a frame a camera delivered after the last shot's deadline must
        not be taken for this shot's."""
        ...

    def collect(self, deadline: float) -> Iterator[Frame]: ...

    def health(self) -> Sequence[CameraHealth]: ...
