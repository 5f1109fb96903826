"""Camera workers on libgphoto2's real PTP driver and its virtual camera (python-gphoto2's wheel, VCAMERADIR)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from rig.base import Exposure
from rig.cameras.faults import CameraFault, CameraFaultKind, kind_of
from rig.cameras.worker import CameraWorker, ShutterWire, WorkerSpec


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
    assert before["aperture"] == "f/2.8" and before["shutter"] == "0.0100s"
    answer = w.call("apply_settings", {"aperture": "f/8", "shutterspeed": "0.0050s"})  # a profile name, a widget name
    assert answer["problems"] == []
    assert (answer["settings"]["aperture"], answer["settings"]["shutterspeed"]) == ("f/8", "0.0050s")
    assert workers[1].call("read_settings")["aperture"] == "f/2.8", "the other cameras are untouched"


def test_trigger_then_file_added_then_download(workers: list[CameraWorker]) -> None:
    for w in workers:
        w.call("trigger")
    for k, w in enumerate(workers):
        name, data, arrived, _ = w.call("wait_file", 3.0, timeout_s=5.0)
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


def test_a_profile_setting_the_camera_cannot_take_is_named_with_its_choices(workers: list[CameraWorker]) -> None:
    answer = workers[0].call(
        "apply_settings", {"aperture": "f/99", "iso": "400", "image_size": "2048x1536", "shutter": "0.0050s"}
    )
    problems = answer["problems"]
    assert any("aperture has no choice 'f/99'" in p and "'f/8'" in p for p in problems), problems
    assert "has no ISO setting over USB; set it on the camera by hand" in problems
    assert any(p.startswith("image size is '640x480' and cannot be changed over USB") for p in problems), problems
    assert answer["settings"]["shutter"] == "0.0050s", "the settings the camera could take are still taken"
    assert len(problems) == 3


def test_what_the_booth_changed_is_put_back(workers: list[CameraWorker]) -> None:
    w = workers[0]
    w.call("apply_settings", {"aperture": "f/8", "capture_target": "Memory card"})
    w.call("apply_settings", {"aperture": "f/4"})  # a second profile: the original is still the one put back
    assert w.call("read_settings")["aperture"] == "f/4"
    assert w.call("restore") == []
    settings = w.call("read_settings")
    assert (settings["aperture"], settings["capture_target"]) == ("f/2.8", "Internal RAM")


def test_the_exif_exposure_comes_with_the_frame(tmp_path: Path) -> None:
    folder = tmp_path / "exif"
    folder.mkdir()
    exif = Image.Exif()
    exif[0x8769] = {0x829A: (1, 125), 0x829D: (56, 10), 0x8827: 800}
    Image.new("RGB", (640, 480), (90, 90, 90)).save(folder / "img.jpg", exif=exif)
    worker = CameraWorker(WorkerSpec("cam 00", vcamera_dir=str(folder)))
    worker.start()
    try:
        worker.call("trigger")
        _, _, _, exposure = worker.call("wait_file", 3.0, timeout_s=5.0)
        assert exposure == Exposure(shutter_s=1 / 125, f_number=5.6, iso=800)
        assert exposure.describe() == "1/125 s f/5.6 ISO 800"
    finally:
        worker.stop()


def test_live_view_the_virtual_camera_lacks_is_a_named_fault(workers: list[CameraWorker]) -> None:
    # libgphoto2's virtual camera answers capture_preview with GP_ERROR_NOT_SUPPORTED
    with pytest.raises(CameraFault) as err:
        workers[0].call("preview")
    assert err.value.kind is CameraFaultKind.NOT_SUPPORTED and "docs/cameras.md" in str(err.value)
    assert workers[0].call("describe")["serial"] == "0.1", "the camera is still there"


def test_a_wired_virtual_camera_fires_on_its_channel_edge(tmp_path: Path) -> None:
    """The pin log is written by hand here; tests/e2e/test_camera_rig.py has the firmware write it."""
    edges = tmp_path / "edges.csv"
    edges.write_text("100,A,3,1\n")  # an edge from before the camera was opened: not its shot
    wired = [
        CameraWorker(
            WorkerSpec(
                f"cam {k:02d}",
                vcamera_dir=str(picture_folder(tmp_path, k)),
                shutter_wire=ShutterWire(str(edges), channel=k),
            )
        )
        for k in (3, 9)
    ]
    for w in wired:
        w.start()
    try:
        assert wired[0].call("wait_file", 0.3, timeout_s=3.0) is None
        with edges.open("a") as fh:
            fh.write("200,A,3,1\n250,A,3,0\n")  # channel 3 fires (port A pin 3); channel 9 (port C pin 1) does not
        assert wired[0].call("wait_file", 2.0, timeout_s=4.0) is not None
        assert wired[1].call("wait_file", 0.3, timeout_s=3.0) is None
    finally:
        for w in wired:
            w.stop()


def test_on_off_settings_are_set_and_put_back_like_the_others(workers: list[CameraWorker]) -> None:
    w = workers[0]
    assert w.call("read_settings", ["fastfs"])["fastfs"] == "1"
    answer = w.call("apply_settings", {"fastfs": "off", "bulb": "maybe"})
    assert answer["settings"]["fastfs"] == "0"
    assert answer["problems"] == ["bulb 'maybe' was refused (not on or off)"]
    assert w.call("restore") == []
    assert w.call("read_settings", ["fastfs"])["fastfs"] == "1"


def test_ctrl_c_at_the_terminal_leaves_the_cameras_to_the_booth(workers: list[CameraWorker]) -> None:
    w = workers[0]
    assert w._proc is not None and w._proc.pid is not None
    os.kill(w._proc.pid, signal.SIGINT)
    time.sleep(0.3)
    assert w.alive() and w.call("describe")["serial"] == "0.1", "the booth closes it, and puts its settings back"
