"""The clip's timeline: which camera view (a fractional rig position) each output frame shows."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Timeline:
    positions: tuple[float, ...]
    """Rig position shown by each output frame: 0 is the first usable camera, n-1 the last."""
    fps: int

    @property
    def duration_s(self) -> float:
        return len(self.positions) / self.fps


def ease(u: float) -> float:
    """Ease-in/ease-out speed ramp: slow off the ends of the arc, fastest through the middle."""
    u = min(1.0, max(0.0, u))
    return (1.0 - math.cos(math.pi * u)) / 2.0


def boomerang(views: int, fps: int, orbit_s: float, hold_s: float, min_duration_s: float) -> Timeline:
    """Rest, orbit forward, hold, orbit back, rest: a loop that plays smoothly end to start.

    Half the hold sits at each end of the loop, so a player looping the clip rests hold_s on the first view
    too. The orbits are slowed, never the holds, until the clip lasts min_duration_s."""
    if views < 1:
        raise ValueError("a timeline needs at least one view")
    orbit_s = max(orbit_s, (min_duration_s - 2 * hold_s) / 2.0)
    lead = round(hold_s / 2 * fps)
    sweep = max(2, round(orbit_s * fps))
    hold = round(hold_s * fps)
    last = float(views - 1)
    forward = [ease(k / (sweep - 1)) * last for k in range(sweep)]
    positions = [0.0] * lead + forward + [last] * hold + forward[::-1] + [0.0] * (hold - lead)
    while len(positions) < math.ceil(min_duration_s * fps):
        positions.append(0.0)
    return Timeline(tuple(positions), fps)
