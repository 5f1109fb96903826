"""tags.json: which brands were found in which frames, with boxes in the source images' pixels."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booth.atomic import write_atomic
from booth.tagging.crossview import ShotTags


@dataclass(frozen=True)
class Detection:
    brand: str
    """The brand's folder name in the kit."""
    score: float
    box: tuple[int, int, int, int]
    """x0, y0, x1, y1 in the source image's pixels."""
    recovered: bool = False
    """Found by looking again where the shot's other views put a logo this frame's first look missed."""

    def to_json(self) -> dict[str, Any]:
        about = {"brand": self.brand, "score": round(self.score, 4), "box": list(self.box)}
        return {**about, "recovered": True} if self.recovered else about


@dataclass(frozen=True)
class FrameTags:
    file: str
    detections: list[Detection] = field(default_factory=list)


def tags_json(
    model: str, kit: str, frames: Sequence[FrameTags], names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The document: every frame with its detections, and per brand (with its name from `names`, the kit's
    brand.toml) the frames it is in and its best score."""
    brands: dict[str, dict[str, Any]] = {}
    for frame in frames:
        for d in frame.detections:
            about = {"name": names[d.brand]} if names and d.brand in names else {}
            entry = brands.setdefault(d.brand, {**about, "frames": [], "max_score": 0.0})
            if frame.file not in entry["frames"]:
                entry["frames"].append(frame.file)
            entry["max_score"] = max(entry["max_score"], round(d.score, 4))
    return {
        "status": "ok",
        "model": model,
        "kit": kit,
        "frames": [{"file": f.file, "detections": [d.to_json() for d in f.detections]} for f in frames],
        "brands": dict(sorted(brands.items())),
    }


def shot_json(
    shot: ShotTags, files: Sequence[str], names: Mapping[str, str], calibration: str | None
) -> dict[str, Any]:
    """tags.json's `shot` section: each brand the views agreed on, in how many views, its best box in each
    (`recovered` where a second look found it), and what no neighbouring view confirmed; `calibration` names the
    calibration the views were compared through."""
    return {
        "cross_view": True,
        "calibration": calibration,
        "dropped": [{"file": files[t.frame], "brand": t.brand, "score": round(t.score, 4)} for t in shot.dropped],
        "brands": {
            brand: {
                "name": names[brand],
                "views": len(seen),
                "best": [
                    {
                        "file": files[t.frame],
                        "box": [round(c) for c in t.box],
                        "score": round(t.score, 4),
                        **({"recovered": True} if t.recovered else {}),
                    }
                    for t in seen
                ],
            }
            for brand, seen in shot.brands.items()
        },
    }


def failed_json(model: str, kit: str, error: str) -> dict[str, Any]:
    """What a clip carries when tagging failed: the clip still goes, its tags marked failed with the reason."""
    return {"status": "failed", "model": model, "kit": kit, "error": error, "frames": [], "brands": {}}


def write_tags(path: Path, document: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode())
