"""Reading frames: JPEG header checks that catch truncated files, decoding at a reduced scale, frame folders."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from booth.errors import InputError
from rig.base import Frame

JPEG_SUFFIXES = {".jpg", ".jpeg"}
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_REDUCED_FLAGS = {
    1: cv2.IMREAD_COLOR,
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}
_CAMERA_NAME = re.compile(r"^cam_(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True)
class JpegInfo:
    width: int
    height: int
    complete: bool
    """False when the file stops before its end-of-image marker: a download cut short."""


def jpeg_info(data: bytes) -> JpegInfo | None:
    """Size and completeness from the JPEG markers, without decoding; None if this is not a JPEG."""
    if len(data) < 4 or data[0] != 0xFF or data[1] != 0xD8:
        return None
    pos, size, n = 2, None, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in _SOF_MARKERS and pos + 9 <= n:
            size = (int.from_bytes(data[pos + 7 : pos + 9], "big"), int.from_bytes(data[pos + 5 : pos + 7], "big"))
        if marker == 0xDA:  # start of scan: entropy-coded data follows; an EOI must come after it
            if size is None:
                return None
            return JpegInfo(size[0], size[1], data.rfind(b"\xff\xd9") > pos)
        pos += 2 + length
    return None if size is None else JpegInfo(size[0], size[1], False)


def frame_problem(data: bytes) -> str | None:
    """Why a frame cannot be used, or None if its bytes look whole."""
    info = jpeg_info(data)
    if info is None:
        return "not a JPEG image"
    if not info.complete:
        return "truncated JPEG (the file ends before the image does)"
    return None


def decode(data: bytes, reduction: int = 1) -> np.ndarray | None:
    """Decode at 1/reduction scale using the JPEG's own DCT scaling (cheap); None if undecodable."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return cv2.imdecode(buf, _REDUCED_FLAGS[reduction])


def list_frame_files(folder: Path) -> list[Path]:
    """The JPEG files of a frame folder in file-name order (which is rig order)."""
    if not folder.exists():
        raise InputError(f"{folder}: no such folder; give the folder that holds the frames")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; give the folder that holds the frames")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in JPEG_SUFFIXES)
    if not files:
        raise InputError(f"{folder}: no JPEG frames (*.jpg) in this folder")
    return files


def camera_number(path: Path) -> int | None:
    """The camera index in a rig-style name (cam_07.jpg is camera 7), or None for any other name."""
    m = _CAMERA_NAME.match(path.stem)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class FrameFolder:
    """A folder's frames with their camera indices, and how those were known."""

    folder: Path
    frames: list[Frame]
    named: bool
    """True when every file is named cam_NN (the index is NN); False when the indices are file-name order."""


def read_folder(folder: Path) -> FrameFolder:
    """Every frame of a folder with its camera index. Files named cam_NN.jpg are camera NN, whatever else is
    missing; only a folder where no file carries such a name is taken in file-name order."""
    files = list_frame_files(folder)
    numbers = [camera_number(f) for f in files]
    if all(n is None for n in numbers):
        return FrameFolder(folder, [read_frame(path, k) for k, path in enumerate(files)], named=False)
    seen: dict[int, Path] = {}
    for path, n in zip(files, numbers, strict=True):
        if n is None:
            raise InputError(
                f"{folder}: {path.name} is not named like the other frames (cam_NN.jpg); "
                "move it out of the folder or rename it by its camera"
            )
        if n in seen:
            raise InputError(f"{folder}: {seen[n].name} and {path.name} are both camera {n}; keep one")
        seen[n] = path
    return FrameFolder(folder, [read_frame(path, n) for n, path in sorted(seen.items())], named=True)


def read_frame(path: Path, index: int) -> Frame:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    now = time.time()
    return Frame(index, serial="", data=data, captured_at=path.stat().st_mtime, arrived_at=now, file_name=path.name)


def check_same_size(frames: list[Frame], folder: Path) -> tuple[int, int] | None:
    """The common frame size; raises InputError naming two files that differ. Unusable frames are skipped."""
    first: tuple[str, tuple[int, int]] | None = None
    for frame in frames:
        info = jpeg_info(frame.data)
        if info is None or not info.complete:
            continue
        size = (info.width, info.height)
        if first is None:
            first = (frame.file_name, size)
        elif size != first[1]:
            raise InputError(
                f"{folder}: frames of different sizes: {first[0]} is {first[1][0]}x{first[1][1]} but "
                f"{frame.file_name} is {size[0]}x{size[1]}; every camera must shoot the same size"
            )
    return None if first is None else first[1]
