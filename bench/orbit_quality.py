"""The orbit on the rigs people build: pivot steadiness, in-between views, colour and bitrate, per rig.

For rigs of 8, 12, 16, 24 and 48 cameras (different spans, radii and framings), rendered in the held-out event
look (rig.sim.look.HELDOUT_EVENT: photos nothing is tuned on, ISO 1600 noise, a key light, no grey patch; --dev
for the development look), each with the true in-between cameras (SimRig between=2), this prints:
  pivot    the calibration target's two markers found in every output frame, in-between views included, against
           where the calibration puts the axis: worst frame and RMS, px;
  views    PSNR and SSIM (luma, whole frame) of the synthesised half-way views against the true in-between
           cameras, for a cross-fade, the flow method and the booth's method, the share of the frame where they
           draw edges the true view lacks (a torn view: pieces of both views out of place), and in how many of
           them the held stick shows in as many pieces as in the true view (not doubled, torn or erased);
  colour   the clip's camera views against the same shot rendered without colour or exposure errors: per-camera
           gain error (RMS and worst, %, after the clip's common gain) and frame-to-frame flicker of brightness
           (RMS and worst, %), unmatched, matched by the calibration (from the target shot's content) and
           matched again from the shot; * marks what the booth does on that rig (colour_per_shot "auto");
  bitrate  of the clip the booth writes from the shot (file size over duration), against the cap.

Run: .venv/bin/python bench/orbit_quality.py [--rigs 8,12,16,24,48] [--size 3000x2000] [--dev]
Frames are rendered once into bench/.cache/orbit/ and reused."""

from __future__ import annotations

import argparse
import functools
import json
import math
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from booth.config import StitchSection, TargetSection
from booth.stitch.align import OutputGeometry, aligned_frame, plan_output
from booth.stitch.calibration import Calibration, calibrate_frames, similarity
from booth.stitch.colour import SRGB8_TO_LINEAR, gain_lut
from booth.stitch.colour_match import match_views, pivot_sample
from booth.stitch.encode import bgr_to_i420, i420_to_bgr, planes
from booth.stitch.frames import read_folder
from booth.stitch.interpolate import crossfade, gap, in_between
from booth.stitch.layers import layered_gap
from booth.stitch.stitcher import Stitcher, matches_per_shot
from booth.stitch.target import marker_mask
from rig.base import MAX_CAMERAS, Frame
from rig.sim.camera import RigLayout
from rig.sim.look import EVENT, HELDOUT_EVENT, Look
from rig.sim.rig import SimRig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from interpolation import psnr, ssim

CACHE = Path(__file__).resolve().parent / ".cache" / "orbit"


@dataclass(frozen=True)
class RigCase:
    cameras: int
    span_deg: float
    radius_m: float
    fov_deg: float

    @property
    def spacing_deg(self) -> float:
        return self.span_deg / (self.cameras if self.span_deg >= 360 else self.cameras - 1)


RIGS = {
    8: RigCase(8, 180.0, 3.0, 44.0),
    12: RigCase(12, 180.0, 2.5, 50.0),
    16: RigCase(16, 270.0, 3.5, 40.0),
    24: RigCase(24, 180.0, 3.0, 44.0),
    48: RigCase(48, 360.0, 3.0, 44.0),
}


