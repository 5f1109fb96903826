"""Tagging speed and quality: the booth's tagger on a sim-rig shot, and beside a plain SIFT matcher on a labelled set.

Speed: a 24-frame sim-rig shot (3000x2000 JPEGs) tagged with the demo kit, pipelined (frames decoded in threads
while the models run, batches sized for the provider) beside one frame at a time; with a GPU, the TensorRT and
CUDA providers' frames per second and whether they find what the CPU finds.

Quality (with --data and --kit): the booth's tagger and the SIFT + RANSAC baseline (bench/sift_baseline.py) on
the same images of a folder with truth.json: precision, recall (all logos, and those at least 40 px wide), false
tags per 100 logo-free images, false tags on distractors where truth.json names them, ms per image.

Run: .venv/bin/python bench/tagging.py [--runs 5] [--cameras 24] [--size 3000x2000]
     .venv/bin/python -m models.logos.evalset /tmp/ev
     .venv/bin/python bench/tagging.py --data /tmp/ev/data --kit /tmp/ev/kit [--images 100] [--quick]
Frames are rendered once into bench/.cache/ and reused; target: a 24-frame shot in at most 1.5 s on 2 cores.
--quick: 1 run of an 8-frame 1500x1000 shot and 12 of the labelled images, for the test suite."""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from booth.errors import InputError
from booth.tagging.kit import BrandKit, load_kit
from booth.tagging.metrics import Distractor, Evaluation, Scored, Truth, evaluate, truth_width
from booth.tagging.runtime import ACCELERATORS, Accelerator
from booth.tagging.tagger import Image, Tagger, image_files, read_image
from booth.tagging.tags import Detection, FrameTags
from booth.tagging_commands import _truth
from models.logos.brands import make_demo_kit
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sift_baseline import MIN_SCORE as SIFT_MIN_SCORE
from sift_baseline import SiftMatcher

CACHE = Path(__file__).resolve().parent / ".cache"
TARGET_S = 1.5
MIN_WIDTH = 40
"""Logos at least this wide (px, in the image file) are counted apart: below it a local-feature matcher has
too few keypoints on the logo to stand a chance, whatever it is."""
QUICK_IMAGES = 12
GPU_PROVIDERS: tuple[tuple[Accelerator, str, str], ...] = (
    ("tensorrt", "TensorrtExecutionProvider", "TensorRT"),
    ("cuda", "CUDAExecutionProvider", "CUDA"),
)


def rendered(cameras: int, size: tuple[int, int], cache: Path = CACHE) -> Path:
    folder = cache / f"participant-{cameras}-{size[0]}x{size[1]}-q92"
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


def speed(runs: int, cameras: int, size: tuple[int, int], cache: Path) -> None:
    # the kit's folder stays while taggers are made: a tagger looks there for the kit's preparation
    with tempfile.TemporaryDirectory() as tmp:
        make_demo_kit(Path(tmp) / "kit", brands=3, seed=7)
        timed_shot(runs, image_files(rendered(cameras, size, cache)), size, load_kit(Path(tmp) / "kit"), cache)


