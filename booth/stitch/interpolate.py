"""In-between views: two-way DIS optical flow between neighbouring aligned views, and an occlusion-aware blend."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from booth.stitch.encode import planes

FLOW_SCALE = 4
"""DIS runs on luma at a quarter of the output's size (270x480 for a vertical clip): neighbouring views of an
orbit differ by smooth motion, and a quarter-size flow upsampled is within a few tenths of a dB of a half-size
one at a fifth of the cost (bench/interpolation.py); an eighth-size one loses two dB."""
DIS_PRESET = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM

SEARCH_SCALE = 16
"""Candidate motions are found at a sixteenth of the output's size, and at FLOW_SCALE."""
BAND_ROWS = 16
"""Rows (at SEARCH_SCALE) of each horizontal band whose dominant motions become candidates; bands of as many
rows at FLOW_SCALE give more, for texture too fine to survive the coarser scale."""
PEAKS_PER_BAND = 2
MATCH_WINDOW = 15
"""Side (at FLOW_SCALE) of the window over which each pixel compares the candidate motions."""

STILL_LEVELS = 4.0
"""How much better (mean levels of 255 over 3x3 pixels, luma and chroma summed) the views must agree in place
than along the flow for a pixel to be taken as not moving: not at all below this margin, fully at twice it..."""
STILL_MATCH = 16.0
"""...and how closely they must agree in place (the same measure; fully within it, not at all beyond twice it):
where one view shows the background and the other something covering it, neither explanation fits and the
flow stays."""

AGREE_LEVELS = 6.0
"""Near the pivot, views that differ in place by no more than this (the measure of STILL_LEVELS) show the same
thing there, fully; by twice it, not at all."""

OCCLUSION_PX = 2.0
"""Forward-backward disagreement (flow-scale pixels) above which a pixel starts to count as hidden in the other
view; fully hidden at three times that."""
FILL_SIGMA = 16.0
"""Reach (flow-scale pixels) over which a hidden pixel takes its motion from the visible pixels around it."""
FILL_ERODE = 9
"""Side (flow-scale pixels) of the erosion of the visible area that flow is filled from."""

SPLAT_SHARPNESS = 8.0
"""How much more a pixel seen in both views counts than one hidden in the other, where two land together:
exp(SPLAT_SHARPNESS) times."""
SPLAT_DEPTH = 0.1
"""Where two land together, each flow-scale pixel of speed divides a pixel's say by exp(SPLAT_DEPTH): in an
orbit aligned on the pivot, what moves less stands nearer the pivot, in front of the background behind it."""

FLOW_JUMP = 2.0
"""Flow-scale pixels by which the flow must change across a 3x3 neighbourhood for the views' samples there to
take their own pixel's offset instead of one interpolated across the jump (chosen on the development look at
12 and 24 cameras: 1 to 4 within 0.04 dB and 0.06 px of each other; without it, markers' worst frame 2.1 and
1.8 px, with it 1.6)."""
TORN_FROM = 40.0
"""Where the two views' samples for a pixel disagree by more than this (mean levels of 255 over TORN_WINDOW square
at chroma size, luma and chroma summed), the motion explained neither view there, and the view starts to fall
back to the cross-fade (fully at TORN_TO). A motion that explains neither view draws pieces of both out of place:
the backdrop between a held stick and the body in confetti, fragments of the stick beside it. The cross-fade shows
a soft double image instead. Chosen on the development look (bench/orbit_quality.py --dev): at 24 cameras the
edges the true view lacks fell from 0.57 to 0.27 % of the frame (a cross-fade: 0.22 %) for 0.07 dB, at 12 from
0.60 to 0.51 %."""
TORN_TO = 80.0
TORN_WINDOW = 5
TORN_SIGMA = 2.0
"""Softening (chroma-size pixels) of where the view falls back, so the fallback has no edge of its own."""
CHAOS_WINDOW = 7
CHAOS_PX = 1.5
"""Where one view's sample was chosen because the other hides it, the samples differ by right (the backdrop a
participant uncovers) and the view keeps them, as long as the motion there is orderly: the spread of the offsets
into a over a CHAOS_WINDOW square (flow scale) under CHAOS_PX, not at all from twice it. Where the motion is in
pieces, so is the choice (a wide gap of scene_at-like layers loses 0.1 dB to this, not 2.2 as without the
exemption)."""
PLATE_GROW = 7
"""Side (flow-scale pixels) of the margin a plate inpaints round what may stand near the pivot."""
LAYER_SPEED_CAP = 100.0
"""In layers, speeds (flow-scale pixels) beyond this count as this in the splat's depth order."""

