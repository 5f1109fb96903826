"""libgphoto2's error codes as named camera faults, each with what staff should do about it."""

from __future__ import annotations

from enum import Enum

from rig.base import RigError


class CameraFaultKind(Enum):
    GONE = "not connected"
    BUSY = "busy"
    USB_CLAIMED = "claimed by another program"
    NOT_SUPPORTED = "not supported"
    CARD_FULL = "card full"
    NO_ANSWER = "no answer"
    ERROR = "camera error"


# libgphoto2's GP_ERROR_* values (gphoto2/gphoto2-result.h, gphoto2-port-result.h); copied so that this table
# can be read and tested without loading the library.
_CODES: dict[int, CameraFaultKind] = {
    -7: CameraFaultKind.GONE,  # GP_ERROR_IO
    -34: CameraFaultKind.GONE,  # GP_ERROR_IO_READ
    -35: CameraFaultKind.GONE,  # GP_ERROR_IO_WRITE
    -52: CameraFaultKind.GONE,  # GP_ERROR_IO_USB_FIND
    -105: CameraFaultKind.GONE,  # GP_ERROR_MODEL_NOT_FOUND
    -5: CameraFaultKind.GONE,  # GP_ERROR_UNKNOWN_PORT
    -110: CameraFaultKind.BUSY,  # GP_ERROR_CAMERA_BUSY
    -53: CameraFaultKind.USB_CLAIMED,  # GP_ERROR_IO_USB_CLAIM
    -60: CameraFaultKind.USB_CLAIMED,  # GP_ERROR_IO_LOCK
    -6: CameraFaultKind.NOT_SUPPORTED,  # GP_ERROR_NOT_SUPPORTED
    -115: CameraFaultKind.CARD_FULL,  # GP_ERROR_NO_SPACE
    -10: CameraFaultKind.NO_ANSWER,  # GP_ERROR_TIMEOUT
}

ADVICE: dict[CameraFaultKind, str] = {
    CameraFaultKind.GONE: "check its USB cable and that it is switched on; the booth reconnects it by itself",
    CameraFaultKind.BUSY: "wait for it to finish writing to its card, or switch it off and on",
    CameraFaultKind.USB_CLAIMED: "close any other photo program (a desktop's auto-mount often takes cameras)",
    CameraFaultKind.NOT_SUPPORTED: "this camera cannot do that over USB; check its model against docs/cameras.md",
    CameraFaultKind.CARD_FULL: "replace or empty its memory card",
    CameraFaultKind.NO_ANSWER: "switch it off and on; if it repeats, replace its USB cable",
    CameraFaultKind.ERROR: "switch it off and on; the log has libgphoto2's own message",
}


def kind_of(code: int) -> CameraFaultKind:
    return _CODES.get(code, CameraFaultKind.ERROR)


class CameraFault(RigError):
    """A named camera fault: which camera, what happened, what to do."""

    def __init__(self, camera: str, kind: CameraFaultKind, detail: str = "") -> None:
        more = f" ({detail})" if detail else ""
        super().__init__(f"camera {camera}: {kind.value}{more}; {ADVICE[kind]}")
        self.camera = camera
        self.kind = kind

    @classmethod
    def from_code(cls, camera: str, code: int, message: str) -> CameraFault:
        return cls(camera, kind_of(code), f"libgphoto2 {code}: {message}")
