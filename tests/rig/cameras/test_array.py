"""The camera array on libgphoto2's virtual cameras: discovery by serial, one profile, a shot within its deadline,
cameras that drop off and come back."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from rig.base import CameraArray, CaptureSettings, FireSchedule, RigError, Trigger
from rig.cameras.array import GPhotoArray, discover
from rig.cameras.bus import VirtualBus
from rig.cameras.live_view import LiveView
from rig.cameras.usb_trigger import UsbTrigger
from rig.cameras.virtual import camera_folder, make_virtual_rig
from rig.cameras.worker import ShutterWire, WorkerSpec
from tests.rig.cameras.test_worker import picture_folder


def specs(root: Path, serials: list[str]) -> list[WorkerSpec]:
    # every virtual camera reports serial "0.1"; vcamera_serial stands in for a real camera's own serial
    return [
        WorkerSpec(f"usb:{k:03d}", vcamera_dir=str(picture_folder(root, k)), vcamera_serial=s)
        for k, s in enumerate(serials)
    ]


def jpeg(k: int) -> bytes:
    image = np.full((480, 640, 3), 30 * k % 250, np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


def virtual_rig(root: Path, cameras: int) -> tuple[VirtualBus, list[str]]:
    serials = make_virtual_rig([(k, jpeg(k)) for k in range(cameras)], root)
    return VirtualBus(root), serials


@pytest.fixture
def eight(tmp_path: Path) -> Iterator[GPhotoArray]:
    serials = [f"SN{k:04d}" for k in range(8)]
    found = discover(specs(tmp_path, serials[::-1]), serials)  # plugged in any order
    assert found.problems() == []
    array = GPhotoArray(found.placed, serials)
    yield array
    array.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[GPhotoArray]:
    """Eight virtual cameras on a bus that reconnect() can scan again."""
    bus, serials = virtual_rig(tmp_path / "rig", 8)
    array, found = GPhotoArray.open(bus, serials)
    assert found.problems() == []
    yield array
    array.close()


def shoot(array: GPhotoArray, deadline_s: float = 3.0) -> list[int]:
    array.trigger_all()
    return sorted(f.camera_index for f in array.collect(deadline=time.time() + deadline_s))


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
    assert {(s["aperture"], s["shutter"]) for s in report.values()} == {("f/8", "0.0050s")}
    assert eight.odd_ones() == []
    eight._workers[5].call("apply_settings", {"f-number": "f/4"})  # someone turned one camera's dial
    assert eight.odd_ones() == ["cam 05: aperture is 'f/4' where the profile has 'f/8'"]


def test_a_camera_set_apart_from_the_others_is_named_without_a_profile(eight: GPhotoArray) -> None:
    eight._workers[2].call("apply_settings", {"exposurecompensation": "0.5"})
    assert eight.odd_ones() == ["cam 02: exposure comp. is '0.5' where the others have '0'"]


def test_a_profile_the_cameras_cannot_take_is_refused_naming_them(eight: GPhotoArray) -> None:
    with pytest.raises(RigError) as err:
        eight.apply(CaptureSettings(aperture="f/99"))
    message = str(err.value)
    assert message.startswith("settings not taken: cam 00: aperture has no choice 'f/99'"), message
    assert "(and 4 more)" in message and "manual (M)" in message


def test_a_shot_arrives_frame_by_frame_within_its_deadline(eight: GPhotoArray) -> None:
    start = time.time()
    assert shoot(eight, 5.0) == list(range(8))
    assert time.time() - start < 5.0
    assert all(h.last_frame_at is not None and h.last_error == "" for h in eight.health())


def test_a_camera_that_drops_out_mid_shot_is_left_out_and_named(eight: GPhotoArray) -> None:
    victim = eight._workers[3]
    assert victim._proc is not None
    victim._proc.kill()
    assert shoot(eight) == [0, 1, 2, 4, 5, 6, 7]
    health = {h.index: h for h in eight.health()}
    assert not health[3].connected
    assert health[3].last_error.startswith("cam 03:"), "named by its place on the arc"


def test_no_frames_without_a_fire_and_the_deadline_holds(eight: GPhotoArray) -> None:
    start = time.time()
    assert list(eight.collect(deadline=start + 0.5)) == []
    assert time.time() - start < 2.0
    assert all("no frame within" in h.last_error for h in eight.health())


def test_a_camera_that_comes_back_is_reconnected_and_given_the_profile(rig: GPhotoArray) -> None:
    rig.apply(CaptureSettings(aperture="f/8"))
    worker = rig._workers[3]
    assert worker._proc is not None
    worker._proc.kill()  # the camera crashed, or its cable was pulled and put back
    worker._proc.join(5)
    assert rig.missing() == [3]
    assert rig.reconnect() == ["cam 03 (serial VC0003) is back on virtual:vcam_03"]
    assert rig.missing() == []
    assert rig.settings_report()[3]["aperture"] == "f/8", "a camera that comes back gets the profile again"
    assert shoot(rig) == list(range(8))


def test_an_unplugged_camera_is_found_once_it_is_plugged_in_again(rig: GPhotoArray, tmp_path: Path) -> None:
    folder = camera_folder(tmp_path / "rig", 5)
    shutil.move(folder, tmp_path / "unplugged")
    rig._workers[5].kill()
    assert rig.reconnect() == [] and rig.missing() == [5]
    assert shoot(rig) == [0, 1, 2, 3, 4, 6, 7], "the show goes on without it"
    shutil.move(tmp_path / "unplugged", folder)
    assert rig.reconnect() == ["cam 05 (serial VC0005) is back on virtual:vcam_05"]
    assert shoot(rig) == list(range(8))


def test_the_watcher_reconnects_without_being_asked(rig: GPhotoArray) -> None:
    rig.watch(every_s=0.5)
    rig._workers[6].kill()
    until = time.monotonic() + 20
    while rig.missing() and time.monotonic() < until:
        time.sleep(0.2)
    assert rig.missing() == []
    assert {h.index: h.connected for h in rig.health()}[6]


def test_a_stranger_on_the_bus_is_left_alone(rig: GPhotoArray, tmp_path: Path) -> None:
    make_virtual_rig([(9, jpeg(9))], tmp_path / "rig")  # a ninth camera, not in the rig's serials
    shutil.move(camera_folder(tmp_path / "rig", 0), tmp_path / "unplugged")
    rig._workers[0].kill()
    assert rig.reconnect() == ["virtual:vcam_09 (serial VC0009) is not part of this rig; left alone"]
    assert rig.reconnect() == [], "not opened again on every look while it stays plugged in"
    shutil.move(tmp_path / "unplugged", camera_folder(tmp_path / "rig", 0))
    assert rig.reconnect() == ["cam 00 (serial VC0000) is back on virtual:vcam_00"]
    assert len(rig.cameras()) == 8


def test_what_the_booth_changed_is_put_back_on_every_camera(rig: GPhotoArray) -> None:
    before = rig.settings_report()
    rig.apply(CaptureSettings(aperture="f/8", shutter="0.0050s", capture_target="Memory card"))
    assert rig.settings_report() != before
    assert rig.restore() == []
    assert rig.settings_report() == before


def test_the_usb_trigger_fires_every_camera_and_warns_that_sync_is_loose(
    rig: GPhotoArray, caplog: pytest.LogCaptureFixture
) -> None:
    trigger = UsbTrigger(rig)
    assert isinstance(trigger, Trigger)
    with caplog.at_level(logging.WARNING):
        trigger.arm()
        report = trigger.fire(FireSchedule())
        trigger.release()
    assert "no trigger box" in caplog.text and "connect the trigger box" in caplog.text
    assert len(report.channel_times) == 8 and 0 <= report.skew_us < 1e6
    assert sorted(f.camera_index for f in rig.collect(time.time() + 3.0)) == list(range(8))


def test_live_view_a_camera_cannot_give_leaves_the_shot_alone(rig: GPhotoArray) -> None:
    live = rig.live_view(4)
    until = time.monotonic() + 5
    while live.running() and time.monotonic() < until:
        time.sleep(0.05)
    assert "not supported" in live.error and live.error.startswith("camera vcam_04")
    assert shoot(rig) == list(range(8))
    live.stop()


def test_a_24_camera_shot_is_collected_within_its_deadline(tmp_path: Path) -> None:
    bus, serials = virtual_rig(tmp_path / "rig", 24)
    array, found = GPhotoArray.open(bus, serials)
    try:
        assert found.problems() == []
        start = time.time()
        assert shoot(array, 5.0) == list(range(24))
        assert time.time() - start < 5.0
    finally:
        array.close()


def test_a_camera_that_vanishes_while_the_shot_is_collected(tmp_path: Path) -> None:
    """The cameras wait for the fire; camera 3's process dies; then the box fires: the others deliver."""
    edges = tmp_path / "edges.csv"
    edges.write_text("")
    serials = [f"SN{k:04d}" for k in range(8)]
    wired = [
        WorkerSpec(
            f"usb:{k:03d}",
            vcamera_dir=str(picture_folder(tmp_path, k)),
            vcamera_serial=s,
            shutter_wire=ShutterWire(str(edges), channel=k),
        )
        for k, s in enumerate(serials)
    ]
    found = discover(wired, serials)
    array = GPhotoArray(found.placed, serials)

    def vanish_then_fire() -> None:
        time.sleep(0.5)
        proc = array._workers[3]._proc
        assert proc is not None
        proc.kill()
        time.sleep(0.2)
        with edges.open("a") as fh:  # every shutter line of port A (channels 0 to 7) goes high
            fh.writelines(f"{1000 + k},A,{k},1\n" for k in range(8))

    try:
        threading.Thread(target=vanish_then_fire, daemon=True).start()
        frames = list(array.collect(deadline=time.time() + 4.0))
        assert sorted(f.camera_index for f in frames) == [0, 1, 2, 4, 5, 6, 7]
        health = {h.index: h for h in array.health()}
        assert not health[3].connected and "worker stopped" in health[3].last_error
    finally:
        array.close()


