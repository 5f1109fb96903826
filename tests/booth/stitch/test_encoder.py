"""The H.264 encoder: NVIDIA's where it opens, libx264 otherwise, chosen without a word to the user."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from booth.config import StitchSection, TargetSection
from booth.stitch import encode
from booth.stitch.calibration import calibrate_frames
from booth.stitch.encode import (
    EncodeSettings,
    bgr_to_i420,
    h264_encoder,
    i420_to_bgr,
    is_faststart,
    shrink,
    shrink_i420,
    write_mp4,
)
from booth.stitch.frames import read_folder
from booth.stitch.stitcher import Stitcher
from rig.sim.camera import RigLayout
from rig.sim.look import EVENT
from rig.sim.rig import SimRig


def test_the_encoder_is_chosen_quietly_and_the_clip_is_the_same_h264(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    h264_encoder.cache_clear()
    with caplog.at_level(logging.DEBUG):
        chosen = h264_encoder()
    assert chosen in ("h264_nvenc", "libx264")
    assert capfd.readouterr().err == "" and not caplog.records, "falling back is not news for the user"
    frames = [bgr_to_i420(np.full((320, 192, 3), 40 + 8 * k, np.uint8)) for k in range(12)]
    path = tmp_path / "clip.mp4"
    assert write_mp4(lambda: frames, 12, path, 192, 320, EncodeSettings()) == 12
    assert is_faststart(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.profile == "High"
        assert sum(1 for _ in container.decode(video=0)) == 12


def test_a_small_copy_made_from_yuv_planes_matches_one_made_from_the_full_picture() -> None:
    rng = np.random.default_rng(3)
    image = cv2.GaussianBlur(rng.integers(0, 256, (1920, 1080, 3), dtype=np.uint8), (0, 0), 8.0)
    yuv = bgr_to_i420(image)
    small, reference = shrink_i420(yuv, 360), shrink(i420_to_bgr(yuv), 360)
    assert small.shape == reference.shape == (640, 360, 3)
    assert np.abs(small.astype(int) - reference.astype(int)).mean() < 1.5


def _noise_clip(count: int) -> list[np.ndarray]:
    """The costliest content there is for H.264: every pixel new in every frame."""
    rng = np.random.default_rng(5)
    return [bgr_to_i420(rng.integers(0, 256, (640, 360, 3), dtype=np.uint8)) for _ in range(count)]


@pytest.mark.parametrize("count", [30, 105])
def test_no_clip_exceeds_the_bitrate_cap_as_file_size_over_duration(tmp_path: Path, count: int) -> None:
    frames, path = _noise_clip(count), tmp_path / "clip.mp4"
    assert write_mp4(lambda: frames, count, path, 360, 640, EncodeSettings(max_bitrate_mbps=2.0)) == count
    mbps = path.stat().st_size * 8 / (count / 30) / 1e6
    assert 1.0 < mbps <= 2.0, f"{mbps:.2f} Mbit/s against a 2 Mbit/s cap"


def test_an_encoder_that_overshoots_its_rate_control_is_run_again_lower(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encode, "peak_rate", lambda cap, duration: int(cap * 3))  # an encoder ignoring its peak
    frames, path = _noise_clip(30), tmp_path / "clip.mp4"
    calls: list[int] = []
    real = encode._encode

    def counted(*args: Any) -> int:
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(encode, "_encode", counted)
    write_mp4(lambda: frames, 30, path, 360, 640, EncodeSettings(max_bitrate_mbps=2.0))
    assert len(calls) >= 2 and calls[1] < calls[0]
    assert path.stat().st_size * 8 / 1.0 / 1e6 <= 2.0


def test_the_noisiest_sim_shot_stays_under_the_cap(tmp_path: Path) -> None:
    """An event shot at ISO 1600 from 6 MP frames (photographic backdrop, fine detail, grain), with the cap
    set where it binds: the clip's size over its duration stays under it."""
    layout = RigLayout(cameras=8, width=3000, height=2000)
    folders = {}
    for scene in ("target", "participant"):
        folders[scene] = tmp_path / scene
        folders[scene].mkdir()
        rig = SimRig(layout, seed=17, look=replace(EVENT, iso=1600))
        rig.scene_name = "target" if scene == "target" else "participant"
        rig.render_to(folders[scene])
    calibration, _ = calibrate_frames(read_folder(folders["target"]).frames, TargetSection(), "test")
    settings = StitchSection(max_bitrate_mbps=3.0)
    stitcher = Stitcher(calibration, settings, minimum_cameras=8)
    for frame in read_folder(folders["participant"]).frames:
        stitcher.add(frame)
    clip = stitcher.finish(tmp_path / "out", shot_id="noisy")
    size_bits = (clip.directory / "clip.mp4").stat().st_size * 8
    assert size_bits / clip.metadata["duration_s"] <= 3.0e6
    assert clip.metadata["bitrate_kbps"] > 2000  # the cap binds: a looser encode would have gone over it
