"""Colour from the content: each camera matched to its neighbours on what both see at the pivot, chained along
the arc by least squares so that no camera's error piles up on the next."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from booth.stitch.align import aligned_frame, plan_output
from booth.stitch.colour import SRGB8_TO_LINEAR, gain_lut
from rig.base import Frame

if TYPE_CHECKING:
    from booth.stitch.calibration import Calibration

SAMPLE_SCALE = 2
"""Views are compared at half the output's size: registration, not noise, limits the measure, and a quarter-size
flow misplaces the participant's shading by enough to bias a pair by 3 to 4 % (1 to 1.5 % at half size, on the
development look's 8- and 12-camera rigs)."""
PIVOT_WIDTH = 0.6
"""Share of the output's width, centred on the axis, where the participant and the floor at the mark are."""
MAX_SHADING_SLOPE = 0.05
"""Pixels where the smoothed log brightness changes faster than this per sample pixel are left out: there a
residual misregistration of the flow reads as a gain (the key light's fall-off across a body)."""
MAX_ROUND_TRIP = 0.5
"""Sample pixels a match may miss its way back by, following the flow there and the reverse flow home."""
MAX_LAG = 0.5
"""Largest lag (sample pixels) of the flow that a pair's measure is corrected for (_past_the_lag). Chosen on the
development look at 8 to 24 cameras (gain RMS per shot, mean over the four rigs: 1.78 % uncorrected, 1.32 % with
the lag unbounded, 1.22 % within 0.5 px, 1.38 within 1 px, 1.33 within 1.5 px); unbounded, a pair on the
calibration target (a pole, two balls, little shading) took 2 px and a 3.6 % error from it, and the calibration
shot's colour at 12 cameras went from 2.41 to 4.27 %; within 0.5 px, 2.19 %."""
MIN_MATCHED = 300
"""Sample pixels that must pass every check for a pair of views to be compared."""
MAX_SPREAD = 0.2
"""Largest spread (median absolute deviation of the log ratio) for a pair's measurement to be trusted."""
REACH = 2
"""Cameras up to this far apart along the arc are compared: a second chain that spreads any one pair's error."""
SECOND_NEIGHBOUR_WEIGHT = 0.5
"""The weight of a pair further apart than neighbours."""
PRIOR_WEIGHT = 1e-3
"""How strongly a camera no pair reaches keeps the gain it has."""


@dataclass(frozen=True)
class PivotSample:
    """What one view shows around the pivot: small, linear light, BGR."""

    index: int
    linear: np.ndarray


