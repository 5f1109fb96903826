"""`booth tag` (brands in a folder of images) and `booth logos eval|kit` (judging the models, a sample kit)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from booth.atomic import refuse_folder
from booth.errors import InputError
from booth.stitch.calibration import Calibration
from booth.tagging.kit import load_kit
from booth.tagging.metrics import Distractor, Scored, Truth, evaluate
from booth.tagging.prepare import DEFAULT_MINUTES, Progress
from booth.tagging.runtime import ACCELERATORS
from booth.tagging.tagger import DEFAULT_MIN_SCORE, Tagger, image_files
from booth.tagging.tags import write_tags


def _tagger(args: argparse.Namespace) -> Tagger:
    """The kit's tagger; a kit not prepared for these models is prepared first, with its progress shown,
    unless --unprepared asks for the shared models alone."""
    kit = load_kit(args.kit)
    tagger = Tagger(kit, detector=args.detector, embedder=args.embedder, accelerator=args.accelerator)
    tagger.ensure_prepared(
        prepare=not args.unprepared, minutes=args.prepare_minutes, progress=progress_printer(sys.stderr)
    )
    return tagger


def progress_printer(stream: TextIO) -> Progress:
    """Prints a line when preparation moves to a new stage or another tenth of the way."""
    last: list[tuple[str, int]] = [("", -1)]

    def show(stage: str, fraction: float) -> None:
        step = int(fraction * 10)
        if (stage, step) != last[0] and (stage != last[0][0] or step > last[0][1]):
            print(f"  {round(fraction * 100):3d} %  {stage}", file=stream, flush=True)
            last[0] = (stage, step)

    return show


def cmd_logos_prepare(args: argparse.Namespace) -> int:
    kit = load_kit(args.kit)
    tagger = Tagger(kit, detector=args.detector, embedder=args.embedder, accelerator=args.accelerator)
    if tagger.preparation is not None and not args.again:
        print(f"{args.kit}: already prepared for these models ({tagger.name}); --again makes it anew")
        return 0
    started = time.perf_counter()
    preparation = tagger.prepare(minutes=args.minutes, progress=progress_printer(sys.stdout))
    report = preparation.report
    print(
        f"{args.kit}: {len(kit.brands)} brands prepared in {time.perf_counter() - started:.0f} s "
        f"({args.kit / '.prepared'}); on scenes it had not seen: precision {report['check_precision']:.3f}, "
        f"recall of what the detector found {report['check_recall_of_found']:.3f}, "
        f"at confidence {preparation.min_score}"
    )
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    refuse_folder(args.out, "tags.json")
    files = image_files(args.images)
    calibration = Calibration.load(args.calibration) if args.calibration else None
    tagger = _tagger(args)
    started = time.perf_counter()
    # the views vote only where the calibration says where each camera puts a logo: without it, each camera's own
    # aim and tilt move a logo by more than its height from frame to frame (measured on the simulated rig)
    shot = calibration is not None
    document = tagger.tag_shot(files, calibration) if shot else tagger.document(tagger.tag_files(files))
    seconds = time.perf_counter() - started
    write_tags(args.out, document)
    if shot:
        seen = document["shot"]["brands"].items()
        found = ", ".join(f"{b} in {v['views']} views" for b, v in seen) or "no kit brand"
    else:
        found = ", ".join(f"{b} in {len(v['frames'])}" for b, v in document["brands"].items()) or "no kit brand"
    what = "a shot's frames, the views voting" if shot else "images"
    print(f"{args.out}: {len(files)} {what}, tagged in {seconds:.2f} s on {tagger.provider}: {found}")
    return 0


def _truth(data: Path) -> tuple[list[str], list[Truth], list[Distractor]]:
    """The images and true boxes (with their attributes, if any) of data/truth.json; the look-alikes' boxes
    (an image's optional "distractors")."""
    path = data / "truth.json"
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        images = [str(entry["file"]) for entry in doc["images"]]
        truths = [
            Truth(
                str(entry["file"]),
                str(b["brand"]),
                tuple(float(v) for v in b["box"]),  # type: ignore[arg-type]
                dict(b["attributes"]) if b.get("attributes") is not None else None,
            )
            for entry in doc["images"]
            for b in entry["boxes"]
        ]
        lookalikes = [
            Distractor(
                str(entry["file"]),
                tuple(float(v) for v in x["box"]),  # type: ignore[arg-type]
                str(x.get("like", "")),
                str(x.get("how", "")),
            )
            for entry in doc["images"]
            for x in entry.get("distractors") or []
        ]
    except FileNotFoundError:
        raise InputError(f"{path}: missing; the data folder needs a truth.json of the true boxes") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a truth.json of images and boxes ({type(exc).__name__}: {exc})") from None
    if any(len(t.box) != 4 for t in truths) or any(len(x.box) != 4 for x in lookalikes):
        raise InputError(f"{path}: every box is [x0, y0, x1, y1]")
    return images, truths, lookalikes


def cmd_logos_eval(args: argparse.Namespace) -> int:
    images, truths, distractors = _truth(args.data)
    missing = [name for name in images if not (args.data / name).is_file()]
    if missing:
        raise InputError(f"{args.data / missing[0]}: named in truth.json but not there ({len(missing)} missing)")
    tagger = _tagger(args)
    unknown = sorted({t.brand for t in truths} - {b.brand_id for b in tagger.kit.brands})
    if unknown:
        raise InputError(f"{args.data / 'truth.json'}: brand {unknown[0]} is not in the kit {args.kit}")
    started = time.perf_counter()
    scored = [
        Scored(name, d.brand, d.score, d.box)
        for name, found in tagger.scored_files([args.data / name for name in images])
        for d in found
    ]
    seconds = time.perf_counter() - started
    own = {b.brand_id: b.min_score for b in tagger.kit.brands if b.min_score is not None}
    result = evaluate(
        scored,
        truths,
        images=images,
        min_score=args.min_score,
        brand_min_score=own,
        min_width=args.min_width,
        distractors=distractors,
    )
    empty = len(images) - len({t.image for t in truths})
    print(f"{len(images)} images ({empty} without a kit logo), {len(truths)} logos, {len(tagger.kit.brands)} brands")
    if args.min_width > 0:
        print(f"scored: the {len(truths) - result.ignored} logos at least {args.min_width:g} px wide")
    print(f"precision {result.precision:.3f}  recall {result.recall:.3f}  mAP@0.5 {result.map50:.3f}")
    print(
        f"true {result.true_positives}  false {result.false_positives}  missed {result.missed}  "
        f"false tags per 100 images without a kit logo {result.false_tags_per_100_empty:.2f}"
    )
    scored_logos = max(1, result.true_positives + result.missed)
    print(
        f"of the logos: boxed by the detector {result.boxed / scored_logos:.3f}, "
        f"boxed with the right brand {result.named / scored_logos:.3f}, tagged {result.recall:.3f}"
    )
    names = {b.brand_id: b.name for b in tagger.kit.brands}
    print("AP@0.5 by brand: " + ", ".join(f"{names.get(b, b)} {ap:.2f}" for b, ap in result.per_brand_ap.items()))
    for attribute, buckets in result.recall_by.items():
        parts = (f"{b} {n / total:.3f} ({n}/{total})" for b, (n, total) in buckets.items())
        print(f"recall by {attribute}: " + ", ".join(parts))
    if distractors:
        print(
            f"false tags on look-alikes {result.distractor_false_tags} "
            f"({100 * result.distractor_false_tags / len(distractors):.2f} per 100 look-alikes)"
        )
    print(f"{seconds / len(images) * 1000:.1f} ms per image on {tagger.provider} (min score {args.min_score})")
    return 0


def cmd_logos_kit(args: argparse.Namespace) -> int:
    from booth.atomic import staged_folder
    from models.logos.brands import make_demo_kit

    if args.out.exists():
        raise InputError(f"{args.out}: already exists; choose a new folder for the kit")
    with staged_folder(args.out) as stage:
        names = make_demo_kit(stage, brands=args.brands, seed=args.seed)
    print(f"{args.out}: {len(names)} brands ({', '.join(names)}): the simulated rig's sponsor and fictional ones")
    return 0


def _with_models(p: argparse.ArgumentParser, *, unprepared: bool = True) -> None:
    if unprepared:
        p.add_argument("--unprepared", action="store_true", help="the shared models alone: do not prepare the kit")
        p.add_argument(
            "--prepare-minutes",
            type=float,
            default=DEFAULT_MINUTES,
            help=f"time to prepare a kit that needs it (default {DEFAULT_MINUTES})",
        )
    p.add_argument("--kit", type=Path, required=True, help="brand kit folder: one sub-folder per brand")
    p.add_argument("--accelerator", choices=ACCELERATORS, default="auto", help="execution provider (default: best)")
    p.add_argument("--detector", type=Path, help="logo detector ONNX file (default: the bundled one)")
    p.add_argument("--embedder", type=Path, help="logo embedder ONNX file (default: the bundled one)")


def add_tagging_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    tag = sub.add_parser("tag", help="find the kit's brands in a folder of images; write tags.json")
    tag.add_argument("images", type=Path, help="folder of JPEG or PNG images (a shot's frames, or photos)")
    tag.add_argument("--out", type=Path, required=True, help="tags.json to write")
    tag.add_argument("--calibration", type=Path, help="the rig's calibration: a shot's views are compared in rig space")
    _with_models(tag)
    tag.set_defaults(func=cmd_tag)

    logos = sub.add_parser("logos", help="the logo models: judge them on a labelled set, or make a sample kit")
    logos_sub = logos.add_subparsers(dest="action", required=True, parser_class=parser_class)
    ev = logos_sub.add_parser("eval", help="precision, recall and mAP@0.5 on a folder of images with truth.json")
    ev.add_argument("--data", type=Path, required=True, help="folder of images and truth.json")
    ev.add_argument(
        "--min-score",
        type=float,
        default=DEFAULT_MIN_SCORE,
        help=f"confidence a tag needs (default {DEFAULT_MIN_SCORE})",
    )
    ev.add_argument("--min-width", type=float, default=0.0, help="score only logos at least this wide, px (default 0)")
    _with_models(ev)
    ev.set_defaults(func=cmd_logos_eval)
    prep = logos_sub.add_parser("prepare", help="learn a brand kit before the event (kept beside it, in .prepared/)")
    prep.add_argument(
        "--minutes", type=float, default=DEFAULT_MINUTES, help=f"time to spend (default {DEFAULT_MINUTES})"
    )
    prep.add_argument("--again", action="store_true", help="prepare even if a current preparation exists")
    _with_models(prep, unprepared=False)
    prep.set_defaults(func=cmd_logos_prepare)
    kit = logos_sub.add_parser("kit", help="write a sample kit: the simulated rig's sponsor and fictional brands")
    kit.add_argument("out", type=Path, help="new folder for the kit")
    kit.add_argument("--brands", type=int, default=3, choices=range(0, 33), metavar="0-32", help="fictional ones")
    kit.add_argument("--seed", type=int, default=7, help="which fictional brands (default 7)")
    kit.set_defaults(func=cmd_logos_kit)
