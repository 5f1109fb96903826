"""The main job, as a newcomer runs it: `booth shoot --rig sim` calibrates the rig once and leaves a clip."""

from __future__ import annotations

from pathlib import Path

import av

from tests.conftest import clip_dirs, read_clip_json, run_booth


def test_shoot_on_the_sim_rig(tmp_path: Path) -> None:
    cfg = tmp_path / "booth.toml"
    cfg.write_text(
        '[booth]\nid = "booth-7"\nevent = "launch-party"\ndata_dir = "data"\n[rig.sim]\nwidth = 1200\nheight = 800\n'
    )
    out = tmp_path / "clips"
    first = run_booth("shoot", "--rig", "sim", "--out", str(out), "--cameras", "10", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    assert "calibrated the simulated rig" in first.stdout
    cached = list((tmp_path / "data" / "calibrations").glob("*.json"))
    assert len(cached) == 1
    second = run_booth(
        "shoot", "--rig", "sim", "--out", str(out), "--cameras", "10", "--config", str(cfg), "--profile", "landscape"
    )
    assert second.returncode == 0, second.stderr
    assert "calibrated" not in second.stdout, "the rig's calibration is reused"
    clips = clip_dirs(out)
    assert len(clips) == 2
    metas = [read_clip_json(c) for c in clips]
    assert {(m["width"], m["height"]) for m in metas} == {(1080, 1920), (1920, 1080)}
    for clip, meta in zip(clips, metas, strict=True):
        assert meta["booth_id"] == "booth-7" and meta["event"] == "launch-party"
        assert meta["cameras_used"] == list(range(10)) and meta["cameras_missing"] == []
        assert meta["trigger_skew_us"] == 0.0
        assert (tmp_path / "data" / "shots" / meta["shot_id"] / "cam_09.jpg").exists()
        with av.open(str(clip / "clip.mp4")) as container:
            assert sum(1 for _ in container.decode(video=0)) == meta["frame_count"]
        assert str(clip) in first.stdout + second.stdout


def test_a_changed_rig_is_calibrated_again(tmp_path: Path) -> None:
    """A kept calibration belongs to one exact set-up: new optics or geometry must not reuse it."""
    base = '[booth]\ndata_dir = "data"\n[rig]\ncameras = 8\n[rig.sim]\nwidth = 1200\nheight = 800\n'
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(base)
    second.write_text(base + "vertical_fov_deg = 38.0\ncamera_height_m = 1.6\n")
    for cfg in (first, second):
        result = run_booth("shoot", "--out", str(tmp_path / "clips"), "--config", str(cfg))
        assert result.returncode == 0, result.stderr
        assert "calibrated the simulated rig" in result.stdout
    assert len(list((tmp_path / "data" / "calibrations").glob("*.json"))) == 2
