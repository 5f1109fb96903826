"""Retention: clips nobody consented to go at the end of their day; consented ones after the promised period."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from booth.config import BoothConfig
from booth.consent.decisions import remove_folder
from booth.consent.store import ClipEntry, ConsentStore, Event
from booth.delivery.outbox import Outbox

log = logging.getLogger(__name__)

IN_FLIGHT_S = 3600.0
"""A shot folder without a clip is kept at least this long after it last changed, whatever the day: a shot fired
just before midnight is still being stitched when its day ends, and its clip not yet registered."""


@dataclass(frozen=True)
class Purged:
    what: str
    """clip-... or a shot folder's name."""
    reason: str


def end_of_day(ts: float) -> float:
    """Midnight after the local day `ts` falls in: an unconsented clip lasts until the booth's day ends."""
    day = datetime.fromtimestamp(ts).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day).timestamp()


def _keep_until(store: ConsentStore, clip: ClipEntry, keep_unconsented_hours: float | None) -> tuple[float, str]:
    record = store.current(clip.clip_id)
    if record is not None and record.granted():
        return clip.created_ts + record.retention_days * 86400, f"kept {record.retention_days} days, as consented"
    if keep_unconsented_hours is not None:
        return clip.created_ts + keep_unconsented_hours * 3600, f"no consent after {keep_unconsented_hours:g} h"
    return end_of_day(clip.created_ts), "no consent by the end of its day"


def purge(config: BoothConfig, store: ConsentStore, outbox: Outbox, now: float) -> list[Purged]:
    """Delete what may no longer be kept, logging each deletion in the audit log: clips (with their frames)
    past their time, and shot folders that never became a clip, at the end of their day."""
    done: list[Purged] = []
    referenced: set[Path] = set()
    for clip in store.clips():
        if clip.frames_dir is not None:
            referenced.add(clip.frames_dir.resolve())
        if clip.deleted_at is not None:
            continue
        until, reason = _keep_until(store, clip, config.consent.keep_unconsented_hours)
        if now < until:
            continue
        with store.transaction():
            outbox.cancel(clip.clip_id)
        remove_folder(clip.directory)
        remove_folder(clip.frames_dir)
        store.mark_deleted(clip.clip_id, Event.PURGED, {"reason": reason})
        log.info("purged %s: %s", clip.clip_id, reason)
        done.append(Purged(clip.clip_id, reason))
    shots = config.data_dir / "shots"
    for folder in sorted(shots.iterdir()) if shots.is_dir() else []:
        if not folder.is_dir() or folder.name.startswith(".") or folder.resolve() in referenced:
            continue
        changed = folder.stat().st_mtime
        if now < max(end_of_day(changed), changed + IN_FLIGHT_S):
            continue
        shutil.rmtree(folder)
        reason = "frames of a shot that made no clip, at the end of its day"
        with store.transaction():
            store.append(Event.PURGED, detail={"shot": folder.name, "reason": reason})
        log.info("purged %s: %s", folder.name, reason)
        done.append(Purged(folder.name, reason))
    return done
