"""One shot on a rig: arm, fire, stream the frames into the stitcher as they arrive, keep them, make the clip."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from booth.atomic import staged_folder
from booth.config import BoothConfig
from booth.errors import CalibrationError
from booth.ids import new_id, utc_now_iso
from booth.shot import Clip, Shot
from booth.stitch.calibration import Calibration, calibrate_frames
from booth.stitch.stitcher import Progress, Stitcher
from rig.base import CameraArray, FireSchedule, Frame, Trigger
from rig.cameras.exif import odd_exposures

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rig:
    """What a shot needs of the hardware: a trigger, a camera array, and the set-up's name."""

    rig_id: str
    trigger: Trigger
    cameras: CameraArray
    collect_timeout_s: float
    """How long after the fire the cameras have to deliver."""


FramesIn = Callable[[int, int], None]
"""Told (frames arrived, cameras fired): (0, N) the moment the trigger has fired, then again as each frame arrives."""


def capture(
    rig: Rig,
    timeout_s: float,
    on_frame: Callable[[Frame], None] | None = None,
    *,
    on_fired: Callable[[Shot], None] | None = None,
) -> Shot:
    """Fire every camera once and collect the frames until all arrived or the deadline passed. Each frame's
    capture time is its trigger channel's (camera k is wired to channel k). on_fired is told as soon as the
    trigger has fired, before the first frame is waited for."""
    shot = Shot(new_id("shot"), utc_now_iso(), rig.rig_id, len(rig.cameras.cameras()))
    rig.cameras.prepare()
    rig.trigger.arm()
    try:
        shot.fire = rig.trigger.fire(FireSchedule())
    finally:
        rig.trigger.release()
    if on_fired is not None:
        on_fired(shot)
    deadline = time.time() + timeout_s
    channel_times = shot.fire.channel_times
    for delivered in rig.cameras.collect(deadline):
        k = delivered.camera_index
        fired = channel_times[k] if k < len(channel_times) else 0.0
        frame = replace(delivered, captured_at=fired) if fired > 0 else delivered
        shot.frames.append(frame)
        if on_frame is not None:
            on_frame(frame)
    if len(shot.frames) < shot.camera_count:
        log.warning("%d of %d cameras delivered within %.1f s", len(shot.frames), shot.camera_count, timeout_s)
    for line in odd_exposures(shot.frames):
        log.warning("%s; check that camera's mode dial and settings", line)
    return shot


def keep_frames(shot: Shot, shots_dir: Path) -> Path:
    """Store the shot's frames as delivered under shots_dir/<shot-id>/, all or nothing."""
    final = shots_dir / shot.shot_id
    with staged_folder(final) as stage:
        for frame in shot.frames:
            (stage / (frame.file_name or f"cam_{frame.camera_index:02d}.jpg")).write_bytes(frame.data)
    return final


def calibrate_rig(rig: Rig, config: BoothConfig) -> tuple[Calibration, list[str]]:
    """Shoot the calibration target with every camera and fit the rig's calibration from it."""
    shot = capture(rig, rig.collect_timeout_s)
    if len(shot.frames) < shot.camera_count:
        got = {f.camera_index for f in shot.frames}
        lacking = ", ".join(str(c.index) for c in rig.cameras.cameras() if c.index not in got)
        raise CalibrationError(f"no target frame from camera(s) {lacking}: every camera must see the target")
    frames = sorted(shot.frames, key=lambda f: f.camera_index)
    return calibrate_frames(frames, config.calibration.target, rig.rig_id)


def shoot(
    rig: Rig,
    calibration: Calibration,
    config: BoothConfig,
    out_dir: Path,
    *,
    overlay: Path | None = None,
    end_card: Path | None = None,
    on_captured: Callable[[Shot], None] | None = None,
    progress: Progress | None = None,
    frames_in: FramesIn | None = None,
) -> Clip:
    """A whole shot: frames are aligned while the other cameras are still delivering. on_captured is told when
    the frames are in and kept, before the clip is made; frames_in hears the count of frames in, from 0 the
    moment the trigger fires, and progress then hears ("capture", the same count's share of the cameras), so
    a screen moves from the first second of a slow delivery; then the stitcher's stages."""
    stitcher = Stitcher.from_config(calibration, config, overlay=overlay, end_card=end_card)
    stitcher.progress = progress
    expected = len(rig.cameras.cameras())
    arrived = 0

    def counted() -> None:
        if frames_in is not None:
            frames_in(arrived, expected)
        if progress is not None:
            progress("capture", min(1.0, arrived / max(1, expected)))

    def add(frame: Frame) -> None:
        nonlocal arrived
        stitcher.add(frame)
        arrived += 1
        counted()

    try:
        shot = capture(rig, rig.collect_timeout_s, add, on_fired=lambda _: counted())
        keep_frames(shot, config.data_dir / "shots")
    except BaseException:
        stitcher.abandon()
        raise
    if on_captured is not None:
        on_captured(shot)
    skew = shot.fire.skew_us if shot.fire else None
    return stitcher.finish(
        out_dir,
        shot_id=shot.shot_id,
        extra={
            "booth_id": config.booth.id,
            "event": config.booth.event,
            "trigger_skew_us": skew,
        },
    )
