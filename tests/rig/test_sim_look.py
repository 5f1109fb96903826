"""The sim's event look: photographic textures, a key light, ISO noise, the held stick, no grey sleeve."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from rig.sim.camera import RigLayout, build_cameras
from rig.sim.look import EVENT, HELDOUT_EVENT, STUDIO, Look, iso_noise_sigma, photos_present
from rig.sim.render import TextureCache, camera_response, render_linear, sensor_noise, shifted
from rig.sim.scene import HELD_OBJECT_BGR, PATCH_BGR, Rod, participant_scene, target_scene

LAYOUT = RigLayout(cameras=8, width=600, height=400)


def frame(look_name: str, scene_name: str = "participant", iso: int | None = None) -> np.ndarray:
    look = {"studio": STUDIO, "event": EVENT, "heldout": HELDOUT_EVENT}[look_name]
    if iso is not None:
        look = replace(look, iso=iso)
    scene = participant_scene(5, look=look) if scene_name == "participant" else target_scene(5, look=look)
    camera = build_cameras(LAYOUT, 5)[3]
    noise = shifted(sensor_noise(LAYOUT.width, LAYOUT.height, 7), camera.index)
    return camera_response(render_linear(camera, scene, TextureCache(scene)), camera, noise, look.iso)


def colours(image: np.ndarray) -> int:
    """Distinct colours (8 levels a channel) that each cover at least 0.5 % of the top third (the backdrop)."""
    top = (image[: image.shape[0] // 3] // 32).reshape(-1, 3).astype(np.int64)
    share = np.bincount(top[:, 0] * 64 + top[:, 1] * 8 + top[:, 2], minlength=512) / len(top)
    return int((share > 0.005).sum())


def structure(image: np.ndarray) -> float:
    """Variation at the scale of shapes, not grain, in the top third: the spread of blurred luma."""
    grey = cv2.cvtColor(image[: image.shape[0] // 3], cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(cv2.GaussianBlur(grey, (0, 0), 8.0).std())


def test_both_photo_sets_are_installed() -> None:
    assert photos_present("dev"), "apt-get install mate-backgrounds"
    assert photos_present("heldout"), "apt-get install plasma-workspace-wallpapers"


@pytest.mark.parametrize("look", ["event", "heldout"])
def test_event_backdrops_are_printed_photographs(look: str) -> None:
    studio, event = frame("studio"), frame(look)
    assert colours(event) > 2 * colours(studio)
    assert structure(event) > 2 * structure(studio)


def test_the_two_looks_draw_on_different_photos() -> None:
    a, b = frame("event"), frame("heldout")
    assert float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) > 20


def test_studio_look_has_no_props_and_the_event_participant_holds_a_stick() -> None:
    assert participant_scene(5).held_object is None
    scene = participant_scene(5, look=EVENT)
    assert scene.held_object is not None
    stick = scene.primitives[scene.held_object]
    assert isinstance(stick, Rod) and stick.radius < 0.02
    assert tuple(int(v) for v in stick.texture[0, 0]) == HELD_OBJECT_BGR
    assert sum(isinstance(p, Rod) and p.radius < 0.005 for p in scene.primitives) >= 5  # loose hair


def test_the_event_target_has_no_grey_sleeve() -> None:
    def sleeves(scene_look: Look) -> int:
        scene = target_scene(5, look=scene_look)
        return sum(bool((p.texture == np.array(PATCH_BGR, np.uint8)).all()) for p in scene.primitives)

    assert sleeves(STUDIO) == 1
    assert sleeves(EVENT) == 0


def test_iso_noise_grows_with_the_iso_and_the_signal_and_shrinks_with_the_frame() -> None:
    signal = np.array([100.0, 1000.0, 3000.0], np.float32)
    low, high = iso_noise_sigma(signal, 400, 6_000_000), iso_noise_sigma(signal, 1600, 6_000_000)
    assert (high > 1.8 * low).all()
    assert low[0] < low[1] < low[2]
    # a frame of a quarter of the sensor's pixels averages four of them: half the noise
    assert np.allclose(iso_noise_sigma(signal, 400, 24_000_000) / 2, low, rtol=1e-5)


def test_higher_iso_frames_are_noisier() -> None:
    """The noise a camera adds, as the frame minus the same frame without noise, on a 6 MP frame."""
    layout = RigLayout(cameras=8, width=3000, height=2000)
    camera = build_cameras(layout, 5)[3]
    scene = participant_scene(5, look=EVENT)
    linear = render_linear(camera, scene, TextureCache(scene))
    noise = shifted(sensor_noise(layout.width, layout.height, 7), camera.index)

    def added(iso: int) -> float:
        noisy = camera_response(linear.copy(), camera, noise, iso).astype(np.float32)
        clean = camera_response(linear.copy(), camera, np.zeros_like(noise), iso).astype(np.float32)
        return float((noisy - clean).std())

    assert added(1600) > 1.6 * added(400) > 0.3


def test_a_key_light_lights_the_participant_unevenly_but_the_same_for_every_camera() -> None:
    scene = participant_scene(5, look=EVENT)
    assert scene.light is not None
    normals = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0]])
    shade = scene.light.shade(normals)
    assert shade.max() > 1.5 * shade.min()


def test_exact_colour_cameras_stand_where_the_others_do() -> None:
    with_errors, exact = build_cameras(LAYOUT, 5), build_cameras(LAYOUT, 5, colour_errors=False)
    for a, b in zip(with_errors, exact, strict=True):
        assert np.array_equal(a.position, b.position) and np.array_equal(a.rotation, b.rotation)
        assert b.imperfection.gain_rgb == (1.0, 1.0, 1.0) and b.imperfection.exposure_stops == 0.0
    assert any(a.imperfection.gain_rgb != (1.0, 1.0, 1.0) for a in with_errors)
