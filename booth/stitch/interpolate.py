"""In-between views: two-way DIS optical flow between neighbouring aligned views, and an occlusion-aware blend."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FLOW_SCALE = 4
"""DIS runs on luma at a quarter of the output's size (270x480 for a vertical clip): neighbouring views of an
orbit differ by smooth motion, and a quarter-size flow upsampled is within a few tenths of a dB of a half-size
one at a fifth of the cost (bench/interpolation.py)."""
SEARCH_SCALE = 16
"""Candidate motions are found at a sixteenth of the output's size."""
BAND_ROWS = 16
"""Rows (at SEARCH_SCALE) of each horizontal band whose dominant motions become candidates."""
PEAKS_PER_BAND = 2
MATCH_WINDOW = 5
"""Side (at SEARCH_SCALE) of the window over which each pixel compares the candidate motions."""
OCCLUSION_PX = 2.0
"""Forward-backward disagreement (flow-scale pixels) above which a pixel starts to count as hidden in the other
view; fully hidden at three times that."""
FILL_SIGMA = 16.0
"""Reach (flow-scale pixels) over which a hidden pixel takes its motion from the visible pixels around it."""
SPLAT_SHARPNESS = 8.0
"""How much more a pixel seen in both views counts than one hidden in the other, where two land together:
exp(SPLAT_SHARPNESS) times."""


