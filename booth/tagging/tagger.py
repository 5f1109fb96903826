"""Tagging frames: the detector finds logo-like things in batches, the identifier names their brands."""

from __future__ import annotations

import logging
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
from booth.stitch.calibration import Calibration
from booth.stitch.frames import decode, jpeg_info
from booth.tagging.crops import CROP_HEIGHT, CROP_WIDTH, crop
from booth.tagging.crossview import Box, View, agree, camera_number
from booth.tagging.detector import FLOOR, Candidate, LogoDetector
from booth.tagging.identify import Identifier, Match
from booth.tagging.kit import BrandKit
from booth.tagging.metrics import iou
from booth.tagging.prepare import (
    DEFAULT_MINUTES,
    Preparation,
    Progress,
    load_preparation,
    prepare,
    unprepared_state,
)
from booth.tagging.runtime import Accelerator, load_model
from booth.tagging.scoring import load_scoring
from booth.tagging.tags import Detection, FrameTags, shot_json, tags_json

log = logging.getLogger("booth.tagging")

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
    """The event's kit and the two models, loaded once (providers chosen, kit references embedded), with the
    kit's preparation when it has one for these models: its own classifier and confidence."""

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
        self.models = f"{_fingerprint(detector)}+{_fingerprint(embedder)}"
        """The two models a kit's preparation must have been made with."""
        self._shared_name = f"{self.models}+{_fingerprint(scoring)}"
        self.preparation = load_preparation(kit, self.models)
        references = (self.preparation.references, self.preparation.owners) if self.preparation else None
        self.identifier = Identifier(embed_model, kit, references=references)
        self.provider = self.detector.model.provider

    @property
    def name(self) -> str:
        """The models that made a tag, by file hash, and the kit preparation when there is one."""
        return self._name(self.preparation)

    def _name(self, preparation: Preparation | None) -> str:
        return f"{self.models}+kit-{preparation.digest[:8]}" if preparation else self._shared_name

    def least(self, brand: str) -> float:
        """The confidence a tag of `brand` needs: the brand's own min_score, else the preparation's, else 0.5."""
        return self._least(brand, self.preparation)

    def _least(self, brand: str, preparation: Preparation | None) -> float:
        own = self.kit.brand(brand).min_score
        if own is not None:
            return own
        return preparation.min_score if preparation else DEFAULT_MIN_SCORE

    def ensure_prepared(
        self, *, prepare: bool = True, minutes: float = DEFAULT_MINUTES, progress: Progress | None = None
    ) -> None:
        """A kit not prepared for these models is prepared now, staff told why; with `prepare` False, they are
        told it tags with the shared models until it is."""
        if self.preparation is not None:
            return
        if prepare:
            state = unprepared_state(self.kit)
            log.warning("%s: preparation %s; preparing the kit now (booth logos prepare)", self.kit.folder, state)
            self.prepare(minutes=minutes, progress=progress)
        else:
            log.warning("%s: not prepared; tagging with the shared models until it is", self.kit.folder)

    def prepare(self, *, minutes: float = DEFAULT_MINUTES, progress: Progress | None = None) -> Preparation:
        """Learn the kit (booth.tagging.prepare) and tag with what was learnt from now on."""
        self.preparation = prepare(
            self.kit, self.detector, self.identifier, self.models, minutes=minutes, progress=progress
        )
        return self.preparation

    def judge(self, candidate: Candidate, match: Match, preparation: Preparation | None) -> dict[str, float]:
        """How likely the detection is each kit brand's logo: every brand by the kit's own classifier when the
        kit is prepared, else the nearest brand alone by the shared confidence."""
        if preparation is not None:
            return preparation.judge(candidate, match)
        return {match.brand: self.scoring.confidence(candidate, match)}

    def judged(self, images: Sequence[Image]) -> list[list[tuple[Candidate, dict[str, float]]]]:
        """Every candidate in each image with its confidence for each brand."""
        return self._judged(images, self.preparation)

    def _judged(
        self, images: Sequence[Image], preparation: Preparation | None
    ) -> list[list[tuple[Candidate, dict[str, float]]]]:
        # one batch, one shot or one call is judged by one preparation throughout, read once by the caller: a
        # preparation that finishes meanwhile serves from the next
        pairs = matched(self.detector, self.identifier, images)
        return [[(c, self.judge(c, m, preparation)) for c, m in found] for found in pairs]

    def scored(self, images: Sequence[Image]) -> list[list[Detection]]:
        """Every brand detection in each image, however low its confidence, best first: for evaluation."""
        return self._scored(images, self.preparation)

    def _scored(self, images: Sequence[Image], preparation: Preparation | None) -> list[list[Detection]]:
        out: list[list[Detection]] = []
        for image, rows in zip(images, self._judged(images, preparation), strict=True):
            detections = []
            for c, scores in rows:
                brand, score = max(scores.items(), key=lambda item: item[1])
                if score >= MIN_SCORE_KEPT:
                    box = tuple(round(v * image.scale) for v in c.box)
                    detections.append(Detection(brand, score, box))  # type: ignore[arg-type]
            out.append(sorted(detections, key=lambda d: -d.score))
        return out

    def tag(self, images: Sequence[Image]) -> list[FrameTags]:
        """Tags at or above each brand's minimum confidence."""
        prep = self.preparation
        return [
            FrameTags(image.name, [d for d in found if d.score >= self._least(d.brand, prep)])
            for image, found in zip(images, self._scored(images, prep), strict=True)
        ]

    def document(self, frames: Sequence[FrameTags]) -> dict[str, Any]:
        """tags.json for these frames, naming the models, and the kit's preparation, that made them."""
        return self._document(frames, self.preparation)

    def _document(self, frames: Sequence[FrameTags], preparation: Preparation | None) -> dict[str, Any]:
        return tags_json(self._name(preparation), self.kit.name, frames, self._brand_names())

    def _brand_names(self) -> dict[str, str]:
        return {b.brand_id: b.name for b in self.kit.brands}

    def tag_files(self, paths: Sequence[Path]) -> list[FrameTags]:
        return [tags for chunk in self._read(paths) for tags in self.tag(chunk)]

    def tag_shot(self, paths: Sequence[Path], calibration: Calibration | None = None) -> dict[str, Any]:
        """tags.json for one shot's frames (cam_NN files), the views voting (booth.tagging.crossview): each frame
        keeps what its neighbours confirm, and views that missed a confirmed logo are looked at again. With the
        rig's calibration the neighbours' boxes are compared in rig space; without it, in frame pixels."""
        prep = self.preparation  # read once: a preparation finishing mid-shot waits for the next shot
        images: list[Image] = []
        views: list[View] = []
        found: list[list[Candidate]] = []
        for chunk in self._read(paths):
            for image, rows in zip(chunk, self._judged(chunk, prep), strict=True):
                k = len(images)
                images.append(image)
                found.append([c for c, _scores in rows])
                views.extend(
                    View(k, scores, tuple(v * image.scale for v in c.box))  # type: ignore[arg-type]
                    for c, scores in rows
                    if max(scores.values()) >= MIN_SCORE_KEPT
                )
        numbers = [camera_number(i.name) for i in images]
        order = [n if n is not None else k for k, n in enumerate(numbers)]
        transforms = [_transform(calibration, n) for n in numbers]
        sizes = [(round(i.pixels.shape[1] * i.scale), round(i.pixels.shape[0] * i.scale)) for i in images]

        def probe(frame: int, box: Box) -> dict[str, float]:
            """The predicted box cropped and judged afresh, with the detector's best score near it."""
            image = images[frame]
            local: Box = (box[0] / image.scale, box[1] / image.scale, box[2] / image.scale, box[3] / image.scale)
            near = [c.score for c in found[frame] if iou(c.box, local) >= 0.3]
            match = self.identifier.identify(crop(image.pixels, local)[None])[0]
            return self.judge(Candidate(local, max(near, default=FLOOR)), match, prep)

        shot = agree(views, transforms, order, sizes, lambda brand: self._least(brand, prep), probe)
        frames = [
            FrameTags(
                image.name,
                [
                    Detection(t.brand, t.score, tuple(round(c) for c in t.box), t.recovered)  # type: ignore[arg-type]
                    for t in shot.tags
                    if t.frame == k
                ],
            )
            for k, image in enumerate(images)
        ]
        section = shot_json(
            shot, [i.name for i in images], self._brand_names(), calibration.id if calibration else None
        )
        return {**self._document(frames, prep), "shot": section}

    def scored_files(self, paths: Sequence[Path]) -> list[tuple[str, list[Detection]]]:
        """scored() over files: each file's name with all its detections."""
        return [
            (i.name, found) for chunk in self._read(paths) for i, found in zip(chunk, self.scored(chunk), strict=True)
        ]

    def _read(self, paths: Sequence[Path]) -> Iterator[list[Image]]:
        """Batches of images, decoded in threads (OpenCV lets go of the GIL) while the models run on the last."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            yield from _batches(pool.map(read_image, paths), self.batch)


def _transform(calibration: Calibration | None, camera: int | None) -> np.ndarray:
    """A frame's pixels to rig space: the calibration's similarity for its camera, else the frame as it is."""
    if calibration is not None and camera is not None:
        try:
            return calibration.camera(camera).transform
        except KeyError:
            pass
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _fingerprint(path: Path) -> str:
    return f"{path.stem}-{file_sha256(path)[:8]}"
