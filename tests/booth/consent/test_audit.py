"""The audit log: each entry chained to the one before, so that any edit, insertion or deletion shows; and a
SIGKILL while consent is being recorded leaves the whole record or none."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from booth.consent.store import Event
from tests.booth.consent.helpers import Booth, make_booth


def busy_booth(root: Path) -> Booth:
    booth = make_booth(root)
    for name in "abc":
        clip_id = booth.clip(name)
        booth.consent(clip_id, "social")
    record = booth.store.records_for("clip-b")[0]
    from booth.consent.decisions import withdraw

    withdraw(booth.store, booth.outbox, record, how="test")
    return booth


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    booth = busy_booth(tmp_path)
    assert booth.store.verify() == []
    events = [e.event for e in booth.store.audit()]
    assert events.count(Event.GRANTED.value) == 3 and Event.WITHDRAWN.value in events and Event.ERASED.value in events


def copy_of(booth: Booth, root: Path) -> Booth:
    """Another copy of the booth's data folder (booth.db, secret.key, the anchor file), opened as the booth would."""
    data = root / "data"
    data.mkdir(parents=True)
    for name in ("secret.key", "audit-head.json"):
        shutil.copy(booth.config.data_dir / name, data / name)
    target = sqlite3.connect(data / "booth.db")
    booth.store.db.backup(target)
    target.close()
    return make_booth(root)


@pytest.mark.parametrize("column", ["at", "event", "record_id", "clip_id", "detail", "prev_hash", "hash"])
def test_editing_any_column_of_any_row_is_found(tmp_path: Path, column: str) -> None:
    booth = busy_booth(tmp_path)
    total = len(booth.store.audit())
    for seq in (1, total // 2, total):
        copy = copy_of(booth, tmp_path / f"copy-{seq}")
        value = "'2020-01-01T00:00:00.000Z'" if column == "at" else "'x'"
        copy.store.db.execute(f"UPDATE audit SET {column} = {value} WHERE seq = ?", (seq,))
        problems = copy.store.verify()
        assert problems and problems[0].startswith(f"audit entry {seq}"), (column, seq, problems)
        copy.store.close()


def test_a_deleted_entry_and_an_edited_record_are_found(tmp_path: Path) -> None:
    booth = busy_booth(tmp_path)
    booth.store.db.execute("DELETE FROM audit WHERE seq = 3")
    assert booth.store.verify()[0] == "audit entry 3: missing (the next entry is 4)"
    other = make_booth(tmp_path / "other")
    record, _ = other.consent(other.clip("z"), "social")
    other.store.db.execute("DROP TRIGGER records_never_rewritten")  # someone with the file and sqlite3 at hand
    other.store.db.execute("UPDATE records SET body = replace(body, '\"social\":true', '\"social\":false')")
    assert other.store.verify() == [f"record {record.record_id}: its content was changed after it was recorded"]


RECORDER = """
import sys
from pathlib import Path
from tests.booth.consent.helpers import make_booth
booth = make_booth(Path(sys.argv[1]))
print("ready", flush=True)
for k in range(100000):
    booth.consent(booth.clip(f"k{k}"), "social", "advertising")
"""


@pytest.mark.parametrize("after_s", [0.7, 1.3, 2.1])
def test_a_sigkill_while_recording_leaves_whole_records_or_none(tmp_path: Path, after_s: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", RECORDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(after_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    booth = make_booth(tmp_path)
    assert booth.store.verify() == [], "every record kept has its 'granted' entry, and the chain is whole"
    records = booth.store.db.execute("SELECT count(*) FROM records").fetchone()[0]
    granted = [e for e in booth.store.audit() if e.event == Event.GRANTED.value]
    assert records >= 1 and len(granted) == records
    for clip in booth.store.clips():
        kept = booth.store.records_for(clip.clip_id)
        assert len(kept) <= 1 and all(
            r.purposes == {"send_me": False, "booth_screen": False, "social": True, "advertising": True} for r in kept
        )


def test_one_clips_audit_holds_only_that_clip(tmp_path: Path) -> None:
    """A participant's export lists their clip's events, never another clip's deliveries or erasures."""
    booth = make_booth(tmp_path)
    mine, theirs = booth.clip("mine"), booth.clip("theirs")
    for clip in (mine, theirs):
        booth.store.append(Event.DELIVERED, clip_id=clip, detail={"recipient": "brand"})
    record, _ = booth.consent(mine, "social")
    entries = booth.store.audit(clip_id=mine)
    assert entries and all(e.clip_id == mine for e in entries)
    by_record = booth.store.audit(record_id=record.record_id)
    assert by_record and all(e.record_id == record.record_id for e in by_record)
    booth.store.close()
