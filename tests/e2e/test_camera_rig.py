"""The hardware path with no hardware: the trigger-box firmware in simavr fires libgphoto2's virtual cameras,
and `booth rig cameras test`, `booth calibrate` and `booth shoot` make a clip from what they deliver."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from booth.calibration_files import calibration_path
from booth.config import load_config
from rig.cameras.virtual import camera_folder, load_frames
from rig.trigger.simbench import SimulatedBox
from tests.conftest import Rendered, clip_dirs, read_clip_json, run_booth


@pytest.fixture
def box(tmp_path: Path) -> Iterator[SimulatedBox]:
    with SimulatedBox(tmp_path / "edges.csv") as simulated:
        yield simulated


def frames_of(shot: Rendered) -> list[tuple[int, bytes]]:
    return [(int(p.stem[4:]), p.read_bytes()) for p in sorted(shot.folder.glob("cam_*.jpg"))]


def test_the_trigger_box_fires_the_cameras_and_the_booth_makes_a_clip(
    tmp_path: Path, box: SimulatedBox, small_target: Rendered, small_participant: Rendered
) -> None:
    made = run_booth("rig", "cameras", "virtual", str(small_target.folder), "--out", str(tmp_path / "vrig"))
    assert made.returncode == 0, made.stderr
    serials = made.stdout.split("serials = ")[1].strip()
    cfg = tmp_path / "booth.toml"
    cfg.write_text(
        f'[booth]\ndata_dir = "data"\n[rig]\nkind = "gphoto2"\ncameras = 12\n[rig.trigger]\nport = "{box.pty}"\n'
        f'[rig.gphoto2]\nvirtual_dir = "vrig"\nvirtual_edges = "edges.csv"\nserials = {serials}\n'
        'profile = "event"\n[rig.gphoto2.profiles.event]\naperture = "f/8"\nshutter = "0.0050s"\n'
    )

    test = run_booth("rig", "cameras", "test", "--config", str(cfg), "--keep", str(tmp_path / "target"))
    assert test.returncode == 0, test.stderr
    assert "12 of 12 frames within 5 s; fired by the trigger box" in test.stdout
    assert "no trigger box" not in test.stderr
    assert test.stdout.count("1/250 s f/8 ISO 400") == 12, "each frame's EXIF exposure is read"
    for k, data in frames_of(small_target):
        kept = (tmp_path / "target" / f"cam_{k:02d}.jpg").read_bytes()
        assert kept == data, f"camera {k}'s frame came through libgphoto2 whole and at its place on the arc"

    cal = run_booth("calibrate", str(tmp_path / "target"), "--out", str(tmp_path / "cal.json"), "--config", str(cfg))
    assert cal.returncode == 0, cal.stderr

    load_frames(frames_of(small_participant), tmp_path / "vrig")  # the participant steps onto the mark
    shutil.move(camera_folder(tmp_path / "vrig", 4), tmp_path / "unplugged")  # and one camera has dropped off
    shot = run_booth(
        "shoot", "--calibration", str(tmp_path / "cal.json"), "--out", str(tmp_path / "clips"), "--config", str(cfg)
    )
    assert shot.returncode == 0, shot.stderr
    assert "cam 04 (serial VC0004) was not found" in shot.stderr
    (clip,) = clip_dirs(tmp_path / "clips")
    meta = read_clip_json(clip)
    assert [m["index"] for m in meta["cameras_missing"]] == [4]
    assert len(meta["cameras_used"]) == 11
    assert meta["trigger_skew_us"] <= 1.0, "fired by the box, whose edges are within a microsecond"
    (shot_dir,) = (tmp_path / "data" / "shots").iterdir()
    assert len(list(shot_dir.glob("cam_*.jpg"))) == 11

    # a calibration made on the kiosk's staff panel is kept under data_dir for the rig: the command line finds it
    config = load_config(cfg)
    panel_file = calibration_path(config, config.rig.id)
    panel_file.parent.mkdir(parents=True)
    shutil.copy(tmp_path / "cal.json", panel_file)
    again = run_booth("shoot", "--out", str(tmp_path / "clips"), "--config", str(cfg))
    assert again.returncode == 0, again.stderr
    assert len(clip_dirs(tmp_path / "clips")) == 2
