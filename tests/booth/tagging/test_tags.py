"""tags.json as the agencies read it: frames with detections, and per brand the frames it is in."""

from __future__ import annotations

import json
from pathlib import Path

from booth.tagging.tags import Detection, FrameTags, failed_json, tags_json, write_tags


def test_tags_json_lists_frames_and_brands(tmp_path: Path) -> None:
    frames = [
        FrameTags("cam_00.jpg", [Detection("lumen", 0.931, (10, 20, 110, 60))]),
        FrameTags(
            "cam_01.jpg", [Detection("lumen", 0.88, (12, 20, 112, 61)), Detection("orbita", 0.7, (0, 0, 40, 40))]
        ),
        FrameTags("cam_02.jpg"),
    ]
    write_tags(tmp_path / "tags.json", tags_json("logo-detector-1", "launch-kit", frames))
    doc = json.loads((tmp_path / "tags.json").read_text())
    assert doc["status"] == "ok" and doc["model"] == "logo-detector-1" and doc["kit"] == "launch-kit"
    assert doc["frames"][0] == {
        "file": "cam_00.jpg",
        "detections": [{"brand": "lumen", "score": 0.931, "box": [10, 20, 110, 60]}],
    }
    assert doc["brands"] == {
        "lumen": {"frames": ["cam_00.jpg", "cam_01.jpg"], "max_score": 0.931},
        "orbita": {"frames": ["cam_01.jpg"], "max_score": 0.7},
    }


def test_a_failed_tagging_is_marked_and_still_a_document() -> None:
    doc = failed_json("logo-detector-1", "launch-kit", "model file is not ONNX")
    assert doc["status"] == "failed" and doc["error"] == "model file is not ONNX" and doc["brands"] == {}
