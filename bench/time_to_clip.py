"""Time to clip, side by side: the booth, the usual ffmpeg + vidstab pipeline, and a decode-and-encode floor.

On the same 24 sim-rendered frames (6000x4000, JPEG quality 92) on disk:
  (a) the booth: frames read and handed to the Stitcher one by one as if arriving, vertical 1080x1920, flow
      interpolation x2, boomerang, with poster and animated preview;
  (b) the usual do-it-yourself pipeline: ffmpeg's vidstabdetect and vidstabtransform over the frame sequence,
      crop, scale, the same boomerang, libx264 (bench/vidstab_baseline.py);
  (c) a floor: only decoding the frames at the needed scale and encoding as many output frames with the same
      encoder and settings as (a).
Prints the median of the runs of each, the ratios, the clips' bitrates and the pivot drift (px RMS, against the
sim's ground truth) of (a) and (b). With --memory, the booth's peak memory on 48 cameras at 6000x4000 too,
measured in a child process that only stitches.

Run: .venv/bin/python bench/time_to_clip.py [--runs 3] [--baseline-runs 3] [--memory]
Frames are rendered once into bench/.cache/ and reused."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.config import StitchSection, TargetSection
from booth.stitch.align import frame_warp, plan_output
from booth.stitch.calibration import Calibration, calibrate_frames
from booth.stitch.encode import EncodeSettings, bgr_to_i420, h264_encoder, write_mp4
from booth.stitch.frames import decode, list_frame_files, read_folder, read_frame
from booth.stitch.stitcher import Stitcher, orbit_timeline
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vidstab_baseline import vidstab_drift, vidstab_pipeline

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
    """The booth's stitcher fed from disk one frame at a time, as if each had just been downloaded."""
    t0 = time.perf_counter()
    stitcher = Stitcher(calibration, StitchSection(), minimum_cameras=12)
    for index, path in enumerate(list_frame_files(frames_dir)):
        stitcher.add(read_frame(path, index))
    clip = stitcher.finish(out, shot_id="bench")
    timings = dict(clip.metadata["timings_ms"])
    timings["wall"] = (time.perf_counter() - t0) * 1e3
    timings["mbps"] = clip.metadata["bitrate_kbps"] / 1000
    return timings


def floor_pipeline(frames_dir: Path, calibration: Calibration, out: Path) -> dict[str, float]:
    """Only read and decode the frames at the needed scale (both cores) and encode as many output frames as the
    booth's clip has, with the same encoder and settings; no alignment, colour, interpolation, preview or poster."""
    t0 = time.perf_counter()
    s = StitchSection()
    geometry = plan_output(calibration, s.profile)
    r = geometry.reduction()

    def view(item: tuple[int, Path]) -> np.ndarray:
        image = decode(read_frame(item[1], item[0]).data, r)
        assert image is not None
        crop = image[: geometry.height, : geometry.width]
        return bgr_to_i420(cv2.resize(crop, (geometry.width, geometry.height)))

    with ThreadPoolExecutor() as pool:
        views = list(pool.map(view, enumerate(list_frame_files(frames_dir))))
    timeline = orbit_timeline(len(views), 1, s)
    written = write_mp4(
        lambda: (views[round(p)] for p in timeline.positions),
        len(timeline.positions),
        out / "floor.mp4",
        geometry.width,
        geometry.height,
        EncodeSettings(s.fps, s.crf, s.preset, s.max_bitrate_mbps),
    )
    mbps = (out / "floor.mp4").stat().st_size * 8 / (written / s.fps) / 1e6
    return {"wall": (time.perf_counter() - t0) * 1e3, "mbps": mbps}


def diy_pipeline(frames_dir: Path, out: Path, keep_trf: Path | None = None) -> dict[str, float]:
    s = StitchSection()
    return vidstab_pipeline(
        frames_dir,
        out,
        fps=s.fps,
        orbit_s=s.orbit_s,
        hold_s=s.hold_s,
        crf=s.crf,
        preset=s.preset,
        max_bitrate_mbps=s.max_bitrate_mbps,
        keep_trf=keep_trf,
    )


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


def memory_child(frames_dir: Path, calibration_path: Path) -> None:
    """Run in a child process: stitch once and print the process's peak resident memory (MB) as JSON."""
    calibration = Calibration.load(calibration_path)
    with tempfile.TemporaryDirectory() as tmp:
        timings = booth_pipeline(frames_dir, calibration, Path(tmp))
    print(json.dumps({"peak_mb": peak_resident_mb(), "wall": timings["wall"]}))