_NO_MAP: Any = None  # remap's second map, unused with a two-channel first map


@functools.cache
def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    gx.flags.writeable = False
    gy.flags.writeable = False
    return gx, gy


def _jumps(flow: np.ndarray) -> np.ndarray:
    """1 where the flow changes by more than FLOW_JUMP across a pixel's 3x3 neighbourhood (flow scale)."""
    kernel = np.ones((3, 3), np.uint8)
    spread = np.maximum(
        cv2.dilate(flow[..., 0], kernel) - cv2.erode(flow[..., 0], kernel),
        cv2.dilate(flow[..., 1], kernel) - cv2.erode(flow[..., 1], kernel),
    )
    return (spread > FLOW_JUMP).astype(np.uint8)


def _map_at(
    size: tuple[int, int], grid: tuple[np.ndarray, np.ndarray], flow: np.ndarray, jumps: np.ndarray
) -> np.ndarray:
    """The remap map, at size (w, h), for a flow given on a smaller grid: where each pixel of the larger image
    samples. Scaled before it is enlarged (a resize is linear), so only one full-size array is made.

    Where the flow jumps (`jumps`: a marker ball standing still in front of a sweeping backdrop), a linear
    enlargement would hand the pixels between the two motions every offset in between, and they would sample a
    streak of the image across the edge: a magenta fringe drawn out of the ball along the backdrop's motion.
    There each pixel takes its own flow-scale pixel's offset."""
    s = np.float32(size[0] / grid[0].shape[1])
    small = np.dstack([grid[0] + flow[..., 0], grid[1] + flow[..., 1]]) * s + (s / 2 - 0.5)
    out = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    rows, cols = np.flatnonzero(jumps.any(axis=1)), np.flatnonzero(jumps.any(axis=0))
    if rows.size:
        # only the box round the jumps is redone (the participant's outline and the pivot): the scale is whole,
        # so a box of the small map enlarges onto exactly its place in the large one
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        k = round(float(s))
        box = (slice(y0 * k, y1 * k), slice(x0 * k, x1 * k))
        scaled = ((x1 - x0) * k, (y1 - y0) * k)
        where = cv2.resize(jumps[y0:y1, x0:x1], scaled, interpolation=cv2.INTER_NEAREST)
        blocky = cv2.resize(small[y0:y1, x0:x1], scaled, interpolation=cv2.INTER_NEAREST)
        cv2.copyTo(blocky, where, out[box])
    return out


class _Maps:
    """Where each pixel of a view at time t samples one source view (_map_at), made once for each plane size a
    view has (luma, and both chroma planes together) however many planes and plates are sampled; the flow's
    jumps found once for all of them."""

    def __init__(self, grid: tuple[np.ndarray, np.ndarray], offsets: np.ndarray) -> None:
        self.grid, self.offsets, self.jumps = grid, offsets, _jumps(offsets)
        self.made: dict[tuple[int, int], np.ndarray] = {}

    def at(self, size: tuple[int, int]) -> np.ndarray:
        if size not in self.made:
            self.made[size] = _map_at(size, self.grid, self.offsets, self.jumps)
        return self.made[size]