def test_a_frame_that_came_after_its_deadline_is_not_taken_for_the_next_shot(rig: GPhotoArray) -> None:
    rig._workers[3].call("trigger")  # camera 3 delivers late: its file is queued on the camera after the shot
    assert shoot_nothing(rig) == [3], "without prepare() the late frame would pass for the next shot's"
    rig._workers[3].call("trigger")
    time.sleep(0.5)  # the late file is on the camera, waiting, when the next shot begins
    rig.prepare()
    assert shoot_nothing(rig) == [], "prepare() took it off the camera"


def shoot_nothing(array: GPhotoArray) -> list[int]:
    """Collect without firing: only frames already waiting on the cameras come out."""
    return sorted(f.camera_index for f in array.collect(deadline=time.time() + 0.5))


def test_a_frame_still_on_its_way_at_the_next_shot_is_waited_for_and_thrown_away(rig: GPhotoArray) -> None:
    rig.prepare()
    rig.trigger_all()
    assert list(rig.collect(deadline=time.time())) == [], "every camera misses a deadline of now"
    assert all("no frame within 0.0 s" in h.last_error for h in rig.health())
    rig.prepare()  # the late frames are still coming: each late camera is given time for its frame
    assert shoot_nothing(rig) == []


def test_live_view_is_held_while_the_shot_is_taken(rig: GPhotoArray) -> None:
    from tests.rig.cameras.test_live_view import StandInCamera

    camera = StandInCamera(period_s=0.02)
    rig._live = LiveView(camera.preview, "cam 04").start()
    time.sleep(0.2)
    rig.prepare()
    asked = camera.asked
    rig.trigger_all()
    time.sleep(0.3)
    assert camera.asked == asked, "live view asks nothing of the camera between prepare and the end of collect"
    assert len(list(rig.collect(time.time() + 3.0))) == 8
    time.sleep(0.2)
    assert camera.asked > asked, "and carries on after"