def planes(yuv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of an I420 frame's Y, U and V planes (see encode.bgr_to_i420)."""
    h = yuv.shape[0] * 2 // 3
    w = yuv.shape[1]
    flat = yuv.reshape(-1)
    q = (h // 2) * (w // 2)
    u = flat[h * w : h * w + q].reshape(h // 2, w // 2)
    v = flat[h * w + q : h * w + 2 * q].reshape(h // 2, w // 2)
    return yuv[:h], u, v


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return gx, gy


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


def _initial_flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A coarse flow from a to b that is right by a few pixels even where the motion is large.

    Motion in an orbit is mostly a handful of sideways shifts, one per depth: the background sweeps across by a
    fifth of the frame between cameras while the participant at the pivot stays put. Each horizontal band's
    dominant shifts (phase correlation, as motion-compensated TV converters find candidate vectors) become
    candidates, and every pixel takes the candidate under which its neighbourhood matches best. DIS's own
    coarse-to-fine search, started from zero, loses such motion in low-contrast texture."""
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    h, w = fa.shape
    candidates: list[tuple[int, int]] = [(0, 0)]
    for top in range(0, max(1, h - BAND_ROWS // 2), BAND_ROWS):
        band = slice(top, min(h, top + BAND_ROWS))
        for shift in _peaks(fa[band], fb[band], PEAKS_PER_BAND):
            if all(abs(shift[0] - c[0]) + abs(shift[1] - c[1]) > 1 for c in candidates):
                candidates.append(shift)
    costs = np.empty((len(candidates), h, w), dtype=np.float32)
    for k, (dx, dy) in enumerate(candidates):
        moved = cv2.warpAffine(
            fb,
            np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], dtype=np.float32),
            (w, h),
            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        costs[k] = cv2.blur(np.abs(fa - moved), (MATCH_WINDOW, MATCH_WINDOW))
    best = cv2.medianBlur(np.argmin(costs, axis=0).astype(np.uint8), 3)
    return np.array(candidates, dtype=np.float32)[best]


def _hidden(forward: np.ndarray, backward: np.ndarray, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """How surely (0..1) each pixel of the first view has no counterpart in the second: following the forward
    flow and then the backward flow from where it lands should come back to the start."""
    returned = _lookup(backward, grid, forward)
    error = np.sum((forward + returned) ** 2, axis=2)
    allowed = 0.01 * (np.sum(forward**2, axis=2) + np.sum(returned**2, axis=2)) + OCCLUSION_PX**2
    return np.clip((np.sqrt(error / allowed) - 1.0) / 2.0, 0.0, 1.0).astype(np.float32)


def _fill(flow: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hidden pixels' flow replaced by the flow of the visible pixels around them: what is hidden in the other
    view is mostly background being covered or uncovered, moving as the background beside it does."""
    seen = (1.0 - hidden) ** 2
    near = cv2.GaussianBlur(flow * seen[..., None], (0, 0), FILL_SIGMA)
    weight = cv2.GaussianBlur(seen, (0, 0), FILL_SIGMA)
    filled = near / np.maximum(weight, 1e-4)[..., None]
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


def gap(a: np.ndarray, b: np.ndarray) -> Gap:
    """Flow both ways between two aligned I420 views, and where each view shows what the other cannot."""
    ya, yb = planes(a)[0], planes(b)[0]
    small_a, small_b = _shrink(ya, FLOW_SCALE), _shrink(yb, FLOW_SCALE)
    fh, fw = small_a.shape
    coarse_a, coarse_b = _shrink(ya, SEARCH_SCALE), _shrink(yb, SEARCH_SCALE)
    up = SEARCH_SCALE / FLOW_SCALE
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    forward = dis.calc(
        small_a, small_b, cv2.resize(_initial_flow(coarse_a, coarse_b), (fw, fh), interpolation=cv2.INTER_NEAREST) * up
    )
    backward = dis.calc(
        small_b, small_a, cv2.resize(_initial_flow(coarse_b, coarse_a), (fw, fh), interpolation=cv2.INTER_NEAREST) * up
    )
    grid = _grid(fh, fw)
    hidden_a, hidden_b = _hidden(forward, backward, grid), _hidden(backward, forward, grid)
    return Gap(a, b, _fill(forward, hidden_a), _fill(backward, hidden_b), hidden_a, hidden_b)


def _to_time(g: Gap, t: float) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel of the view at time t (flow scale), the offsets to where it is in a and in b.

    Every pixel of a is carried forward to where it stands at time t (t of its flow), every pixel of b back
    ((1 - t) of its flow), each bringing its offsets to a and to b. Where several land on one pixel, the one seen
    in both views outweighs one about to be hidden (so the participant covers the background, not the other way
    round), and the nearer view in time counts more. A landing pixel's own offsets are exact (the rounding to
    the grid is put back), so texture is not shifted by the splat."""
    fh, fw = g.forward.shape[:2]
    gx, gy = _grid(fh, fw)
    n = fh * fw
    totals = np.zeros((5, n), dtype=np.float64)
    for from_a, flow, hidden, go, nearness in (
        (True, g.forward, g.hidden_a, t, 1.0 - t),
        (False, g.backward, g.hidden_b, 1.0 - t, t),
    ):
        ix = np.rint(gx + go * flow[..., 0]).astype(np.int32)
        iy = np.rint(gy + go * flow[..., 1]).astype(np.int32)
        ok = (ix >= 0) & (ix < fw) & (iy >= 0) & (iy < fh)
        index = (iy * fw + ix)[ok]
        weight = (np.exp(SPLAT_SHARPNESS * (1.0 - hidden)) * (0.05 + nearness))[ok]
        fx, fy = flow[..., 0][ok], flow[..., 1][ok]
        px, py = gx[ok] - ix[ok], gy[ok] - iy[ok]  # back to the source pixel
        offsets = (px, py, px + fx, py + fy) if from_a else (px + fx, py + fy, px, py)
        totals[0] += np.bincount(index, weights=weight, minlength=n)
        for k, value in enumerate(offsets, start=1):
            totals[k] += np.bincount(index, weights=weight * value, minlength=n)
    layers = totals.reshape(5, fh, fw).astype(np.float32)
    acc = np.stack([cv2.boxFilter(x, -1, (3, 3), normalize=False) for x in layers])
    holes = acc[0] < 1e-3  # nothing landed near: take the offsets from further around
    if holes.any():
        wide = np.stack([cv2.GaussianBlur(x, (0, 0), 4.0) for x in acc])
        acc[:, holes] = wide[:, holes]
    weight = np.maximum(acc[0], 1e-6)
    to_a = np.dstack([acc[1] / weight, acc[2] / weight]).astype(np.float32)
    to_b = np.dstack([acc[3] / weight, acc[4] / weight]).astype(np.float32)
    return to_a, to_b


def in_between(g: Gap, t: float) -> np.ndarray:
    """The view a fraction t of the way from a to b, I420.

    Each output pixel takes its offsets into a and b from the flow carried to time t (see _to_time) and blends
    the two samples by nearness in time, except where one of them shows something the other view hides, or
    falls outside its frame: there the view that sees it wins, so edges do not ghost."""
    fh, fw = g.forward.shape[:2]
    grid = _grid(fh, fw)
    to_a, to_b = _to_time(g, t)
    hid_a = _lookup(g.hidden_a, grid, to_a)  # the a-sample is hidden in b: trust a, not b
    hid_b = _lookup(g.hidden_b, grid, to_b)
    w_a = (1.0 - t) * (1.0 - hid_b) * _inside(grid, to_a) + 1e-3
    w_b = t * (1.0 - hid_a) * _inside(grid, to_b) + 1e-3
    weight_a = (w_a / (w_a + w_b)).astype(np.float32)

    out = np.empty_like(g.a)
    for src_a, src_b, dst in zip(planes(g.a), planes(g.b), planes(out), strict=True):
        h, w = dst.shape
        s = np.float32(w / fw)
        near = _grid(h, w)
        _blend(
            _lookup(src_a, near, cv2.resize(to_a, (w, h)) * s),
            _lookup(src_b, near, cv2.resize(to_b, (w, h)) * s),
            cv2.resize(weight_a, (w, h)),
            dst,
        )
    return out


def _inside(grid: tuple[np.ndarray, np.ndarray], flow: np.ndarray) -> np.ndarray:
    """1 where grid + flow falls inside the frame, fading to 0 over the pixel beyond its edge."""
    h, w = grid[0].shape
    x, y = grid[0] + flow[..., 0], grid[1] + flow[..., 1]
    over = np.maximum(np.maximum(-0.5 - x, x - (w - 0.5)), np.maximum(-0.5 - y, y - (h - 0.5)))
    return np.clip(1.0 - over, 0.0, 1.0)


def _blend(a: np.ndarray, b: np.ndarray, weight_a: np.ndarray, out: np.ndarray) -> None:
    mixed = b.astype(np.float32) + weight_a * (a.astype(np.float32) - b.astype(np.float32))
    np.copyto(out, np.clip(mixed + 0.5, 0, 255).astype(np.uint8))


def crossfade(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """The plain blend a fraction t of the way from a to b: what flow interpolation is measured against."""
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)