def render(case: RigCase, look: Look, scene: str, size: tuple[int, int], between: int, exact: bool) -> Path:
    """A shot of the rig (and its in-between cameras), rendered once into the cache."""
    name = f"{look.photos}-{case.cameras}-{case.span_deg:.0f}-{scene}-b{between}-{size[0]}x{size[1]}"
    folder = CACHE / (name + ("-exact" if exact else ""))
    if (folder / "ground_truth.json").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    layout = RigLayout(
        cameras=case.cameras,
        radius_m=case.radius_m,
        span_deg=case.span_deg,
        vertical_fov_deg=case.fov_deg,
        width=size[0],
        height=size[1],
    )
    rig = SimRig(layout, seed=90 + case.cameras, between=between, look=look, colour_errors=not exact)
    rig.scene_name = "target" if scene == "target" else "participant"
    t0 = time.perf_counter()
    rig.render_to(folder)
    print(f"  rendered {folder.name} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return folder


def aligned(frames: list[Frame], calibration: Calibration, geometry: OutputGeometry, colour: bool) -> list[np.ndarray]:
    """Every frame aligned onto the output (BGR), with the calibration's colour gains or without."""

    def one(frame: Frame) -> np.ndarray:
        cam = calibration.camera(frame.camera_index)
        out = aligned_frame(frame.data, cam, geometry)
        assert out is not None
        return cv2.LUT(out, gain_lut(cam.gains_bgr)) if colour else out

    with ThreadPoolExecutor() as pool:
        return list(pool.map(one, frames))


def marker_at(image_bgr: np.ndarray, place: np.ndarray, reach: float, area: float) -> np.ndarray | None:
    """The centre of the marker ball found near its place (within reach px): the largest marker-coloured blob
    there, if it is at least a third of the ball's area. None: the ball is not there (torn away or erased)."""
    h, w = image_bgr.shape[:2]
    x0, y0 = max(0, int(place[0] - reach)), max(0, int(place[1] - reach))
    x1, y1 = min(w, int(place[0] + reach) + 1), min(h, int(place[1] + reach) + 1)
    mask = marker_mask(image_bgr[y0:y1, x0:x1], TargetSection())
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[k, cv2.CC_STAT_AREA] < area / 3:
        return None
    return np.array([x0 + centroids[k][0], y0 + centroids[k][1]])


METHODS = ("crossfade", "flow", "unguarded", "layers")
"""A plain cross-fade, the free optical flow method the booth had before, the booth's layered method without its
fallback to a cross-fade where the motion explains neither view, and the booth's method."""


def synthesise(method: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The half-way view between two aligned I420 views by one of METHODS."""
    if method == "crossfade":
        return crossfade(a, b, 0.5)
    if method == "flow":
        return in_between(gap(a, b), 0.5, fall_back=False)
    return in_between(layered_gap(a, b), 0.5, fall_back=method == "layers")


def rig_only(frames: list[Frame]) -> list[Frame]:
    """The rig's own cameras of a shot rendered with the in-between ones (every second), numbered 0 to n-1."""
    return [replace(f, camera_index=k, file_name=f"cam_{k:02d}.jpg") for k, f in enumerate(frames[::2])]


@dataclass(frozen=True)
class Shots:
    """A rig case's frames: the target and the participant with in-between cameras, the exact-colour shot."""

    target: list[Frame]
    shot: list[Frame]
    exact: list[Frame]

    @functools.cached_property
    def calibration(self) -> Calibration:
        """The rig's own cameras calibrated from the target, as the booth calibrates them."""
        return calibrate_frames(rig_only(self.target), TargetSection(), "bench")[0]

    @staticmethod
    def of(case: RigCase, look: Look, size: tuple[int, int]) -> Shots:
        return Shots(
            read_folder(render(case, look, "target", size, 2, False)).frames,
            read_folder(render(case, look, "participant", size, 2, False)).frames,
            read_folder(render(case, look, "participant", size, 1, True)).frames,
        )


def pivot(shots: Shots) -> dict[str, dict[str, float]]:
    """Markers in every frame of the orbit (the cameras' views and the half-way ones) against their place."""
    frames = rig_only(shots.target)
    calibration = shots.calibration
    geometry = plan_output(calibration, "vertical")
    to_out = geometry.rig_to_output()
    place = [(to_out @ np.array([*p, 1.0]))[:2] for p in (calibration.reference_top, calibration.reference_bottom)]
    views = [bgr_to_i420(v) for v in aligned(frames, calibration, geometry, True)]
    metre = float(np.linalg.norm(place[0] - place[1]))  # the balls are 1 m apart on the default target
    ball = TargetSection()
    radius = metre * ball.marker_radius_m / (ball.top_m - ball.bottom_m)
    reach, area = 0.15 * metre, math.pi * radius * radius
    result: dict[str, dict[str, float]] = {}
    for method in METHODS:
        errors: list[float] = []
        lost = 0
        for k in range(len(views)):
            shown = [views[k]]
            if k + 1 < len(views):
                shown.append(synthesise(method, views[k], views[k + 1]))
            for image in shown:
                bgr = i420_to_bgr(image)
                for p in place:
                    found = marker_at(bgr, p, reach, area)
                    if found is None:
                        lost += 1
                    else:
                        errors.append(float(np.linalg.norm(found - p)))
        result[method] = {
            "worst_px": max(errors) if errors else math.inf,
            "rms_px": math.sqrt(statistics.mean(e * e for e in errors)) if errors else math.inf,
            "lost": lost,
            "seen": float(len(errors) + lost),
        }
    return result


def joint_calibration(shots: Shots) -> Calibration:
    """One calibration for the rig's cameras and the in-between ones together. A rig has at most 48 cameras,
    so 95 are calibrated as two rigs (the rig's own, the in-between ones), the second brought into the first's
    rig space by the similarity between their reference axes."""
    if len(shots.target) <= MAX_CAMERAS:
        return calibrate_frames(shots.target, TargetSection(), "bench")[0]
    own = shots.calibration
    frames = shots.target
    between = [replace(f, camera_index=k, file_name=f"cam_{k:02d}.jpg") for k, f in enumerate(frames[1::2])]
    other, _ = calibrate_frames(between, TargetSection(), "bench")
    to_own = np.vstack(
        [
            similarity((other.reference_top, other.reference_bottom), (own.reference_top, own.reference_bottom)),
            [0, 0, 1],
        ]
    )
    cameras = []
    for k in range(len(frames)):
        cam = (own if k % 2 == 0 else other).camera(k // 2)
        transform = cam.transform if k % 2 == 0 else (to_own @ np.vstack([cam.transform, [0, 0, 1]]))[:2]
        cameras.append(replace(cam, index=k, transform=transform))
    return replace(own, cameras=tuple(cameras))


def magenta_blobs(image_bgr: np.ndarray) -> np.ndarray:
    """The areas (pixels) of the marker-magenta blobs in a view: on the participant, the held stick's pieces."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(marker_mask(image_bgr, TargetSection()), connectivity=8)
    return np.asarray(stats[1:, cv2.CC_STAT_AREA])


def stick_as_seen(made_bgr: np.ndarray, truth_bgr: np.ndarray) -> bool | None:
    """Whether a synthesised view shows the held stick in as many pieces as the true camera does (the hand
    splits it in two): a doubled stick (a ghost) or a torn one shows more, an erased one fewer. Pieces count
    from a third of the true view's smaller one. None where the true view shows no stick."""
    truth = magenta_blobs(truth_bgr)
    largest = np.sort(truth)[::-1][:2]
    if largest.size == 0 or largest[0] < 40:
        return None
    least = max(20.0, float(largest.min()) / 3.0)
    return int((magenta_blobs(made_bgr) >= least).sum()) == int((truth >= least).sum())


FALSE_EDGE = 8.0
"""Edge strength (levels per pixel, Sobel over 8) by which a synthesised view's edge must exceed the true view's
there (after a slack of FALSE_EDGE_SLACK for noise and a slight blur) to count as an edge the true view lacks."""
FALSE_EDGE_SLACK = 4.0


def _edges(luma: np.ndarray) -> np.ndarray:
    y = luma.astype(np.float32)
    return cv2.magnitude(cv2.Sobel(y, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(y, cv2.CV_32F, 0, 1, ksize=3)) / 8.0


def false_edges(made: np.ndarray, truth: np.ndarray) -> float:
    """Share (%) of the frame where a synthesised view (luma) shows an edge the true view does not: the pieces a
    torn view draws out of place. A cross-fade's double image shows half-strength edges, a good synthesis few."""
    extra = _edges(made) - _edges(truth) - FALSE_EDGE_SLACK
    return 100.0 * float(np.mean(extra > FALSE_EDGE))


def views(shots: Shots) -> dict[str, dict[str, float]]:
    """Half-way views against the true in-between cameras (all aligned by their own calibration)."""
    calibration = joint_calibration(shots)
    geometry = plan_output(calibration, "vertical")
    seen = [bgr_to_i420(v) for v in aligned(shots.shot, calibration, geometry, True)]
    scores: dict[str, list[tuple[float, float]]] = {m: [] for m in METHODS}
    torn: dict[str, list[float]] = {m: [] for m in METHODS}
    sticks: dict[str, list[bool]] = {m: [] for m in METHODS}
    for k in range(0, len(seen) - 2, 2):
        truth = planes(seen[k + 1])[0]
        truth_bgr = i420_to_bgr(seen[k + 1])
        for name in METHODS:
            image = synthesise(name, seen[k], seen[k + 2])
            y = planes(image)[0]
            scores[name].append((psnr(y, truth), ssim(y, truth)))
            torn[name].append(false_edges(y, truth))
            same = stick_as_seen(i420_to_bgr(image), truth_bgr)
            if same is not None:
                sticks[name].append(same)
    return {
        name: {
            "psnr": statistics.mean(p for p, _ in values),
            "psnr_worst": min(p for p, _ in values),
            "ssim": statistics.mean(s for _, s in values),
            "false_edges_pct": statistics.mean(torn[name]),
            "stick_right": float(sum(sticks[name])),
            "stick_views": float(len(sticks[name])),
        }
        for name, values in scores.items()
    }


def _gain(image: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-channel gain of image over reference in linear light, over pixels clipped in neither."""
    a, b = cv2.LUT(image, SRGB8_TO_LINEAR), cv2.LUT(reference, SRGB8_TO_LINEAR)
    ok = (a.max(axis=2) < 0.95) & (b.max(axis=2) < 0.95)
    return np.asarray(a[ok].sum(axis=0) / np.maximum(b[ok].sum(axis=0), 1e-9), dtype=np.float64)


def colour(shots: Shots, closed: bool) -> dict[str, dict[str, float]]:
    """The clip's camera views against the exact-colour shot: as the cameras made them, matched by the
    calibration (from the target shot's content: no grey patch), and matched again from the shot itself."""
    calibration = shots.calibration
    geometry = plan_output(calibration, "vertical")
    raw = aligned(rig_only(shots.shot), calibration, geometry, False)
    calibrated = [cv2.LUT(v, gain_lut(calibration.camera(k).gains_bgr)) for k, v in enumerate(raw)]
    exact = aligned(shots.exact, calibration, geometry, False)
    per_shot = match_views([pivot_sample(k, v) for k, v in enumerate(calibrated)], closed=closed)
    again = [cv2.LUT(v, gain_lut(per_shot.gains[k])) for k, v in enumerate(calibrated)]
    result = {}
    for name, clip in (("unmatched", raw), ("calibration", calibrated), ("per shot", again)):
        gains = np.array([_gain(v, e) for v, e in zip(clip, exact, strict=True)])
        relative = gains / gains.mean(axis=0)
        error = np.abs(relative - 1.0)
        luma = relative @ np.array([0.0722, 0.7152, 0.2126])
        flicker = np.abs(luma[1:] / luma[:-1] - 1.0)
        result[name] = {
            "gain_rms_pct": 100 * float(np.sqrt(np.mean(error**2))),
            "gain_worst_pct": 100 * float(error.max()),
            "flicker_rms_pct": 100 * float(np.sqrt(np.mean(flicker**2))),
            "flicker_worst_pct": 100 * float(flicker.max()),
        }
    return result


def bitrate(shots: Shots) -> dict[str, float]:
    """The clip the booth writes from the shot, with its default settings."""
    settings = StitchSection()
    stitcher = Stitcher(shots.calibration, settings, minimum_cameras=2)
    for frame in rig_only(shots.shot):
        stitcher.add(frame)
    with tempfile.TemporaryDirectory() as tmp:
        clip = stitcher.finish(Path(tmp), shot_id="bench")
        return {"mbps": clip.metadata["bitrate_kbps"] / 1000, "cap": settings.max_bitrate_mbps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rigs", default="8,12,16,24,48")
    parser.add_argument("--size", default="3000x2000")
    parser.add_argument("--dev", action="store_true", help="the development look (for tuning), not the held-out")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    look = EVENT if args.dev else HELDOUT_EVENT
    print(f"look: {look.describe()}; frames {args.size}; vertical 1080x1920 output")
    print(f"OpenCV {cv2.__version__}, NumPy {np.__version__}: the matching and the sim's renders run through both")
    figures = {}
    for n in (int(v) for v in args.rigs.split(",")):
        case = RIGS[n]
        apart = f"{case.spacing_deg:.1f} deg apart"
        print(f"\n{n} cameras over {case.span_deg:.0f} deg ({apart}), radius {case.radius_m} m")
        shots = Shots.of(case, look, (w, h))
        p = pivot(shots)
        for name, r in p.items():
            print(
                f"  pivot  {name:10s} worst {r['worst_px']:6.2f} px  RMS {r['rms_px']:5.2f} px"
                f"  markers lost {r['lost']:.0f} of {r['seen']:.0f}"
            )
        v = views(shots)
        for name, r in v.items():
            print(
                f"  views  {name:10s} PSNR {r['psnr']:6.2f} dB (worst {r['psnr_worst']:6.2f})  SSIM {r['ssim']:.4f}"
                f"  false edges {r['false_edges_pct']:.2f} %"
                f"  held stick as in the true view in {r['stick_right']:.0f} of {r['stick_views']:.0f}"
            )
        for name in ("flow", "unguarded", "layers"):
            print(f"  views  {name} over cross-fade: {v[name]['psnr'] - v['crossfade']['psnr']:+.2f} dB")
        c = colour(shots, case.span_deg >= 360)
        booth_uses = "per shot" if matches_per_shot(StitchSection(), case.cameras) else "calibration"
        for name, r in c.items():
            mark = "*" if name == booth_uses else " "
            print(
                f"  colour{mark}{name:12s} gain RMS {r['gain_rms_pct']:5.2f} % worst {r['gain_worst_pct']:5.2f} %;"
                f" flicker RMS {r['flicker_rms_pct']:5.2f} % worst {r['flicker_worst_pct']:5.2f} %"
            )
        b = bitrate(shots)
        print(f"  bitrate {b['mbps']:.2f} Mbit/s (cap {b['cap']:.0f}: {'held' if b['mbps'] <= b['cap'] else 'OVER'})")
        figures[n] = {"pivot": p, "views": v, "colour": c, "bitrate": b}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
