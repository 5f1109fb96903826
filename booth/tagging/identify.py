"""Which brand of the kit a detected logo is: its crop's embedding against reference views of every logo file."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import cv2
import numpy as np

from booth.errors import InputError
from booth.tagging.augment import bend, tilt
from booth.tagging.crops import crop
from booth.tagging.kit import BrandKit
from booth.tagging.runtime import Model
from models.logos.brands import brand_logos

VIEWS_PER_LOGO = 24
"""Reference views rendered of each logo file: sizes from tiny to large, turned, bent, lit, on varied grounds."""
OTHER_BRANDS = range(3000, 3040)
"""Fictional brands (make_brand seeds) standing for every logo that is not in the kit; neither trained on nor
used to evaluate or calibrate (those are seeds 1000..1999, 5000..6999 and 7000..8999)."""
VIEWS_PER_OTHER = 4


@dataclass(frozen=True)
class Match:
    brand: str
    """The nearest kit brand's folder name."""
    similarity: float
    """Cosine similarity to the nearest reference view of that brand."""
    runner_up: float
    """The same for the nearest other brand of the kit."""
    other: float
    """The same for the nearest logo of a brand outside the kit: a logo nearer to one of those than to the kit
    is most likely a logo the kit does not hold."""
    embedding: np.ndarray = field(compare=False, repr=False, default_factory=lambda: np.zeros(0, np.float32))
    """The crop's embedding, for a prepared kit's own classifier."""
    per_brand: np.ndarray = field(compare=False, repr=False, default_factory=lambda: np.zeros(0, np.float32))
    """Similarity to the nearest reference view of each kit brand, in the kit's order."""


def _ground(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    kind = int(rng.integers(3))
    if kind == 0:  # a plain shirt or wall
        return np.full((height, width, 3), rng.integers(0, 256, 3), np.uint8)
    base = rng.integers(0, 256, (max(2, height // 24), max(2, width // 24), 3), dtype=np.uint8)
    ground = cv2.resize(base, (width, height), interpolation=cv2.INTER_CUBIC)
    if kind == 2:  # fabric or print: fine noise on top
        ground = np.clip(ground + rng.integers(0, 30, size=ground.shape), 0, 255).astype(np.uint8)
    return ground


def reference_view(rgba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One logo file as the embedder would see it in a frame: pasted at a random size, turned and bent, lit,
    a little blurred, cropped by its box."""
    width = int(rng.choice([32, 48, 72, 110, 180]))
    height = max(6, round(rgba.shape[0] * width / rgba.shape[1]))
    logo = cv2.resize(rgba, (width, height), interpolation=cv2.INTER_AREA)
    logo = tilt(bend(logo, rng), rng, 25.0)
    h, w = logo.shape[:2]
    pad = 16
    ground = _ground(rng, w + 2 * pad, h + 2 * pad)
    alpha = logo[:, :, 3:4].astype(np.float32) / 255.0
    ink = np.clip(logo[:, :, :3].astype(np.float32) * float(rng.uniform(0.6, 1.2)), 0, 255)
    region = ground[pad : pad + h, pad : pad + w].astype(np.float32)
    ground[pad : pad + h, pad : pad + w] = (region * (1 - alpha) + ink * alpha).astype(np.uint8)
    sigma = float(rng.uniform(0, 1.2))
    if sigma > 0.3:
        ground = cv2.GaussianBlur(ground, (0, 0), sigma)
    ys, xs = np.nonzero(alpha[:, :, 0] > 0.5)
    if xs.size == 0:  # thin strokes shrunk to a few pixels: no pixel is half covered any more
        return crop(ground, (float(pad), float(pad), float(pad + w), float(pad + h)))
    return crop(ground, (pad + xs.min(), pad + ys.min(), pad + xs.max() + 1.0, pad + ys.max() + 1.0))


def embed(model: Model, crops: np.ndarray) -> np.ndarray:
    """(N, 48, 96, 3) uint8 crops to (N, D) unit vectors (the model runs them in batches its provider suits)."""
    return model.run(crops.transpose(0, 3, 1, 2).astype(np.float32))


class Identifier:
    """The kit's reference embeddings, made once at load; then nearest-brand look-ups for detections."""

    def __init__(
        self,
        model: Model,
        kit: BrandKit,
        *,
        views: int = VIEWS_PER_LOGO,
        references: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """`references`: embeddings and their owners (kit brand index, -1 outside the kit) made earlier for this
        kit and model (a prepared kit keeps them), instead of rendering and embedding them again."""
        if len(model.output_shape) != 2 or model.output_shape[0] != 1:
            raise InputError(f"{model.path}: gives {model.output_shape} for a crop, not one embedding vector")
        self.model = model
        self.kit = kit
        if references is not None:
            self.references, self.owners = references
            return
        crops: list[np.ndarray] = []
        owners: list[int] = []
        for b, brand in enumerate(kit.brands):
            for logo in brand.logos:
                crops.extend(logo_views(logo.rgba, views))
                owners.extend([b] * views)
        others = _other_views()
        owners.extend([-1] * len(others))
        self.references = embed(model, np.concatenate([np.stack(crops), others]))
        self.owners = np.array(owners)

    def identify(self, crops: np.ndarray) -> list[Match]:
        if len(crops) == 0:
            return []
        embeddings = embed(self.model, crops)
        similarity = embeddings @ self.references.T
        per_brand = np.full((len(crops), len(self.kit.brands)), -1.0, np.float32)
        for b in range(len(self.kit.brands)):
            per_brand[:, b] = similarity[:, self.owners == b].max(axis=1)
        other = similarity[:, self.owners == -1].max(axis=1)
        order = np.argsort(-per_brand, axis=1)
        matches = []
        for k in range(len(crops)):
            best = int(order[k, 0])
            second = float(per_brand[k, order[k, 1]]) if per_brand.shape[1] > 1 else -1.0
            matches.append(
                Match(
                    self.kit.brands[best].brand_id,
                    float(per_brand[k, best]),
                    second,
                    float(other[k]),
                    embeddings[k],
                    per_brand[k],
                )
            )
        return matches


@functools.cache
def _other_views() -> np.ndarray:
    """The reference views of the brands outside every kit: the same for every kit, so rendered once."""
    return np.stack(
        [
            v
            for seed in OTHER_BRANDS
            for rgba in brand_logos(seed)[1].values()
            for v in logo_views(rgba, VIEWS_PER_OTHER)
        ]
    )


def logo_views(rgba: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` reference views of one logo, seeded by its pixels: the same kit always gives the same
    references, hence the same tags."""
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(rgba.tobytes()).digest()[:8], "little"))
    return [reference_view(rgba, rng) for _ in range(count)]
