"""The development set: the training generator's drawn brands and printed scenes, at seeds nothing trains on.

    python -m models.logos.devset OUT     # OUT/kit (10 drawn brands), OUT/scenes (images, truth.json)
    booth logos eval --kit OUT/kit --data OUT/scenes --min-width 40

Choices about kit preparation and identification (features, budgets, thresholds) are made on this set; the
held-out set (models/logos/heldout) is only ever reported on. The scenes are made the way training's are
(composite.printed_scene) so the two sets differ in everything the held-out generator does its own way."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.tagging.kit import load_kit
from booth.tagging.prepare import outside_brands
from models.logos.artwork import make_art_brand
from models.logos.composite import printed_scene

DEV_ART_SEEDS = range(26000, 26010)
"""The kit's drawn brands: not training's (20000...), nor the preparation's outside brands (23000...)."""
DEV_OTHER_SEEDS = range(26100, 26130)
"""Brands printed beside the kit's, outside it."""
DEV_SCENE_SEED = 2611


def make_devset(out: Path, *, scenes: int = 150, empty: int = 50, seed: int = DEV_SCENE_SEED) -> Path:
    """Write OUT/kit and OUT/scenes (960x640 JPEGs, one to four kit logos each, one or two of other brands;
    `empty` with other brands only); returns truth.json's path."""
    for k, art_seed in enumerate(DEV_ART_SEEDS):
        make_art_brand(out / "kit" / f"dev_{k:02d}", art_seed)
    kit = load_kit(out / "kit")
    others = outside_brands(DEV_OTHER_SEEDS)
    folder = out / "scenes"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    images: list[dict[str, Any]] = []
    for k in range(scenes + empty):
        logos = int(rng.integers(1, 5)) if k < scenes else 0
        image, placed = printed_scene(kit, rng, width=960, height=640, logos=logos, max_width=360, others=others)
        name = f"{'scene' if logos else 'empty'}_{k:04d}.jpg"
        cv2.imwrite(str(folder / name), image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(75, 95))])
        images.append({"file": name, "boxes": [{"brand": p.brand, "box": list(p.box)} for p in placed]})
    path = folder / "truth.json"
    path.write_text(json.dumps({"kit": "dev", "seed": seed, "images": images}, indent=1) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scenes", type=int, default=150)
    parser.add_argument("--empty", type=int, default=50)
    args = parser.parse_args(argv)
    truth = make_devset(args.out, scenes=args.scenes, empty=args.empty)
    print(f"wrote {args.out / 'kit'} and {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
