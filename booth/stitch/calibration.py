"""A rig's Calibration: one similarity transform and colour gains per camera, made from a shot of the target."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from booth.atomic import write_atomic
from booth.config import TargetSection, first_problem
from booth.errors import CalibrationError, InputError
from booth.ids import new_id, utc_now_iso
from booth.stitch.colour import is_neutral, neutral_gains
from booth.stitch.colour_match import ContentGains, rig_gains
from booth.stitch.frames import check_same_size, decode, frame_problem, jpeg_info
from booth.stitch.target import TargetFound, find_target, patch_mean
from rig.base import MAX_CAMERAS, MIN_CAMERAS, Frame

Point = tuple[float, float]
MAX_TILT_DEG = 15.0
MAX_SEPARATION_SPREAD = 0.3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Gains(_Strict):
    r: float = Field(gt=0.0, le=16.0)
    g: float = Field(gt=0.0, le=16.0)
    b: float = Field(gt=0.0, le=16.0)


class CameraEntry(_Strict):
    index: int = Field(ge=0, lt=MAX_CAMERAS)
    file: str
    top: tuple[float, float]
    bottom: tuple[float, float]
    transform: tuple[tuple[float, float, float], tuple[float, float, float]] = Field(
        description="2x3 similarity from this camera's pixels to rig space (the reference camera's pixels)"
    )
    gains: Gains
    residual_px: float = Field(ge=0.0)

    @model_validator(mode="after")
    def _is_a_similarity(self) -> CameraEntry:
        (a, b, _), (c, d, _) = self.transform
        scale = math.hypot(a, c)
        if not (0.05 < scale < 20.0 and abs(a - d) <= 1e-6 * scale and abs(b + c) <= 1e-6 * scale):
            raise ValueError("transform is not a rotation, scale and shift")
        return self


class Reference(_Strict):
    top: tuple[float, float]
    bottom: tuple[float, float]


class CalibrationFile(_Strict):
    version: Literal[1] = 1
    id: str
    rig_id: str
    camera_count: int = Field(ge=MIN_CAMERAS, le=MAX_CAMERAS)
    image_size: tuple[int, int]
    created_at: str
    source: Literal["target", "points"]
    reference: Reference
    cameras: list[CameraEntry]

    @model_validator(mode="after")
    def _one_entry_per_camera(self) -> CalibrationFile:
        if sorted(c.index for c in self.cameras) != list(range(self.camera_count)):
            raise ValueError(f"cameras must be indices 0 to {self.camera_count - 1}, each once")
        if not all(16 <= v <= 20_000 for v in self.image_size):
            raise ValueError(f"image_size {list(self.image_size)} is not a camera frame size")
        return self


class PointEntry(_Strict):
    index: int = Field(ge=0, lt=MAX_CAMERAS)
    file: str = Field(min_length=1)
    top: tuple[float, float]
    bottom: tuple[float, float]


class PointsFile(_Strict):
    cameras: list[PointEntry] = Field(min_length=2)


@dataclass(frozen=True)
class CameraCalibration:
    index: int
    file: str
    top: Point
    bottom: Point
    transform: np.ndarray
    """2x3 similarity: this camera's pixel coordinates to rig space."""
    gains_bgr: np.ndarray
    residual_px: float


@dataclass(frozen=True)
class Calibration:
    """How to bring every camera of one rig set-up onto the same axis, scale and colour."""

    id: str
    rig_id: str
    image_size: tuple[int, int]
    created_at: str
    source: Literal["target", "points"]
    reference_top: Point
    reference_bottom: Point
    cameras: tuple[CameraCalibration, ...]

    @property
    def camera_count(self) -> int:
        return len(self.cameras)

    def camera(self, index: int) -> CameraCalibration:
        """The calibration of camera `index`; KeyError if this rig has no such camera."""
        for cam in self.cameras:
            if cam.index == index:
                return cam
        raise KeyError(index)

    def to_json(self) -> str:
        doc = CalibrationFile(
            id=self.id,
            rig_id=self.rig_id,
            camera_count=self.camera_count,
            image_size=self.image_size,
            created_at=self.created_at,
            source=self.source,
            reference=Reference(top=self.reference_top, bottom=self.reference_bottom),
            cameras=[
                CameraEntry(
                    index=c.index,
                    file=c.file,
                    top=(round(c.top[0], 3), round(c.top[1], 3)),
                    bottom=(round(c.bottom[0], 3), round(c.bottom[1], 3)),
                    transform=(_row(c.transform[0]), _row(c.transform[1])),
                    gains=Gains(
                        r=round(float(c.gains_bgr[2]), 5),
                        g=round(float(c.gains_bgr[1]), 5),
                        b=round(float(c.gains_bgr[0]), 5),
                    ),
                    residual_px=round(c.residual_px, 4),
                )
                for c in self.cameras
            ],
        )
        return doc.model_dump_json(indent=2)

    def save(self, path: Path) -> None:
        write_atomic(path, self.to_json().encode())

    @staticmethod
    def load(path: Path) -> Calibration:
        try:
            raw = json.loads(path.read_text())
            doc = CalibrationFile.model_validate(raw)
        except FileNotFoundError:
            raise InputError(f"{path}: no such calibration file; make one with 'booth calibrate'") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot be read as a calibration file ({exc})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON (line {exc.lineno}): remake it with 'booth calibrate'") from None
        except ValidationError as exc:
            raise InputError(
                f"{path}: not a calibration file: {first_problem(exc)}; remake it with 'booth calibrate'"
            ) from None
        if doc.camera_count != len(doc.cameras):
            raise InputError(f"{path}: says {doc.camera_count} cameras but holds {len(doc.cameras)}")
        return Calibration(
            id=doc.id,
            rig_id=doc.rig_id,
            image_size=doc.image_size,
            created_at=doc.created_at,
            source=doc.source,
            reference_top=doc.reference.top,
            reference_bottom=doc.reference.bottom,
            cameras=tuple(
                CameraCalibration(
                    index=c.index,
                    file=c.file,
                    top=c.top,
                    bottom=c.bottom,
                    transform=np.array(c.transform, dtype=np.float64),
                    gains_bgr=np.array([c.gains.b, c.gains.g, c.gains.r]),
                    residual_px=c.residual_px,
                )
                for c in doc.cameras
            ),
        )