def _lookup(image: np.ndarray, grid: tuple[np.ndarray, np.ndarray], flow: np.ndarray) -> np.ndarray:
    """image sampled at grid + flow (bilinear, edges repeated)."""
    return cv2.remap(
        image, grid[0] + flow[..., 0], grid[1] + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _shrink(image: np.ndarray, scale: int) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(image, (w // scale, h // scale), interpolation=cv2.INTER_AREA)


def _peaks(a: np.ndarray, b: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The strongest shifts d for which b(x + d) looks like a(x), by phase correlation."""
    h, w = a.shape
    window = np.outer(np.hanning(h), np.hanning(w))
    fa = np.fft.rfft2((a - a.mean()) * window)
    fb = np.fft.rfft2((b - b.mean()) * window)
    cross = fb * np.conj(fa)
    surface = np.fft.irfft2(cross / (np.abs(cross) + 1e-9), s=(h, w))
    surface = np.fft.fftshift(cv2.GaussianBlur(surface, (3, 3), 0.8))
    found = []
    for _ in range(count):
        y, x = np.unravel_index(int(np.argmax(surface)), surface.shape)
        found.append((int(x) - w // 2, int(y) - h // 2))
        surface[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3] = -np.inf
    return found


def _candidates(a: np.ndarray, b: np.ndarray, rows: int, unit: float) -> list[tuple[float, float]]:
    """Each horizontal band's dominant shifts from a to b, in units of `unit` pixels of a and b."""
    h = a.shape[0]
    found = []
    for top in range(0, max(1, h - rows // 2), rows):
        band = slice(top, min(h, top + rows))
        found += [(dx * unit, dy * unit) for dx, dy in _peaks(a[band], b[band], PEAKS_PER_BAND)]
    return found


def _shifts(a: np.ndarray, b: np.ndarray, coarse_a: np.ndarray, coarse_b: np.ndarray) -> list[tuple[float, float]]:
    """Candidate motions from a to b (see _initial_flow), distinct by more than two pixels, zero first."""
    unit = a.shape[1] / coarse_a.shape[1]
    found = _candidates(coarse_a.astype(np.float32), coarse_b.astype(np.float32), BAND_ROWS, unit)
    found += _candidates(a.astype(np.float32), b.astype(np.float32), round(BAND_ROWS * unit), 1.0)
    candidates: list[tuple[float, float]] = [(0.0, 0.0)]
    for shift in found:
        if all(abs(shift[0] - c[0]) + abs(shift[1] - c[1]) > 2 for c in candidates):
            candidates.append(shift)
    return candidates


def _initial_flow(a: np.ndarray, b: np.ndarray, candidates: list[tuple[float, float]]) -> np.ndarray:
    """A flow from a to b that is right by a few pixels even where the motion is large.

    Motion in an orbit is mostly a handful of sideways shifts, one per depth: the background sweeps across by a
    fifth of the frame between cameras while the participant at the pivot stays put. Each horizontal band's
    dominant shifts (phase correlation, as motion-compensated TV converters find candidate vectors), in bands of
    two sizes, become candidates, and every pixel takes the candidate under which its neighbourhood matches
    best. DIS's own coarse-to-fine search, started from zero, loses such motion in low-contrast texture."""
    h, w = a.shape
    lowest = np.full((h, w), 255, dtype=np.uint8)
    choice = np.zeros((h, w), dtype=np.uint8)
    for k, (dx, dy) in enumerate(candidates):
        moved = cv2.warpAffine(
            b,
            np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], dtype=np.float32),
            (w, h),
            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        cost = cv2.blur(cv2.absdiff(a, moved), (MATCH_WINDOW, MATCH_WINDOW))
        choice[cost < lowest] = k
        np.minimum(lowest, cost, out=lowest)
    best = cv2.medianBlur(choice, 5)
    return np.array(candidates, dtype=np.float32)[best]


def _colour_gap(a: list[np.ndarray], b: list[np.ndarray], window: int) -> np.ndarray:
    """How far apart two images are around each pixel: the local mean of the absolute difference, summed over
    luma and both chroma planes (each list: Y, U, V at one size). A magenta ball on a dark blue backdrop has
    about the backdrop's luma; only the colour tells them apart."""
    total = cv2.blur(cv2.absdiff(a[0], b[0]), (window, window)).astype(np.float32)
    for pa, pb in zip(a[1:], b[1:], strict=True):
        total += cv2.blur(cv2.absdiff(pa, pb), (window, window))
    return total


def _pin_still(flow: np.ndarray, a: list[np.ndarray], b: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The flow set to zero where standing still explains a (Y, U, V at flow scale) better than the flow does,
    and how surely (0..1) each pixel was pinned.

    The views are aligned on the pivot, so whatever stands there does not move between them; something thin
    there, a microphone stand or an arm seen edge-on, is outvoted by the background around it in DIS's patches
    and carried off with the background unless pinned."""
    grid = _grid(*a[0].shape)
    along = _colour_gap(a, [_lookup(p, grid, flow) for p in b], 3)
    still = _stillness(_colour_gap(a, b, 3), along)
    return (flow * (1.0 - still)[..., None]).astype(np.float32), still


def _stillness(in_place: np.ndarray, along: np.ndarray) -> np.ndarray:
    """0..1: how surely a place is not moving, from how far apart the views are in place and along the flow."""
    better = np.clip((along - in_place) * (1.0 / STILL_LEVELS) - 1.0, 0.0, 1.0)
    return better * np.clip(2.0 - in_place * (1.0 / STILL_MATCH), 0.0, 1.0)


def _hidden(forward: np.ndarray, backward: np.ndarray, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """How surely (0..1) each pixel of the first view has no counterpart in the second: following the forward
    flow and then the backward flow from where it lands should come back to the start."""
    returned = _lookup(backward, grid, forward)
    error = np.sum((forward + returned) ** 2, axis=2)
    allowed = 0.01 * (np.sum(forward**2, axis=2) + np.sum(returned**2, axis=2)) + OCCLUSION_PX**2
    return np.clip((np.sqrt(error / allowed) - 1.0) / 2.0, 0.0, 1.0).astype(np.float32)


def _fill(flow: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hidden pixels' flow replaced by the flow of the visible pixels around them, the faster ones counting
    more. What one view shows and the other hides is background being covered or uncovered by something in
    front of it, and in an orbit aligned on the pivot what stands further back sweeps faster. Specks that pass
    the consistency check by chance inside a hidden band (DIS matching noise) give no flow: the visible area
    is eroded before it is drawn from."""
    seen = (1.0 - hidden) ** 2
    solid = cv2.erode(seen, np.ones((FILL_ERODE, FILL_ERODE), np.uint8))
    weight = solid * (np.sum(flow**2, axis=2) + 1.0)
    h, w = hidden.shape
    # a wide blur, done at quarter size where it costs a sixteenth: the fill is smooth anyway
    small = (w // 4, h // 4)
    near = cv2.GaussianBlur(
        cv2.resize(flow * weight[..., None], small, interpolation=cv2.INTER_AREA), (0, 0), FILL_SIGMA / 4
    )
    total = cv2.GaussianBlur(cv2.resize(weight, small, interpolation=cv2.INTER_AREA), (0, 0), FILL_SIGMA / 4)
    filled = cv2.resize(near / np.maximum(total, 1e-6)[..., None], (w, h), interpolation=cv2.INTER_LINEAR)
    return (flow + (1.0 - seen[..., None]) * (filled - flow)).astype(np.float32)


@dataclass(frozen=True)
class Gap:
    """What it takes to synthesise any view between two neighbouring views a and b."""

    a: np.ndarray
    b: np.ndarray
    """The two views, I420."""
    forward: np.ndarray
    """Flow from a to b at 1/FLOW_SCALE, in flow-scale pixels: a(x) looks like b(x + forward(x))."""
    backward: np.ndarray
    hidden_a: np.ndarray
    """Per pixel of a (flow scale), 0..1: how surely that pixel is hidden in b."""
    hidden_b: np.ndarray
    near_a: np.ndarray | None = None
    """Where the motion came in layers (booth.stitch.layers): what of a (flow scale) may stand near the pivot.
    A place neither view shows is filled from a and b with these left out (their plates)."""
    near_b: np.ndarray | None = None
    still_a: np.ndarray | None = None
    """Per pixel of a (flow scale), 0..1: how surely it stands still at the pivot (pinned). Such a pixel is shown
    in its own place only, never drawn elsewhere as another pixel's sample."""
    still_b: np.ndarray | None = None
    soft: bool = False
    """The views are too far apart for any motion to be trusted (booth.stitch.layers.CROSSFADE_FROM): every view
    between them is a cross-fade, a soft transition rather than a torn one."""

    @functools.cached_property
    def plate_masks(self) -> tuple[np.ndarray, np.ndarray] | None:
        """What each view's plate inpaints (flow scale, 0 or 1; None outside layers): what may stand near the
        pivot, and a little round it."""
        if self.near_a is None or self.near_b is None:
            return None
        kernel = np.ones((PLATE_GROW, PLATE_GROW), np.uint8)
        return cv2.dilate(self.near_a.astype(np.uint8), kernel), cv2.dilate(self.near_b.astype(np.uint8), kernel)

    @functools.cached_property
    def plates(self) -> tuple[np.ndarray, np.ndarray] | None:
        """a and b without what may stand near the pivot (None outside layers): made once per gap, for all its
        in-between views."""
        if self.plate_masks is None:
            return None
        return _plate(self.a, self.plate_masks[0]), _plate(self.b, self.plate_masks[1])


def gap(a: np.ndarray, b: np.ndarray) -> Gap:
    """Flow both ways between two aligned I420 views, and where each view shows what the other cannot."""
    ya, yb = planes(a)[0], planes(b)[0]
    small_a, small_b = _shrink(ya, FLOW_SCALE), _shrink(yb, FLOW_SCALE)
    colour_a = [small_a, *(_shrink(p, FLOW_SCALE // 2) for p in planes(a)[1:])]
    colour_b = [small_b, *(_shrink(p, FLOW_SCALE // 2) for p in planes(b)[1:])]
    fh, fw = small_a.shape
    step = SEARCH_SCALE // FLOW_SCALE
    coarse_a, coarse_b = _shrink(small_a, step), _shrink(small_b, step)
    dis = cv2.DISOpticalFlow.create(DIS_PRESET)
    dis.setVariationalRefinementIterations(0)  # the patch search alone: within 0.05 dB, in half the time
    ahead = _shifts(small_a, small_b, coarse_a, coarse_b)
    back = [(-dx, -dy) for dx, dy in ahead]  # phase correlation is symmetric
    forward, still_a = _pin_still(
        dis.calc(small_a, small_b, _initial_flow(small_a, small_b, ahead)), colour_a, colour_b
    )
    backward, still_b = _pin_still(
        dis.calc(small_b, small_a, _initial_flow(small_b, small_a, back)), colour_b, colour_a
    )
    grid = _grid(fh, fw)
    hidden_a, hidden_b = _hidden(forward, backward, grid), _hidden(backward, forward, grid)
    # a pinned pixel keeps its zero flow: the fill would hand it the background's motion
    forward = _fill(forward, hidden_a * (1.0 - still_a))
    backward = _fill(backward, hidden_b * (1.0 - still_b))
    return Gap(a, b, forward, backward, hidden_a, hidden_b, still_a=still_a, still_b=still_b)


def _to_time(g: Gap, t: float) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel of the view at time t (flow scale), the offsets to where it is in a and in b.

    Every pixel of a is carried forward to where it stands at time t (t of its flow), every pixel of b back
    ((1 - t) of its flow), each bringing its offsets to a and to b. Where several land on one pixel, the one seen
    in both views outweighs one about to be hidden, and the slower one the faster (so the participant covers the
    background, not the other way round), and the nearer view in time counts more. A landing pixel's own
    offsets are exact (the rounding to the grid is put back), so texture is not shifted by the splat."""
    fh, fw = g.forward.shape[:2]
    gx, gy = _grid(fh, fw)
    n = fh * fw
    totals = np.zeros((5, n), dtype=np.float64)
    for from_a, flow, hidden, go, nearness in (
        (True, g.forward, g.hidden_a, t, 1.0 - t),
        (False, g.backward, g.hidden_b, 1.0 - t, t),
    ):
        fx, fy = flow[..., 0], flow[..., 1]
        ix = np.rint(gx + np.float32(go) * fx).astype(np.int32)
        iy = np.rint(gy + np.float32(go) * fy).astype(np.int32)
        ok = ((ix >= 0) & (ix < fw) & (iy >= 0) & (iy < fh)).ravel()
        index = (iy * fw + ix).ravel()[ok]
        speed = cv2.magnitude(fx, fy)
        if g.near_a is not None:
            # a room sweeping most of the frame would weigh nothing at all (e to the -20 and less): depth only
            # orders what stands near the pivot against what sweeps behind it
            speed = np.minimum(speed, LAYER_SPEED_CAP)
        say = cv2.exp(SPLAT_SHARPNESS * (1.0 - hidden) - SPLAT_DEPTH * speed)
        weight = (say * np.float32(0.05 + nearness)).ravel()[ok]
        px, py = (gx - ix).ravel()[ok], (gy - iy).ravel()[ok]  # back to the source pixel
        fx, fy = fx.ravel()[ok], fy.ravel()[ok]
        offsets = (px, py, px + fx, py + fy) if from_a else (px + fx, py + fy, px, py)
        totals[0] += np.bincount(index, weights=weight, minlength=n)
        for k, value in enumerate(offsets, start=1):
            totals[k] += np.bincount(index, weights=weight * value, minlength=n)
    acc = cv2.boxFilter(totals.T.reshape(fh, fw, 5).astype(np.float32), -1, (3, 3), normalize=False)
    holes = acc[..., 0] < 1e-3  # nothing landed near: take the offsets from further around
    if holes.any():
        acc[holes] = cv2.GaussianBlur(acc, (0, 0), 4.0)[holes]
    weight = np.maximum(acc[..., 0:1], 1e-6)
    return acc[..., 1:3] / weight, acc[..., 3:5] / weight


def in_between(g: Gap, t: float, fall_back: bool = True) -> np.ndarray:
    """The view a fraction t of the way from a to b, I420.

    Each output pixel takes its offsets into a and b from the flow carried to time t (see _to_time) and blends
    the two samples by nearness in time, except where one of them shows something the other view hides, or
    falls outside its frame: there the view that sees it wins, so edges do not ghost. Where the two samples
    disagree (TORN_FROM), the view falls back to the cross-fade; fall_back=False leaves the samples there (the
    orbit bench's comparison)."""
    if g.soft:
        return crossfade(g.a, g.b, t)
    fh, fw = g.forward.shape[:2]
    grid = _grid(fh, fw)
    to_a, to_b = _to_time(g, t)
    hid_a = _lookup(g.hidden_a, grid, to_a)  # the a-sample is hidden in b: trust a, not b
    hid_b = _lookup(g.hidden_b, grid, to_b)
    in_a, in_b = _inside(grid, to_a), _inside(grid, to_b)
    lacking: np.ndarray | None = None
    if g.near_a is None:
        w_a = (1.0 - t) * (1.0 - hid_b) * in_a
        w_b = t * (1.0 - hid_a) * in_b
    else:
        # in layers, a sample outside its frame hides nothing from the other; and a sample is only good where
        # its own view moves as this pixel does: else it shows the other layer (the participant where the
        # room is wanted); where neither is good, the plates fill in
        w_a = (1.0 - t) * (1.0 - hid_b * in_b) * in_a * _same_motion(_lookup(g.forward, grid, to_a), to_b - to_a)
        w_b = t * (1.0 - hid_a * in_a) * in_b * _same_motion(_lookup(g.backward, grid, to_b), to_a - to_b)
        lacking = np.clip(1.0 - (w_a + w_b) * 10.0, 0.0, 1.0).astype(np.float32)
    if g.still_a is not None and g.still_b is not None:
        # what stands still at the pivot belongs to its own place: drawn anywhere else, a sample of it is a
        # fragment of the marker or the pole smeared into the background beside it
        w_a = w_a * (1.0 - _lookup(g.still_a, grid, to_a) * _away(to_a))
        w_b = w_b * (1.0 - _lookup(g.still_b, grid, to_b) * _away(to_b))
    w_a, w_b = w_a + 1e-3, w_b + 1e-3
    weight_a = (w_a / (w_a + w_b)).astype(np.float32)

    maps_a, maps_b = _Maps(grid, to_a), _Maps(grid, to_b)
    moved: list[np.ndarray] = []
    samples: list[tuple[np.ndarray, np.ndarray]] = []
    for src_a, src_b in zip(planes(g.a), planes(g.b), strict=True):
        size = (src_a.shape[1], src_a.shape[0])
        from_a = cv2.remap(src_a, maps_a.at(size), _NO_MAP, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        from_b = cv2.remap(src_b, maps_b.at(size), _NO_MAP, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        w = cv2.resize(weight_a, size, interpolation=cv2.INTER_LINEAR)
        moved.append(cv2.blendLinear(from_a, from_b, w, 1.0 - w))
        samples.append((from_a, from_b))
    # where the views agree in place better than along the flow, the plain blend (judged at chroma size)
    (ya, ua, va), (yb, ub, vb) = planes(g.a), planes(g.b)
    half = (ua.shape[1], ua.shape[0])
    a_here = [cv2.resize(ya, half, interpolation=cv2.INTER_AREA), ua, va]
    b_here = [cv2.resize(yb, half, interpolation=cv2.INTER_AREA), ub, vb]
    a_moved = [cv2.resize(samples[0][0], half, interpolation=cv2.INTER_AREA), samples[1][0], samples[2][0]]
    b_moved = [cv2.resize(samples[0][1], half, interpolation=cv2.INTER_AREA), samples[1][1], samples[2][1]]
    in_place = _colour_gap(a_here, b_here, 3)
    still = _stillness(in_place, _colour_gap(a_moved, b_moved, 3))
    # where the samples the motion points at disagree, it explained neither view: a soft double image there
    if fall_back:
        torn = _torn(_colour_gap(a_moved, b_moved, TORN_WINDOW), weight_a, to_a, lacking, t)
    else:
        torn = np.zeros_like(still)
    if g.near_a is not None and g.near_b is not None:
        # near the pivot, what both views show in the same place stays there (a marker on the axis, a hand
        # held still): the plain blend, however well the motion matched too
        near = cv2.resize((g.near_a & g.near_b).astype(np.float32), half, interpolation=cv2.INTER_LINEAR)
        agree = np.clip(2.0 - in_place * (1.0 / AGREE_LEVELS), 0.0, 1.0)
        still = np.maximum(still, near * agree)

    plates = g.plates if lacking is not None and lacking.any() else None
    if lacking is not None and plates is not None and g.plate_masks is not None:
        # a plate is only worth its own backdrop: where both samples would come from what it inpainted (a
        # floor the stereo took for the participant is inpainted from the backdrop's colours), the samples
        # the motion gave stay
        mask_a, mask_b = g.plate_masks
        lacking *= np.clip(_real(mask_a, grid, to_a) * in_a + _real(mask_b, grid, to_b) * in_b, 0.0, 1.0)
        moved = _filled(moved, plates, (maps_a, maps_b), in_a, in_b, lacking, t)
    out = np.empty_like(g.a)
    faded = 1.0 - (1.0 - still) * (1.0 - torn)  # the plain blend where still, or where the motion failed
    for src_a, src_b, flowed, dst in zip(planes(g.a), planes(g.b), moved, planes(out), strict=True):
        size = (dst.shape[1], dst.shape[0])
        keep = faded if faded.shape == dst.shape else cv2.resize(faded, size, interpolation=cv2.INTER_LINEAR)
        np.copyto(dst, cv2.blendLinear(crossfade(src_a, src_b, t), flowed, keep, 1.0 - keep))
    return out


def _torn(
    apart: np.ndarray, weight_a: np.ndarray, to_a: np.ndarray, lacking: np.ndarray | None, t: float
) -> np.ndarray:
    """0..1 at the size of `apart` (how far the two samples are apart, chroma size): where the motion explained
    neither view (TORN_FROM), except where one view was chosen because the other hides what it shows and the
    motion there is orderly (CHAOS_PX), or the plates fill in. weight_a, to_a, lacking: flow scale."""
    torn = np.clip((apart - TORN_FROM) * np.float32(1.0 / (TORN_TO - TORN_FROM)), 0.0, 1.0)
    chosen = np.abs(weight_a - np.float32(1.0 - t)) * np.float32(1.0 / max(t, 1.0 - t))
    window = (CHAOS_WINDOW, CHAOS_WINDOW)
    mean = cv2.blur(to_a[..., 0], window)
    spread = np.sqrt(np.maximum(cv2.blur(to_a[..., 0] ** 2, window) - mean**2, 0.0))
    chosen = (chosen * np.clip(2.0 - spread * np.float32(1.0 / CHAOS_PX), 0.0, 1.0)).astype(np.float32)
    if lacking is not None:
        chosen = np.maximum(chosen, lacking)
    size = (apart.shape[1], apart.shape[0])
    torn *= 1.0 - np.clip(cv2.resize(chosen, size, interpolation=cv2.INTER_LINEAR) * 2.0, 0.0, 1.0)
    return np.asarray(cv2.GaussianBlur(torn, (0, 0), TORN_SIGMA), dtype=np.float32)


def _away(offset: np.ndarray) -> np.ndarray:
    """0..1: whether a sample is taken from somewhere other than the output pixel's own place (flow scale)."""
    return np.clip(cv2.magnitude(offset[..., 0], offset[..., 1]) - 0.5, 0.0, 1.0)


def _real(mask: np.ndarray, grid: tuple[np.ndarray, np.ndarray], offset: np.ndarray) -> np.ndarray:
    """0..1: whether the plate's sample at offset is the view's own backdrop, not inpainted (mask: Gap.plate_masks)."""
    return 1.0 - _lookup(mask.astype(np.float32), grid, offset)


def _plate(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The view (I420) with what its mask (Gap.plate_masks, flow scale) covers replaced by the room around it:
    inpainted at flow scale, enlarged into the masked places only."""
    out = image.copy()
    for src, dst in zip(planes(image), planes(out), strict=True):
        scale = max(1, round(src.shape[1] / mask.shape[1]))
        small = _shrink(src, scale) if scale > 1 else src
        sized = cv2.resize(mask, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
        filled = cv2.inpaint(small, sized, 5, cv2.INPAINT_TELEA)
        big = cv2.resize(filled, (src.shape[1], src.shape[0]), interpolation=cv2.INTER_LINEAR)
        where = cv2.resize(sized, (src.shape[1], src.shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool)
        dst[where] = big[where]
    return out


def _same_motion(own: np.ndarray, implied: np.ndarray) -> np.ndarray:
    """0..1: how well a sample's own flow agrees with the motion the output pixel was carried by."""
    gap_px = cv2.magnitude(own[..., 0] - implied[..., 0], own[..., 1] - implied[..., 1])
    allowed = 2.0 + 0.1 * cv2.magnitude(implied[..., 0], implied[..., 1])
    return np.clip(2.0 - gap_px / allowed, 0.0, 1.0)


def _filled(
    moved: list[np.ndarray],
    plates: tuple[np.ndarray, np.ndarray],
    maps: tuple[_Maps, _Maps],
    inside_a: np.ndarray,
    inside_b: np.ndarray,
    lacking: np.ndarray,
    t: float,
) -> list[np.ndarray]:
    """Where neither view has a good sample, the plates' room (each view without its foreground) instead, from
    the view whose sample is inside its frame, the nearer in time where both are."""
    share_a = ((1.0 - t) * inside_a + 1e-3) / ((1.0 - t) * inside_a + t * inside_b + 2e-3)
    out = []
    for plane_a, plane_b, flowed in zip(planes(plates[0]), planes(plates[1]), moved, strict=True):
        size = (plane_a.shape[1], plane_a.shape[0])
        from_a = cv2.remap(plane_a, maps[0].at(size), _NO_MAP, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        from_b = cv2.remap(plane_b, maps[1].at(size), _NO_MAP, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        w = cv2.resize(share_a.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        fill = cv2.blendLinear(from_a, from_b, w, 1.0 - w)
        lack = cv2.resize(lacking, size, interpolation=cv2.INTER_LINEAR)
        out.append(cv2.blendLinear(fill, flowed, lack, 1.0 - lack))
    return out


def _inside(grid: tuple[np.ndarray, np.ndarray], flow: np.ndarray) -> np.ndarray:
    """1 where grid + flow falls inside the frame, fading to 0 over the pixel beyond its edge."""
    h, w = grid[0].shape
    x, y = grid[0] + flow[..., 0], grid[1] + flow[..., 1]
    over = np.maximum(np.maximum(-0.5 - x, x - (w - 0.5)), np.maximum(-0.5 - y, y - (h - 0.5)))
    return np.clip(1.0 - over, 0.0, 1.0)


def crossfade(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """The plain blend a fraction t of the way from a to b: what flow interpolation is measured against."""
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)
