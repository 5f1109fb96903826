"""Fit the tag confidence (booth/tagging/scoring.py) on a validation set of brands no model was trained on,
and write it beside the models.

    python -m models.logos.calibrate --out models/logos/scoring.json

The validation kit (seed 5) is neither the training brands (seed 1) nor the evaluation kit (seed 7): the
evaluation's figures stay those of a set nothing was fitted on."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from booth.tagging.crops import CROP_HEIGHT, CROP_WIDTH
from booth.tagging.detector import LogoDetector
from booth.tagging.identify import Identifier
from booth.tagging.kit import load_kit
from booth.tagging.metrics import iou
from booth.tagging.prepare import fit_logistic
from booth.tagging.runtime import load_model
from booth.tagging.scoring import FEATURES, features
from booth.tagging.tagger import DETECTOR, EMBEDDER, bundled, matched, read_image
from models.logos.evalset import VALIDATION_KIT_SEED, VALIDATION_SCENE_SEED, make_evalset


def candidate_features(folder: Path, detector: Path, embedder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The scoring features of every candidate on the set in `folder`, and whether each is a true tag: the
    right brand on a true box not claimed by a better candidate, at IoU >= 0.5."""
    kit = load_kit(folder / "kit")
    det = LogoDetector(load_model(detector, what="logo detector"))
    ident = Identifier(load_model(embedder, what="logo embedder", size=(CROP_HEIGHT, CROP_WIDTH)), kit)
    truth = json.loads((folder / "data" / "truth.json").read_text())["images"]
    rows: list[tuple[float, ...]] = []
    labels: list[bool] = []
    for k in range(0, len(truth), 8):
        entries = truth[k : k + 8]
        images = [read_image(folder / "data" / e["file"]) for e in entries]
        for entry, pairs in zip(entries, matched(det, ident, images), strict=True):
            claimed: set[int] = set()
            for c, m in sorted(pairs, key=lambda p: -p[0].score):
                hit = next(
                    (
                        j
                        for j, b in enumerate(entry["boxes"])
                        if j not in claimed and b["brand"] == m.brand and iou(c.box, tuple(b["box"])) >= 0.5
                    ),
                    None,
                )
                if hit is not None:
                    claimed.add(hit)
                rows.append(features(c, m))
                labels.append(hit is not None)
    return np.array(rows, np.float64), np.array(labels, np.float64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--detector", type=Path, default=bundled(DETECTOR))
    parser.add_argument("--embedder", type=Path, default=bundled(EMBEDDER))
    parser.add_argument("--images", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        make_evalset(
            Path(tmp),
            images=args.images,
            empty=args.images // 3,
            kit_seed=VALIDATION_KIT_SEED,
            scene_seed=VALIDATION_SCENE_SEED,
            foreign=True,
        )
        x, y = candidate_features(Path(tmp), args.detector, args.embedder)
    w = fit_logistic(x, y, l2=1e-3, steps=50)
    p = 1 / (1 + np.exp(-(np.c_[x, np.ones(len(x))] @ w)))
    kept = p >= 0.5
    document = {
        "weights": {k: round(float(v), 5) for k, v in zip((*FEATURES, "bias"), w, strict=True)},
        "fitted_on": {
            "kit_seed": VALIDATION_KIT_SEED,
            "scene_seed": VALIDATION_SCENE_SEED,
            "candidates": len(y),
            "true": int(y.sum()),
            "precision_at_0.5": round(float(y[kept].mean()), 4) if kept.any() else None,
        },
    }
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {args.out}: {document}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