def _row(values: np.ndarray) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))


def similarity(src: tuple[Point, Point], dst: tuple[Point, Point]) -> np.ndarray:
    """The 2x3 similarity (rotation, uniform scale, shift) taking two source points exactly onto two targets."""
    s0, s1 = complex(*src[0]), complex(*src[1])
    d0, d1 = complex(*dst[0]), complex(*dst[1])
    a = (d1 - d0) / (s1 - s0)
    b = d0 - a * s0
    return np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag]])


@dataclass(frozen=True)
class AxisObservation:
    index: int
    file: str
    top: Point
    bottom: Point
    patch_bgr: np.ndarray
    residual_px: float


def _check_geometry(observations: Sequence[AxisObservation]) -> list[str]:
    """Cameras whose axis is implausible next to the others: tilted, or at a very different scale."""
    seps = np.array([math.dist(o.top, o.bottom) for o in observations])
    median = float(np.median(seps))
    bad = []
    for o, sep in zip(observations, seps, strict=True):
        tilt = math.degrees(math.atan2(abs(o.top[0] - o.bottom[0]), abs(o.bottom[1] - o.top[1])))
        if o.top[1] >= o.bottom[1]:
            bad.append(f"{o.index} ({o.file}: top point is not above the bottom point)")
        elif tilt > MAX_TILT_DEG:
            bad.append(f"{o.index} ({o.file}: axis tilted {tilt:.0f} degrees)")
        elif abs(sep - median) > MAX_SEPARATION_SPREAD * median:
            bad.append(f"{o.index} ({o.file}: markers {sep:.0f} px apart where the others are {median:.0f} px)")
    return bad


def build_calibration(
    observations: Sequence[AxisObservation],
    rig_id: str,
    image_size: tuple[int, int],
    source: Literal["target", "points"],
    match_colour: Callable[[Calibration], ContentGains] | None = None,
) -> tuple[Calibration, list[str]]:
    """Fit every camera onto the rig's reference axis: the median camera's height and scale, centred. Colour
    from the grey sleeve where every camera shows it neutral; else from match_colour (the calibrated rig's
    cameras matched to each other from what they see), or left alone without one."""
    bad = _check_geometry(observations)
    if bad:
        raise CalibrationError(f"axis not usable in camera(s) {', '.join(bad)}: reshoot the target or fix points.json")
    warnings: list[str] = []
    w, _ = image_size
    tops = np.array([o.top for o in observations])
    seps = np.array([math.dist(o.top, o.bottom) for o in observations])
    ref_top = ((w - 1) / 2.0, float(np.median(tops[:, 1])))
    ref_bottom = (ref_top[0], ref_top[1] + float(np.median(seps)))
    patches = np.array([o.patch_bgr for o in observations])
    neutral = [is_neutral(p) for p in patches]
    gains = neutral_gains(patches) if all(neutral) else np.ones((len(observations), 3))
    cameras = tuple(
        CameraCalibration(
            o.index,
            o.file,
            o.top,
            o.bottom,
            similarity((o.top, o.bottom), (ref_top, ref_bottom)),
            gains[k],
            o.residual_px,
        )
        for k, o in enumerate(observations)
    )
    calibration = Calibration(
        id=new_id("cal"),
        rig_id=rig_id,
        image_size=image_size,
        created_at=utc_now_iso(),
        source=source,
        reference_top=ref_top,
        reference_bottom=ref_bottom,
        cameras=cameras,
    )
    if all(neutral):
        return calibration, warnings
    where = "no neutral grey patch found in camera(s) " + ", ".join(
        str(o.index) for o, ok in zip(observations, neutral, strict=True) if not ok
    )
    if match_colour is None:
        return calibration, [*warnings, f"{where}: colour is not matched across cameras"]
    content = match_colour(calibration)
    warnings.append(
        f"{where}: colour is matched camera to camera from what they see at the pivot; the rig's overall white "
        "balance is the cameras' own"
    )
    if content.unmatched:
        warnings.append(
            f"camera(s) {', '.join(str(i) for i in content.unmatched)}: colour could not be matched to the "
            "neighbours (too little in common at the pivot); left as the camera made it"
        )
    matched = tuple(replace(c, gains_bgr=content.gains[c.index]) for c in cameras)
    return replace(calibration, cameras=matched), warnings


