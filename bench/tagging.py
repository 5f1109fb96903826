"""Tagging speed: a 24-frame sim-rig shot (3000x2000 JPEGs) tagged with the demo kit, pipelined (frames decoded
in threads while the models run, batches sized for the provider) beside one frame at a time; with a GPU, the
CUDA provider's frames per second and whether it finds what the CPU finds.

Run: .venv/bin/python bench/tagging.py [--runs 5] [--cameras 24] [--size 3000x2000]
Frames are rendered once into bench/.cache/ and reused; target: a 24-frame shot in at most 1.5 s on 2 cores."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import onnxruntime as ort

from booth.tagging.kit import load_kit
from booth.tagging.tagger import Image, Tagger, image_files, read_image
from booth.tagging.tags import FrameTags
from models.logos.brands import make_demo_kit
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig

CACHE = Path(__file__).resolve().parent / ".cache"
TARGET_S = 1.5


def rendered(cameras: int, size: tuple[int, int]) -> Path:
    folder = CACHE / f"participant-{cameras}-{size[0]}x{size[1]}-q92"
    if not (folder / "ground_truth.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        SimRig(RigLayout(cameras=cameras, width=size[0], height=size[1]), seed=1, jpeg_quality=92).render_to(folder)
    return folder


def timed(runs: int, job: Callable[[], list[FrameTags]]) -> tuple[float, list[FrameTags]]:
    job()  # first run outside the figures: file cache and allocator warm
    times, result = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def one_at_a_time(tagger: Tagger, files: list[Path]) -> list[FrameTags]:
    """The baseline: read a frame, run it through both models alone, then the next."""
    return [tagger.tag([read_image(f)])[0] for f in files]


def stages(tagger: Tagger, files: list[Path]) -> dict[str, float]:
    t0 = time.perf_counter()
    images: list[Image] = [read_image(f) for f in files]
    t1 = time.perf_counter()
    found = [c for k in range(0, len(images), 8) for c in tagger.detector.detect([i.pixels for i in images[k : k + 8]])]
    t2 = time.perf_counter()
    tagger.tag(images)
    t3 = time.perf_counter()
    return {
        "decode": t1 - t0,
        "detect": t2 - t1,
        "detect+identify": t3 - t2,
        "candidates": float(sum(len(f) for f in found)),
    }


def same(a: list[FrameTags], b: list[FrameTags]) -> tuple[bool, float]:
    """Whether two runs found the same brands in the same frames, and the largest box-corner difference (px)."""
    worst = 0.0
    for fa, fb in zip(a, b, strict=True):
        if sorted(d.brand for d in fa.detections) != sorted(d.brand for d in fb.detections):
            return False, worst
        for da, db in zip(sorted(fa.detections, key=str), sorted(fb.detections, key=str), strict=True):
            worst = max(worst, *(abs(p - q) for p, q in zip(da.box, db.box, strict=True)))
    return True, worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--size", default="3000x2000")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    files = image_files(rendered(args.cameras, (w, h)))
    with tempfile.TemporaryDirectory() as tmp:
        make_demo_kit(Path(tmp) / "kit", brands=3, seed=7)
        kit = load_kit(Path(tmp) / "kit")
        t0 = time.perf_counter()
        cpu = Tagger(kit, accelerator="cpu")
        load_s = time.perf_counter() - t0
    print(f"{len(files)} frames {w}x{h}, kit of {len(kit.brands)} brands; models and kit loaded in {load_s:.2f} s")
    batched_s, tags = timed(args.runs, lambda: cpu.tag_files(files))
    single_s, _ = timed(args.runs, lambda: one_at_a_time(cpu, files))
    frames_with = sum(1 for f in tags if f.detections)
    print(f"CPU pipelined:      {batched_s:.3f} s per shot ({len(files) / batched_s:.1f} frames/s)")
    print(f"CPU one at a time:  {single_s:.3f} s per shot  (pipelined is {single_s / batched_s:.2f}x faster)")
    print(f"target {TARGET_S} s: {'met' if batched_s <= TARGET_S else 'MISSED'} ({batched_s / TARGET_S:.2f} of it)")
    print("stages, one pass: " + ", ".join(f"{k} {v:.3f}" for k, v in stages(cpu, files).items()))
    print(f"brands tagged: {sorted({d.brand for f in tags for d in f.detections})} in {frames_with} frames")
    if "CUDAExecutionProvider" in ort.get_available_providers():
        gpu = Tagger(kit, accelerator="cuda")
        gpu_s, gpu_tags = timed(args.runs, lambda: gpu.tag_files(files))
        alike, worst = same(tags, gpu_tags)
        fps = len(files) / gpu_s
        print(f"CUDA pipelined:     {gpu_s:.3f} s per shot ({fps:.1f} frames/s, {batched_s / gpu_s:.2f}x the CPU)")
        print(f"CUDA finds the same tags as the CPU: {alike} (largest box difference {worst:.1f} px)")
    else:
        print("no CUDA provider in this onnxruntime: GPU figures need onnxruntime-gpu on a GPU machine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
