"""The camera array on libgphoto2's virtual cameras: discovery by serial, one profile, a shot within its deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.base import CameraArray, CaptureSettings
from rig.cameras.array import GPhotoArray, discover
from rig.cameras.worker import WorkerSpec
from tests.rig.cameras.test_worker import picture_folder


def specs(root: Path, serials: list[str]) -> list[WorkerSpec]:
    # every virtual camera reports serial "0.1"; vcamera_serial stands in for a real camera's own serial
    return [
        WorkerSpec(f"usb:{k:03d}", vcamera_dir=str(picture_folder(root, k)), vcamera_serial=s)
        for k, s in enumerate(serials)
    ]


@pytest.fixture
def eight(tmp_path: Path) -> Iterator[GPhotoArray]:
    serials = [f"SN{k:04d}" for k in range(8)]
    found = discover(specs(tmp_path, serials[::-1]), serials)  # plugged in any order
    assert found.problems() == []
    array = GPhotoArray(found.placed)
    yield array
    array.close()


def test_cameras_are_placed_by_serial_not_by_port(eight: GPhotoArray) -> None:
    assert isinstance(eight, CameraArray)
    assert [(c.index, c.serial) for c in eight.cameras()] == [(k, f"SN{k:04d}") for k in range(8)]


def test_unknown_missing_and_duplicate_cameras_are_named(tmp_path: Path) -> None:
    found = discover(specs(tmp_path, ["SN0001", "SN0002", "SN0002", "SN9999"]), ["SN0001", "SN0002", "SN0003"])
    try:
        assert sorted(found.placed) == [0]
        assert any("SN9999" in p and "not in booth.toml" in p for p in found.unknown)
        assert any("SN0003" in p and "cam 02" in p for p in found.missing)
        assert any("SN0002" in p and "2 cameras" in p for p in found.duplicated)
    finally:
        for w in found.placed.values():
            w.stop()


def test_one_profile_for_every_camera_and_the_odd_one_is_named(eight: GPhotoArray) -> None:
    eight.apply(CaptureSettings(aperture="f/8", shutter="0.0050s"))
    report = eight.settings_report()
    assert {(s["f-number"], s["shutterspeed"]) for s in report.values()} == {("f/8", "0.0050s")}
    assert eight.odd_ones() == []
    worker = eight._workers[5]  # someone turned one camera's dial
    worker.call("apply_settings", {"f-number": "f/4"})
    assert eight.odd_ones() == ["cam 05: f-number is 'f/4' where the others have 'f/8'"]


def test_a_shot_arrives_frame_by_frame_within_its_deadline(eight: GPhotoArray) -> None:
    eight.trigger_all()
    start = time.time()
    frames = list(eight.collect(deadline=start + 5.0))
    assert sorted(f.camera_index for f in frames) == list(range(8))
    assert all(f.data[:2] == b"\xff\xd8" for f in frames)
    assert time.time() - start < 5.0
    assert all(h.last_frame_at is not None for h in eight.health())


def test_a_camera_that_drops_out_mid_shot_is_left_out_and_named(eight: GPhotoArray) -> None:
    victim = eight._workers[3]
    assert victim._proc is not None
    victim._proc.kill()
    eight.trigger_all()
    frames = list(eight.collect(deadline=time.time() + 3.0))
    assert sorted(f.camera_index for f in frames) == [0, 1, 2, 4, 5, 6, 7]
    health = {h.index: h for h in eight.health()}
    assert not health[3].connected
    error = health[3].last_error
    assert error.startswith("cam 03: camera usb:004") and "USB cable" in error, "named, with what to do"


def test_no_frames_without_a_fire_and_the_deadline_holds(eight: GPhotoArray) -> None:
    start = time.time()
    assert list(eight.collect(deadline=start + 0.5)) == []
    assert time.time() - start < 2.0
    assert all("no frame within" in h.last_error for h in eight.health())


def test_a_24_camera_shot_is_collected_within_its_deadline(tmp_path: Path) -> None:
    serials = [f"SN{k:04d}" for k in range(24)]
    found = discover(specs(tmp_path, serials), serials)
    array = GPhotoArray(found.placed)
    try:
        assert found.problems() == []
        array.trigger_all()
        start = time.time()
        frames = list(array.collect(deadline=start + 5.0))
        assert sorted(f.camera_index for f in frames) == list(range(24))
        assert time.time() - start < 5.0
    finally:
        array.close()
