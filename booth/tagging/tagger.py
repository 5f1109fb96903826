"""Tagging frames: the detector finds logo-like things in batches, the identifier names their brands."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.atomic import file_sha256
from booth.errors import InputError
from booth.stitch.frames import decode, jpeg_info
from booth.tagging.crops import CROP_HEIGHT, CROP_WIDTH, crop
from booth.tagging.detector import Candidate, LogoDetector
from booth.tagging.identify import Identifier, Match
from booth.tagging.kit import BrandKit
from booth.tagging.runtime import Accelerator, load_model
from booth.tagging.scoring import load_scoring
from booth.tagging.tags import Detection, FrameTags, tags_json

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
DEFAULT_MIN_SCORE = 0.5
"""Least confidence for a tag, unless the brand's brand.toml sets its own min_score."""
MIN_SCORE_KEPT = 0.05
"""Below this confidence a detection is not even kept for evaluation's precision-recall curve."""
BATCH = 8


def bundled(name: str) -> Path:
    """A model file shipped in models/logos."""
    return Path(str(resources.files("models.logos") / name))


DETECTOR = "detector.onnx"
EMBEDDER = "embedder.onnx"
SCORING = "scoring.json"


@dataclass(frozen=True)
class Image:
    name: str
    pixels: np.ndarray
    scale: float
    """Source pixels per pixel of `pixels` (a JPEG is decoded at a reduced scale when it is large)."""


def read_image(path: Path, longest: int = 1200) -> Image:
    """An image file, a large JPEG decoded at 1/2, 1/4 or 1/8 so that its longest side stays >= `longest`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    info = jpeg_info(data)
    reduction = 1
    if info is not None and info.complete:
        while reduction < 8 and max(info.width, info.height) // (reduction * 2) >= longest:
            reduction *= 2
    pixels = (
        decode(data, reduction) if info is not None else cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    )
    if pixels is None:
        raise InputError(f"{path}: not a readable JPEG or PNG image")
    return Image(path.name, pixels, float(reduction))


def image_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of images")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise InputError(f"{folder}: no JPEG or PNG images in it")
    return files


def _batches(items: Iterable[Image], size: int) -> Iterator[list[Image]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def matched(
    detector: LogoDetector, identifier: Identifier, images: Sequence[Image]
) -> list[list[tuple[Candidate, Match]]]:
    """Each image's candidates, each with its nearest kit brand: one detector batch, one embedder pass."""
    found = detector.detect([i.pixels for i in images])
    crops = [crop(image.pixels, c.box) for image, cands in zip(images, found, strict=True) for c in cands]
    matches = iter(identifier.identify(np.stack(crops)) if crops else [])
    return [[(c, next(matches)) for c in candidates] for candidates in found]


class Tagger:
    """The event's kit and the two models, loaded once (providers chosen, kit references embedded)."""

    def __init__(
        self,
        kit: BrandKit,
        *,
        detector: Path | None = None,
        embedder: Path | None = None,
        scoring: Path | None = None,
        accelerator: Accelerator = "auto",
        threads: int = 0,
        batch: int = BATCH,
        engine_cache: Path | None = None,
    ) -> None:
        detector = detector or bundled(DETECTOR)
        embedder = embedder or bundled(EMBEDDER)
        scoring = scoring or bundled(SCORING)
        self.scoring = load_scoring(scoring)
        self.kit = kit
        self.batch = batch
        self.detector = LogoDetector(
            load_model(
                detector, what="logo detector", accelerator=accelerator, threads=threads, engine_cache=engine_cache
            )
        )
        embed_model = load_model(
            embedder,
            what="logo embedder",
            size=(CROP_HEIGHT, CROP_WIDTH),
            accelerator=accelerator,
            threads=threads,
            engine_cache=engine_cache,
            cpu_batch=64,
        )
        self.identifier = Identifier(embed_model, kit)
        self.name = "+".join(_fingerprint(p) for p in (detector, embedder, scoring))
        self._least = {b.brand_id: b.min_score or DEFAULT_MIN_SCORE for b in kit.brands}
        self.provider = self.detector.model.provider

    def scored(self, images: Sequence[Image]) -> list[list[Detection]]:
        """Every brand detection in each image, however low its confidence, best first: for evaluation."""
        out: list[list[Detection]] = []
        for image, pairs in zip(images, matched(self.detector, self.identifier, images), strict=True):
            detections = []
            for c, m in pairs:
                score = self.scoring.confidence(c, m)
                if score >= MIN_SCORE_KEPT:
                    box = tuple(round(v * image.scale) for v in c.box)
                    detections.append(Detection(m.brand, score, box))  # type: ignore[arg-type]
            out.append(sorted(detections, key=lambda d: -d.score))
        return out

    def tag(self, images: Sequence[Image]) -> list[FrameTags]:
        """Tags at or above each brand's minimum confidence."""
        return [
            FrameTags(image.name, [d for d in found if d.score >= self._least[d.brand]])
            for image, found in zip(images, self.scored(images), strict=True)
        ]

    def document(self, frames: Sequence[FrameTags]) -> dict[str, Any]:
        """tags.json for these frames, naming this tagger's models and kit."""
        return tags_json(self.name, self.kit.name, frames, {b.brand_id: b.name for b in self.kit.brands})

    def tag_files(self, paths: Sequence[Path]) -> list[FrameTags]:
        return [tags for chunk in self._read(paths) for tags in self.tag(chunk)]

    def scored_files(self, paths: Sequence[Path]) -> list[tuple[str, list[Detection]]]:
        """scored() over files: each file's name with all its detections."""
        return [
            (i.name, found) for chunk in self._read(paths) for i, found in zip(chunk, self.scored(chunk), strict=True)
        ]

    def _read(self, paths: Sequence[Path]) -> Iterator[list[Image]]:
        """Batches of images, decoded in threads (OpenCV lets go of the GIL) while the models run on the last."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            yield from _batches(pool.map(read_image, paths), self.batch)


def _fingerprint(path: Path) -> str:
    return f"{path.stem}-{file_sha256(path)[:8]}"
