"""Carries out a session's Fire: capture, stitch and tagging on a worker thread, reported back as session events."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from booth.allocator import give_back_freed
from booth.config import BoothConfig
from booth.consent.registry import open_store, register
from booth.errors import StitchError
from booth.session import Captured, ClipReady, Event, Fire, StageFailed
from booth.shoot import Rig, shoot
from booth.shot import Shot
from booth.stitch.calibration import Calibration
from booth.stitch.stitcher import Progress
from booth.tagging.clip_tags import tag_clip
from booth.tagging.tagger import Tagger
from rig.base import RigError
from rig.priority import run_in_background

log = logging.getLogger(__name__)

FINISHING_S = 5.0
"""How long a Fire waits for the last shot's worker to finish what it does after reporting (milliseconds as a
rule, a few hundred on a machine that is busy with everything else)."""


@dataclass(frozen=True)
class FrameCount:
    """How many of the cameras fired have delivered their frame so far."""

    arrived: int
    expected: int


class ShotRunner:
    """One shot at a time, never on the caller's thread. `report` is called from the worker thread with
    Captured, then ClipReady or StageFailed, each carrying the shot number Fire gave; the kiosk hands them to
    its session on its own thread. The tagger, loaded once by the caller, is reused for every shot. A clip is
    registered in the consent store before ClipReady, so its phone page opens as soon as it is shown. While the
    cameras deliver, `frames` holds the count of frames in, set before each ("capture", share) progress call."""

    def __init__(
        self,
        rig: Rig,
        calibration: Calibration | None,
        config: BoothConfig,
        clips_dir: Path,
        report: Callable[[Event], None],
        *,
        tagger: Tagger | None = None,
        progress: Progress | None = None,
        before: Callable[[], None] | None = None,
    ) -> None:
        self.rig = rig
        self.calibration = calibration
        self.config = config
        self.clips_dir = clips_dir
        self.report = report
        self.tagger = tagger
        self.progress = progress
        """Told each stage's progress from the worker thread: capture (0 as the trigger fires, then as each frame
        arrives), encode, then tags (0 at its start)."""
        self.before = before
        """Run on the worker thread before each shot (live view lets go of the camera there: it may wait)."""
        self.frames: FrameCount | None = None
        """Frames in of the shot in flight: None until its trigger fires, then (0, N) and up as frames arrive.
        Written by the worker thread and read by any; each count is a new object, never half-written."""
        self._worker: threading.Thread | None = None
        self._finishing = False
        """Set by the worker once it has reported its shot: what it still does then (giving the heap back) is
        waited for by the next Fire, not refused."""

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def fire(self, action: Fire) -> None:
        """Start the shot; returns at once. A second Fire while one runs is reported as a failed capture."""
        if self.busy and self._finishing and self._worker is not None:
            self._worker.join(FINISHING_S)
        if self.busy:
            self.report(StageFailed(action.shot, "capture", "the previous shot is still being made"))
            return
        self.frames = None
        self._finishing = False
        self._worker = threading.Thread(target=self._run, args=(action.shot,), name=f"shot-{action.shot}")
        self._worker.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the shot in flight (for shutting down)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _frames_in(self, arrived: int, expected: int) -> None:
        self.frames = FrameCount(arrived, expected)

    def _run(self, shot_no: int) -> None:
        run_in_background()  # the kiosk's screen comes first
        stage = "capture"

        def captured(_: Shot) -> None:
            nonlocal stage
            stage = "stitch"
            self.report(Captured(shot_no))

        if self.calibration is None:
            self.report(StageFailed(shot_no, "capture", "no calibration: calibrate the rig on the staff panel"))
            return
        calibration = self.calibration
        outcome: Event
        try:
            if self.before is not None:
                self.before()
            clip = shoot(
                self.rig,
                calibration,
                self.config,
                self.clips_dir,
                on_captured=captured,
                progress=self.progress,
                frames_in=self._frames_in,
            )
            stage = "tagging"  # a failure here marks the tags failed (tags.json) and the clip goes ahead
            if self.progress is not None:
                self.progress("tags", 0.0)
            tag_clip(self.config, clip, self.config.data_dir / "shots" / clip.shot_id, self.tagger, calibration)
            stage = "consent"
            with open_store(self.config) as store:  # on the books, so its phone page opens; a store per thread
                register(self.config, store, clip)
            outcome = ClipReady(shot_no, clip.clip_id)
        except (RigError, StitchError, OSError) as exc:
            log.warning("shot %d: %s failed: %s", shot_no, stage, exc)
            outcome = StageFailed(shot_no, stage, str(exc))
        except Exception as exc:  # the kiosk must never stop: anything else is reported with its detail
            log.exception("shot %d: %s failed", shot_no, stage)
            outcome = StageFailed(shot_no, stage, f"{type(exc).__name__}: {exc}")
        self._finishing = True  # before the report: its receiver may Fire at once
        self.report(outcome)
        give_back_freed()  # after the report: the participant's review never waits for it
