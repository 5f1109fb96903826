"""A failed camera makes a shorter clip, named in clip.json, not a failed shot."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from booth.config import BoothConfig
from booth.shoot import Rig, calibrate_rig, shoot
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig
from tests.conftest import Rendered, clip_dirs, read_clip_json, run_booth, run_stitch


def stitch(frames: Path, calibration: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    r = run_stitch(frames, calibration, out, *extra)
    return r.returncode, r.stdout, r.stderr


def test_truncated_frame_in_a_24_camera_shot_gives_a_23_camera_clip(
    full_target: Rendered, full_participant: Rendered, tmp_path: Path
) -> None:
    cal = tmp_path / "calibration.json"
    assert run_booth("calibrate", str(full_target.folder), "--out", str(cal)).returncode == 0
    frames = full_participant.copy_to(tmp_path / "frames")
    victim = frames / "cam_09.jpg"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # a download cut off half way
    code, _, err = stitch(frames, cal, tmp_path / "out")
    assert code == 0, err
    assert "cam_09.jpg" in err and "truncated" in err, "the warning names the file"
    (clip,) = clip_dirs(tmp_path / "out")
    meta = read_clip_json(clip)
    assert len(meta["cameras_used"]) == 23
    assert 9 not in meta["cameras_used"]
    assert [m["index"] for m in meta["cameras_missing"]] == [9]
    assert meta["cameras_missing"][0]["file"] == "cam_09.jpg"
    assert "truncated" in meta["cameras_missing"][0]["reason"]
    with av.open(str(clip / "clip.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == meta["frame_count"]


@pytest.mark.parametrize(
    "damage,reason",
    [
        ("delete", "no frame arrived"),
        ("garbage", "not a JPEG"),
        ("empty", "not a JPEG"),
    ],
)
def test_missing_or_unreadable_frames_are_left_out_and_named(
    small_participant: Rendered, small_calibration: Path, tmp_path: Path, damage: str, reason: str
) -> None:
    frames = small_participant.copy_to(tmp_path / "frames")
    victim = frames / "cam_04.jpg"
    if damage == "delete":
        victim.unlink()
    elif damage == "garbage":
        victim.write_bytes(b"this is not a picture" * 100)
    else:
        victim.write_bytes(b"")
    code, _, err = stitch(frames, small_calibration, tmp_path / "out")
    assert code == 0, err
    assert "cam_04.jpg" in err
    (clip,) = clip_dirs(tmp_path / "out")
    missing = read_clip_json(clip)["cameras_missing"]
    assert [(m["index"], m["file"]) for m in missing] == [(4, "cam_04.jpg")]
    assert reason in missing[0]["reason"]


def test_too_few_usable_frames_fails_and_writes_nothing(
    small_participant: Rendered, small_calibration: Path, tmp_path: Path
) -> None:
    frames = small_participant.copy_to(tmp_path / "frames")
    for k in range(7):  # 5 of 12 remain; the default minimum is half the rig, 6
        path = frames / f"cam_{k:02d}.jpg"
        path.write_bytes(path.read_bytes()[:5000])
    out = tmp_path / "out"
    code, _, err = stitch(frames, small_calibration, out)
    assert code != 0
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "only 5 of 12 cameras" in lines[0]
    assert "Traceback" not in err
    assert not out.exists(), "a failed stitch leaves no folder behind"


def test_minimum_comes_from_booth_toml(small_participant: Rendered, small_calibration: Path, tmp_path: Path) -> None:
    frames = small_participant.copy_to(tmp_path / "frames")
    for k in range(3):
        (frames / f"cam_{k:02d}.jpg").unlink()
    cfg = tmp_path / "booth.toml"
    cfg.write_text("[rig]\ncameras = 12\nmin_cameras = 10\n")
    code, _, err = stitch(frames, small_calibration, tmp_path / "out", "--config", str(cfg))
    assert code != 0 and "only 9 of 12 cameras gave a usable frame, 10 are needed" in err


def test_a_camera_that_never_delivers_during_a_live_shot(tmp_path: Path) -> None:
    """On the rig itself: camera 3 stays silent, camera 5 sends a broken file; the shot still makes a clip."""
    layout = RigLayout(cameras=10, width=1200, height=800)
    sim = SimRig(layout, seed=3)
    sim.scene_name = "target"

    config = BoothConfig.model_validate({"rig": {"cameras": 10}, "booth": {"data_dir": str(tmp_path / "data")}})
    rig = Rig(sim.rig_id, sim.trigger, sim.array, config.rig.collect_timeout_s)
    calibration, _ = calibrate_rig(rig, config)
    faulty = SimRig(layout, seed=3, faults={3: "missing", 5: "truncated"})
    clip = shoot(
        Rig(faulty.rig_id, faulty.trigger, faulty.array, collect_timeout_s=20.0),
        calibration,
        config,
        tmp_path / "clips",
    )
    missing = {m["index"]: m["reason"] for m in clip.metadata["cameras_missing"]}
    assert set(missing) == {3, 5}
    assert "no frame arrived" in missing[3] and "truncated" in missing[5]
    assert len(clip.metadata["cameras_used"]) == 8
    kept = list((tmp_path / "data" / "shots").iterdir())
    assert len(kept) == 1 and len(list(kept[0].glob("cam_*.jpg"))) == 9, "the frames that arrived are kept"
