"""The usual do-it-yourself bullet-time pipeline (ffmpeg + libvidstab), its timing and its pivot drift."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

POINTS = {"top": 2, "bottom": 1, "floor": 0}  # axis point -> BGR channel of its marker disc (red, green, blue)
TRANSFORM = "vidstabtransform=input=transforms.trf:zoom=0:optzoom=1:interpol=bilinear:crop=black"


def _ffmpeg(args: list[str], cwd: Path, stdout: int | None = None) -> tuple[float, bytes]:
    """Run ffmpeg in cwd; milliseconds taken and stdout. RuntimeError with stderr's tail on failure."""
    t0 = time.perf_counter()
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-y", "-loglevel", "error", "-nostdin", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return (time.perf_counter() - t0) * 1e3, done.stdout or b""


def _sequence(folder: Path, ext: str, rate: str = "25") -> list[str]:
    return ["-framerate", rate, "-start_number", "0", "-i", str(folder.resolve() / f"cam_%02d.{ext}")]


def _detect(frames_dir: Path, cwd: Path) -> float:
    """Pass 1: motion between consecutive frames into cwd/transforms.trf; milliseconds taken."""
    graph = "vidstabdetect=shakiness=10:accuracy=15:result=transforms.trf"
    return _ffmpeg([*_sequence(frames_dir, "jpg"), "-vf", graph, "-f", "null", "-"], cwd)[0]


def _reframe(width: int, height: int) -> str:
    return f"crop=ih*{width}/{height}:ih,scale={width}:{height}"


def vidstab_pipeline(
    frames_dir: Path,
    out: Path,
    *,
    fps: int,
    orbit_s: float,
    hold_s: float,
    crf: int,
    preset: str,
    max_bitrate_mbps: float,
    width: int = 1080,
    height: int = 1920,
    keep_trf: Path | None = None,
) -> dict[str, float]:
    """Detect, transform, crop to the output aspect, boomerang (sweep, hold, sweep back) and encode vidstab.mp4.
    keep_trf: where to copy the motion found (for vidstab_drift)."""
    n = len(list(frames_dir.glob("cam_*.jpg")))
    clip = (out / "vidstab.mp4").resolve()
    graph = (
        f"[0:v]{TRANSFORM},{_reframe(width, height)},fps={fps},split[a][b];"
        f"[a]tpad=stop_mode=clone:stop_duration={hold_s}[held];[b]reverse[back];"
        "[held][back]concat=n=2:v=1:a=0,format=yuv420p[v]"
    )
    rate = f"{max_bitrate_mbps}M"
    encode = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf), "-preset", preset, "-threads", "0"]
    encode += ["-maxrate", rate, "-bufsize", f"{2 * max_bitrate_mbps}M", "-movflags", "+faststart", str(clip)]
    with tempfile.TemporaryDirectory() as tmp:
        detect = _detect(frames_dir, Path(tmp))
        sequence = _sequence(frames_dir, "jpg", f"{n / orbit_s:g}")
        transform = _ffmpeg([*sequence, "-filter_complex", graph, "-map", "[v]", *encode], Path(tmp))[0]
        if keep_trf is not None:
            keep_trf.write_bytes((Path(tmp) / "transforms.trf").read_bytes())
    with av.open(str(clip)) as container:
        frames = sum(1 for _ in container.decode(video=0))
        duration_s = (container.duration or 0) / 1e6
    return {
        "wall": detect + transform,
        "detect": detect,
        "transform": transform,
        "frames": float(frames),
        "mbps": clip.stat().st_size * 8 / duration_s / 1e6 if duration_s else 0.0,
    }


def _markers(cameras: list[dict[str, Any]], size: tuple[int, int], work: Path, radius: int = 40) -> None:
    """Black frames with a filled disc at each true axis point: top red, bottom green, floor blue."""
    for k, camera in enumerate(cameras):
        image = np.zeros((size[1], size[0], 3), np.uint8)
        for point, channel in POINTS.items():
            colour = tuple(255 if c == channel else 0 for c in range(3))
            centre = tuple(round(v * 16) for v in camera["axis"][point])  # 4 fractional bits
            cv2.circle(image, centre, radius * 16, colour, -1, cv2.LINE_AA, shift=4)
        cv2.imwrite(str(work / f"cam_{k:02d}.png"), image)


def _transformed(work: Path, width: int, height: int) -> np.ndarray:
    """Pass 2 (transform, crop, scale) of work/transforms.trf over work's marker frames, as BGR frames."""
    graph = f"format=yuv444p,{TRANSFORM},{_reframe(width, height)}"
    args = [*_sequence(work, "png"), "-vf", graph, "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:"]
    raw = _ffmpeg(args, work, subprocess.PIPE)[1]
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def _centroids(frames: np.ndarray, channel: int, threshold: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Per frame, the intensity-weighted centroid (x, y) of a disc's channel above the background, and its mass."""
    others = [c for c in range(3) if c != channel]
    weight = np.clip(frames[..., channel].astype(np.float64) - threshold, 0, None)
    weight[frames[..., others].max(axis=-1) > threshold] = 0  # only the disc's own pure colour
    mass = weight.sum(axis=(1, 2))
    ys, xs = np.indices(frames.shape[1:3])
    safe = np.where(mass > 0, mass, 1.0)
    centre = np.stack([(weight * xs).sum(axis=(1, 2)) / safe, (weight * ys).sum(axis=(1, 2)) / safe], axis=1)
    return centre, mass


def vidstab_drift(
    frames_dir: Path, work: Path, *, trf: Path | None = None, width: int = 1080, height: int = 1920
) -> dict[str, float]:
    """Pivot drift of the vidstab pipeline: RMS distance (output px) of each true axis point from its mean place,
    found by running vidstab's transforms (from the real frames, or trf) over marker frames. A disc that is cut
    off (under 90% of its largest mass) is skipped; "lost" counts those."""
    truth = json.loads((frames_dir / "ground_truth.json").read_text())
    _markers(truth["cameras"], (truth["rig"]["width"], truth["rig"]["height"]), work)
    if trf is None:
        _detect(frames_dir, work)
    else:
        (work / "transforms.trf").write_bytes(trf.read_bytes())
    frames = _transformed(work, width, height)
    result: dict[str, float] = {"lost": 0.0}
    for point, channel in POINTS.items():
        centre, mass = _centroids(frames, channel)
        kept = centre[mass >= 0.9 * mass.max()]
        result["lost"] += len(centre) - len(kept)
        result[point] = float(np.sqrt(np.mean(np.sum((kept - kept.mean(axis=0)) ** 2, axis=1))))
    return result


def _identity_check(frames_dir: Path, cameras: int = 3, width: int = 1080, height: int = 1920) -> float:
    """With a trf of no motion the discs must land where crop + scale alone put them: the largest error (px)."""
    truth = json.loads((frames_dir / "ground_truth.json").read_text())
    size = (truth["rig"]["width"], truth["rig"]["height"])
    scale, left = height / size[1], (size[0] - size[1] * width / height) / 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _markers(truth["cameras"][:cameras], size, work)
        still = "".join(f"Frame {k} (List 0 [])\n" for k in range(1, cameras + 1))
        (work / "transforms.trf").write_text("VID.STAB 1\n" + still)
        frames = _transformed(work, width, height)
    error = 0.0
    for point, channel in POINTS.items():
        found = _centroids(frames, channel)[0]
        axis = np.array([c["axis"][point] for c in truth["cameras"][:cameras]])
        expected = (axis - [left, 0.0] + 0.5) * scale - 0.5
        error = max(error, float(np.abs(found - expected).max()))
    return error