def timed_shot(runs: int, files: list[Path], size: tuple[int, int], kit: BrandKit, cache: Path) -> None:
    w, h = size
    t0 = time.perf_counter()
    cpu = Tagger(kit, accelerator="cpu")
    load_s = time.perf_counter() - t0
    print(f"{len(files)} frames {w}x{h}, kit of {len(kit.brands)} brands; models and kit loaded in {load_s:.2f} s")
    batched_s, tags = timed(runs, lambda: cpu.tag_files(files))
    single_s, _ = timed(runs, lambda: one_at_a_time(cpu, files))
    frames_with = sum(1 for f in tags if f.detections)
    print(f"CPU pipelined:      {batched_s:.3f} s per shot ({len(files) / batched_s:.1f} frames/s)")
    print(f"CPU one at a time:  {single_s:.3f} s per shot  (pipelined is {single_s / batched_s:.2f}x faster)")
    print(f"target {TARGET_S} s: {'met' if batched_s <= TARGET_S else 'MISSED'} ({batched_s / TARGET_S:.2f} of it)")
    print("stages, one pass: " + ", ".join(f"{k} {v:.3f}" for k, v in stages(cpu, files).items()))
    print(f"brands tagged: {sorted({d.brand for f in tags for d in f.detections})} in {frames_with} frames")
    available = ort.get_available_providers()
    for accelerator, provider, label in GPU_PROVIDERS:
        if provider not in available:
            print(f"no {label} provider in this onnxruntime: GPU figures need onnxruntime-gpu on a GPU machine")
            continue
        try:  # TensorRT engines take minutes to build: kept beside the frames for the next run
            gpu = Tagger(kit, accelerator=accelerator, engine_cache=cache / "trt-engines")
        except InputError as exc:
            print(f"{label}: the models do not load ({exc})")
            continue
        if gpu.provider != provider:  # onnxruntime falls back when the provider's own libraries are missing
            print(f"{label}: the models fell back to {gpu.provider}; no {label} figures")
            continue
        gpu_s, gpu_tags = timed(runs, functools.partial(gpu.tag_files, files))
        alike, worst = same(tags, gpu_tags)
        fps = len(files) / gpu_s
        pad = " " * (18 - len(label) - len(" pipelined:"))
        print(f"{label} pipelined:{pad} {gpu_s:.3f} s per shot ({fps:.1f} frames/s, {batched_s / gpu_s:.2f}x the CPU)")
        print(f"{label} finds the same tags as the CPU: {alike} (largest box difference {worst:.1f} px)")


@dataclass(frozen=True)
class LabelledSet:
    folder: Path
    images: list[str]
    truths: list[Truth]
    distractors: list[Distractor]
    """Look-alikes of kit logos, where truth.json names them: a tag on one is always false."""


