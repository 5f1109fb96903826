"""The timeline: out along the arc with an ease-in/ease-out ramp, a hold, and back; at least 3 s at 30 fps."""

from __future__ import annotations

import numpy as np
import pytest

from booth.stitch.timeline import boomerang


@pytest.mark.parametrize("views", [8, 23, 24, 48])
def test_boomerang_shape(views: int) -> None:
    t = boomerang(views, fps=30, orbit_s=1.25, hold_s=0.5, min_duration_s=3.0)
    p = np.array(t.positions)
    assert t.duration_s >= 3.0
    assert p[0] == 0.0 and p[-1] == 0.0
    assert p.max() == views - 1
    assert p.min() == 0.0
    peak = int(np.argmax(p))
    steps = np.diff(p[: peak + 1])
    assert (steps >= 0).all(), "the forward orbit never turns back"
    moving = steps[steps > 0]
    assert moving[0] < moving[len(moving) // 2] / 3, "it eases in"
    assert moving[-1] < moving[len(moving) // 2] / 3, "it eases out"
    hold = np.sum(p == views - 1)
    assert hold >= 0.5 * 30 - 1


def test_short_orbits_are_slowed_to_the_minimum_duration() -> None:
    t = boomerang(24, fps=30, orbit_s=0.3, hold_s=0.0, min_duration_s=3.0)
    assert 3.0 <= t.duration_s < 3.2


def test_every_camera_appears_in_a_24_camera_orbit() -> None:
    t = boomerang(24, fps=30, orbit_s=1.25, hold_s=0.5, min_duration_s=3.0)
    assert {round(p) for p in t.positions} == set(range(24))
