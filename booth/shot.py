"""The data passed between the booth's stages: a Shot of frames, and the Clip made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rig.base import FireReport, Frame

__all__ = ["Clip", "Frame", "MissingCamera", "Shot"]


@dataclass(frozen=True)
class MissingCamera:
    """A camera whose frame is not in the clip, and why."""

    index: int
    file: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "file": self.file, "reason": self.reason}


@dataclass
class Shot:
    """One press of the button: the frames every camera delivered for the same instant."""

    shot_id: str
    created_at: str
    rig_id: str
    camera_count: int
    frames: list[Frame] = field(default_factory=list)
    fire: FireReport | None = None


@dataclass(frozen=True)
class Clip:
    """A finished clip folder: clip.mp4, poster.jpg, the preview, and clip.json (its metadata)."""

    clip_id: str
    shot_id: str
    directory: Path
    metadata: dict[str, Any]

    @property
    def video(self) -> Path:
        return self.directory / "clip.mp4"

    @property
    def poster(self) -> Path:
        return self.directory / "poster.jpg"

    @property
    def preview(self) -> Path:
        return self.directory / str(self.metadata["files"]["preview"])
