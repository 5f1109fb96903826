"""In-between views against the truth: flow interpolation and a plain cross-fade, scored against a camera the sim
really rendered at that angle.

The sim renders a rig together with cameras standing part-way between each pair of neighbours (SimRig's
`between`, each such camera interpolated in place, aim, optics and colour from its two neighbours); all of them
are calibrated and aligned as the stitcher does. x2: the 24-camera, 180-degree rig and the 23 cameras half-way
(47 rendered). x4: 12 cameras at the same 7.8-degree spacing and the three quarter-way cameras in each gap (45
rendered). PSNR and SSIM are on luma over the whole output frame.

Run: .venv/bin/python bench/interpolation.py [--size 3000x2000] [--profile vertical]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from booth.config import TargetSection
from booth.stitch.align import plan_output
from booth.stitch.calibration import calibrate_frames
from booth.stitch.encode import planes
from booth.stitch.frames import read_folder
from booth.stitch.interpolate import crossfade, gap, in_between
from booth.stitch.stitcher import aligned_view

sys.path.insert(0, str(Path(__file__).resolve().parent))
from time_to_clip import rendered


def aligned_views(cameras: int, span: float, between: int, size: tuple[int, int], profile: str) -> list[np.ndarray]:
    """Every camera's view of the participant, aligned and colour-matched as the stitcher does, I420."""
    target, _ = rendered("target", cameras, size, between, span)
    frames, _ = rendered("participant", cameras, size, between, span)
    calibration, _ = calibrate_frames(read_folder(target).frames, TargetSection(), "bench")
    geometry = plan_output(calibration, profile)
    with ThreadPoolExecutor() as pool:
        return list(pool.map(lambda f: aligned_view(f, calibration, geometry), read_folder(frames).frames))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10.0 * np.log10(255.0**2 / max(mse, 1e-10))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM with an 11x11 Gaussian window (sigma 1.5), as Wang et al. define it."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(im: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(im, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


def score(views: list[np.ndarray], step: int) -> dict[str, dict[str, float]]:
    """Views at multiples of step are the rig; the ones between are the truth."""
    results: dict[str, list[tuple[float, float]]] = {"flow": [], "crossfade": []}
    spent: list[float] = []
    for k in range(0, len(views) - step, step):
        t0 = time.perf_counter()
        g = gap(views[k], views[k + step])
        made = {j: in_between(g, j / step) for j in range(1, step)}
        spent.append((time.perf_counter() - t0) * 1e3)
        for j in range(1, step):
            truth = planes(views[k + j])[0]
            for name, image in (("flow", made[j]), ("crossfade", crossfade(views[k], views[k + step], j / step))):
                y = planes(image)[0]
                results[name].append((psnr(y, truth), ssim(y, truth)))
    summary = {
        name: {
            "psnr": statistics.mean(p for p, _ in values),
            "psnr_worst": min(p for p, _ in values),
            "ssim": statistics.mean(s for _, s in values),
            "views": len(values),
        }
        for name, values in results.items()
    }
    summary["flow"]["ms_per_gap"] = statistics.median(spent)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="3000x2000")
    parser.add_argument("--profile", default="vertical")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    for rig, step in ((24, 2), (12, 4)):
        cameras = (rig - 1) * step + 1
        span = 180.0 * (rig - 1) / 23  # the 24-camera, 180-degree rig's spacing: 7.8 degrees between cameras
        views = aligned_views(rig, span, step, (w, h), args.profile)
        s = score(views, step)
        f, c = s["flow"], s["crossfade"]
        print(
            f"\nx{step}: {rig} cameras 7.8 degrees apart, {f['views']:.0f} true in-between views ({cameras} cameras "
            f"rendered at {args.size}, "
            f"{args.profile} output)"
        )
        print(f"  {'':10s} {'PSNR dB':>8s} {'worst dB':>9s} {'SSIM':>7s}")
        for name, r in s.items():
            print(f"  {name:10s} {r['psnr']:8.2f} {r['psnr_worst']:9.2f} {r['ssim']:7.4f}")
        gain = f["psnr"] - c["psnr"]
        print(f"  flow over cross-fade: {gain:+.2f} dB (target +3 dB: {'met' if gain >= 3 else 'NOT met'})")
        print(f"  flow, both ways, and {step - 1} views per gap: {f['ms_per_gap']:.0f} ms (median)")


if __name__ == "__main__":
    main()
