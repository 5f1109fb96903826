"""Camera workers on libgphoto2's real PTP driver and its virtual camera (python-gphoto2's wheel, VCAMERADIR)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from rig.cameras.faults import CameraFault, CameraFaultKind, kind_of
from rig.cameras.worker import CameraWorker, WorkerSpec


def picture_folder(root: Path, k: int) -> Path:
    """A folder holding one JPEG, which the virtual camera hands out as its capture."""
    folder = root / f"vcam{k}"
    folder.mkdir()
    image = np.full((480, 640, 3), 40 * k % 250, np.uint8)
    cv2.putText(image, f"camera {k}", (40, 240), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
    cv2.imwrite(str(folder / "img_0001.jpg"), image)
    return folder


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[CameraWorker]]:
    started = [CameraWorker(WorkerSpec(f"cam {k:02d}", vcamera_dir=str(picture_folder(tmp_path, k)))) for k in range(3)]
    try:
        for w in started:
            w.start()
        yield started
    finally:
        for w in started:
            w.stop()


def test_each_worker_finds_its_camera(workers: list[CameraWorker]) -> None:
    for w in workers:
        # what libgphoto2's virtual camera says of itself, read through its PTP driver
        assert (w.description["model"], w.description["serial"]) == ("VC", "0.1"), w.description
        assert w.description["battery_percent"] == 50
        assert w.description["card_free_mb"] > 0
        assert w.alive()


def test_settings_are_applied_and_read_back(workers: list[CameraWorker]) -> None:
    w = workers[0]
    before = w.call("read_settings")
    assert before["f-number"] == "f/2.8" and before["shutterspeed"] == "0.0100s"
    after = w.call("apply_settings", {"f-number": "f/8", "shutterspeed": "0.0050s"})
    assert (after["f-number"], after["shutterspeed"]) == ("f/8", "0.0050s")
    assert workers[1].call("read_settings")["f-number"] == "f/2.8", "the other cameras are untouched"


def test_trigger_then_file_added_then_download(workers: list[CameraWorker]) -> None:
    for w in workers:
        w.call("trigger")
    for k, w in enumerate(workers):
        name, data, arrived = w.call("wait_file", 3.0, timeout_s=5.0)
        assert name.lower().endswith(".jpg") and abs(arrived - time.time()) < 5
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape == (480, 640, 3)
        assert abs(float(image[10, 10].mean()) - 40 * k % 250) < 6, "each worker downloads its own camera's picture"


def test_no_file_within_the_deadline_is_none(workers: list[CameraWorker]) -> None:
    start = time.monotonic()
    assert workers[0].call("wait_file", 0.4) is None
    assert time.monotonic() - start < 2.0


def test_a_vanished_camera_is_a_named_fault(workers: list[CameraWorker]) -> None:
    victim = workers[1]
    assert victim._proc is not None
    victim._proc.kill()  # its process dies, as libgphoto2 may take it down with a camera pulled mid-transfer
    victim._proc.join(5)
    with pytest.raises(CameraFault) as err:
        victim.call("describe")
    assert err.value.kind is CameraFaultKind.GONE
    assert "cam 01" in str(err.value) and "USB cable" in str(err.value)
    assert workers[0].call("describe")["battery_percent"] == 50, "the others carry on"


def test_gphoto2_codes_become_named_faults() -> None:
    assert kind_of(-7) is CameraFaultKind.GONE
    assert kind_of(-110) is CameraFaultKind.BUSY
    assert kind_of(-53) is CameraFaultKind.USB_CLAIMED
    assert kind_of(-115) is CameraFaultKind.CARD_FULL
    assert kind_of(-999) is CameraFaultKind.ERROR
    message = str(CameraFault.from_code("cam 03", -110, "Camera busy"))
    assert message.startswith("camera cam 03: busy") and "switch it off and on" in message
