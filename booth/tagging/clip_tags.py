"""A shot's tags into its clip's folder, where the uploader puts them in the delivery manifest. Tagging never
holds a clip back: any failure is written down as tags marked failed, with the reason, and the clip goes on."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from booth.config import BoothConfig
from booth.shot import Clip
from booth.stitch.calibration import Calibration
from booth.tagging.kit import load_kit
from booth.tagging.prepare import Progress
from booth.tagging.tagger import Tagger, image_files
from booth.tagging.tags import failed_json, write_tags

log = logging.getLogger("booth.tagging")


def open_tagger(config: BoothConfig, *, prepare: bool = True, progress: Progress | None = None) -> Tagger | None:
    """The booth's tagger from booth.toml's [tagging], or None when no kit is set. A kit not prepared for these
    models is prepared first (its progress to `progress`) unless `prepare` is False: then it tags with the
    shared models until someone prepares it. Raises on a bad kit or model."""
    section = config.tagging
    if section.kit is None:
        return None
    tagger = Tagger(
        load_kit(config.resolve(section.kit)),
        detector=config.resolve(section.detector) if section.detector else None,
        embedder=config.resolve(section.embedder) if section.embedder else None,
        accelerator=section.accelerator,
        engine_cache=config.data_dir / "tensorrt",  # TensorRT's engines, built once per model and GPU
    )
    tagger.ensure_prepared(prepare=prepare, minutes=section.prepare_minutes, progress=progress)
    return tagger


def tag_clip(
    config: BoothConfig,
    clip: Clip,
    frames: Path,
    tagger: Tagger | None = None,
    calibration: Calibration | None = None,
    progress: Progress | None = None,
) -> dict[str, Any] | None:
    """Tag the shot's frames, its views voting through the rig's calibration, and write DIR/tags.json; None
    (and no file) when the booth has no kit. A tagger opened here prepares a kit that needs it, its progress to
    `progress`."""
    kit = tagger.kit.folder if tagger else config.tagging.kit
    if kit is None:
        return None
    try:
        tagger = tagger or open_tagger(config, progress=progress)
        assert tagger is not None  # a kit is set
        document = tagger.tag_shot(image_files(frames), calibration)
    except Exception as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        log.warning("%s: not tagged (%s); the clip goes with its tags marked failed", clip.clip_id, reason)
        document = failed_json(tagger.name if tagger else "", kit.name, reason)
    write_tags(clip.directory / "tags.json", document)
    return document