def labelled_set(folder: Path, kit: BrandKit, limit: int | None) -> LabelledSet:
    """The images named by folder/truth.json (every `len // limit`-th when limited, so logo-free ones stay in
    proportion), their true boxes and look-alikes."""
    images, truths, distractors = _truth(folder)
    missing = [name for name in images if not (folder / name).is_file()]
    if missing:
        raise InputError(f"{folder / missing[0]}: named in truth.json but not there ({len(missing)} missing)")
    unknown = sorted({t.brand for t in truths} - {b.brand_id for b in kit.brands})
    if unknown:
        raise InputError(f"{folder / 'truth.json'}: brand {unknown[0]} is not in the kit {kit.folder}")
    if limit is not None and 0 < limit < len(images):
        images = images[:: len(images) // limit][:limit]
    chosen = set(images)
    return LabelledSet(
        folder,
        images,
        [t for t in truths if t.image in chosen],
        [x for x in distractors if x.image in chosen],
    )


@dataclass(frozen=True)
class Quality:
    method: str
    overall: Evaluation
    wide: Evaluation
    """Only the logos at least MIN_WIDTH wide: a detection of a narrower one counts neither way."""
    ms_per_image: float


def judged(
    method: str, data: LabelledSet, found: list[tuple[str, list[Detection]]], seconds: float, least: dict[str, float]
) -> Quality:
    """The method's figures, each brand's tags at the confidence `least` gives it, as `booth logos eval` does."""
    scored = [Scored(name, d.brand, d.score, d.box) for name, ds in found for d in ds]
    overall, wide = (
        evaluate(
            scored,
            data.truths,
            images=data.images,
            brand_min_score=least,
            distractors=data.distractors,
            min_width=min_width,
        )
        for min_width in (0.0, MIN_WIDTH)
    )
    return Quality(method, overall, wide, 1000.0 * seconds / len(data.images))


def quality(
    data_folder: Path, kit_folder: Path, limit: int | None, accelerator: Accelerator, prepare: bool
) -> list[Quality]:
    kit = load_kit(kit_folder)
    data = labelled_set(data_folder, kit, limit)
    paths = [data.folder / name for name in data.images]
    wide = sum(1 for t in data.truths if truth_width(t) >= MIN_WIDTH)
    empty = len(data.images) - len({t.image for t in data.truths})
    print(
        f"\n{data.folder}: {len(data.images)} images ({empty} without a kit logo), {len(data.truths)} logos "
        f"({wide} at least {MIN_WIDTH} px wide), {len(data.distractors)} look-alikes, kit of {len(kit.brands)} brands"
    )
    t0 = time.perf_counter()
    tagger = Tagger(kit, accelerator=accelerator)
    if tagger.preparation is None and prepare:
        tagger.prepare()
    t1 = time.perf_counter()
    sift = SiftMatcher(kit)
    t2 = time.perf_counter()
    how = "prepared kit" if tagger.preparation is not None else "kit not prepared: shared models alone"
    print(f"loaded in {t1 - t0:.2f} s: booth tagger ({how}) on {tagger.provider}; SIFT references in {t2 - t1:.2f} s")
    t0 = time.perf_counter()
    booth_found = tagger.scored_files(paths)
    booth_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sift_found = sift.scored_files(paths)
    sift_s = time.perf_counter() - t0
    results = [
        judged("booth tagger", data, booth_found, booth_s, {b.brand_id: tagger.least(b.brand_id) for b in kit.brands}),
        judged("SIFT baseline", data, sift_found, sift_s, {b.brand_id: SIFT_MIN_SCORE for b in kit.brands}),
    ]
    report(results, len(data.distractors))
    return results


def report(results: list[Quality], distractors: int) -> None:
    columns = ["precision", "recall", "mAP@0.5", f"prec>={MIN_WIDTH}px", f"recall>={MIN_WIDTH}px", "false/100 empty"]
    columns += [f"false on {distractors} look-alikes"] if distractors else []
    columns += ["ms/image"]
    print(f"{'':14}" + "".join(f" {c:>{max(9, len(c))}}" for c in columns))
    for q in results:
        o, w = q.overall, q.wide
        cells = [f"{v:.3f}" for v in (o.precision, o.recall, o.map50, w.precision, w.recall)]
        cells += [f"{o.false_tags_per_100_empty:.2f}"]
        cells += [str(o.distractor_false_tags)] if distractors else []
        cells += [f"{q.ms_per_image:.1f}"]
        print(f"{q.method:14}" + "".join(f" {v:>{max(9, len(c))}}" for c, v in zip(columns, cells, strict=True)))
    booth, base = results
    for label, a, b in (("all logos", booth.overall, base.overall), (f">={MIN_WIDTH}px", booth.wide, base.wide)):
        times = f"{a.recall / b.recall:.2f}x" if b.recall > 0 else "no end (the baseline finds none)"
        print(f"booth vs baseline, {label}: precision {a.precision - b.precision:+.3f}, recall {times}")
    print(f"booth vs baseline, time per image: {booth.ms_per_image / base.ms_per_image:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, help="timed runs of the shot (default 5; 1 with --quick)")
    parser.add_argument("--cameras", type=int, help="frames in the shot (default 24; 8 with --quick)")
    parser.add_argument("--size", help="frame size WxH (default 3000x2000; 1500x1000 with --quick)")
    parser.add_argument("--data", type=Path, help="folder of images with truth.json: compare with the SIFT baseline")
    parser.add_argument("--kit", type=Path, help="the brand kit of --data's truth.json")
    parser.add_argument(
        "--images", type=int, help=f"use this many of --data's images (default all; {QUICK_IMAGES} quick)"
    )
    parser.add_argument(
        "--accelerator", choices=ACCELERATORS, default="cpu", help="the booth tagger's provider in the comparison"
    )
    parser.add_argument(
        "--prepare", action="store_true", help="prepare a kit that is not (minutes), as `booth logos eval` does"
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the rendered shot is kept")
    parser.add_argument("--quick", action="store_true", help="a small shot, one run, few labelled images")
    args = parser.parse_args(argv)
    if (args.data is None) != (args.kit is None):
        parser.error("--data and --kit go together")
    runs = args.runs or (1 if args.quick else 5)
    cameras = args.cameras or (8 if args.quick else 24)
    w, h = (int(v) for v in (args.size or ("1500x1000" if args.quick else "3000x2000")).split("x"))
    speed(runs, cameras, (w, h), args.cache)
    if args.data is not None:
        quality(
            args.data, args.kit, args.images or (QUICK_IMAGES if args.quick else None), args.accelerator, args.prepare
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
