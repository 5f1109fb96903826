"""`python -m models.logos.heldout OUT [--quick] [--seed N] [--workers N]`: write the held-out evaluation set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.logos.heldout import DEFAULT_SEED, MIN_SCORED_WIDTH
from models.logos.heldout.generate import FULL, QUICK, default_workers, timed
from models.logos.heldout.sources import MissingSource


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m models.logos.heldout",
        description="Write the held-out logo evaluation set: kits A and B, scenes, logo-free images, look-alikes.",
    )
    parser.add_argument("out", type=Path, help="new folder to write")
    parser.add_argument(
        "--quick", action="store_true", help="a small set for trying things: 3 brands a kit, 8 scenes, 4 logo-free"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}: the evaluation seed")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: up to 2)")
    args = parser.parse_args(argv)
    workers = args.workers if args.workers is not None else default_workers()
    try:
        counts, seconds = timed(args.out, seed=args.seed, sizes=QUICK if args.quick else FULL, workers=workers)
    except (MissingSource, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: " + ", ".join(f"{part} {n} images" for part, n in counts.items()) + f" in {seconds:.0f} s")
    for letter in ("a", "b"):
        print(
            f"  booth logos eval --kit {args.out / f'kit-{letter}'} --data {args.out / letter / 'scenes'} "
            f"--min-width {MIN_SCORED_WIDTH}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
