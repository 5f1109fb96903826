"""Retention: unconsented clips and stray frames go at the end of their day, consented ones after the period."""

from __future__ import annotations

import os
import time
from pathlib import Path

from booth.config import BoothConfig
from booth.consent.retention import IN_FLIGHT_S, end_of_day, purge
from tests.booth.consent.helpers import make_booth


def test_what_may_not_be_kept_is_deleted_and_logged(tmp_path: Path) -> None:
    booth = make_booth(tmp_path)
    unconsented = booth.clip("a")
    refused = booth.clip("b")
    booth.consent(refused)
    consented = booth.clip("c")
    booth.consent(consented, "social")
    stray = booth.config.data_dir / "shots" / "shot-no-clip"
    stray.mkdir(parents=True)
    now = time.time()
    assert purge(booth.config, booth.store, booth.outbox, now) == [], "nothing goes during its own day"

    tomorrow = max(end_of_day(now), now + IN_FLIGHT_S) + 60  # the day is over, and so is any shot of it
    os.utime(stray, (now, now))
    done = {p.what: p.reason for p in purge(booth.config, booth.store, booth.outbox, tomorrow)}
    assert set(done) == {unconsented, refused, "shot-no-clip"}
    assert done[unconsented] == "no consent by the end of its day"
    for clip_id in (unconsented, refused):
        clip = booth.store.clip(clip_id)
        assert clip is not None and clip.deleted_at and not clip.directory.exists()
        assert clip.frames_dir is not None and not clip.frames_dir.exists()
    kept = booth.store.clip(consented)
    assert kept is not None and kept.directory.exists()

    later = now + 366 * 86400
    assert [p.what for p in purge(booth.config, booth.store, booth.outbox, later)] == [consented]
    assert not kept.directory.exists()
    assert [e.event for e in booth.store.audit()].count("purged") == 4
    assert booth.store.verify() == []


def test_a_shorter_keep_for_unconsented_clips(tmp_path: Path) -> None:
    booth = make_booth(tmp_path)
    booth.config = BoothConfig.model_validate(
        {"booth": {"data_dir": str(tmp_path / "data")}, "consent": {"keep_unconsented_hours": 2}}
    )
    clip_id = booth.clip("a")
    now = time.time()
    assert purge(booth.config, booth.store, booth.outbox, now + 3600) == []
    assert [p.reason for p in purge(booth.config, booth.store, booth.outbox, now + 7300)] == ["no consent after 2 h"]
    assert booth.store.clip(clip_id) is not None


def test_a_shot_fired_just_before_midnight_is_not_purged_while_it_is_stitched(tmp_path: Path) -> None:
    booth = make_booth(tmp_path)
    shot = booth.config.data_dir / "shots" / "shot-late"
    shot.mkdir(parents=True)
    midnight = end_of_day(time.time())
    os.utime(shot, (midnight - 1, midnight - 1))
    assert purge(booth.config, booth.store, booth.outbox, midnight + 60) == [], "its clip is still being made"
    assert shot.exists()
    assert [p.what for p in purge(booth.config, booth.store, booth.outbox, midnight + IN_FLIGHT_S)] == ["shot-late"]
