"""The confidence of a tag: one number from the detector's score and how closely, and how clearly, the box
matches a kit brand; a logistic model fitted on a validation set of brands no model was trained on."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from booth.errors import InputError
from booth.tagging.detector import Candidate
from booth.tagging.identify import Match

FEATURES = ("detector", "similarity", "margin", "open", "size")
"""The detector's score; the similarity to the matched brand; its lead over the next kit brand; its lead over
the nearest logo outside the kit; the box's size (log2 of its longer side in pixels, less 5): a small box
holds less of the logo to go on."""


@dataclass(frozen=True)
class Scoring:
    weights: tuple[float, ...]
    """One per feature, then the bias."""

    def confidence(self, candidate: Candidate, match: Match) -> float:
        """Probability that the box is a logo of the matched brand (IoU >= 0.5), as measured on validation."""
        z = float(np.dot(self.weights[:-1], features(candidate, match))) + self.weights[-1]
        return 1.0 / (1.0 + math.exp(-z))


def features(candidate: Candidate, match: Match) -> tuple[float, ...]:
    return (
        candidate.score,
        match.similarity,
        match.similarity - match.runner_up,
        match.similarity - match.other,
        math.log2(max(2.0, candidate.box[2] - candidate.box[0], candidate.box[3] - candidate.box[1])) - 5.0,
    )


def load_scoring(path: Path) -> Scoring:
    try:
        weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
        return Scoring(tuple(float(weights[name]) for name in (*FEATURES, "bias")))
    except FileNotFoundError:
        raise InputError(f"{path}: no such scoring file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a scoring file: weights {', '.join(FEATURES)} and bias ({exc})") from None
