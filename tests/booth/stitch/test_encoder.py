"""The H.264 encoder: NVIDIA's where it opens, libx264 otherwise, chosen without a word to the user."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

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
    assert write_mp4(frames, path, 192, 320, EncodeSettings()) == 12
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
