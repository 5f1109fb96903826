"""The clip a participant gets: H.264 MP4 that phones stream at once, a poster, a small preview, honest clip.json."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from booth.config import StitchSection
from booth.stitch.stitcher import orbit_timeline
from tests.conftest import Rendered, clip_dirs, imread, read_clip_json, run_stitch

REQUIRED_FIELDS = {
    "clip_id",
    "shot_id",
    "created_at",
    "profile",
    "width",
    "height",
    "fps",
    "duration_s",
    "frame_count",
    "cameras_used",
    "cameras_missing",
    "calibration_id",
    "sha256",
    "timings_ms",
}


def atoms(path: Path) -> list[str]:
    """Top-level MP4 boxes, read independently of the code under test."""
    data = path.read_bytes()
    pos, found = 0, []
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        found.append(data[pos + 4 : pos + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if size < 8:
            break
        pos += size
    return found


@pytest.fixture(scope="module")
def vertical_clip(
    small_participant: Rendered, small_calibration: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("clip")
    result = run_stitch(small_participant.folder, small_calibration, out)
    assert result.returncode == 0, result.stderr
    assert "from 12 cameras" in result.stdout
    (clip,) = clip_dirs(out)
    return clip


# At the defaults (30 fps, 1.25 s orbits, 0.5 s hold): 8 frames of rest, 38 forward, 15 held, 38 back, 7 rest.
DEFAULT_FRAMES = 8 + 38 + 15 + 38 + 7


def test_clip_decodes_as_h264_yuv420p_with_the_promised_frames(vertical_clip: Path) -> None:
    meta = read_clip_json(vertical_clip)
    with av.open(str(vertical_clip / "clip.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(container.decode(video=0))
    assert len(frames) == meta["frame_count"] == DEFAULT_FRAMES
    assert {(f.width, f.height) for f in frames} == {(1080, 1920)}
    assert {f.format.name for f in frames} == {"yuv420p"}
    assert meta["fps"] == 30
    assert meta["duration_s"] >= 3.0
    assert abs(meta["duration_s"] - len(frames) / 30) < 1e-3


def test_moov_comes_before_mdat(vertical_clip: Path) -> None:
    boxes = atoms(vertical_clip / "clip.mp4")
    assert boxes.index("moov") < boxes.index("mdat"), boxes


def test_clip_json_is_complete_and_true(vertical_clip: Path) -> None:
    meta = read_clip_json(vertical_clip)
    assert set(meta) >= REQUIRED_FIELDS
    assert meta["clip_id"] == vertical_clip.name
    assert meta["sha256"] == hashlib.sha256((vertical_clip / "clip.mp4").read_bytes()).hexdigest()
    assert meta["created_at"].endswith("Z")
    assert meta["cameras_used"] == list(range(12))
    assert meta["cameras_missing"] == []
    assert (meta["profile"], meta["width"], meta["height"]) == ("vertical", 1080, 1920)
    assert meta["timings_ms"]["total"] > 0
    assert meta["bitrate_kbps"] <= 12_000  # the cap, file size over duration


def test_poster_and_preview(vertical_clip: Path) -> None:
    poster = imread(vertical_clip / "poster.jpg")
    assert poster.shape == (1920, 1080, 3)
    # the poster is the front camera's view: the clip frame that shows camera 6 of 12 (with one view
    # synthesised in each gap, orbit view 12 of 23)
    timeline = orbit_timeline(12, 2, StitchSection())
    k = next(i for i, p in enumerate(timeline.positions) if round(p) == 12)
    with av.open(str(vertical_clip / "clip.mp4")) as container:
        frame = next(f for i, f in enumerate(container.decode(video=0)) if i == k)
    shown = cv2.cvtColor(frame.to_ndarray(format="rgb24"), cv2.COLOR_RGB2BGR)
    assert np.abs(poster.astype(int) - shown.astype(int)).mean() < 4.0
    preview = vertical_clip / "preview.webp"
    assert preview.stat().st_size < 3 * 1024 * 1024
    with Image.open(preview) as im:
        assert im.format == "WEBP"
        assert getattr(im, "n_frames", 1) > 10
        assert im.width == 360


def test_the_orbit_goes_out_and_back(vertical_clip: Path) -> None:
    """Boomerang: the clip ends where it starts, and its middle is the far end of the arc."""
    with av.open(str(vertical_clip / "clip.mp4")) as container:
        frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    first, middle, last = (frames[i].astype(np.float32) for i in (0, len(frames) // 2, -1))
    assert np.abs(first - last).mean() < 2.0
    assert np.abs(first - middle).mean() > 5.0


def test_overlay_and_end_card(
    small_participant: Rendered, small_calibration: Path, vertical_clip: Path, tmp_path: Path
) -> None:
    overlay = np.zeros((1920, 1080, 4), np.uint8)
    overlay[1700:1850, 140:940] = (0, 0, 255, 255)  # an opaque red band, a sponsor's banner
    overlay[1500:1600, 140:940] = (0, 0, 255, 128)  # a half-transparent one
    cv2.imwrite(str(tmp_path / "overlay.png"), overlay)
    card = np.full((600, 600, 3), (255, 128, 0), np.uint8)
    cv2.imwrite(str(tmp_path / "card.png"), card)
    cfg = tmp_path / "booth.toml"
    cfg.write_text('[stitch]\nend_card = "card.png"\nend_card_s = 1.0\nprofile = "square"\n')
    out = tmp_path / "out"
    result = run_stitch(
        small_participant.folder,
        small_calibration,
        out,
        "--overlay",
        str(tmp_path / "overlay.png"),
        "--config",
        str(cfg),
        "--profile",
        "vertical",
    )
    assert result.returncode == 0, result.stderr
    (clip,) = clip_dirs(out)
    meta = read_clip_json(clip)
    with av.open(str(clip / "clip.mp4")) as container:
        frames = [cv2.cvtColor(f.to_ndarray(format="rgb24"), cv2.COLOR_RGB2BGR) for f in container.decode(video=0)]
    assert len(frames) == meta["frame_count"] == DEFAULT_FRAMES + 30  # plus a 1 s end card
    band = frames[10][1720:1830, 200:880].reshape(-1, 3).mean(axis=0)
    assert band[2] > 200 and band[0] < 50 and band[1] < 50, band
    # the half-transparent band is blended once, over the same frame of the clip made without an overlay
    with av.open(str(vertical_clip / "clip.mp4")) as container:
        plain = next(f for i, f in enumerate(container.decode(video=0)) if i == 10)
    under = cv2.cvtColor(plain.to_ndarray(format="rgb24"), cv2.COLOR_RGB2BGR)[1510:1590, 200:880].astype(float)
    expected = (under * (1 - 128 / 255) + np.array([0.0, 0.0, 255.0]) * 128 / 255).reshape(-1, 3).mean(axis=0)
    half = frames[10][1510:1590, 200:880].reshape(-1, 3).mean(axis=0)
    assert np.abs(half - expected).max() < 6, (half, expected)
    tail = frames[-1][900:1020, 480:600].reshape(-1, 3).mean(axis=0)
    assert np.abs(tail - (255, 128, 0)).max() < 12, tail
    assert meta["profile"] == "vertical", "the command line wins over booth.toml"
