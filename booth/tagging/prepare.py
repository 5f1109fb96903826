"""Kit preparation: the event's own brands learnt before the event, on the booth's CPU, and kept beside the kit.

The shared models know what a logo looks like and how to describe one; a prepared kit adds what only this kit
can teach: a classifier over the embedder's description that tells the kit's brands from each other and from
everything else (other brands, recoloured look-alikes, whatever the detector finds on photographs), and a tag
confidence fitted on scenes of the kit's own logos. It needs numpy and the two ONNX models, nothing more.

A preparation lives in KIT/.prepared/<digest>/ and is used only while the kit's files hash to that digest and
the models are the ones it was made with."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.atomic import staged_folder
from booth.errors import InputError
from booth.tagging.crops import crop
from booth.tagging.detector import Candidate, LogoDetector
from booth.tagging.identify import OTHER_BRANDS, Identifier, Match, embed, logo_views
from booth.tagging.kit import Brand, BrandKit, Logo
from booth.tagging.metrics import iou

log = logging.getLogger("booth.tagging")

PREPARE_VERSION = 1
"""Bumped when what a preparation holds, or how it is made, changes: older ones are made again."""
FOLDER = ".prepared"
DEFAULT_MINUTES = 3.0
ALIKE = 0.93
"""Two logo files of different brands whose clean views embed closer than this cannot be told apart."""
CONFIDENCE_FEATURES = ("detector", "classifier", "similarity", "margin", "open", "size")
DRAWN_OTHERS = range(23000, 23040)
"""Drawn brands (models.logos.artwork seeds) that stand, with identify.OTHER_BRANDS, for logos outside the kit."""
SCENE = (768, 512)
MIN_SCENES = 12
"""Scenes a stage makes however short the budget: a classifier and a confidence need something to fit."""
SCENES_PER_MINUTE = 150
"""Scenes a minute of budget buys: measured about 450 scenes (and their check) in 52 s for a 10-brand kit on this
project's 2-core machine, taken at a third for slower laptops; at most SCENES_PER_BRAND per brand are made."""
SCENES_PER_BRAND = 30
LOGO_CROPS = 60
"""Crops of each logo file as a camera would see it."""
TARGET_PRECISION = 0.95
"""The least confidence a prepared kit tags at is set where its check scenes reach this precision..."""
MAX_THRESHOLD = 0.8
"""...but no higher than this: above it a shot's views have too few sure ones left to vote with."""
MIN_JUDGED = 30

Progress = Callable[[str, float], None]
"""What preparation is doing, and how far along it is overall (0 to 1)."""