def peak_resident_mb() -> float:
    """This process's peak resident memory since it started (VmHWM). Not getrusage's ru_maxrss: Linux carries
    that over from the parent through fork and exec, so a child of a big parent reports the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status: peak memory is measured on Linux only")


def peak_memory(cameras: int, size: tuple[int, int]) -> dict[str, float]:
    target_dir, _ = rendered("target", cameras, size)
    frames_dir, _ = rendered("participant", cameras, size)
    calibration, _ = calibrate_frames(read_folder(target_dir).frames, TargetSection(), "bench")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calibration.json"
        calibration.save(path)
        child = [sys.executable, __file__, "--memory-child", str(frames_dir), str(path)]
        done = subprocess.run(child, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=3, help="runs of (b), minutes each at 6000x4000")
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--size", default="6000x4000")
    parser.add_argument("--memory", action="store_true", help="also peak memory at 48 cameras")
    parser.add_argument("--memory-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    w, h = (int(v) for v in args.size.split("x"))
    target_dir, t_target = rendered("target", args.cameras, (w, h))
    frames_dir, t_frames = rendered("participant", args.cameras, (w, h))
    for name, t in (("target", t_target), ("participant", t_frames)):
        if t is not None:
            print(f"sim render ({name}): {args.cameras} frames at {args.size} in {t:.1f} s")
    calibration, _ = calibrate_frames(read_folder(target_dir).frames, TargetSection(), "bench")
    truth = json.loads((frames_dir / "ground_truth.json").read_text())
    mb = sum(p.stat().st_size for p in frames_dir.glob("cam_*.jpg")) / 1e6
    s = StitchSection()
    print(
        f"input: {args.cameras} JPEGs, {args.size}, quality 92, {mb:.0f} MB on disk; output vertical 1080x1920, "
        f"{h264_encoder()} {s.preset} CRF {s.crf}, cap {s.max_bitrate_mbps:g} Mbit/s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        a, a_runs = median_of(args.runs, lambda: booth_pipeline(frames_dir, calibration, out))
        c, c_runs = median_of(args.runs, lambda: floor_pipeline(frames_dir, calibration, out))
        trf = out / "vidstab.trf"
        b_runs = [diy_pipeline(frames_dir, out, trf if k == 0 else None) for k in range(args.baseline_runs)]
        b = statistics.median(r["wall"] for r in b_runs)
        work = out / "markers"
        work.mkdir()
        b_drift = vidstab_drift(frames_dir, work, trf=trf)

    walls = ", ".join(f"{r['wall'] / 1000:.2f}" for r in a_runs)
    print(f"\n(a) booth runs (s): {walls}")
    stages = ["decode", "align", "colour", "frames_wall", "interpolate", "encode", "preview", "total"]
    print("    stage medians (ms; decode/align/colour/interpolate are summed over jobs on both cores):")
    for stage in stages:
        print(f"      {stage:12s} {statistics.median(r[stage] for r in a_runs):8.0f}")
    walls = ", ".join(f"{r['wall'] / 1000:.1f}" for r in b_runs)
    print(f"(b) vidstab runs (s): {walls}")
    print(f"    detect {statistics.median(r['detect'] for r in b_runs) / 1000:.1f} s, ", end="")
    print(f"transform + crop + encode {statistics.median(r['transform'] for r in b_runs) / 1000:.1f} s")

    print(f"\n{'pipeline':34s} {'median s':>9s} {'Mbit/s':>7s}")
    for name, value, runs in (
        ("(a) booth: flow x2, boomerang", a, a_runs),
        ("(b) ffmpeg vidstab + crop + x264", b, b_runs),
        ("(c) floor: decode + encode", c, c_runs),
    ):
        print(f"{name:34s} {value / 1000:9.2f} {statistics.median(r['mbps'] for r in runs):7.2f}")
    print(f"\na/b = {a / b:.3f} (target <= 0.25: {'met' if a / b <= 0.25 else 'NOT met'})")
    print(f"a/c = {a / c:.2f} (target <= 1.5: {'met' if a / c <= 1.5 else 'NOT met'})")
    print(f"(a) under 5 s: {'met' if a < 5000 else 'NOT met'} ({a / 1000:.2f} s)")

    d = drift(calibration, truth)
    print("\npivot drift over the clip (px RMS in the 1080x1920 output; lower is steadier):")
    print(f"  {'':22s} {'top':>7s} {'bottom':>7s} {'floor':>7s}")
    print(f"  {'(a) booth':22s} {d['top']:7.2f} {d['bottom']:7.2f} {d['floor']:7.2f}")
    print(f"  {'(b) vidstab':22s} {b_drift['top']:7.2f} {b_drift['bottom']:7.2f} {b_drift['floor']:7.2f}", end="")
    print(f"  ({b_drift['lost']:.0f} points cut off by the crop, left out)" if b_drift["lost"] else "")

    if args.memory:
        m = peak_memory(48, (6000, 4000))
        verdict = "met" if m["peak_mb"] < 2048 else "NOT met"
        print(f"\npeak memory, 48 cameras at 6000x4000: {m['peak_mb']:.0f} MB (target < 2048 MB: {verdict}), ", end="")
        print(f"stitched in {m['wall'] / 1000:.2f} s")


if __name__ == "__main__":
    main()
