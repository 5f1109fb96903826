"""x264 presets side by side on a booth clip: encode time, bitrate and quality, to choose the default preset.

The source is the booth's own orbit (24 sim-rendered 6000x4000 frames, flow x2, boomerang, vertical 1080x1920),
made once near-losslessly (CRF 10) and decoded; each preset then encodes those frames at CRF 20 to 23 under
the booth's bitrate cap. Quality is PSNR of luma against the source.

Run: .venv/bin/python bench/encoder_presets.py [--runs 3]"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from booth.config import StitchSection, TargetSection
from booth.stitch.calibration import calibrate_frames
from booth.stitch.encode import EncodeSettings, write_mp4
from booth.stitch.frames import read_folder
from booth.stitch.stitcher import Stitcher

sys.path.insert(0, str(Path(__file__).resolve().parent))
from time_to_clip import rendered

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast")
REFERENCE_CRF = 20
"""veryfast at CRF 20: the booth's earlier default, the quality to keep."""
CRF_OFFSETS = (0, 1, 2, 3)
"""Each preset also at higher CRFs: a faster preset at a CRF that keeps it under the cap may still beat a
slower one on quality."""


def source_frames(out: Path) -> list[np.ndarray]:
    target, _ = rendered("target", 24, (6000, 4000))
    frames, _ = rendered("participant", 24, (6000, 4000))
    calibration, _ = calibrate_frames(read_folder(target).frames, TargetSection(), "bench")
    stitcher = Stitcher(calibration, StitchSection(crf=10, preset="veryfast", max_bitrate_mbps=50), minimum_cameras=12)
    for frame in read_folder(frames).frames:
        stitcher.add(frame)
    clip = stitcher.finish(out, shot_id="presets")
    with av.open(str(clip.directory / "clip.mp4")) as container:
        return [f.to_ndarray(format="yuv420p") for f in container.decode(video=0)]


def luma_psnr(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    h = a[0].shape[0] * 2 // 3
    mse = statistics.mean(float(np.mean((x[:h].astype(np.float64) - y[:h]) ** 2)) for x, y in zip(a, b, strict=True))
    return 10.0 * float(np.log10(255.0**2 / mse))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    s = StitchSection()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        source = source_frames(out)
        h, w = source[0].shape[0] * 2 // 3, source[0].shape[1]
        print(f"source: {len(source)} frames {w}x{h}; cap {s.max_bitrate_mbps} Mbit/s, libx264")
        print(f"\n{'preset':10s} {'CRF':>4s} {'encode s':>9s} {'Mbit/s':>7s} {'PSNR-Y dB':>10s}")
        rows: dict[tuple[str, int], tuple[float, float, float]] = {}
        for preset, crf in ((p, REFERENCE_CRF + k) for p in PRESETS for k in CRF_OFFSETS):
            if preset not in ("ultrafast", "superfast") and crf != REFERENCE_CRF:
                continue
            settings = EncodeSettings(s.fps, crf, preset, s.max_bitrate_mbps)
            path = out / f"{preset}-{crf}.mp4"
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                write_mp4(lambda: source, len(source), path, w, h, settings)
                times.append(time.perf_counter() - t0)
            with av.open(str(path)) as container:
                decoded = [f.to_ndarray(format="yuv420p") for f in container.decode(video=0)]
            mbps = path.stat().st_size * 8 / (len(source) / s.fps) / 1e6
            rows[(preset, crf)] = (statistics.median(times), mbps, luma_psnr(decoded, source))
            t, m, q = rows[(preset, crf)]
            print(f"{preset:10s} {crf:4d} {t:9.2f} {m:7.2f} {q:10.2f}")
    reference = rows[("veryfast", REFERENCE_CRF)][2]
    good = [k for k, (_, m, q) in rows.items() if m <= s.max_bitrate_mbps and q >= reference - 0.5]
    preset, crf = min(good, key=lambda k: rows[k][0]) if good else ("veryfast", s.crf)
    print(
        f"\nfastest within 0.5 dB of veryfast at CRF {REFERENCE_CRF} and within the bitrate cap: {preset} at CRF {crf} "
        f"(the booth's default: {s.preset} at CRF {s.crf})"
    )


if __name__ == "__main__":
    main()
