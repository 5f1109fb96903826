"""The Stitcher: takes frames as they arrive, aligns and colour-matches each at once, and writes the Clip."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from booth.atomic import staged_folder
from booth.config import BoothConfig, StitchSection
from booth.errors import StitchError
from booth.ids import new_id, utc_now_iso
from booth.shot import Clip, MissingCamera
from booth.stitch.align import OutputGeometry, aligned_frame, frame_warp, plan_output, warp
from booth.stitch.calibration import Calibration
from booth.stitch.colour import gain_lut
from booth.stitch.colour_match import (
    REACH,
    SECOND_NEIGHBOUR_WEIGHT,
    ContentGains,
    PairMeasure,
    PivotSample,
    links,
    measure_link,
    pivot_sample,
    solve_gains,
)
from booth.stitch.compose import Overlay, frame_count, load_end_card, load_overlay, output_frames
from booth.stitch.encode import (
    PREVIEW_FPS,
    EncodeSettings,
    bgr_to_i420,
    h264_encoder,
    i420_to_bgr,
    is_faststart,
    shrink,
    shrink_i420,
    write_mp4,
    write_poster,
    write_preview,
)
from booth.stitch.frames import decode, frame_problem, jpeg_info
from booth.stitch.interpolate import Gap, gap, in_between
from booth.stitch.layers import layered_gap
from booth.stitch.timeline import Timeline, boomerang
from rig.base import Frame

log = logging.getLogger(__name__)

PER_SHOT_CAMERAS = 16
"""With colour_per_shot "auto", rigs of up to this many cameras are matched again in every shot. On the
development look (bench/orbit_quality.py --dev), per shot beats the calibration shot alone on 8 and 12 cameras
(flicker 1.07 against 3.01 % at 8; gain 0.62 against 2.48 % at 12), and the calibration shot does as well on
24 (1.5 % gain), where measuring 45 pairs per shot would cost more than a second on two cores."""


@dataclass(frozen=True)
class Aligned:
    """One camera's frame aligned onto the output, before its colour is matched to its neighbours."""

    index: int
    file: str
    bgr: np.ndarray
    """As decoded and warped, no colour change."""
    provisional: np.ndarray | None
    """I420 with the calibration's colour only, for the flow that in-between views start from as soon as both
    neighbours are in (None without in-between views)."""
    sample: PivotSample | None
    """What it shows around the pivot, for matching its colour to its neighbours' (None where the shot is not
    matched: colour_per_shot)."""
    decode_ms: float
    align_ms: float


@dataclass(frozen=True)
class View:
    """One camera's frame, aligned onto the output and colour-matched."""

    index: int
    file: str
    yuv: np.ndarray
    """Output size, I420 for the encoder: converted once per camera, not once per output frame."""
    small: np.ndarray
    """BGR at preview size."""
    decode_ms: float
    align_ms: float
    colour_ms: float
    clean: np.ndarray | None = None
    """I420 before the overlay, when there is one: in-between views are made from these, then overlaid."""

    @property
    def unlaid(self) -> np.ndarray:
        """I420 without the overlay."""
        return self.clean if self.clean is not None else self.yuv


@dataclass(frozen=True)
class Bridge:
    """The in-between views synthesised in one gap between neighbouring cameras, by step (1 .. factor - 1)."""

    yuv: dict[int, np.ndarray]
    small: dict[int, np.ndarray]
    ms: float


class Orbit:
    """The orbit's views in order, some still being made: indexing one waits until it is ready."""

    def __init__(self) -> None:
        self._items: list[np.ndarray | tuple[Future[Bridge], int, bool]] = []

    def add(self, view: np.ndarray) -> None:
        self._items.append(view)

    def add_later(self, job: Future[Bridge], step: int, *, small: bool) -> None:
        self._items.append((job, step, small))

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int, /) -> np.ndarray:
        item = self._items[index]
        if isinstance(item, np.ndarray):
            return item
        job, step, small = item
        bridge = job.result()
        return bridge.small[step] if small else bridge.yuv[step]


