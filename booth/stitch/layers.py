"""In-between views for wide baselines: a gap's motion as two layers, what stands near the pivot and the room.

Every view is aligned on the pivot's axis, so between neighbours a point moves sideways by its depth: nothing at
the axis, the participant a little, the backdrop and far floor by up to four fifths of the frame when cameras
stand 25 degrees apart. Free optical flow loses such motion in a plain backdrop and tears it into blocks; here
(1) semi-global stereo matching along the rows (OpenCV's SGBM, rows being the epipolar lines of an arc turning
about a vertical axis) finds each pixel's motion, and is trusted near the pivot, where matching is reliable;
(2) the room behind is one sideways sweep per row, the mode of the far matches in that row's band,
interpolated down the frame; (3) each pixel takes the layer that explains it better, and only what connects to
the pivot is foreground, so a stray match in the backdrop is not carried as the participant; (4) what neither
view shows (the backdrop behind the participant in one view and outside the other's frame) is filled from that
view's own backdrop around it, a soft patch rather than a ghost of the participant."""

from __future__ import annotations

import cv2
import numpy as np

from booth.stitch.encode import planes
from booth.stitch.interpolate import FLOW_SCALE, Gap, _grid, _hidden, _pin_still, _shrink, gap

LAYERS_FROM = 0.35
"""The room's sweep (share of the width) from which the layers are used; below it, the free optical flow of
booth.stitch.interpolate, which holds there (chosen on the development look: the sweep is about 0.23 of the
width between 24 cameras over 180 degrees, where flow scores 2 dB more, and 0.45 or more between 8 to 16)."""
CROSSFADE_FROM = 0.5
"""The room's sweep (share of the width) from which a gap is cross-faded. The participant stands in the middle of
the frame, so from half the width on, the room behind them has left the other view's frame in both directions:
nothing can check the stereo's choice of what is participant and what is room there, and on the rigs that sweep
so far (8 cameras over 180 degrees, 16 over 270 at 3.5 m) the layers tore the participant's outline, dropped the
held stick and printed ghosts of the participant on the backdrop. A cross-fade shows a soft double image
instead, and keeps the pivot still (0.3 px)."""
MAX_SWEEP = 0.8
"""Largest sideways motion of the room between neighbouring views, as a share of the frame's width."""
MAX_COUNTER = 0.12
"""Largest motion the other way (what stands between the pivot and the cameras), share of the width."""
BLOCK = 5
"""Matching window of the stereo, flow-scale pixels."""
NEAR_SHARE = 0.3
"""Motion under this share of the widest sweep searched (and at least NEAR_MIN) counts as near the pivot."""
NEAR_MIN = 6.0
BAND_ROWS = 8
"""Rows (flow scale) of a band whose far matches give the room's sweep there."""
MIN_BAND_SHARE = 0.05
"""Share of a band's pixels that must be far matches for the band to have its own sweep."""
GOOD_MATCH = 40.0
"""Mean level difference (of 255 in each of luma and both chroma planes, summed, over the window) under which a
near match counts as right where the room's sweep cannot be checked (it leads out of the other view's frame)."""
MARGIN = 2.0
"""How much better (levels) the near motion must match than the room's sweep for a pixel to be foreground."""
COST_WINDOW = 9
"""Side (flow-scale pixels) of the window over which the two layers' matches are compared."""
PLATE_MARGIN = 15
"""Side (flow-scale pixels) of the margin round the foreground that the plates leave out where the stereo gave
no answer."""
CLOSE = 5
"""Side (flow-scale pixels) of the gaps closed before asking what connects to the pivot."""
CENTRE = (0.45, 0.55)
"""The columns (shares of the width) around the axis that foreground must connect to."""
SPREAD_SIGMA = 6.0
"""Reach (flow-scale pixels) over which near motion is carried into pixels the stereo left without one."""