def index_frames(frames: Sequence[Frame]) -> None:
    """Refuse a calibration shot with too few or too many frames, or a camera missing from the sequence."""
    if not MIN_CAMERAS <= len(frames) <= MAX_CAMERAS:
        raise CalibrationError(
            f"{len(frames)} frames: a rig has {MIN_CAMERAS} to {MAX_CAMERAS} cameras, one target frame from each"
        )
    numbers = [f.camera_index for f in frames]
    expected = set(range(max(numbers) + 1))
    missing = sorted(expected - set(numbers))
    if missing:
        raise CalibrationError(
            f"no target frame from camera(s) {', '.join(str(m) for m in missing)}: every camera must see the target;"
            " reshoot it"
        )


def calibrate_frames(
    frames: Sequence[Frame],
    spec: TargetSection,
    rig_id: str,
    points: dict[int, tuple[Point, Point]] | None = None,
    folder: Path | None = None,
) -> tuple[Calibration, list[str]]:
    """A calibration from one shot of the target: detected marker balls, or axis points given by hand."""
    where = folder or Path(".")
    index_frames(frames)
    size = check_same_size(list(frames), where)
    problems = [f"{f.camera_index} ({f.file_name}: {p})" for f in frames if (p := frame_problem(f.data))]
    if problems:
        raise CalibrationError(f"target not found in camera(s) {'; '.join(problems)}: reshoot the target")
    assert size is not None
    if points is not None:
        bad = _check_geometry(
            [AxisObservation(f.camera_index, f.file_name, *points[f.camera_index], np.ones(3), 0.0) for f in frames]
        )
        if bad:
            raise CalibrationError(f"axis not usable in camera(s) {', '.join(bad)}: fix points.json")

    def observe(frame: Frame) -> AxisObservation | str:
        image = decode(frame.data)
        if image is None:
            return f"{frame.camera_index} ({frame.file_name}: cannot be decoded)"
        if points is not None:
            top, bottom = points[frame.camera_index]
            residual = 0.0
        else:
            found = find_target(image, spec)
            if not isinstance(found, TargetFound):
                return f"{frame.camera_index} ({frame.file_name}: {found.reason})"
            top, bottom, residual = found.top, found.bottom, found.residual_px
        return AxisObservation(
            frame.camera_index, frame.file_name, top, bottom, patch_mean(image, top, bottom, spec), residual
        )

    with ThreadPoolExecutor() as pool:
        results = list(pool.map(observe, frames))
    missed = [r for r in results if isinstance(r, str)]
    if missed:
        raise CalibrationError(
            f"target not found in camera(s) {'; '.join(missed)}: move the target into view, or click its marker"
            " points and pass them with --points points.json"
        )
    observations = sorted((r for r in results if isinstance(r, AxisObservation)), key=lambda o: o.index)
    source: Literal["target", "points"] = "points" if points is not None else "target"
    return build_calibration(observations, rig_id, size, source, lambda calibration: rig_gains(calibration, frames))


def load_points(path: Path, frames: Sequence[Frame]) -> dict[int, tuple[Point, Point]]:
    """Axis points clicked by hand, checked against the frames they belong to."""
    try:
        doc = PointsFile.model_validate(json.loads(path.read_text()))
    except FileNotFoundError:
        raise InputError(f"{path}: no such points file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except ValidationError as exc:
        raise InputError(
            f'{path}: {first_problem(exc)}; expected {{"cameras": [{{"index": 0, "file": "cam_00.jpg", '
            f'"top": [x, y], "bottom": [x, y]}}, ...]}}'
        ) from None
    by_file = {f.file_name: f for f in frames}
    result: dict[int, tuple[Point, Point]] = {}
    for entry in doc.cameras:
        frame = by_file.get(entry.file)
        if frame is None:
            raise InputError(f"{path}: camera {entry.index} names {entry.file}, which is not among the frames")
        if frame.camera_index != entry.index:
            raise InputError(f"{path}: {entry.file} is camera {frame.camera_index} in rig order, not {entry.index}")
        if entry.index in result:
            raise InputError(f"{path}: camera {entry.index} is listed twice")
        info = jpeg_info(frame.data)
        if info is not None:
            for name, (x, y) in (("top", entry.top), ("bottom", entry.bottom)):
                if not (0 <= x < info.width and 0 <= y < info.height):
                    raise InputError(
                        f"{path}: camera {entry.index} {name} point [{x}, {y}] is outside the "
                        f"{info.width}x{info.height} frame"
                    )
        result[entry.index] = (entry.top, entry.bottom)
    lacking = [f.file_name for f in frames if f.camera_index not in result]
    if lacking:
        raise InputError(f"{path}: no points for {', '.join(lacking)}: give top and bottom for every frame")
    return result
