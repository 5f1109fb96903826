"""What the staff panel asks of the booth: a test fire with its arrival table, the target's axis points, counts."""

from __future__ import annotations

import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from booth.config import BoothConfig
from booth.consent.records import ConsentRecord
from booth.consent.store import ConsentStore
from booth.consent.texts import ConsentTexts
from booth.shoot import Rig, capture
from booth.stitch.calibration import Calibration, Point, calibrate_frames
from booth.stitch.frames import decode
from booth.stitch.target import TargetFound, find_target
from rig.base import Frame


@dataclass(frozen=True)
class Arrival:
    index: int
    serial: str
    after_fire_ms: float
    """From the trigger's fire to the frame in memory."""
    kib: float
    exposure: str


@dataclass(frozen=True)
class TestFire:
    arrivals: list[Arrival]
    missing: list[int]
    skew_us: float | None
    """The trigger's own report of the spread between its first and last channel."""
    fired_by: str
    collect_s: float


def test_fire(rig: Rig) -> TestFire:
    """Fire every camera once and time each frame's arrival; nothing is kept."""
    shot = capture(rig, rig.collect_timeout_s)
    fired = shot.fire.fired_at if shot.fire else 0.0
    arrivals = [
        Arrival(
            f.camera_index,
            f.serial,
            (f.arrived_at - fired) * 1e3,
            len(f.data) / 1024,
            f.exposure.describe() if f.exposure else "",
        )
        for f in sorted(shot.frames, key=lambda f: f.camera_index)
    ]
    got = {a.index for a in arrivals}
    missing = [c.index for c in rig.cameras.cameras() if c.index not in got]
    last = max((a.after_fire_ms for a in arrivals), default=0.0)
    return TestFire(arrivals, missing, shot.fire.skew_us if shot.fire else None, type(rig.trigger).__name__, last / 1e3)


@dataclass
class TargetShot:
    """One shot of the calibration target and the axis points found in each frame (staff may move them)."""

    frames: list[Frame]
    points: dict[int, tuple[Point, Point]] = field(default_factory=dict)
    misses: dict[int, str] = field(default_factory=dict)
    moved: set[int] = field(default_factory=set)

    def move(self, index: int, which: int, to: Point) -> None:
        """Staff dragged the top (0) or bottom (1) point of camera `index` to `to` (frame pixels)."""
        top, bottom = self.points.get(index, (to, to))
        self.points[index] = (to, bottom) if which == 0 else (top, to)
        self.misses.pop(index, None)
        self.moved.add(index)

    def calibrate(self, config: BoothConfig, rig_id: str) -> tuple[Calibration, list[str]]:
        """Fit from what was found, or from every point as it now stands if staff moved any."""
        spec = config.calibration.target
        if not self.moved and not self.misses:
            return calibrate_frames(self.frames, spec, rig_id)
        return calibrate_frames(self.frames, spec, rig_id, points=self.points)


def find_points(frames: list[Frame], config: BoothConfig) -> TargetShot:
    """The target's two axis points in each frame, found in parallel; a frame without them is named a miss."""
    spec = config.calibration.target

    def one(frame: Frame) -> tuple[int, tuple[Point, Point] | str]:
        image = decode(frame.data)
        if image is None:
            return frame.camera_index, "cannot be decoded"
        found = find_target(image, spec)
        return frame.camera_index, (found.top, found.bottom) if isinstance(found, TargetFound) else found.reason

    shot = TargetShot(sorted(frames, key=lambda f: f.camera_index))
    with ThreadPoolExecutor() as pool:
        for index, result in pool.map(one, shot.frames):
            if isinstance(result, str):
                shot.misses[index] = result
            else:
                shot.points[index] = result
    return shot


def last_frames(config: BoothConfig) -> dict[int, Path]:
    """Each camera's frame from the newest shot kept, by rig position (cam_NN.jpg)."""
    shots = config.data_dir / "shots"
    folders = sorted((p for p in shots.iterdir() if p.is_dir()), key=lambda p: p.name) if shots.is_dir() else []
    if not folders:
        return {}
    found: dict[int, Path] = {}
    for path in folders[-1].glob("cam_*.jpg"):
        digits = path.stem[4:]
        if digits.isdigit():
            found[int(digits)] = path
    return found


@dataclass(frozen=True)
class ConsentCounts:
    clips: int = 0
    undecided: int = 0
    refused: int = 0
    granted: int = 0
    withdrawn: int = 0
    deleted: int = 0
    on_kiosk: int = 0
    on_phone: int = 0
    by_purpose: dict[str, int] = field(default_factory=dict)


def consent_counts(store: ConsentStore) -> ConsentCounts:
    """Where the event's clips stand: each clip counted once, by its current decision."""
    try:
        clips = store.clips()
    except sqlite3.Error:
        return ConsentCounts()
    tally: Counter[str] = Counter()
    purposes: Counter[str] = Counter()
    for clip in clips:
        if clip.deleted_at is not None:
            tally["deleted"] += 1
        records = store.records_for(clip.clip_id)
        if not records:
            tally["undecided"] += 1
            continue
        last = records[-1]
        tally[f"method_{last.method}"] += 1
        if store.withdrawn(last.record_id):
            tally["withdrawn"] += 1
        elif last.granted():
            tally["granted"] += 1
            purposes.update(last.granted())
        else:
            tally["refused"] += 1
    return ConsentCounts(
        clips=len(clips),
        undecided=tally["undecided"],
        refused=tally["refused"],
        granted=tally["granted"],
        withdrawn=tally["withdrawn"],
        deleted=tally["deleted"],
        on_kiosk=tally["method_kiosk"],
        on_phone=tally["method_phone"],
        by_purpose=dict(purposes),
    )


def on_screen_purposes(record: ConsentRecord, texts: ConsentTexts) -> list[str]:
    """The purposes the record grants that its own text declares on_booth_screen. Only the exact text the
    participant read counts (by its SHA-256): a purpose id means what the words under it said, and a record made
    under a text this booth no longer has cannot show that the screen was one of them."""
    text = texts.by_hash(record.text_sha256)
    if text is None:
        return []
    screen = {p.id for p in text.content.purposes if p.on_booth_screen}
    return [p for p in record.granted() if p in screen]


def attract_clips(store: ConsentStore, texts: ConsentTexts, limit: int = 6) -> list[Path]:
    """The newest clips still on the booth whose consent in force grants a purpose that lets them loop on this
    booth's screen: the only ones the attract loop may show."""
    shown: list[Path] = []
    for clip in sorted(store.clips(), key=lambda c: c.created_at, reverse=True):
        if clip.deleted_at is not None:
            continue
        record = store.current(clip.clip_id)
        if record is not None and on_screen_purposes(record, texts) and Path(clip.directory).is_dir():
            shown.append(Path(clip.directory))
            if len(shown) >= limit:
                break
    return shown