def pivot_sample(index: int, aligned_bgr: np.ndarray) -> PivotSample:
    """The view's middle PIVOT_WIDTH, shrunk to SAMPLE_SCALE and in linear light."""
    h, w = aligned_bgr.shape[:2]
    half = int(w * PIVOT_WIDTH / 2)
    middle = aligned_bgr[:, w // 2 - half : w // 2 + half]
    small = cv2.resize(middle, (middle.shape[1] // SAMPLE_SCALE, h // SAMPLE_SCALE), interpolation=cv2.INTER_AREA)
    return PivotSample(index, cv2.LUT(small, SRGB8_TO_LINEAR))


@dataclass(frozen=True)
class PairMeasure:
    """How much brighter, per channel, view b shows what view a shows (log ratio, BGR), and how surely."""

    a: int
    b: int
    log_ratio: np.ndarray
    weight: float


_NO_FLOW: Any = None  # DIS starts from zero motion: what stands at the pivot barely moves between views
_LUMA = np.array([0.0722, 0.7152, 0.2126], np.float32)


def _luma8(linear: np.ndarray) -> np.ndarray:
    """Brightness for the flow, each view normalised by its own mean so that a gain does not disturb the match."""
    y = linear @ _LUMA
    return np.clip(255.0 * np.power(y / max(float(y.mean()), 1e-6) * 0.2, 1 / 2.2), 0, 255).astype(np.uint8)


def _lowest(image: np.ndarray) -> np.ndarray:
    """Per pixel, the lowest of the three channels (numpy's reduction over a last axis of 3 is slow)."""
    return np.minimum(np.minimum(image[..., 0], image[..., 1]), image[..., 2])


def _highest(image: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(image[..., 0], image[..., 1]), image[..., 2])


def measure_pair(a: PivotSample, b: PivotSample) -> PairMeasure | None:
    """The per-channel ratio of b to a over what both show: pixels matched by optical flow both ways, neither
    clipped nor dark, where the shading is smooth. None where too little matches or the ratios disagree."""
    la, lb = _luma8(a.linear), _luma8(b.linear)
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    # the patch search alone: the variational refinement smooths the flow across the participant's edges and
    # measured no better (24 cameras on the development look: 2.2 % RMS without it, 3.8 % with it)
    dis.setVariationalRefinementIterations(0)
    forward = dis.calc(la, lb, _NO_FLOW)
    backward = dis.calc(lb, la, _NO_FLOW)
    h, w = la.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mx, my = gx + forward[..., 0], gy + forward[..., 1]
    back = cv2.remap(backward, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(1e3, 1e3))
    consistent = np.hypot(forward[..., 0] + back[..., 0], forward[..., 1] + back[..., 1]) < MAX_ROUND_TRIP
    inside = (mx >= 1) & (mx < w - 2) & (my >= 1) & (my < h - 2)
    b_at = cv2.remap(b.linear, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    smooth = cv2.GaussianBlur(np.log(np.maximum(a.linear @ _LUMA, 1e-3)), (0, 0), 1.5)
    sx, sy = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    slope = cv2.magnitude(sx, sy)
    even = slope < 8.0 * MAX_SHADING_SLOPE  # a 3x3 Sobel is 8 times the slope
    lit = (_lowest(a.linear) > 0.01) & (_highest(a.linear) < 0.9) & (_lowest(b_at) > 0.01) & (_highest(b_at) < 0.9)
    good = consistent & inside & even & lit
    if int(good.sum()) < MIN_MATCHED:
        return None
    ratios = np.log(b_at[good] / a.linear[good])  # (K, 3)
    centre = np.median(ratios, axis=0)
    spread = np.median(np.abs(ratios - centre), axis=0)
    if float(spread.max()) > MAX_SPREAD:
        return None
    slopes = np.column_stack([sx[good], sy[good]]) / 8.0  # a 3x3 Sobel is 8 times the slope
    level = _past_the_lag(ratios, slopes, centre, spread)
    weight = 100.0 * float(good.mean()) / (float(spread.mean()) + 0.01)
    return PairMeasure(a.index, b.index, level, weight)


def _past_the_lag(ratios: np.ndarray, slopes: np.ndarray, centre: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """The pair's log ratio per channel with the flow's lag taken out: each ratio as the level plus the lag (px,
    x and y) times the log brightness slope where it was taken, by least squares over the ratios within three
    spreads of the median, the lag held within MAX_LAG; the level is the median of what the lag leaves.

    A flow that falls short of the motion by a fraction of a pixel samples b beside the point a shows; on the
    key light's fall-off across a body that reads as a gain, and along an arc the flow falls short the same way
    for every pair, so the chain adds the errors up instead of averaging them out."""
    level = np.empty(3, np.float64)
    design = np.column_stack([np.ones(len(ratios)), slopes])
    for c in range(3):
        keep = np.abs(ratios[:, c] - centre[c]) < 3.0 * max(float(spread[c]), 1e-3)
        fit, *_ = np.linalg.lstsq(design[keep], ratios[keep, c], rcond=None)
        lag = np.clip(fit[1:], -MAX_LAG, MAX_LAG)
        level[c] = float(np.median(ratios[keep, c] - slopes[keep] @ lag))
    return level


@dataclass(frozen=True)
class ContentGains:
    """Per-camera BGR gains (multiplying linear light) that match every view to its neighbours."""

    gains: dict[int, np.ndarray]
    unmatched: list[int]
    """Cameras no pair could be measured for: they keep their calibration's colour."""


def solve_gains(order: Sequence[int], measures: Sequence[PairMeasure]) -> ContentGains:
    """Log gains x with x_b - x_a = -log_ratio for every measured pair, by weighted least squares, their mean
    zero (the rig keeps its overall colour, or the grey patch's). The pairs two apart make the chain
    redundant, so a pair measured wrong is outvoted instead of carried down the arc; on a full circle the
    pairs across its ends close the loop, and its drift is spread around it."""
    n = len(order)
    pos = {index: k for k, index in enumerate(order)}
    rows: list[np.ndarray] = []
    rhs: list[np.ndarray] = []
    reached: set[int] = set()
    for m in measures:
        if m.a not in pos or m.b not in pos:
            continue
        row = np.zeros(n)
        row[pos[m.b]], row[pos[m.a]] = 1.0, -1.0
        w = np.sqrt(m.weight)
        rows.append(row * w)
        rhs.append(-m.log_ratio * w)
        reached |= {m.a, m.b}
    mean_row = np.full(n, 1.0)
    scale = max(1.0, float(np.sqrt(sum(m.weight for m in measures)))) if measures else 1.0
    rows.append(mean_row * scale)
    rhs.append(np.zeros(3))
    for k in range(n):
        prior = np.zeros(n)
        prior[k] = PRIOR_WEIGHT
        rows.append(prior)
        rhs.append(np.zeros(3))
    x, *_ = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)
    unmatched = [index for index in order if index not in reached]
    gains = {index: np.exp(x[k]) for k, index in enumerate(order)}
    for index in unmatched:
        gains[index] = np.ones(3)
    return ContentGains(gains, unmatched)


def links(count: int, closed: bool = False) -> list[tuple[int, int, float]]:
    """The pairs compared among count views in rig order, as positions (i, j) with each pair's weight:
    neighbours, the views up to REACH apart, and across the ends of a full circle."""
    found = [(k, k + 1, 1.0) for k in range(count - 1)]
    found += [(k, k + step, SECOND_NEIGHBOUR_WEIGHT) for step in range(2, REACH + 1) for k in range(count - step)]
    if closed and count > 2:
        found += [(count - 1, 0, 1.0), (count - 2, 0, SECOND_NEIGHBOUR_WEIGHT), (count - 1, 1, SECOND_NEIGHBOUR_WEIGHT)]
    return found


def measure_link(a: PivotSample, b: PivotSample, weight: float) -> PairMeasure | None:
    found = measure_pair(a, b)
    return None if found is None else PairMeasure(found.a, found.b, found.log_ratio, found.weight * weight)


def match_views(samples: Sequence[PivotSample], closed: bool = False, pool: Executor | None = None) -> ContentGains:
    """Measure the pairs of `links` and solve. samples are in rig order; the pairs are measured on the pool's
    threads where one is given."""

    def measure(link: tuple[int, int, float]) -> PairMeasure | None:
        return measure_link(samples[link[0]], samples[link[1]], link[2])

    pairs = links(len(samples), closed)
    found = list(pool.map(measure, pairs)) if pool is not None else [measure(link) for link in pairs]
    return solve_gains([s.index for s in samples], [m for m in found if m is not None])


def rig_gains(calibration: Calibration, frames: Sequence[Frame]) -> ContentGains:
    """Colour gains for a rig from what its cameras see at the pivot in one shot (the calibration target's):
    each frame aligned as the clip will show it, then matched to its neighbours. frames: one per camera."""
    geometry = plan_output(calibration, "vertical")
    samples = []
    for frame in sorted(frames, key=lambda f: f.camera_index):
        camera = calibration.camera(frame.camera_index)
        aligned = aligned_frame(frame.data, camera, geometry)
        if aligned is not None:
            samples.append(pivot_sample(frame.camera_index, cv2.LUT(aligned, gain_lut(camera.gains_bgr))))
    return match_views(samples)
