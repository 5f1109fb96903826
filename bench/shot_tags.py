"""Per-shot logo tags on a set of rig shots (bench/logo_shots.py writes one): the shot's views voting through the
calibration (booth's tag_shot) against the plain per-frame tags, on the same shots in the same run.

Run: .venv/bin/python bench/shot_tags.py SET [--kit KIT] [--unprepared] [--limit N]

A shot "shows" its kit brand when the logo faces at least 3 cameras (shots.json's cameras_seeing). Printed for
both methods: the share of those shots whose tags name the brand (target >= 95 %), the shots tagged with a brand
they do not show (target: none), and the time per shot (target, at 24 frames of 3000x2000: 1.5 s)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from booth.stitch.calibration import Calibration
from booth.tagging.kit import load_kit
from booth.tagging.tagger import Tagger, image_files

MIN_SEEING = 3


def judge(shots: list[dict[str, Any]], found: list[set[str]]) -> dict[str, float]:
    """Found rate over shots whose brand faces >= MIN_SEEING cameras; false shot tags over every shot."""
    showing = [k for k, s in enumerate(shots) if s["brand"] is not None and s["cameras_seeing"] >= MIN_SEEING]
    hits = sum(1 for k in showing if shots[k]["brand"] in found[k])
    false = sum(1 for k, s in enumerate(shots) if found[k] - ({s["brand"]} if s["brand"] else set()))
    return {"showing": len(showing), "found": hits, "rate": hits / max(1, len(showing)), "false_shots": false}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", type=Path, help="a shot set: shots.json, calibration.json, shot_NNN/")
    parser.add_argument("--kit", type=Path, help="brand kit (default: the one shots.json names)")
    parser.add_argument("--unprepared", action="store_true", help="the shared models alone")
    parser.add_argument("--limit", type=int, help="the first N shots only")
    args = parser.parse_args(argv)
    document = json.loads((args.set / "shots.json").read_text())
    shots = document["shots"][: args.limit]
    kit_folder = args.kit or (args.set / document["kit"])
    calibration = Calibration.load(args.set / document["calibration"])
    tagger = Tagger(load_kit(kit_folder))
    tagger.ensure_prepared(prepare=not args.unprepared)
    if args.unprepared:  # even a kit prepared earlier
        tagger.preparation = None
    voted: list[set[str]] = []
    per_frame: list[set[str]] = []
    shot_s: list[float] = []
    frame_s: list[float] = []
    misses: list[str] = []
    for shot in shots:
        files = image_files(args.set / shot["folder"])
        t0 = time.perf_counter()
        doc = tagger.tag_shot(files, calibration)
        shot_s.append(time.perf_counter() - t0)
        voted.append(set(doc["shot"]["brands"]))
        t0 = time.perf_counter()
        frames = tagger.tag_files(files)
        frame_s.append(time.perf_counter() - t0)
        per_frame.append({d.brand for f in frames for d in f.detections})
        if shot["brand"] and shot["cameras_seeing"] >= MIN_SEEING and shot["brand"] not in voted[-1]:
            misses.append(
                f"{shot['folder']} ({shot['brand']} {shot['logo']['variant']}, {shot['cameras_seeing']} cams)"
            )
    a, b = judge(shots, voted), judge(shots, per_frame)
    name = "prepared" if tagger.preparation else "shared models"
    print(f"{len(shots)} shots, {a['showing']} showing a kit brand to >= {MIN_SEEING} cameras; kit {name}")
    for label, r, times in (("views voting", a, shot_s), ("per frame   ", b, frame_s)):
        print(
            f"{label}: brand found in {r['found']}/{r['showing']} ({100 * r['rate']:.1f} %), "
            f"shots tagged with a brand they do not show: {r['false_shots']}, "
            f"{statistics.median(times):.2f} s per shot (median)"
        )
    if misses:
        print("missed: " + "; ".join(misses[:10]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
