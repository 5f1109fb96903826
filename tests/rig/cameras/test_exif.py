"""EXIF exposure: what the camera really used, read from the frame's header; odd exposures named."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from rig.base import Exposure, Frame
from rig.cameras.exif import exposure_of, odd_exposures
from rig.sim.render import encode_jpeg


def jpeg_with(tags: dict[int, object]) -> bytes:
    exif = Image.Exif()
    exif[0x8769] = tags
    buf = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_shutter_aperture_and_iso_are_read() -> None:
    assert exposure_of(jpeg_with({0x829A: (1, 4000), 0x829D: (11, 1), 0x8827: 100})) == Exposure(1 / 4000, 11.0, 100)
    assert Exposure(2.0, 4.0, 3200).describe() == "2 s f/4 ISO 3200"


def test_a_frame_without_exif_or_not_a_jpeg_has_no_exposure() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buf, "JPEG")
    assert exposure_of(buf.getvalue()) is None
    assert exposure_of(b"\xff\xd8 truncated") is None
    assert exposure_of(jpeg_with({0x829D: (0, 0)})) is None, "a 0/0 aperture (a manual lens) is unknown"


def test_the_simulated_cameras_write_their_exposure() -> None:
    assert exposure_of(encode_jpeg(np.zeros((48, 64, 3), np.uint8), 90)) == Exposure(1 / 250, 8.0, 400)


def test_the_camera_that_shot_differently_is_named() -> None:
    same, other = Exposure(1 / 250, 8.0, 400), Exposure(1 / 125, 8.0, 400)
    frames = [Frame(k, f"SN{k}", b"", 0.0, 0.0, exposure=other if k == 5 else same) for k in range(8)]
    assert odd_exposures(frames) == ["cam 05 shot at 1/125 s f/8 ISO 400 where the others shot at 1/250 s f/8 ISO 400"]
    assert odd_exposures(frames[:5]) == []
