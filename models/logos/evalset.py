"""The held-out evaluation set: a kit of fictional brands no network was trained on, and scenes of them.

    python -m models.logos.evalset OUT            # OUT/kit (8 brands) and OUT/data (images, truth.json)
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


def make_evalset(out: Path, *, brands: int = 8, images: int = 300, empty: int = 200, rig_frames: bool = True) -> Path:
    """Write OUT/kit and OUT/data; returns the truth.json path. Scenes are 960x640 with one to four logos
    48 to 320 pixels wide (before turning), up to 30 degrees of turn, bent, lit, blurred, half partly covered."""
    make_kit(out / "kit", brands=brands, seed=EVAL_KIT_SEED)
    backdrops = None
    if rig_frames:
        from models.logos.training_data import rig_backdrops

        backdrops = rig_backdrops(16, (960, 640))
    kit = load_kit(out / "kit")
    return write_set(out / "data", kit, images=images, empty=empty, seed=EVAL_SCENE_SEED, backdrops=backdrops, logos=4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--brands", type=int, default=8)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--empty", type=int, default=200)
    args = parser.parse_args(argv)
    truth = make_evalset(args.out, brands=args.brands, images=args.images, empty=args.empty)
    print(f"wrote {args.out / 'kit'} and {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
