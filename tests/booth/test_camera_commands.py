"""`booth rig cameras ...` as staff use them, on a rig of libgphoto2's virtual cameras; bad set-ups get one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from rig.cameras.virtual import camera_folder, make_virtual_rig
from tests.conftest import run_booth


def write_rig(root: Path, cameras: int = 8) -> str:
    frames = [(k, cv2.imencode(".jpg", np.full((480, 640, 3), 20 * k, np.uint8))[1].tobytes()) for k in range(cameras)]
    return json.dumps(make_virtual_rig(frames, root / "vrig"))


def config(root: Path, body: str = "", cameras: int = 8, serials: str | None = None) -> Path:
    serials = serials if serials is not None else write_rig(root, cameras)
    cfg = root / "booth.toml"
    cfg.write_text(
        f'[rig]\nkind = "gphoto2"\ncameras = {cameras}\n[rig.gphoto2]\nvirtual_dir = "vrig"\nserials = {serials}\n'
        '[rig.gphoto2.profiles.day]\naperture = "f/8"\nshutter = "0.0050s"\n'
        '[rig.gphoto2.profiles.impossible]\naperture = "f/99"\n' + body
    )
    return cfg


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if not line.startswith("booth: WARNING")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_list_places_every_camera_on_the_arc(tmp_path: Path) -> None:
    done = run_booth("rig", "cameras", "list", "--config", str(config(tmp_path)))
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert rows[0].split() == ["camera", "serial", "model", "port", "battery", "card", "free", "status"]
    assert rows[4].split()[:5] == ["cam", "03", "VC0003", "VC", "virtual:vcam_03"] and rows[4].endswith("ok")
    assert rows[-1] == "8 of 8 cameras found"


def test_list_before_the_serials_are_known_shows_them(tmp_path: Path) -> None:
    write_rig(tmp_path)
    cfg = tmp_path / "booth.toml"
    cfg.write_text('[rig.gphoto2]\nvirtual_dir = "vrig"\n')
    done = run_booth("rig", "cameras", "list", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()[1:9]] == [f"VC{k:04d}" for k in range(8)]
    assert "list their serials in booth.toml's rig.gphoto2.serials" in done.stdout


def test_list_names_the_missing_camera_and_the_stranger(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    shutil.rmtree(camera_folder(tmp_path / "vrig", 2))
    make_virtual_rig([(9, b"\xff\xd8\xff\xd9")], tmp_path / "vrig")
    done = run_booth("rig", "cameras", "list", "--config", str(cfg))
    assert done.returncode == 1
    assert "cam 02 (serial VC0002) was not found; check that it is on and its USB cable is in" in done.stdout
    assert "(serial VC0009) is not in booth.toml's rig.gphoto2.serials" in done.stdout
    assert "MISSING" in done.stdout and done.stdout.splitlines()[-1] == "7 of 8 cameras found"


def test_settings_apply_a_profile_and_read_it_back(tmp_path: Path) -> None:
    done = run_booth("rig", "cameras", "settings", "--apply", "day", "--config", str(config(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("profile 'day' applied to 8 cameras")
    rows = [line.split() for line in done.stdout.splitlines()[2:10]]
    assert all("f/8" in row and "0.0050s" in row for row in rows), done.stdout
    assert done.stdout.splitlines()[-1] == "every camera has the same settings"


def test_a_profile_the_cameras_cannot_take_is_one_line(tmp_path: Path) -> None:
    done = run_booth("rig", "cameras", "settings", "--apply", "impossible", "--config", str(config(tmp_path)))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith("booth: rig fault: settings not taken: cam 00: aperture has no choice 'f/99'")


@pytest.mark.parametrize(
    "args,body,cameras,serials,expected",
    [
        (["settings", "--apply", "dusk"], "", 8, None, "no profile 'dusk' under rig.gphoto2.profiles"),
        (["list"], "", 8, '["A", "B", "C"]', "gphoto2.serials lists 3; list one serial per camera"),
        (["list"], "", 8, '["A", "A", "B", "C", "D", "E", "F", "G"]', "'A' is listed twice"),
        (
            ["test"],
            'profile = "night"\n',
            8,
            None,
            "profile: 'night' is not under profiles (there are: day, impossible)",
        ),
        (["live", "--camera", "8"], "", 8, None, "--camera 8: the rig has cameras 0 to 7"),
    ],
)
def test_bad_set_ups_are_one_line(
    tmp_path: Path, args: list[str], body: str, cameras: int, serials: str | None, expected: str
) -> None:
    cfg = config(tmp_path, cameras=cameras, serials=serials)
    if body:
        cfg.write_text(cfg.read_text().replace("[rig.gphoto2.profiles.day]", body + "[rig.gphoto2.profiles.day]"))
    done = run_booth("rig", "cameras", *args, "--config", str(cfg))
    assert done.returncode == 2
    assert expected in one_line(done.stderr)


def test_too_few_cameras_for_a_clip_is_a_rig_fault(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    for k in range(5):
        shutil.rmtree(camera_folder(tmp_path / "vrig", k))
    done = run_booth("rig", "cameras", "test", "--config", str(cfg))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith(
        "booth: rig fault: 3 of 8 cameras found, fewer than the 4 a clip needs"
    )


def test_test_without_a_trigger_box_fires_over_usb_and_says_so(tmp_path: Path) -> None:
    done = run_booth("rig", "cameras", "test", "--config", str(config(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert "no trigger box" in done.stderr
    assert "8 of 8 frames within 5 s; fired by gphoto2 over USB (sync is loose)" in done.stdout
    assert done.stdout.count(" ok") == 8


def test_a_trigger_box_that_does_not_answer_falls_back_to_usb(tmp_path: Path) -> None:
    cfg = config(tmp_path, body='[rig.trigger]\nport = "/dev/null-box"\n')
    done = run_booth("rig", "cameras", "test", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert "trigger box on /dev/null-box" in done.stderr and "firing the cameras over USB instead" in done.stderr


def test_live_view_the_camera_cannot_give_is_a_named_fault(tmp_path: Path) -> None:
    done = run_booth(
        "rig",
        "cameras",
        "live",
        "--camera",
        "4",
        "--seconds",
        "1",
        "--config",
        str(config(tmp_path)),
        "--out",
        str(tmp_path / "live.jpg"),
    )
    assert done.returncode == 1
    assert "not supported" in one_line(done.stderr) and not (tmp_path / "live.jpg").exists()


def test_shooting_the_camera_rig_needs_its_calibration(tmp_path: Path) -> None:
    done = run_booth("shoot", "--rig", "gphoto2", "--out", str(tmp_path / "clips"), "--config", str(config(tmp_path)))
    assert done.returncode == 2
    assert "booth rig cameras test --keep target/" in one_line(done.stderr)
    assert not (tmp_path / "clips").exists()


def test_a_virtual_rig_is_not_written_over_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "frames").mkdir()
    cv2.imwrite(str(tmp_path / "frames" / "cam_00.jpg"), np.zeros((48, 64, 3), np.uint8))
    (tmp_path / "vrig").mkdir()
    (tmp_path / "vrig" / "keep.txt").write_text("mine")
    done = run_booth("rig", "cameras", "virtual", str(tmp_path / "frames"), "--out", str(tmp_path / "vrig"))
    assert done.returncode == 2 and "already exists and is not empty" in one_line(done.stderr)


def test_list_on_a_usb_bus_with_no_cameras_says_what_to_check(tmp_path: Path) -> None:
    """libgphoto2's real USB autodetect; the machine that runs the tests has no camera plugged in."""
    cfg = tmp_path / "booth.toml"
    cfg.write_text("[rig.gphoto2]\n")
    done = run_booth("rig", "cameras", "list", "--config", str(cfg))
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        "booth: rig fault: no camera found on USB: switch the cameras on, plug them in, and close any desktop photo"
        " program"
    )