@dataclass(frozen=True)
class Unusable:
    index: int
    file: str
    reason: str


Progress = Callable[[str, float], None]
"""Told how far a stage is, 0 to 1: ("capture", share of the frames in) from booth.shoot, then ("encode", share
of the clip's frames written: the encoder waits on each view, in-between ones included, as it reaches it)."""


class Stitcher:
    """Feed it frames with add() as they arrive; finish() writes DIR/<clip-id>/ and returns the Clip."""

    def __init__(
        self,
        calibration: Calibration,
        settings: StitchSection,
        *,
        minimum_cameras: int,
        overlay: Path | None = None,
        end_card: Path | None = None,
        workers: int | None = None,
    ) -> None:
        self.calibration = calibration
        self.settings = settings
        self.minimum = minimum_cameras
        try:
            self.geometry: OutputGeometry = plan_output(calibration, settings.profile, settings.zoom)
        except ValueError as exc:
            raise StitchError(str(exc)) from None
        self.reduction = self.geometry.reduction()
        w, h = self.geometry.width, self.geometry.height
        self.overlay: Overlay | None = load_overlay(overlay, w, h) if overlay else None
        self.end_card = load_end_card(end_card, w, h) if end_card else None
        self._warps = {c.index: frame_warp(c, self.geometry, self.reduction) for c in calibration.cameras}
        self._gains = {c.index: np.asarray(c.gains_bgr, dtype=np.float64) for c in calibration.cameras}
        self._luts = {index: gain_lut(g) for index, g in self._gains.items()}
        self._pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2, thread_name_prefix="stitch")
        self._pending: dict[int, Future[Aligned | Unusable]] = {}
        self._started: float | None = None
        self.warnings: list[str] = []
        # in-between views: each gap's are made as soon as both its cameras' views are ready
        self.factor = settings.interpolation_factor if settings.interpolation in ("layers", "flow") else 1
        self._find_gap = layered_gap if settings.interpolation == "layers" else gap
        self.match_per_shot = matches_per_shot(settings, calibration.camera_count)
        self._order = [c.index for c in calibration.cameras]
        self._planned = steps_needed(len(self._order), self.factor, settings)
        self._lock = threading.Lock()
        self._ready: dict[int, Aligned] = {}
        self._flows: dict[tuple[int, int], Future[Gap]] = {}
        self._measures: dict[tuple[int, int], Future[PairMeasure | None]] = {}
        self._closed = False
        self._match_ms = 0.0
        self.progress: Progress | None = None
        """Told ("encode", share of the clip's frames written) while finish() runs."""

    @classmethod
    def from_config(
        cls, calibration: Calibration, config: BoothConfig, *, overlay: Path | None = None, end_card: Path | None = None
    ) -> Stitcher:
        """A stitcher with booth.toml's settings; an overlay or end card given here wins over booth.toml's."""
        s = config.stitch
        return cls(
            calibration,
            s,
            minimum_cameras=config.rig.minimum_usable(calibration.camera_count),
            overlay=overlay or (config.resolve(s.overlay) if s.overlay else None),
            end_card=end_card or (config.resolve(s.end_card) if s.end_card else None),
        )

    def add(self, frame: Frame) -> None:
        """Start aligning a frame now, while the other cameras are still delivering."""
        if self._started is None:
            self._started = time.perf_counter()
        if frame.camera_index not in self._warps:
            self._warn(
                f"frame {frame.file_name or frame.camera_index} is from camera {frame.camera_index}, which "
                f"the calibration does not know; left out"
            )
            return
        if frame.camera_index in self._pending:
            self._warn(f"camera {frame.camera_index} sent a second frame ({frame.file_name}); the first is kept")
            return
        self._pending[frame.camera_index] = self._pool.submit(self._prepare, frame)

    def _warn(self, message: str) -> None:
        log.warning(message)
        self.warnings.append(message)

    def _prepare(self, frame: Frame) -> Aligned | Unusable:
        name = frame.file_name or f"camera {frame.camera_index}"
        problem = frame_problem(frame.data)
        if problem is not None:
            return Unusable(frame.camera_index, name, problem)
        info = jpeg_info(frame.data)
        assert info is not None
        expected = self.calibration.image_size
        if (info.width, info.height) != tuple(expected):
            return Unusable(
                frame.camera_index,
                name,
                f"frame is {info.width}x{info.height}, the calibration is for {expected[0]}x{expected[1]}",
            )
        t0 = time.perf_counter()
        image = decode(frame.data, self.reduction)
        t1 = time.perf_counter()
        if image is None:
            return Unusable(frame.camera_index, name, "JPEG data is corrupt and cannot be decoded")
        aligned = warp(image, self._warps[frame.camera_index], self.geometry)
        calibrated = cv2.LUT(aligned, self._luts[frame.camera_index])
        provisional = bgr_to_i420(calibrated) if self.factor > 1 else None
        sample = pivot_sample(frame.camera_index, calibrated) if self.match_per_shot else None
        t2 = time.perf_counter()
        ready = Aligned(frame.camera_index, name, aligned, provisional, sample, (t1 - t0) * 1e3, (t2 - t1) * 1e3)
        self._arrived(ready)
        return ready

    def _arrived(self, ready: Aligned) -> None:
        """Start measuring this view's colour against the views up to REACH away that are in, and the flow of
        each gap it completes, as the rig would be with every camera: the in-between views themselves wait for
        the colour, which needs every camera."""
        with self._lock:
            self._ready[ready.index] = ready
            if self._closed:
                return
            k = self._order.index(ready.index)
            for step in range(1, REACH + 1 if self.match_per_shot else 1):
                for i, j in ((k - step, k), (k, k + step)):
                    if i < 0 or j >= len(self._order):
                        continue
                    a, b = self._order[i], self._order[j]
                    if a in self._ready and b in self._ready and (a, b) not in self._measures:
                        weight = 1.0 if step == 1 else SECOND_NEIGHBOUR_WEIGHT
                        self._measures[(a, b)] = self._pool.submit(
                            self._measure, self._ready[a], self._ready[b], weight
                        )
            if self.factor == 1:
                return
            for left in (k - 1, k):
                if left < 0 or left + 1 >= len(self._order):
                    continue
                a, b = self._order[left], self._order[left + 1]
                if self._planned[left] and a in self._ready and b in self._ready and (a, b) not in self._flows:
                    self._flows[(a, b)] = self._pool.submit(self._flow, self._ready[a], self._ready[b])

    def _flow(self, a: Aligned, b: Aligned) -> Gap:
        assert a.provisional is not None and b.provisional is not None
        return self._find_gap(a.provisional, b.provisional)

    @staticmethod
    def _measure(a: Aligned, b: Aligned, weight: float) -> PairMeasure | None:
        assert a.sample is not None and b.sample is not None
        return measure_link(a.sample, b.sample, weight)

    def _content_gains(self, ready: list[Aligned]) -> ContentGains:
        """Every usable view matched to its neighbours: pairs measured while frames arrived are reused, pairs
        that a missing camera made neighbours are measured now. Without matching per shot, no change."""
        if not self.match_per_shot:
            return ContentGains({r.index: np.ones(3) for r in ready}, [])
        jobs = []
        for i, j, weight in links(len(ready)):
            a, b = ready[i], ready[j]
            job = self._measures.get((a.index, b.index))
            jobs.append(job or self._pool.submit(self._measure, a, b, weight))
        measures = [m for m in (job.result() for job in jobs) if m is not None]
        return solve_gains([r.index for r in ready], measures)

    def _matched(self, ready: Aligned, gains: np.ndarray) -> View:
        """The view in its matched colour (calibration and content gains together), overlaid, for the encoder."""
        t0 = time.perf_counter()
        matched = cv2.LUT(ready.bgr, gain_lut(self._gains[ready.index] * gains))
        clean = None
        if self.overlay is not None:
            if self.factor > 1:
                clean = bgr_to_i420(matched)
            matched = self.overlay.apply(matched)
        yuv = bgr_to_i420(matched)
        small = shrink(matched, self.settings.preview_width)
        colour_ms = (time.perf_counter() - t0) * 1e3
        return View(ready.index, ready.file, yuv, small, ready.decode_ms, ready.align_ms, colour_ms, clean)

    def _bridge(self, a: View, b: View, steps: frozenset[int], flow: Future[Gap] | None) -> Bridge:
        t0 = time.perf_counter()
        # the flow was found on the calibration's colour; the views are made from the matched one
        g = replace(flow.result(), a=a.unlaid, b=b.unlaid) if flow is not None else self._find_gap(a.unlaid, b.unlaid)
        yuv: dict[int, np.ndarray] = {}
        small: dict[int, np.ndarray] = {}
        for j in sorted(steps):
            made = in_between(g, j / self.factor)
            if self.overlay is not None:
                bgr = self.overlay.apply(i420_to_bgr(made))
                made = bgr_to_i420(bgr)
                small[j] = shrink(bgr, self.settings.preview_width)
            else:
                small[j] = shrink_i420(made, self.settings.preview_width)
            yuv[j] = made
        return Bridge(yuv, small, (time.perf_counter() - t0) * 1e3)

    def _in_betweens(self, views: list[View]) -> tuple[Orbit, Orbit, list[Future[Bridge]]]:
        """Every view of the clip's orbit, in order (full size and preview size): the cameras' and, between
        them, the synthesised ones the timeline shows; the others stand in as the camera before (no frame
        shows them). Gaps started while frames arrived are reused when the cameras around them are the same;
        the rest are started now. Nothing waits here: the encoder waits for each view as it reaches it."""
        with self._lock:
            self._closed = True
        needed = steps_needed(len(views), self.factor, self.settings)
        jobs: list[Future[Bridge]] = []
        big, small = Orbit(), Orbit()
        for m, view in enumerate(views):
            big.add(view.yuv)
            small.add(view.small)
            if m + 1 == len(views):
                break
            steps = needed[m]
            job: Future[Bridge] | None = None
            if steps:
                flow = self._flows.get((view.index, views[m + 1].index))
                job = self._pool.submit(self._bridge, view, views[m + 1], steps, flow)
            if job is not None:
                jobs.append(job)
            for j in range(1, self.factor):
                if job is not None and j in steps:
                    big.add_later(job, j, small=False)
                    small.add_later(job, j, small=True)
                else:
                    big.add(view.yuv)
                    small.add(view.small)
        return big, small, jobs

    def _gather(self) -> tuple[list[Aligned], list[MissingCamera]]:
        views: list[Aligned] = []
        missing: list[MissingCamera] = []
        for cam in self.calibration.cameras:
            fut = self._pending.get(cam.index)
            if fut is None:
                missing.append(MissingCamera(cam.index, cam.file, "no frame arrived from this camera"))
                continue
            result = fut.result()
            if isinstance(result, Unusable):
                missing.append(MissingCamera(cam.index, result.file, result.reason))
            else:
                views.append(result)
        for m in missing:
            self._warn(f"camera {m.index} ({m.file}): {m.reason}; left out of the clip")
        return views, missing

    def finish(self, out_parent: Path, *, shot_id: str, extra: dict[str, Any] | None = None) -> Clip:
        """Wait for every frame added, then make the clip folder atomically. Raises StitchError if too few
        cameras gave a usable frame."""
        t_start = time.perf_counter()
        try:
            ready, missing = self._gather()
            with self._lock:
                self._closed = True
            frames_wall = (time.perf_counter() - (self._started or t_start)) * 1e3
            total = self.calibration.camera_count
            if len(ready) < self.minimum:
                named = ", ".join(str(m.index) for m in missing[:12]) + (" ..." if len(missing) > 12 else "")
                raise StitchError(
                    f"only {len(ready)} of {total} cameras gave a usable frame, {self.minimum} are needed "
                    f"(missing: {named}); check those cameras and shoot again"
                )
            t0 = time.perf_counter()
            content = self._content_gains(ready)
            self._match_ms = (time.perf_counter() - t0) * 1e3
            for index in content.unmatched:
                self._warn(
                    f"camera {index}: its colour could not be matched to its neighbours (too little in common "
                    f"at the pivot); it keeps the calibration's colour"
                )
            views = list(self._pool.map(lambda r: self._matched(r, content.gains[r.index]), ready))
            return self._write(views, missing, frames_wall, out_parent, shot_id, extra or {}, t_start)
        finally:
            self._pool.shutdown(wait=True)

    def _write(
        self,
        views: list[View],
        missing: list[MissingCamera],
        frames_wall: float,
        out_parent: Path,
        shot_id: str,
        extra: dict[str, Any],
        t_start: float,
    ) -> Clip:
        """The clip folder from the usable views: orbit, encode beside the preview, poster, clip.json."""
        orbit_yuv, orbit_small, bridges = self._in_betweens(views)
        s = self.settings
        t0 = time.perf_counter()
        timeline = orbit_timeline(len(views), self.factor, s)
        t1 = time.perf_counter()
        clip_id = new_id("clip")
        crossfade = s.interpolation == "crossfade"
        card_yuv = bgr_to_i420(self.end_card) if self.end_card is not None else None
        card_small = shrink(self.end_card, s.preview_width) if self.end_card is not None else None
        step = max(1, round(s.fps / PREVIEW_FPS))
        preview_name = f"preview.{s.preview_format}"
        g = self.geometry
        with staged_folder(out_parent / clip_id) as stage:
            # the preview (small frames, same timeline) is encoded alongside the video
            def make_preview() -> tuple[int, float]:
                p0 = time.perf_counter()
                small = output_frames(orbit_small, timeline, crossfade, card_small, s.end_card_s)
                size = write_preview(
                    [f for k, f in enumerate(small) if k % step == 0], stage / preview_name, s.preview_format
                )
                return size, (time.perf_counter() - p0) * 1e3

            with ThreadPoolExecutor(max_workers=1) as side:
                preview_job = side.submit(make_preview)
                t2 = time.perf_counter()
                planned = frame_count(timeline, self.end_card is not None, s.end_card_s)
                written = write_mp4(
                    lambda: self._counted(
                        output_frames(orbit_yuv, timeline, crossfade, card_yuv, s.end_card_s), planned
                    ),
                    planned,
                    stage / "clip.mp4",
                    g.width,
                    g.height,
                    EncodeSettings(s.fps, s.crf, s.preset, s.max_bitrate_mbps),
                )
                t3 = time.perf_counter()
                write_poster(i420_to_bgr(views[len(views) // 2].yuv), stage / "poster.jpg", s.poster_quality)
                t4 = time.perf_counter()
                preview_bytes, preview_ms = preview_job.result()
                t5 = time.perf_counter()
            between_ms = sum(job.result().ms for job in bridges)
            if written != planned:
                raise StitchError(f"encoder wrote {written} frames where {planned} were planned")
            if not is_faststart(stage / "clip.mp4"):  # phones would have to download it all before playing
                raise StitchError("the encoder did not put the MP4 index first; check the PyAV installation")
            video_bytes = (stage / "clip.mp4").read_bytes()
            duration = written / s.fps
            metadata: dict[str, Any] = {
                "clip_id": clip_id,
                "shot_id": shot_id,
                "created_at": utc_now_iso(),
                "profile": s.profile,
                "width": g.width,
                "height": g.height,
                "fps": s.fps,
                "duration_s": round(duration, 3),
                "frame_count": written,
                "codec": "h264",
                "encoder": h264_encoder(),
                "bitrate_kbps": round(len(video_bytes) * 8 / duration / 1000, 1),
                "cameras_used": [v.index for v in views],
                "cameras_missing": [m.to_json() for m in missing],
                "calibration_id": self.calibration.id,
                "rig_id": self.calibration.rig_id,
                "sha256": hashlib.sha256(video_bytes).hexdigest(),
                "files": {"video": "clip.mp4", "poster": "poster.jpg", "preview": preview_name},
                "preview_bytes": preview_bytes,
                "interpolation": s.interpolation,
                "interpolation_factor": self.factor,
                "views_synthesised": len({round(p) for p in timeline.positions if round(p) % self.factor}),
                "decode_scale": f"1/{self.reduction}",
                "warnings": list(self.warnings),
                "timings_ms": {
                    "decode": round(sum(v.decode_ms for v in views), 1),
                    "align": round(sum(v.align_ms for v in views), 1),
                    "colour": round(sum(v.colour_ms for v in views), 1),
                    "colour_match": round(self._match_ms, 1),
                    "frames_wall": round(frames_wall, 1),
                    "interpolate": round(between_ms, 1),
                    "timeline": round((t1 - t0) * 1e3, 2),
                    "encode": round((t3 - t2) * 1e3, 1),
                    "poster": round((t4 - t3) * 1e3, 1),
                    "preview": round(preview_ms, 1),
                    "preview_wait": round((t5 - t4) * 1e3, 1),
                },
                **(extra or {}),
            }
            metadata["timings_ms"]["total"] = round((time.perf_counter() - (self._started or t_start)) * 1e3, 1)
            (stage / "clip.json").write_text(json.dumps(metadata, indent=2) + "\n")
        return Clip(clip_id, shot_id, out_parent / clip_id, metadata)

    def _counted(self, frames: Iterable[np.ndarray], total: int) -> Iterator[np.ndarray]:
        """The frames as they go to the encoder, telling progress every few of them."""
        for k, frame in enumerate(frames, 1):
            yield frame
            if self.progress is not None and (k % 8 == 0 or k == total):
                self.progress("encode", min(1.0, k / max(1, total)))

    def abandon(self) -> None:
        """Drop the frames in flight (a shot that is given up)."""
        with self._lock:
            self._closed = True
        for fut in self._pending.values():
            fut.cancel()
        for job in self._flows.values():
            job.cancel()
        for measure in self._measures.values():
            measure.cancel()
        self._pool.shutdown(wait=False)


def aligned_view(frame: Frame, calibration: Calibration, geometry: OutputGeometry) -> np.ndarray:
    """One frame as a clip shows its camera, without an overlay: decoded at the output's scale, aligned onto it
    and colour-matched, I420. For measuring views against each other (the Stitcher does the same per frame,
    timing each step)."""
    camera = calibration.camera(frame.camera_index)
    aligned = aligned_frame(frame.data, camera, geometry)
    if aligned is None:
        raise StitchError(f"{frame.file_name or frame.camera_index}: JPEG data is corrupt and cannot be decoded")
    return bgr_to_i420(cv2.LUT(aligned, gain_lut(camera.gains_bgr)))


def matches_per_shot(settings: StitchSection, cameras: int) -> bool:
    """Whether each shot's colour is matched again from its own content (colour_per_shot)."""
    return settings.colour_per_shot == "on" or (settings.colour_per_shot == "auto" and cameras <= PER_SHOT_CAMERAS)


def orbit_timeline(cameras: int, factor: int, settings: StitchSection) -> Timeline:
    """The boomerang over the orbit's views: the cameras and, with flow, factor - 1 steps in each gap."""
    s = settings
    return boomerang((cameras - 1) * factor + 1, s.fps, s.orbit_s, s.hold_s, s.min_duration_s)


def steps_needed(cameras: int, factor: int, settings: StitchSection) -> list[frozenset[int]]:
    """For each gap between neighbouring cameras, the in-between steps (1 .. factor - 1) some frame shows."""
    gaps: list[set[int]] = [set() for _ in range(max(0, cameras - 1))]
    if factor > 1 and cameras > 1:
        for p in orbit_timeline(cameras, factor, settings).positions:
            m, j = divmod(min(round(p), (cameras - 1) * factor), factor)
            if j:
                gaps[m].add(j)
    return [frozenset(g) for g in gaps]
