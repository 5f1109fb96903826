"""Cross-view agreement: a logo on the participant is seen by neighbouring cameras at places the calibration
predicts, so the shot's views vote. Detections are followed from camera to camera by place alone; each such
track takes the brand its views give most confidence to, so one view's mistaken brand is outvoted. A track
that enough views confirm is kept, a detection that none does is dropped, and a view that missed a confirmed
logo is looked at again where the logo should be."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

Box = tuple[float, float, float, float]

CAMERA_FILE = re.compile(r"cam_(\d+)\.", re.IGNORECASE)
NEIGHBOURS = 3
"""How many cameras away a view can still confirm another: one or two cameras between may have missed it."""
MIN_VIEWS = 2
"""A brand is in the shot only if at least this many views agree on it."""
SUPPORT_FLOOR = 0.2
"""Least confidence of a view that confirms another; alone it would not be a tag."""
RECOVER_SCORE = 0.3
"""Least confidence to take a logo in a view that missed it, where its neighbours say it is."""
ALONE_SCORE = 0.995
"""A detection with no neighbour's support is dropped unless it is at least this sure."""


@dataclass(frozen=True)
class View:
    """One detection in one frame, in that frame's pixels, with its confidence for each kit brand."""

    frame: int
    """Position of the frame in the shot's list."""
    scores: dict[str, float]
    box: Box
    recovered: bool = False

    @property
    def best(self) -> float:
        return max(self.scores.values(), default=0.0)

    def score(self, brand: str) -> float:
        return self.scores.get(brand, 0.0)


@dataclass(frozen=True)
class Tag:
    """A kept detection: the brand the shot's views agreed on, this view's confidence for it."""

    frame: int
    brand: str
    score: float
    box: Box
    recovered: bool = False


@dataclass
class Track:
    """One logo followed across neighbouring cameras."""

    views: list[View] = field(default_factory=list)
    rig: list[np.ndarray] = field(default_factory=list)
    """Each view's box centre and size in rig space: cx, cy, w, h."""

    def predicted(self, camera: int, order: Sequence[int]) -> np.ndarray:
        """Where the track's logo should be in rig space for the camera at `camera` (a position in `order`)."""
        positions = [order[v.frame] for v in self.views]
        if len(self.rig) == 1:
            return self.rig[0]
        a, b = self.rig[-2], self.rig[-1]
        step = (b[:2] - a[:2]) / max(1, positions[-1] - positions[-2])
        if camera < positions[0]:
            first = self.rig[0]
            return np.r_[first[:2] - step * (positions[0] - camera), first[2:]]
        nearest = min(range(len(positions)), key=lambda k: abs(positions[k] - camera))
        base = self.rig[nearest]
        return np.r_[base[:2] + step * (camera - positions[nearest]), base[2:]]


Transform = np.ndarray
"""2x3: a camera's source pixels to rig space (booth.stitch.calibration's similarity)."""
Probe = Callable[[int, Box], dict[str, float]]
"""Look at a box of one frame again: its confidence for each kit brand."""


def camera_number(name: str) -> int | None:
    match = CAMERA_FILE.search(name)
    return int(match.group(1)) if match else None


def _to_rig(box: Box, t: Transform) -> np.ndarray:
    x0, y0, x1, y1 = box
    scale = float(np.hypot(t[0, 0], t[1, 0]))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rx = t[0, 0] * cx + t[0, 1] * cy + t[0, 2]
    ry = t[1, 0] * cx + t[1, 1] * cy + t[1, 2]
    return np.array([rx, ry, (x1 - x0) * scale, (y1 - y0) * scale])


def _from_rig(rig: np.ndarray, t: Transform) -> Box:
    full = np.vstack([t, [0.0, 0.0, 1.0]])
    inv = np.linalg.inv(full)
    scale = float(np.hypot(t[0, 0], t[1, 0]))
    cx = inv[0, 0] * rig[0] + inv[0, 1] * rig[1] + inv[0, 2]
    cy = inv[1, 0] * rig[0] + inv[1, 1] * rig[1] + inv[1, 2]
    w, h = rig[2] / scale, rig[3] / scale
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _fits(track: Track, rig: np.ndarray, camera: int, order: Sequence[int]) -> float | None:
    """How far (in logo widths) `rig` is from where the track expects it, or None if too far to be it."""
    last = order[track.views[-1].frame]
    gap = camera - last
    if gap < 1 or gap > NEIGHBOURS:
        return None
    expected = track.predicted(camera, order)
    size = (expected[2:] + rig[2:]) / 2
    ratio = rig[2] / max(1e-6, expected[2])
    if not 0.5 <= ratio <= 2.0:
        return None
    moving = len(track.rig) > 1  # with two views the motion is known; with one it can only be bounded
    tol_x = size[0] * ((0.3 + 0.15 * gap) if moving else (0.45 + 0.35 * gap))
    tol_y = size[1] * (0.5 + 0.1 * gap)
    dx, dy = abs(rig[0] - expected[0]), abs(rig[1] - expected[1])
    if dx > tol_x or dy > tol_y:
        return None
    return float(dx / max(1e-6, size[0]) + dy / max(1e-6, size[1]))


