"""JPEG checks: a truncated download is caught before decoding (OpenCV would decode it with grey rows)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from booth.errors import InputError
from booth.stitch.frames import decode, frame_problem, jpeg_info, read_folder


def jpeg(width: int = 320, height: int = 200) -> bytes:
    img = np.random.default_rng(1).integers(0, 255, (height, width, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", img)[1].tobytes()


def test_header_gives_size_and_completeness() -> None:
    data = jpeg(320, 200)
    info = jpeg_info(data)
    assert info is not None and (info.width, info.height, info.complete) == (320, 200, True)
    cut = jpeg_info(data[: len(data) // 2])
    assert cut is not None and not cut.complete
    assert frame_problem(data[: len(data) // 2]) is not None
    assert frame_problem(data) is None


def test_non_jpeg_bytes_are_named_as_such() -> None:
    png = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    for data in (b"", b"\xff\xd8", b"hello", png):
        assert frame_problem(data) == "not a JPEG image"


def test_decode_at_reduced_scale() -> None:
    data = jpeg(640, 480)
    for reduction, shape in ((1, (480, 640, 3)), (2, (240, 320, 3)), (4, (120, 160, 3))):
        image = decode(data, reduction)
        assert image is not None and image.shape == shape


def test_camera_names_keep_their_numbers_when_others_are_missing(tmp_path: Path) -> None:
    for name in ("cam_02.jpg", "cam_00.jpg", "cam_10.JPG", "notes.txt"):
        (tmp_path / name).write_bytes(jpeg())
    folder = read_folder(tmp_path)
    assert folder.named
    assert [(f.camera_index, f.file_name) for f in folder.frames] == [
        (0, "cam_00.jpg"),
        (2, "cam_02.jpg"),
        (10, "cam_10.JPG"),
    ]


def test_other_names_are_taken_in_file_name_order(tmp_path: Path) -> None:
    for name in ("DSC_0100.jpg", "DSC_0099.jpg"):
        (tmp_path / name).write_bytes(jpeg())
    folder = read_folder(tmp_path)
    assert not folder.named
    assert [(f.camera_index, f.file_name) for f in folder.frames] == [(0, "DSC_0099.jpg"), (1, "DSC_0100.jpg")]


def test_a_stray_jpeg_among_camera_frames_is_refused_by_name(tmp_path: Path) -> None:
    for name in ("cam_00.jpg", "cam_01.jpg", "notes.jpg"):
        (tmp_path / name).write_bytes(jpeg())
    with pytest.raises(InputError, match=r"notes\.jpg is not named like the other frames"):
        read_folder(tmp_path)
    (tmp_path / "notes.jpg").unlink()
    (tmp_path / "cam_1.jpg").write_bytes(jpeg())
    with pytest.raises(InputError, match=r"cam_01\.jpg and cam_1\.jpg are both camera 1"):
        read_folder(tmp_path)
