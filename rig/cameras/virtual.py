"""A rig of libgphoto2's virtual cameras made from a shot's frames: the hardware path without the hardware."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from rig.base import RigError
from rig.cameras.bus import VIRTUAL_CAMERA_FILE

FRAME_FILE = "frame.jpg"


def virtual_serial(index: int) -> str:
    return f"VC{index:04d}"


def camera_folder(root: Path, index: int) -> Path:
    return root / f"vcam_{index:02d}"


def make_virtual_rig(frames: Sequence[tuple[int, bytes]], root: Path) -> list[str]:
    """One virtual camera per (rig position, JPEG), wired to the trigger-box channel of the same number; returns
    the serials in rig order, as booth.toml's rig.gphoto2.serials wants them."""
    if not frames:
        raise RigError(f"{root}: no frames to make virtual cameras from")
    root.mkdir(parents=True, exist_ok=True)
    for index, _ in frames:
        folder = camera_folder(root, index)
        folder.mkdir(exist_ok=True)
        (folder / VIRTUAL_CAMERA_FILE).write_text(json.dumps({"serial": virtual_serial(index), "channel": index}))
    load_frames(frames, root)
    return [virtual_serial(index) for index, _ in sorted(frames)]


def load_frames(frames: Sequence[tuple[int, bytes]], root: Path) -> None:
    """Give each virtual camera the frame it hands out at its next capture.

    The virtual camera reads its folder's file sizes when it is opened, so cameras opened before this see
    the new frames only once reopened."""
    for index, data in frames:
        folder = camera_folder(root, index)
        if not (folder / VIRTUAL_CAMERA_FILE).is_file():
            raise RigError(f"{folder}: not a virtual camera; make the rig with 'booth rig cameras virtual'")
        staged = folder / f".{FRAME_FILE}.part"
        staged.write_bytes(data)
        os.replace(staged, folder / FRAME_FILE)  # a camera opening now sees the old frame or the new, never half