def tracks(
    views: Sequence[View], transforms: Sequence[Transform], order: Sequence[int], floor: float = SUPPORT_FLOOR
) -> list[Track]:
    """Link each brand's detections from camera to camera along the arc (greedily, nearest first)."""
    out: list[Track] = []
    by_camera = sorted((v for v in views if v.best >= floor), key=lambda v: (order[v.frame], -v.best))
    for view in by_camera:
        rig = _to_rig(view.box, transforms[view.frame])
        camera = order[view.frame]
        best, best_cost = None, float("inf")
        for track in out:
            if order[track.views[-1].frame] == camera:
                continue
            cost = _fits(track, rig, camera, order)
            if cost is not None and cost < best_cost:
                best, best_cost = track, cost
        if best is None:
            best = Track()
            out.append(best)
        best.views.append(view)
        best.rig.append(rig)
    return out


@dataclass(frozen=True)
class ShotTags:
    tags: list[Tag]
    """The detections the shot keeps, recovered ones included, each with the brand its track agreed on."""
    dropped: list[Tag]
    """Detections at or above their brand's least confidence that no neighbouring view confirmed."""
    brands: dict[str, list[Tag]]
    """Each brand the shot shows, with its best view per frame."""


def vote(track: Track) -> str:
    """The brand the track's views give the most confidence to, added over the views."""
    totals: dict[str, float] = {}
    for view in track.views:
        for brand, score in view.scores.items():
            totals[brand] = totals.get(brand, 0.0) + score
    return max(totals.items(), key=lambda item: item[1])[0]


def agree(
    views: Sequence[View],
    transforms: Sequence[Transform],
    order: Sequence[int],
    frame_size: Sequence[tuple[int, int]],
    least: Callable[[str], float],
    probe: Probe | None = None,
) -> ShotTags:
    """The shot's tags from every frame's detections (however unsure), the cameras' transforms to rig space
    and their places along the arc (`order`, one per frame)."""
    kept: list[Tag] = []
    dropped: list[Tag] = []
    for track in tracks(views, transforms, order):
        brand = vote(track)
        members = [v for v in track.views if v.score(brand) >= SUPPORT_FLOOR]
        sure = [v for v in members if v.score(brand) >= least(brand)]
        if len(members) >= MIN_VIEWS and sure:
            track.views = members
            if probe is not None:
                track.views.extend(_recover(track, brand, transforms, order, frame_size, probe))
            kept.extend(Tag(v.frame, brand, v.score(brand), v.box, v.recovered) for v in track.views)
            continue
        for view in track.views:  # unconfirmed: only a view sure beyond doubt stands alone
            own = max(view.scores.items(), key=lambda item: item[1])[0]
            if view.score(own) >= least(own):
                tag = Tag(view.frame, own, view.score(own), view.box)
                (kept if tag.score >= ALONE_SCORE else dropped).append(tag)
    brands: dict[str, list[Tag]] = {}
    for tag in sorted(kept, key=lambda t: -t.score):
        mine = brands.setdefault(tag.brand, [])
        if all(t.frame != tag.frame for t in mine):
            mine.append(tag)
    for mine in brands.values():
        mine.sort(key=lambda t: order[t.frame])
    return ShotTags(sorted(kept, key=lambda t: (t.frame, -t.score)), dropped, dict(sorted(brands.items())))


def _recover(
    track: Track,
    brand: str,
    transforms: Sequence[Transform],
    order: Sequence[int],
    frame_size: Sequence[tuple[int, int]],
    probe: Probe,
) -> list[View]:
    """Views between and just beyond a confirmed track's that missed its logo: looked at again where the
    neighbours put it; taken when that look gives the track's brand enough confidence."""
    seen = {order[v.frame] for v in track.views}
    lo, hi = min(seen), max(seen)
    frame_of = {camera: frame for frame, camera in enumerate(order)}
    found: list[View] = []
    for camera in range(lo - 1, hi + 2):
        if camera in seen or camera not in frame_of:
            continue
        frame = frame_of[camera]
        box = _from_rig(track.predicted(camera, order), transforms[frame])
        width, height = frame_size[frame]
        if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
            continue  # out of this camera's frame: the logo has turned away or left it
        scores = probe(frame, box)
        if scores.get(brand, 0.0) >= RECOVER_SCORE:
            found.append(View(frame, scores, box, recovered=True))
    return found