def _stereo(left: np.ndarray, right: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Motion f along the rows with left(x) ~ right(x + f), f in [lo, hi], and where the matcher gave one.

    SGBM wants every candidate inside the other image, so both are padded by the search's reach; what matches
    the padding is discarded."""
    d_min = int(np.floor(-hi))
    count = int(np.ceil((hi - lo) / 16.0)) * 16
    matcher = cv2.StereoSGBM.create(
        minDisparity=d_min,
        numDisparities=count,
        blockSize=BLOCK,
        P1=8 * BLOCK * BLOCK,
        P2=32 * BLOCK * BLOCK,
        disp12MaxDiff=-1,
        uniquenessRatio=5,
        speckleWindowSize=0,
        mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY,
    )
    pad_left, pad_right = max(0, d_min + count) + 1, max(0, -d_min) + 1
    w = left.shape[1]

    def padded(image: np.ndarray) -> np.ndarray:
        return cv2.copyMakeBorder(image, 0, 0, pad_left, pad_right, cv2.BORDER_CONSTANT, value=0)

    d = matcher.compute(padded(left), padded(right)).astype(np.float32)[:, pad_left : pad_left + w] / 16.0
    valid = d >= d_min
    x = np.arange(w, dtype=np.float32)[None, :]
    valid &= (x - d >= 0) & (x - d <= w - 1)
    return -d, valid


def _sweep(motion: np.ndarray, far: np.ndarray) -> np.ndarray:
    """The room's sideways motion for every row: the mode of each band's far matches, interpolated down the
    frame (held beyond the first and last band that has one); zero where no band has any."""
    h = motion.shape[0]
    centres: list[float] = []
    values: list[float] = []
    for top in range(0, h, BAND_ROWS):
        rows = slice(top, min(h, top + BAND_ROWS))
        chosen = far[rows]
        if chosen.sum() > MIN_BAND_SHARE * chosen.size:
            centres.append(top + (rows.stop - top) / 2.0)
            values.append(_mode(motion[rows][chosen]))
    if not values:
        return np.zeros(h, np.float32)
    return np.interp(np.arange(h), centres, values).astype(np.float32)


def _mode(values: np.ndarray) -> float:
    """The most common motion (2-pixel bins), refined by the median of the values within 3 px of it: where the
    room leaves the other view's frame the stereo still answers something, spread over its whole range, and the
    true sweep is the one peak."""
    lo = float(values.min())
    counts = np.bincount(((values - lo) / 2.0).astype(np.int64))
    peak = lo + 2.0 * (int(np.argmax(counts)) + 0.5)
    near = values[np.abs(values - peak) <= 3.0]
    return float(np.median(near)) if near.size else peak


def _cost(a: list[np.ndarray], b: list[np.ndarray], motion: np.ndarray) -> np.ndarray:
    """Mean level difference around each pixel between a and b moved back by the motion, luma and both chroma
    planes summed (a green leaf and a sunlit field can share their luma); 255 where the motion leads outside b."""
    h, w = a[0].shape
    gx, gy = _grid(h, w)
    x = gx + motion
    cost = np.zeros((h, w), np.float32)
    for plane_a, plane_b in zip(a, b, strict=True):
        moved = cv2.remap(plane_b, x, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        cost += cv2.blur(cv2.absdiff(plane_a, moved).astype(np.float32), (COST_WINDOW, COST_WINDOW))
    cost[(x < 0) | (x > w - 1)] = 255.0
    return cost


def _connected_to_pivot(mask: np.ndarray) -> np.ndarray:
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    w = mask.shape[1]
    keep = np.zeros(count, dtype=bool)
    keep[np.unique(labels[:, int(w * CENTRE[0]) : int(w * CENTRE[1]) + 1])] = True
    keep[0] = False
    return keep[labels]


def _one_way(a: list[np.ndarray], b: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Flow from a to b (flow scale, x only; a and b as Y, U, V at that size), near the pivot by stereo, the
    room's sweep elsewhere; and what of a may stand near the pivot (to leave out of its plate)."""
    w = a[0].shape[1]
    lo, hi = -MAX_COUNTER * w, MAX_SWEEP * w
    motion, valid = _stereo(a[0], b[0], lo, hi)
    near_limit = max(NEAR_MIN, NEAR_SHARE * hi)
    near = valid & (np.abs(motion) <= near_limit)
    room = np.repeat(_sweep(motion, valid & ~near)[:, None], w, axis=1)
    reach = cv2.GaussianBlur(near.astype(np.float32), (0, 0), SPREAD_SIGMA)
    spread = cv2.GaussianBlur(np.where(near, motion, 0.0).astype(np.float32), (0, 0), SPREAD_SIGMA)
    local = np.where(near, motion, spread / np.maximum(reach, 1e-3)).astype(np.float32)
    near_cost, room_cost = _cost(a, b, local), _cost(a, b, room)
    unchecked = room_cost >= 254.0
    front = np.where(unchecked, near & (near_cost < GOOD_MATCH), near_cost + MARGIN < room_cost) & (reach > 0.05)
    front = cv2.medianBlur(front.astype(np.uint8), 3)
    # what connects to the pivot once small gaps are closed (an arm hanging beside the body, a stick held in a
    # hand) is the participant; a stray match out in the backdrop is not
    body = _connected_to_pivot(cv2.morphologyEx(front, cv2.MORPH_CLOSE, np.ones((CLOSE, CLOSE), np.uint8)) > 0)
    front = (front > 0) & body
    flow = np.zeros((*a[0].shape, 2), np.float32)
    flow[..., 0] = np.where(front, local, room)
    # the plate leaves out whatever may stand near the pivot, and a margin round the participant where the
    # stereo gave no answer (its edges): a stray near match only costs backdrop detail
    around = cv2.dilate(front.astype(np.uint8), np.ones((PLATE_MARGIN, PLATE_MARGIN), np.uint8)) > 0
    return flow, front | near | (around & ~valid)


def _sweep_share(a: np.ndarray, b: np.ndarray) -> float:
    """How far the room sweeps between the views, as a share of the width: the stereo's motion on views half
    the flow's size, over the top half of the frame (mostly backdrop), its upper quartile. A few milliseconds."""
    small_a, small_b = _shrink(a, 2), _shrink(b, 2)
    w = small_a.shape[1]
    motion, valid = _stereo(small_a, small_b, -MAX_COUNTER * w, MAX_SWEEP * w)
    top = slice(0, small_a.shape[0] // 2)
    found = np.abs(motion[top][valid[top]])
    return float(np.percentile(found, 75)) / w if found.size else 0.0


def _pinned(
    flow: np.ndarray, near: np.ndarray, colour_a: list[np.ndarray], colour_b: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The flow with what stands still near the pivot pinned, and how surely (0..1) each pixel was."""
    pinned, still = _pin_still(flow, colour_a, colour_b)
    keep = near.astype(np.float32) * still
    return (flow * (1.0 - keep[..., None]) + pinned * keep[..., None]).astype(np.float32), keep


def _mirror(planes_: list[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(p[:, ::-1]) for p in planes_]


def layered_gap(a: np.ndarray, b: np.ndarray) -> Gap:
    """Both ways' motion between two aligned I420 views as two layers (see the module), where each view shows
    what the other cannot, and what of each may stand near the pivot."""
    small_a, small_b = _shrink(planes(a)[0], FLOW_SCALE), _shrink(planes(b)[0], FLOW_SCALE)
    sweep = _sweep_share(small_a, small_b)
    if sweep < LAYERS_FROM:
        # neighbours close enough for free optical flow to follow the room: it follows its detail in two
        # dimensions, where one sweep per row cannot
        return gap(a, b)
    if sweep >= CROSSFADE_FROM:
        no_motion, nothing_hidden = np.zeros((*small_a.shape, 2), np.float32), np.zeros(small_a.shape, np.float32)
        return Gap(a, b, no_motion, no_motion, nothing_hidden, nothing_hidden, soft=True)
    colour_a = [small_a, *(_shrink(p, FLOW_SCALE // 2) for p in planes(a)[1:])]
    colour_b = [small_b, *(_shrink(p, FLOW_SCALE // 2) for p in planes(b)[1:])]
    forward, near_a = _one_way(colour_a, colour_b)
    # b to a is a to b mirrored: the same search, the same stereo, on the images turned left to right
    mirrored, near_b = _one_way(_mirror(colour_b), _mirror(colour_a))
    backward = np.ascontiguousarray(mirrored[:, ::-1])
    backward[..., 0] *= -1.0
    near_b = np.ascontiguousarray(near_b[:, ::-1])
    # what stands on the axis does not move between aligned views: near the pivot, where the views agree in
    # place (colour included) better than along the stereo's motion, nothing moves; the stereo's smoothing
    # would drag a small thing there (a marker ball) with the backdrop around it
    forward, still_a = _pinned(forward, near_a, colour_a, colour_b)
    backward, still_b = _pinned(backward, near_b, colour_b, colour_a)
    grid = _grid(*small_a.shape)
    hidden_a, hidden_b = _hidden(forward, backward, grid), _hidden(backward, forward, grid)
    return Gap(a, b, forward, backward, hidden_a, hidden_b, near_a, near_b, still_a, still_b)
