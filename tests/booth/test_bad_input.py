"""Bad input: one line that names the file or value, a non-zero exit, no traceback, nothing half-written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import BoothRun, Rendered, imread, render, run_booth, run_stitch


def assert_refused(result: BoothRun, *words: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def untouched(folder: Path) -> bool:
    return not folder.exists()


def test_empty_folder(tmp_path: Path, small_calibration: Path) -> None:
    empty = tmp_path / "frames"
    empty.mkdir()
    out = tmp_path / "out"
    assert_refused(
        run_stitch(empty, small_calibration, out),
        str(empty),
        "no JPEG",
    )
    assert untouched(out)
    assert_refused(run_booth("calibrate", str(empty), "--out", str(tmp_path / "cal.json")), "no JPEG")
    assert not (tmp_path / "cal.json").exists()


def test_missing_folder(tmp_path: Path, small_calibration: Path) -> None:
    out = tmp_path / "out"
    assert_refused(
        run_stitch(tmp_path / "nope", small_calibration, out),
        "no such folder",
    )
    assert untouched(out)


def test_frames_of_different_sizes(tmp_path: Path, small_participant: Rendered, small_calibration: Path) -> None:
    frames = small_participant.copy_to(tmp_path / "frames")
    odd = imread(frames / "cam_07.jpg")
    cv2.imwrite(str(frames / "cam_07.jpg"), cv2.resize(odd, (1000, 700)))
    out = tmp_path / "out"
    line = assert_refused(
        run_stitch(frames, small_calibration, out),
        "different sizes",
        "cam_07.jpg",
        "1000x700",
    )
    assert "1200x800" in line
    assert untouched(out)


def test_calibration_for_another_camera_count(tmp_path: Path, small_participant: Rendered) -> None:
    eight = render(tmp_path / "t8", scene="target", cameras=8, size=(1200, 800), seed=5)
    cal = tmp_path / "cal8.json"
    assert run_booth("calibrate", str(eight.folder), "--out", str(cal)).returncode == 0
    out = tmp_path / "out"
    assert_refused(
        run_stitch(small_participant.folder, cal, out),
        "12 frames",
        "8 cameras",
    )
    assert untouched(out)


def test_calibration_for_another_image_size(tmp_path: Path, small_target: Rendered) -> None:
    bigger = render(tmp_path / "big", scene="participant", cameras=12, size=(1500, 1000), seed=5)
    cal = tmp_path / "cal.json"
    assert run_booth("calibrate", str(small_target.folder), "--out", str(cal)).returncode == 0
    out = tmp_path / "out"
    assert_refused(
        run_stitch(bigger.folder, cal, out),
        "1500x1000",
        "1200x800",
        "recalibrate",
    )
    assert untouched(out)


@pytest.mark.parametrize("content", ["{not json", '{"cameras": 3}', "[]", ""])
def test_malformed_calibration_file(tmp_path: Path, small_participant: Rendered, content: str) -> None:
    cal = tmp_path / "calibration.json"
    cal.write_text(content)
    out = tmp_path / "out"
    assert_refused(run_stitch(small_participant.folder, cal, out), str(cal))
    assert untouched(out)


def test_unknown_profile(tmp_path: Path, small_participant: Rendered, small_calibration: Path) -> None:
    out = tmp_path / "out"
    assert_refused(
        run_stitch(small_participant.folder, small_calibration, out, "--profile", "portrait"),
        "portrait",
        "vertical",
    )
    assert untouched(out)


def test_unknown_profile_in_booth_toml(tmp_path: Path, small_participant: Rendered, small_calibration: Path) -> None:
    cfg = tmp_path / "booth.toml"
    cfg.write_text('[stitch]\nprofile = "cinema"\n')
    out = tmp_path / "out"
    assert_refused(
        run_stitch(small_participant.folder, small_calibration, out, "--config", str(cfg)),
        "stitch.profile",
        "cinema",
    )
    assert untouched(out)


@pytest.mark.parametrize("kind", ["text", "opaque", "missing"])
def test_overlay_that_is_not_a_transparent_image(
    tmp_path: Path, small_participant: Rendered, small_calibration: Path, kind: str
) -> None:
    overlay = tmp_path / "overlay.png"
    if kind == "text":
        overlay.write_text("<svg>not a png</svg>")
        words = ["not an image"]
    elif kind == "opaque":
        cv2.imwrite(str(overlay), np.zeros((100, 100, 3), np.uint8))
        words = ["no transparency"]
    else:
        words = ["no such overlay"]
    out = tmp_path / "out"
    assert_refused(
        run_stitch(small_participant.folder, small_calibration, out, "--overlay", str(overlay)),
        str(overlay),
        *words,
    )
    assert untouched(out)


def points_for(rendered: Rendered) -> dict:
    return {
        "cameras": [
            {"index": c["index"], "file": c["file"], "top": c["axis"]["top"], "bottom": c["axis"]["bottom"]}
            for c in rendered.truth["cameras"]
        ]
    }


@pytest.mark.parametrize(
    "mutate,words",
    [
        (lambda d: "{broken", ["not valid JSON", "line 1"]),
        (lambda d: {"camera": d["cameras"]}, ["cameras"]),
        (lambda d: {"cameras": d["cameras"][:5]}, ["no points for", "cam_05.jpg"]),
        (
            lambda d: {"cameras": [{**c, "top": "up"} if c["index"] == 2 else c for c in d["cameras"]]},
            ["cameras.2.top"],
        ),
        (
            lambda d: {"cameras": [{**c, "file": "cam_99.jpg"} if c["index"] == 1 else c for c in d["cameras"]]},
            ["cam_99.jpg", "not among the frames"],
        ),
        (
            lambda d: {"cameras": [{**c, "top": [99999, 5]} if c["index"] == 3 else c for c in d["cameras"]]},
            ["camera 3 top point", "outside"],
        ),
    ],
)
def test_malformed_points_json(
    tmp_path: Path, small_target: Rendered, mutate: Callable[[dict], object], words: list[str]
) -> None:
    doc = mutate(points_for(small_target))
    points = tmp_path / "points.json"
    points.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    out = tmp_path / "calibration.json"
    assert_refused(
        run_booth("calibrate", str(small_target.folder), "--points", str(points), "--out", str(out)),
        str(points),
        *words,
    )
    assert not out.exists()


def test_points_with_the_axis_upside_down_names_the_camera(tmp_path: Path, small_target: Rendered) -> None:
    doc = points_for(small_target)
    cam = doc["cameras"][6]
    cam["top"], cam["bottom"] = cam["bottom"], cam["top"]
    (tmp_path / "points.json").write_text(json.dumps(doc))
    assert_refused(
        run_booth(
            "calibrate",
            str(small_target.folder),
            "--points",
            str(tmp_path / "points.json"),
            "--out",
            str(tmp_path / "c.json"),
        ),
        "6 (cam_06.jpg",
        "not above",
    )


def test_target_not_found_names_each_camera(tmp_path: Path, small_target: Rendered) -> None:
    frames = small_target.copy_to(tmp_path / "frames")
    for k in (2, 8):  # someone stood in front of the target in these two cameras
        img = imread(frames / f"cam_{k:02d}.jpg")
        img[:, 450:750] = (40, 40, 40)
        cv2.imwrite(str(frames / f"cam_{k:02d}.jpg"), img)
    out = tmp_path / "calibration.json"
    line = assert_refused(
        run_booth("calibrate", str(frames), "--out", str(out)),
        "target not found",
        "2 (cam_02.jpg",
        "8 (cam_08.jpg",
        "--points",
    )
    assert "cam_03.jpg" not in line
    assert not out.exists()


def test_target_shot_missing_a_camera(tmp_path: Path, small_target: Rendered) -> None:
    frames = small_target.copy_to(tmp_path / "frames")
    (frames / "cam_04.jpg").unlink()
    assert_refused(run_booth("calibrate", str(frames), "--out", str(tmp_path / "c.json")), "camera(s) 4")


@pytest.mark.parametrize(
    "content,words",
    [
        ("[rig\ncameras = 3", ["not valid TOML", "line 1"]),
        ("[rig]\ncamera = 24\n", ["rig.camera", "unknown key"]),
        ("[rig]\ncameras = 64\n", ["rig.cameras", "48", "64"]),
        ("[stitch]\nfps = 'fast'\n", ["stitch.fps"]),
    ],
)
def test_malformed_booth_toml(
    tmp_path: Path, small_participant: Rendered, small_calibration: Path, content: str, words: list[str]
) -> None:
    cfg = tmp_path / "booth.toml"
    cfg.write_text(content)
    out = tmp_path / "out"
    assert_refused(
        run_stitch(small_participant.folder, small_calibration, out, "--config", str(cfg)),
        str(cfg),
        *words,
    )
    assert untouched(out)


def test_sim_render_refuses_a_full_folder_and_bad_sizes(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("precious")
    assert_refused(run_booth("sim", "render", "--out", str(full)), "not an empty folder")
    assert (full / "keep.txt").read_text() == "precious"
    assert_refused(run_booth("sim", "render", "--out", str(tmp_path / "a"), "--cameras", "60"), "8 to 48")
    assert_refused(run_booth("sim", "render", "--out", str(tmp_path / "b"), "--size", "big"), "3000x2000")
    assert_refused(run_booth("sim", "render", "--out", str(tmp_path / "c"), "--size", "8000x6000"), "6000x4000")
    assert_refused(run_booth("sim", "render", "--out", str(tmp_path / "d"), "--seed", "-3"), "seed", "-3")
    assert not any((tmp_path / n).exists() for n in "abcd")


def test_output_folder_that_is_a_file(tmp_path: Path, small_participant: Rendered, small_calibration: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where a folder should be")
    result = run_stitch(small_participant.folder, small_calibration, blocker)
    assert_refused(result, str(blocker))
    assert blocker.read_text() == "a file where a folder should be"


def test_stray_jpeg_among_the_frames_is_named(
    tmp_path: Path, small_participant: Rendered, small_calibration: Path
) -> None:
    frames = small_participant.copy_to(tmp_path / "frames")
    (frames / "cam_05.jpg").unlink()
    (frames / "notes.jpg").write_bytes((frames / "cam_06.jpg").read_bytes())
    out = tmp_path / "out"
    assert_refused(run_stitch(frames, small_calibration, out), "notes.jpg", "cam_NN.jpg")
    assert untouched(out)


def test_unnamed_frames_with_one_missing_are_refused(
    tmp_path: Path, small_participant: Rendered, small_calibration: Path
) -> None:
    """Without camera names a gap cannot be placed: refuse rather than warp frames with a neighbour's calibration."""
    frames = tmp_path / "frames"
    frames.mkdir()
    for k in range(12):
        if k != 5:
            (frames / f"DSC_{100 + k:04d}.jpg").write_bytes(
                (small_participant.folder / f"cam_{k:02d}.jpg").read_bytes()
            )
    out = tmp_path / "out"
    assert_refused(run_stitch(frames, small_calibration, out), "11 frames for 12 cameras", "cam_NN.jpg")
    assert untouched(out)


