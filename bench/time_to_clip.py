"""Time to clip: 24 sim-rendered 6000x4000 JPEGs on disk to clip.mp4 written, beside a naive pipeline and a floor.

Run: .venv/bin/python bench/time_to_clip.py [--runs 3] [--size 6000x4000] [--cameras 24]
Frames are rendered once into bench/.cache/ and reused."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from booth.config import StitchSection, TargetSection
from booth.stitch.align import frame_warp, plan_output
from booth.stitch.calibration import Calibration, calibrate_frames
from booth.stitch.colour import gain_lut
from booth.stitch.encode import EncodeSettings, bgr_to_i420, write_mp4
from booth.stitch.frames import decode, read_folder
from booth.stitch.stitcher import Stitcher
from booth.stitch.timeline import boomerang
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig

CACHE = Path(__file__).resolve().parent / ".cache"


def rendered(
    scene: str, cameras: int, size: tuple[int, int], between: int = 1, span: float = 180.0
) -> tuple[Path, float | None]:
    """A sim shot rendered once into the cache; with between > 1, the cameras in between too (see SimRig)."""
    dense = ("" if between == 1 else f"-between{between}") + ("" if span == 180.0 else f"-span{span:.1f}")
    folder = CACHE / f"{scene}-{cameras}{dense}-{size[0]}x{size[1]}-q92"
    if (folder / "ground_truth.json").exists():
        return folder, None
    folder.mkdir(parents=True, exist_ok=True)
    layout = RigLayout(cameras=cameras, width=size[0], height=size[1], span_deg=span)
    rig = SimRig(layout, seed=1, jpeg_quality=92, between=between)
    rig.scene_name = "target" if scene == "target" else "participant"
    t0 = time.perf_counter()
    rig.render_to(folder)
    return folder, time.perf_counter() - t0


def booth_pipeline(frames_dir: Path, calibration: Calibration, out: Path) -> dict[str, float]:
    """The booth's stitcher, from files on disk: read, add as if arriving, finish."""
    t0 = time.perf_counter()
    stitcher = Stitcher(calibration, StitchSection(), minimum_cameras=12)
    for frame in read_folder(frames_dir).frames:
        stitcher.add(frame)
    clip = stitcher.finish(out, shot_id="bench")
    timings = dict(clip.metadata["timings_ms"])
    timings["wall"] = (time.perf_counter() - t0) * 1e3
    return timings