def kit_digest(kit: BrandKit) -> str:
    """SHA-256 over every brand's brand.toml and logo files (names and bytes): any changed file changes it."""
    digest = hashlib.sha256()
    for brand in kit.brands:
        folder = kit.folder / brand.brand_id
        for path in sorted([folder / "brand.toml", *(logo.path for logo in brand.logos)]):
            digest.update(f"{brand.brand_id}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Preparation:
    """A kit's classifier and tag confidence, for one kit digest and one pair of models."""

    digest: str
    models: str
    brands: tuple[str, ...]
    weights: np.ndarray
    """(D, B + 1): the kit's B brands, then "not a kit logo"."""
    bias: np.ndarray
    confidence: np.ndarray
    """Logistic weights over CONFIDENCE_FEATURES, then the bias."""
    min_score: float
    references: np.ndarray
    owners: np.ndarray
    report: dict[str, Any]

    def judge(self, candidate: Candidate, match: Match) -> dict[str, float]:
        """For each kit brand, the probability that this detection is that brand's logo."""
        probs = _probabilities(match.embedding, self.weights, self.bias)
        rows = np.stack([_features(candidate, match, probs, b) for b in range(len(self.brands))])
        z = rows @ self.confidence[:-1] + self.confidence[-1]
        return dict(zip(self.brands, (1.0 / (1.0 + np.exp(-z))).tolist(), strict=True))


def _probabilities(embedding: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The classifier's probability of each kit brand, then of "not a kit logo"."""
    logits = embedding @ weights + bias
    probs = np.exp(logits - logits.max())
    return probs / probs.sum()


def _features(candidate: Candidate, match: Match, probs: np.ndarray, b: int) -> np.ndarray:
    sims = match.per_brand
    others = np.delete(sims, b)
    p = float(np.clip(probs[b], 1e-6, 1 - 1e-6))
    return np.array(
        [
            candidate.score,
            math.log(p / (1 - p)),
            float(sims[b]),
            float(sims[b] - (others.max() if others.size else -1.0)),
            float(sims[b] - match.other),
            math.log2(max(2.0, candidate.box[2] - candidate.box[0], candidate.box[3] - candidate.box[1])) - 5.0,
        ]
    )


def prepared_folder(kit: BrandKit) -> Path:
    return kit.folder / FOLDER


def load_preparation(kit: BrandKit, models: str) -> Preparation | None:
    """The kit's preparation if it is for these files and these models, else None (missing or stale)."""
    digest = kit_digest(kit)
    folder = prepared_folder(kit) / digest[:16]
    try:
        about = json.loads((folder / "prepared.json").read_text(encoding="utf-8"))
        if about.get("version") != PREPARE_VERSION or about.get("models") != models:
            return None
        if about.get("digest") != digest or about.get("brands") != [b.brand_id for b in kit.brands]:
            return None
        with np.load(folder / "arrays.npz") as arrays:
            return Preparation(
                about["digest"],
                models,
                tuple(about["brands"]),
                arrays["weights"],
                arrays["bias"],
                arrays["confidence"],
                float(about["min_score"]),
                arrays["references"],
                arrays["owners"],
                about.get("report", {}),
            )
    except (OSError, ValueError, KeyError):
        return None


def preparation_state(kit: BrandKit, models: str) -> str:
    """ "ready", "stale" (made for other files or models) or "missing": for staff and for the commands."""
    return "ready" if load_preparation(kit, models) is not None else unprepared_state(kit)


def unprepared_state(kit: BrandKit) -> str:
    """For a kit with no preparation for these models: "stale" if one was made for other files or models, else
    "missing"."""
    return "stale" if prepared_folder(kit).is_dir() and any(prepared_folder(kit).iterdir()) else "missing"


# --- what preparation learns from ------------------------------------------------------------------------------


def _recoloured(logo: Logo, rng: np.random.Generator) -> Logo:
    """The logo's shapes in other, saturated colours: a look-alike the kit's brand must not be taken for."""
    rgba = logo.rgba.copy()
    hsv = cv2.cvtColor(np.ascontiguousarray(rgba[:, :, :3]), cv2.COLOR_BGR2HSV).astype(np.int32)
    hsv[:, :, 0] = (hsv[:, :, 0] + int(rng.integers(40, 140))) % 180
    hsv[:, :, 1] = np.maximum(hsv[:, :, 1], 140)
    hsv[:, :, 2] = np.clip(hsv[:, :, 2], 70, 255)
    rgba[:, :, :3] = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
    return Logo(logo.path, f"{logo.variant}-recoloured", rgba)


def _mono(logo: Logo, rng: np.random.Generator) -> Logo:
    """The logo in one ink, as screen prints are: near-black, near-white or a grey."""
    rgba = logo.rgba.copy()
    rgba[:, :, :3] = int(rng.choice([25, 60, 200, 240]))
    return Logo(logo.path, f"{logo.variant}-mono", rgba)


def outside_brands(seeds: Iterable[int] = (*OTHER_BRANDS, *DRAWN_OTHERS)) -> BrandKit:
    """Brands outside every kit, in memory: by default the open-set references' brands and drawn ones; seeds
    not among OTHER_BRANDS are drawn (models.logos.artwork)."""
    from models.logos.artwork import art_brand
    from models.logos.brands import brand_logos

    brands = []
    for seed in seeds:
        try:
            name, logos = brand_logos(seed) if seed in OTHER_BRANDS else art_brand(seed)
        except RuntimeError:  # no TTF fonts on this machine: the drawn brands are left out, the others serve
            continue
        brands.append(
            Brand(
                f"other-{seed}",
                name,
                None,
                tuple(Logo(Path(f"{seed}-{v}.png"), v, rgba) for v, rgba in logos.items()),
            )
        )
    return BrandKit(Path("others"), tuple(brands))


def _lookalikes(kit: BrandKit, rng: np.random.Generator) -> BrandKit:
    brands = [
        Brand(f"lookalike-{b.brand_id}", b.name, None, tuple(_recoloured(logo, rng) for logo in b.logos))
        for b in kit.brands
    ]
    return BrandKit(Path("lookalikes"), tuple(brands))


def _with_mono(kit: BrandKit, rng: np.random.Generator) -> BrandKit:
    """The kit with a one-ink print of every logo added: a shirt printed in white is still the brand."""
    return BrandKit(
        kit.folder,
        tuple(
            Brand(b.brand_id, b.name, b.min_score, (*b.logos, *(_mono(logo, rng) for logo in b.logos)))
            for b in kit.brands
        ),
    )


@dataclass
class Samples:
    labels: list[int]
    """Kit brand index, or -1: not a kit logo."""
    candidates: list[Candidate]
    matches: list[Match]


def _scene_samples(
    kit: BrandKit,
    detector: LogoDetector,
    identifier: Identifier,
    negatives: BrandKit,
    rng: np.random.Generator,
    count: int,
    tick: Callable[[float], None],
) -> Samples:
    """Scenes of the kit's logos beside other brands and look-alikes, printed and photographed as training does;
    every detection labelled by the true box it finds (IoU >= 0.5, right brand) or as not a kit logo."""
    from models.logos.composite import printed_scene

    index = {b.brand_id: k for k, b in enumerate(kit.brands)}
    out = Samples([], [], [])
    made = 0
    while made < count:
        batch = []
        for _ in range(4):
            image, placed = printed_scene(
                kit, rng, width=SCENE[0], height=SCENE[1], logos=int(rng.integers(0, 4)), others=negatives
            )
            batch.append((image, placed))
        found = detector.detect([image for image, _ in batch])
        crops, owners = [], []
        for (image, placed), candidates in zip(batch, found, strict=True):
            for c in candidates:
                hit = next((p for p in placed if iou(c.box, p.box) >= 0.5), None)
                crops.append(crop(image, c.box))
                owners.append((c, index[hit.brand] if hit else -1))
        if crops:
            for (c, label), m in zip(owners, identifier.identify(np.stack(crops)), strict=True):
                out.labels.append(label)
                out.candidates.append(c)
                out.matches.append(m)
        made += len(batch)
        tick(made / count)
    return out


def _logo_samples(
    kit: BrandKit, identifier: Identifier, rng: np.random.Generator, per_logo: int
) -> tuple[np.ndarray, np.ndarray]:
    """Crops of every kit logo (and its one-ink print) as a camera would see it, cut by a slightly wrong box."""
    from models.logos.training_data import logo_crop

    crops, labels = [], []
    for k, brand in enumerate(kit.brands):
        for logo in brand.logos:
            for _ in range(per_logo):
                rgba = _mono(logo, rng).rgba if rng.random() < 0.2 else logo.rgba
                crops.append(logo_crop(rgba, rng, jitter=0.1))
                labels.append(k)
    return embed(identifier.model, np.stack(crops)), np.array(labels)


# --- fitting ---------------------------------------------------------------------------------------------------


def fit_classifier(
    x: np.ndarray, labels: np.ndarray, classes: int, *, l2: float = 1e-3, steps: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (the last class: not a kit logo) by Adam on the full batch, each class
    weighted to the same total so that a few hundred crops of a brand count as much as thousands of others."""
    y = np.where(labels < 0, classes, labels)
    counts = np.bincount(y, minlength=classes + 1).astype(np.float64)
    sample_w = (1.0 / np.maximum(counts, 1))[y]
    sample_w /= sample_w.sum()
    onehot = np.eye(classes + 1)[y]
    w = np.zeros((x.shape[1], classes + 1))
    b = np.zeros(classes + 1)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    lr, beta1, beta2 = 0.05, 0.9, 0.999
    for t in range(1, steps + 1):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w[:, None]
        g_w, g_b = x.T @ g + l2 * w, g.sum(axis=0)
        for param, grad, first, second in ((w, g_w, m_w, v_w), (b, g_b, m_b, v_b)):
            np.multiply(first, beta1, out=first)
            np.add(first, (1 - beta1) * grad, out=first)
            np.multiply(second, beta2, out=second)
            np.add(second, (1 - beta2) * grad * grad, out=second)
            np.subtract(param, lr * (first / (1 - beta1**t)) / (np.sqrt(second / (1 - beta2**t)) + 1e-8), out=param)
    return w.astype(np.float32), b.astype(np.float32)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 40) -> np.ndarray:
    """Logistic regression by Newton's method: weights for the columns of x, then the bias."""
    design = np.c_[x, np.ones(len(x))]
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - y) + l2 * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def _alike_pairs(kit: BrandKit, identifier: Identifier) -> None:
    """Refuse a kit two of whose brands share a logo, or nearly: no tag could say which of them it saw."""
    files: list[tuple[Brand, Logo, bytes]] = [
        (b, logo, hashlib.sha256(logo.rgba.tobytes()).digest()) for b in kit.brands for logo in b.logos
    ]
    for i, (bi, li, hi) in enumerate(files):
        for bj, lj, hj in files[i + 1 :]:
            if bi.brand_id != bj.brand_id and hi == hj:
                raise InputError(
                    f"{li.path} and {lj.path}: the same logo in two brands ({bi.brand_id}, {bj.brand_id}); "
                    "no tag could tell them apart: remove one or merge the brands"
                )
    means = []
    for _, logo, _ in files:
        e = embed(identifier.model, np.stack(logo_views(logo.rgba, 8))).mean(axis=0)
        means.append(e / max(1e-6, float(np.linalg.norm(e))))
    sims = np.stack(means) @ np.stack(means).T
    for i, (bi, li, _) in enumerate(files):
        for j in range(i + 1, len(files)):
            bj, lj, _ = files[j]
            if bi.brand_id != bj.brand_id and sims[i, j] >= ALIKE:
                raise InputError(
                    f"{li.path} and {lj.path}: logos of {bi.brand_id} and {bj.brand_id} are too alike to tell "
                    f"apart (similarity {sims[i, j]:.2f}); give each brand its own artwork or merge them"
                )


def prepare(
    kit: BrandKit,
    detector: LogoDetector,
    identifier: Identifier,
    models: str,
    *,
    minutes: float = DEFAULT_MINUTES,
    progress: Progress | None = None,
    seed: int = 0,
) -> Preparation:
    """Learn the kit with the scenes `minutes` of budget buy (the same kit and budget always give the same
    preparation) and write it beside the kit, replacing older ones."""
    started = time.monotonic()
    digest = kit_digest(kit)  # the files as learning found them: a file changed meanwhile makes it stale at once
    say = progress or (lambda stage, fraction: None)
    rng = np.random.default_rng(seed)
    say("checking the kit's logos", 0.0)
    _alike_pairs(kit, identifier)
    negatives = BrandKit(Path("negatives"), (*outside_brands().brands, *_lookalikes(kit, rng).brands))
    scenes_kit = _with_mono(kit, rng)
    brands = len(kit.brands)
    logos = sum(len(b.logos) for b in kit.brands)

    say("the kit's logos as cameras see them", 0.05)
    logo_x, logo_y = _logo_samples(kit, identifier, rng, LOGO_CROPS)

    # counts, not deadlines, so that a kit and a budget always give the same preparation on any machine
    scene_count = max(MIN_SCENES, min(SCENES_PER_BRAND * brands, round(minutes * SCENES_PER_MINUTE)))

    def tick_train(f: float) -> None:
        say("scenes of the kit among other logos", 0.1 + 0.6 * f)

    train = _scene_samples(scenes_kit, detector, identifier, negatives, rng, scene_count, tick_train)
    say("fitting the kit's classifier", 0.7)
    x = np.concatenate([logo_x, *(m.embedding[None] for m in train.matches)])
    y = np.concatenate([logo_y, np.array(train.labels, np.int64)])
    weights, bias = fit_classifier(x, y, brands)

    def tick_check(f: float) -> None:
        say("checking on scenes it has not seen", 0.72 + 0.23 * f)

    check = _scene_samples(
        scenes_kit, detector, identifier, negatives, rng, max(MIN_SCENES, scene_count // 2), tick_check
    )
    rows, right = [], []
    for c, m, label in zip(
        train.candidates + check.candidates, train.matches + check.matches, train.labels + check.labels, strict=True
    ):
        probs = _probabilities(m.embedding, weights, bias)
        b = int(np.argmax(probs[:-1]))
        rows.append(_features(c, m, probs, b))
        right.append(float(label == b))
    x_conf, truth = np.stack(rows), np.array(right)
    confidence = fit_logistic(x_conf, truth)
    held = slice(len(train.labels), None)  # the confidence's threshold is read on the scenes the classifier missed
    scores = 1 / (1 + np.exp(-(np.c_[x_conf, np.ones(len(rows))] @ confidence)))
    min_score = _threshold(scores[held], truth[held])
    report = {
        "brands": brands,
        "logo_files": logos,
        "logo_crops": len(logo_y),
        "scene_candidates": len(train.labels),
        "check_candidates": len(check.labels),
        "check_precision": _precision(scores[held], truth[held], min_score),
        "check_recall_of_found": _recall(scores[held], truth[held], min_score),
        "seconds": round(time.monotonic() - started, 1),
    }
    preparation = Preparation(
        digest,
        models,
        tuple(b.brand_id for b in kit.brands),
        weights,
        bias,
        confidence.astype(np.float64),
        min_score,
        identifier.references,
        identifier.owners,
        report,
    )
    say("saving", 0.97)
    save_preparation(kit, preparation)
    say("ready", 1.0)
    log.info("kit %s prepared in %.0f s: %s", kit.name, time.monotonic() - started, report)
    return preparation


def _threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The least confidence, from 0.5 to MAX_THRESHOLD, at which these scores reach TARGET_PRECISION; 0.5 when
    too few detections pass to say (a short preparation's check scenes hold only a few dozen)."""
    for t in np.arange(0.5, MAX_THRESHOLD + 1e-9, 0.01):
        if (scores >= t).sum() < MIN_JUDGED:
            break
        if _precision(scores, truth, float(t)) >= TARGET_PRECISION:
            return round(float(t), 2)
    return 0.5 if (scores >= 0.5).sum() < MIN_JUDGED else MAX_THRESHOLD


def _precision(scores: np.ndarray, truth: np.ndarray, t: float) -> float:
    kept = scores >= t
    return round(float(truth[kept].mean()), 4) if kept.any() else 1.0


def _recall(scores: np.ndarray, truth: np.ndarray, t: float) -> float:
    return round(float((truth[scores >= t]).sum() / max(1.0, truth.sum())), 4)


def save_preparation(kit: BrandKit, preparation: Preparation) -> Path:
    """Write KIT/.prepared/<digest>/ whole (staged, then renamed), and remove older preparations."""
    root = prepared_folder(kit)
    root.mkdir(exist_ok=True)
    final = root / preparation.digest[:16]
    if final.exists():
        shutil.rmtree(final)
    with staged_folder(final) as stage:
        np.savez(
            stage / "arrays.npz",
            weights=preparation.weights,
            bias=preparation.bias,
            confidence=preparation.confidence,
            references=preparation.references,
            owners=preparation.owners,
        )
        about = {
            "version": PREPARE_VERSION,
            "digest": preparation.digest,
            "models": preparation.models,
            "brands": list(preparation.brands),
            "min_score": preparation.min_score,
            "confidence_features": list(CONFIDENCE_FEATURES),
            "report": preparation.report,
        }
        (stage / "prepared.json").write_text(json.dumps(about, indent=1) + "\n", encoding="utf-8")
    for old in root.iterdir():
        if old != final and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return final
