"""Reading the detector's maps back: boxes land in the source image's pixels, duplicates and parts are dropped,
and the execution provider is chosen in one order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from booth.errors import InputError
from booth.tagging.crops import CROP_HEIGHT, CROP_WIDTH, crop
from booth.tagging.detector import decode, letterbox, suppress
from booth.tagging.runtime import providers_for
from booth.tagging.scoring import load_scoring

ALL = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]


def _maps(peaks: list[tuple[int, int, float, float, float]], grid: tuple[int, int] = (128, 192)) -> np.ndarray:
    """Output maps with a peak at each (cell x, cell y, score, width, height), centred in its cell."""
    maps = np.zeros((5, *grid), np.float32)
    for x, y, score, w, h in peaks:
        maps[:, y, x] = (score, w, h, 0.5, 0.5)
    return maps


def test_a_box_comes_back_in_the_source_images_pixels() -> None:
    source = np.zeros((2000, 3000, 3), np.uint8)
    canvas, fit = letterbox(source, 512, 768)
    assert canvas.shape == (512, 768, 3) and fit.left == 0 and fit.top == 0
    # a logo 80x20 input pixels whose centre is at input (402, 202): source centre (1570.3, 789.1)
    (found,) = decode(_maps([(100, 50, 0.9, 80.0, 20.0)]), fit, (3000, 2000))
    scale = 3000 / 768
    assert found.box == pytest.approx((362 * scale, 192 * scale, 442 * scale, 212 * scale), abs=0.01)
    assert found.score == pytest.approx(0.9)


def test_letterbox_keeps_the_shape_and_the_padding_is_undone() -> None:
    portrait = np.zeros((1600, 900, 3), np.uint8)
    canvas, fit = letterbox(portrait, 512, 768)
    assert fit.scale == pytest.approx(512 / 1600) and fit.top == 0 and fit.left == (768 - 288) // 2
    assert (canvas[:, :100] == 114).all(), "the sides are padding"
    (found,) = decode(_maps([(96, 64, 0.8, 40.0, 40.0)]), fit, (900, 1600))
    centre_x = (found.box[0] + found.box[2]) / 2
    assert centre_x == pytest.approx((96.5 * 4 - fit.left) / fit.scale, abs=0.01)


def test_weak_peaks_are_not_candidates_and_boxes_stay_inside_the_image() -> None:
    fit = letterbox(np.zeros((512, 768, 3), np.uint8), 512, 768)[1]
    found = decode(_maps([(1, 1, 0.05, 30.0, 30.0), (190, 126, 0.7, 60.0, 60.0)]), fit, (768, 512))
    assert len(found) == 1
    x0, y0, x1, y1 = found[0].box
    assert 0 <= x0 < x1 <= 768 and 0 <= y0 < y1 <= 512


def test_a_duplicate_and_a_part_inside_a_better_box_are_suppressed() -> None:
    boxes = np.array(
        [[100, 100, 400, 160], [105, 102, 398, 158], [100, 100, 160, 160], [600, 300, 700, 400]], np.float32
    )
    scores = np.array([0.9, 0.6, 0.7, 0.5], np.float32)
    assert suppress(boxes, scores) == [0, 3], "the copy and the symbol alone go; the far logo stays"


def test_a_crop_is_one_fixed_shape_even_at_the_edge_of_the_frame() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, :50] = 200
    piece = crop(image, (-10.0, -10.0, 40.0, 30.0))
    assert piece.shape == (CROP_HEIGHT, CROP_WIDTH, 3)
    assert piece[CROP_HEIGHT // 2, 5].min() == 200, "outside the frame repeats its edge"
    tiny = crop(np.full((600, 900, 3), 90, np.uint8), (10.0, 10.0, 890.0, 590.0))
    assert tiny.shape == (CROP_HEIGHT, CROP_WIDTH, 3) and int(tiny.mean()) == 90


def test_providers_are_tried_tensorrt_then_cuda_then_cpu() -> None:
    assert providers_for("auto", ALL) == ALL
    assert providers_for("auto", ["CPUExecutionProvider", "CUDAExecutionProvider"]) == ALL[1:]
    assert providers_for("cuda", ALL) == ALL[1:]
    assert providers_for("cpu", ALL) == ALL[2:]
    with pytest.raises(InputError, match="the tensorrt execution provider is not in this onnxruntime"):
        providers_for("tensorrt", ["CPUExecutionProvider"])


def test_a_scoring_file_without_its_weights_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scoring.json"
    path.write_text('{"weights": {"detector": 1.0}}')
    with pytest.raises(InputError, match=r"not a scoring file: weights detector, similarity, .* and bias"):
        load_scoring(path)
    with pytest.raises(InputError, match="no such scoring file"):
        load_scoring(tmp_path / "missing.json")