def naive_pipeline(frames_dir: Path, calibration: Calibration, out: Path) -> dict[str, float]:
    """The same clip made the obvious way: full-size decode, one frame at a time, RGB handed to the encoder."""
    t0 = time.perf_counter()
    s = StitchSection()
    geometry = plan_output(calibration, s.profile)
    views: list[np.ndarray] = []
    for frame in read_folder(frames_dir).frames:
        cam = calibration.camera(frame.camera_index)
        image = decode(frame.data, 1)
        assert image is not None
        aligned = cv2.warpAffine(image, frame_warp(cam, geometry, 1), (geometry.width, geometry.height))
        views.append(cv2.LUT(aligned, gain_lut(cam.gains_bgr)))
    timeline = boomerang(len(views), s.fps, s.orbit_s, s.hold_s, s.min_duration_s)
    with av.open(str(out / "naive.mp4"), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=s.fps)
        stream.width, stream.height, stream.pix_fmt = geometry.width, geometry.height, "yuv420p"
        stream.options = {"crf": str(s.crf), "preset": s.preset}
        for p in timeline.positions:
            video_frame = av.VideoFrame.from_ndarray(views[round(p)], format="bgr24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return {"wall": (time.perf_counter() - t0) * 1e3}


def floor_pipeline(frames_dir: Path, calibration: Calibration, out: Path) -> dict[str, float]:
    """A floor: only decode the frames at the needed scale and encode as many output frames with the same
    encoder settings; no alignment, colour, preview or poster."""
    t0 = time.perf_counter()
    s = StitchSection()
    geometry = plan_output(calibration, s.profile)
    r = geometry.reduction()
    with ThreadPoolExecutor() as pool:
        decoded = [im for im in pool.map(lambda f: decode(f.data, r), read_folder(frames_dir).frames) if im is not None]
    views = [
        bgr_to_i420(cv2.resize(im[: geometry.height, : geometry.width], (geometry.width, geometry.height)))
        for im in decoded
    ]
    timeline = boomerang(len(views), s.fps, s.orbit_s, s.hold_s, s.min_duration_s)
    write_mp4(
        (views[round(p)] for p in timeline.positions),
        out / "floor.mp4",
        geometry.width,
        geometry.height,
        EncodeSettings(s.fps, s.crf, s.preset, s.max_bitrate_mbps),
    )
    return {"wall": (time.perf_counter() - t0) * 1e3}


def drift(calibration: Calibration, truth: dict[str, Any]) -> dict[str, float]:
    """Pivot drift: RMS distance (output px) of each true axis point from its mean place across the clip."""
    geometry = plan_output(calibration, "vertical")
    result = {}
    for point in ("top", "bottom", "floor"):
        placed = np.array(
            [
                frame_warp(calibration.camera(c["index"]), geometry, 1) @ np.array([*c["axis"][point], 1.0])
                for c in truth["cameras"]
            ]
        )
        result[point] = float(np.sqrt(np.mean(np.sum((placed - placed.mean(axis=0)) ** 2, axis=1))))
    return result


def median_of(runs: int, fn: Callable[[], dict[str, float]]) -> tuple[float, list[dict[str, float]]]:
    results = [fn() for _ in range(runs)]
    return statistics.median(r["wall"] for r in results), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--size", default="6000x4000")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    assert len(size) == 2
    target_dir, t_target = rendered("target", args.cameras, (size[0], size[1]))
    frames_dir, t_frames = rendered("participant", args.cameras, (size[0], size[1]))
    for name, t in (("target", t_target), ("participant", t_frames)):
        if t is not None:
            print(f"sim render ({name}): {args.cameras} frames at {args.size} in {t:.1f} s")
    calibration, _ = calibrate_frames(read_folder(target_dir).frames, TargetSection(), "bench")
    truth = json.loads((frames_dir / "ground_truth.json").read_text())
    mb = sum(p.stat().st_size for p in frames_dir.glob("cam_*.jpg")) / 1e6
    print(f"input: {args.cameras} JPEGs, {args.size}, quality 92, {mb:.0f} MB on disk; output vertical 1080x1920")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        booth_median, booth_runs = median_of(args.runs, lambda: booth_pipeline(frames_dir, calibration, out))
        naive_median, _ = median_of(args.runs, lambda: naive_pipeline(frames_dir, calibration, out))
        floor_median, _ = median_of(args.runs, lambda: floor_pipeline(frames_dir, calibration, out))

    walls = ", ".join(f"{r['wall'] / 1000:.2f}" for r in booth_runs)
    print(f"\nbooth pipeline, runs (s): {walls}")
    stages = ["decode", "align", "colour", "frames_wall", "encode", "poster", "preview", "preview_wait", "total"]
    print("stage medians (ms; decode/align/colour are summed over frames, the rest wall time):")
    for stage in stages:
        print(f"  {stage:13s} {statistics.median(r[stage] for r in booth_runs):8.0f}")
    print(f"\n{'pipeline':28s} {'median s':>9s} {'ratio to booth':>15s}")
    for name, value in (
        ("booth (this)", booth_median),
        ("naive (full decode, serial)", naive_median),
        ("floor (decode + encode)", floor_median),
    ):
        print(f"{name:28s} {value / 1000:9.2f} {value / booth_median:15.2f}")
    print(f"target: booth under 8 s -> {'met' if booth_median < 8000 else 'NOT met'}")
    d = drift(calibration, truth)
    print(
        f"\npivot drift over the clip (px RMS, 1080x1920): top {d['top']:.2f}, bottom {d['bottom']:.2f}, "
        f"floor point {d['floor']:.2f}"
    )


if __name__ == "__main__":
    main()