@pytest.mark.parametrize(
    "mutate,words",
    [
        (lambda d: d["cameras"][3].update(index=2), ["indices 0 to 11"]),
        (
            lambda d: d["cameras"][3].update(transform=[[0, 0, 0], [0, 0, 0]]),
            ["cameras.3", "transform is not a rotation"],
        ),
        (lambda d: d["cameras"][1]["gains"].pop("g"), ["cameras.1.gains.g", "required"]),
        (lambda d: d["cameras"][1]["gains"].update(r=-1), ["cameras.1.gains.r"]),
        (lambda d: d.update(camera_count=0), ["camera_count"]),
    ],
)
def test_calibration_with_broken_contents(
    tmp_path: Path,
    small_participant: Rendered,
    small_calibration: Path,
    mutate: Callable[[dict], None],
    words: list[str],
) -> None:
    doc = json.loads(small_calibration.read_text())
    mutate(doc)
    cal = tmp_path / "calibration.json"
    cal.write_text(json.dumps(doc))
    out = tmp_path / "out"
    assert_refused(run_stitch(small_participant.folder, cal, out), str(cal), *words)
    assert untouched(out)


def test_calibrate_refuses_an_output_folder_and_a_one_camera_rig(tmp_path: Path, small_target: Rendered) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    assert_refused(run_booth("calibrate", str(small_target.folder), "--out", str(folder)), "is a folder")
    one = tmp_path / "one"
    one.mkdir()
    (one / "cam_00.jpg").write_bytes((small_target.folder / "cam_00.jpg").read_bytes())
    assert_refused(run_booth("calibrate", str(one), "--out", str(tmp_path / "c.json")), "8 to 48 cameras")
    assert not (tmp_path / "c.json").exists()


def test_shoot_refuses_a_calibration_for_other_frames_before_firing(tmp_path: Path, small_calibration: Path) -> None:
    cfg = tmp_path / "booth.toml"
    cfg.write_text('[booth]\ndata_dir = "data"\n[rig]\ncameras = 12\n[rig.sim]\nwidth = 1500\nheight = 1000\n')
    out = tmp_path / "clips"
    result = run_booth(
        "shoot", "--rig", "sim", "--out", str(out), "--config", str(cfg), "--calibration", str(small_calibration)
    )
    assert_refused(result, "1500x1000", "1200x800")
    assert not (tmp_path / "data").exists(), "nothing was shot"
    assert untouched(out)
