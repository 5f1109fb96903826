"""The held-out evaluation set: a kit of fictional brands no network was trained on, and scenes of them.

    python -m models.logos.evalset OUT            # OUT/kit (8 brands) and OUT/data (images, truth.json)
    python -m models.logos.evalset OUT --foreign  # the same brands, with logos of other brands among them
    booth logos eval --kit OUT/kit --data OUT/data

Training brands use seed 1 (brands 1000...); this kit uses seed 7 (brands 7000...), so none is shared."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from booth.tagging.kit import load_kit
from models.logos.brands import make_kit
from models.logos.composite import write_set

EVAL_KIT_SEED = 7
EVAL_SCENE_SEED = 2027
VALIDATION_KIT_SEED = 5
"""Brands 5000...: the set the score is calibrated on (calibrate.py), apart from training and evaluation."""
VALIDATION_SCENE_SEED = 2025


def make_evalset(
    out: Path,
    *,
    brands: int = 8,
    images: int = 300,
    empty: int = 200,
    rig_frames: bool = True,
    kit_seed: int = EVAL_KIT_SEED,
    scene_seed: int = EVAL_SCENE_SEED,
    foreign: bool = False,
) -> Path:
    """Write OUT/kit and OUT/data; returns the truth.json path. Scenes are 960x640 with one to four logos
    50 to 320 pixels wide (before turning), up to 30 degrees of turn, bent, lit, blurred, half partly covered."""
    make_kit(out / "kit", brands=brands, seed=kit_seed)
    backdrops = empty_backdrops = None
    if rig_frames:  # the participant wears a logo outside the kit; the calibration target holds none
        from models.logos.training_data import rig_backdrops

        backdrops = rig_backdrops(16, (960, 640))
        empty_backdrops = rig_backdrops(16, (960, 640), scene="target")
    kit = load_kit(out / "kit")
    others = None
    if foreign:  # brands of the next seed: neither trained on nor in the kit
        make_kit(out / "others", brands=brands, seed=kit_seed + 1)
        others = load_kit(out / "others")
    return write_set(
        out / "data",
        kit,
        images=images,
        empty=empty,
        seed=scene_seed,
        backdrops=backdrops,
        empty_backdrops=empty_backdrops,
        others=others,
        logos=4,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--brands", type=int, default=8)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--empty", type=int, default=200)
    parser.add_argument("--foreign", action="store_true", help="one or two logos of other brands in each scene")
    args = parser.parse_args(argv)
    truth = make_evalset(args.out, brands=args.brands, images=args.images, empty=args.empty, foreign=args.foreign)
    print(f"wrote {args.out / 'kit'} and {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
