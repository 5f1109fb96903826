"""booth.db edited behind the booth's back, as someone with the file and sqlite3 would: cut tails, deleted rows,
an emptied or replaced database, a forged consent, edited clip rows, damaged rows; and secret.key lost or swapped.
Each is found by `booth consent verify` (or stops the booth with one line), and nothing crashes on a bad row."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from booth.consent.chain import GENESIS, Head, entry_hash
from booth.consent.decisions import withdraw
from booth.consent.registry import open_store
from booth.consent.store import Event, SecretKeyError, canonical, sha256_hex
from booth.ids import utc_now_iso
from tests.booth.consent.helpers import Booth, make_booth
from tests.conftest import run_booth


def withdrawn_booth(root: Path) -> tuple[Booth, str]:
    """Two consented clips; the participant of the second withdrew (its last audit entries)."""
    booth = make_booth(root)
    booth.consent(booth.clip("a"), "social")
    record, _ = booth.consent(booth.clip("b"), "social")
    withdraw(booth.store, booth.outbox, record, how="participant")
    return booth, record.clip_id


def edited(booth: Booth, *sql: str) -> list[str]:
    """What verify finds after the statements ran on booth.db with the booth stopped."""
    booth.store.close()
    db = sqlite3.connect(booth.config.data_dir / "booth.db")
    db.execute("DROP TRIGGER IF EXISTS records_never_rewritten")
    for statement in sql:
        db.execute(statement)
    db.commit()
    db.close()
    store = open_store(booth.config)
    try:
        return store.verify()
    finally:
        store.close()


def test_cutting_the_last_entries_undoes_no_withdrawal_unseen(tmp_path: Path) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    last = booth.store.head()
    assert last is not None and booth.store.verify() == []
    first_withdrawal = next(e.seq for e in booth.store.audit() if e.event == Event.WITHDRAWN.value)
    problems = edited(booth, f"DELETE FROM audit WHERE seq >= {first_withdrawal}", "UPDATE clips SET deleted_at = NULL")
    assert (
        f"the anchor file says the log reached entry {last.seq}; it now ends at {first_withdrawal - 1}" in (problems[0])
    )
    shown = run_booth("consent", "verify", "--config", str(config_file(booth)))
    assert shown.returncode == 1 and "entries cut" in shown.stderr.splitlines()[-1]


def test_a_collectors_witnessed_head_finds_a_cut_the_anchor_file_hides(tmp_path: Path) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    witnessed = booth.store.head()
    assert witnessed is not None
    anchor = (booth.config.data_dir / "audit-head.json").read_text()
    booth.consent(booth.clip("c"), "social")
    booth.store.close()
    # both the tail and the anchor file put back to an earlier state: only an outside witness can tell
    (booth.config.data_dir / "audit-head.json").write_text(anchor)
    assert (
        edited(
            booth,
            f"DELETE FROM audit WHERE seq > {witnessed.seq}",
            "DELETE FROM records WHERE clip_id = 'clip-c'",
            "DELETE FROM clips WHERE clip_id = 'clip-c'",
        )
        == []
    )
    with open_store(booth.config) as store:
        assert store.verify(witnessed) == []
        later = Head(witnessed.seq + 2, "f" * 64)
        assert store.verify(later) == [
            f"the witnessed head says the log reached entry {later.seq}; it now ends at {witnessed.seq}: entries cut"
        ]
    cli = run_booth("consent", "verify", "--head", str(witnessed), "--config", str(config_file(booth)))
    assert cli.returncode == 0 and f"head {witnessed.seq}:" in cli.stdout


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (["DELETE FROM records WHERE clip_id = 'clip-a'"], "granted at audit entry 2, but the record was deleted"),
        (["DELETE FROM audit", "DELETE FROM records", "DELETE FROM clips"], "it now ends at 0: entries cut"),
        (["UPDATE clips SET token_expires = token_expires + 3650 * 86400"], "token_expires changed since"),
        (["UPDATE clips SET directory = '/tmp/elsewhere'"], "directory changed since it was registered"),
        (["UPDATE clips SET sha256 = 'ab' || substr(sha256, 3)"], "clip_sha256 changed since it was registered"),
        (["UPDATE clips SET deleted_at = NULL WHERE clip_id = 'clip-b'"], "deleted at audit entry"),
        (["UPDATE clips SET deleted_at = '2026-01-01' WHERE clip_id = 'clip-a'"], "with no deletion in the audit"),
        (["DELETE FROM clips WHERE clip_id = 'clip-b'"], "registered at audit entry 3, but its row was deleted"),
        (["UPDATE audit SET detail = '{not json' WHERE seq = 2"], "audit entry 2 (granted): its content was changed"),
        (["UPDATE records SET body = CAST(X'7B22FF' AS TEXT)"], "its content was changed after it was recorded"),
    ],
)
def test_a_deleted_or_edited_row_is_a_break(tmp_path: Path, sql: list[str], expected: str) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    problems = edited(booth, *sql)
    assert any(expected in p for p in problems), problems


def test_an_emptied_database_file_is_a_break(tmp_path: Path) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    booth.store.close()
    for name in ("booth.db", "booth.db-wal", "booth.db-shm"):
        (booth.config.data_dir / name).unlink(missing_ok=True)
    with open_store(booth.config) as store:
        assert store.verify()[0].startswith("the anchor file says the log reached entry")


def test_a_consent_forged_with_booth_db_alone_does_not_verify(tmp_path: Path) -> None:
    """The attack that passed before: a record and its 'granted' entry written with a few lines of Python."""
    booth = make_booth(tmp_path)
    clip_id = booth.clip("victim")
    booth.store.close()
    db = sqlite3.connect(booth.config.data_dir / "booth.db")
    seq, prev = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    sha = db.execute("SELECT sha256 FROM clips WHERE clip_id = ?", (clip_id,)).fetchone()[0]
    body = canonical({"record_id": "consent-forged", "clip_id": clip_id, "clip_sha256": sha, "purposes": {"ads": True}})
    detail = canonical({"record_sha256": sha256_hex(body), "purposes": {"ads": True}, "method": "kiosk"})
    at = utc_now_iso()
    for guess in (None, hashlib.sha256(b"a guessed key").digest()):  # the old scheme, and a key not the booth's
        digest = entry_hash(guess, prev, seq + 1, at, "granted", "consent-forged", clip_id, detail)
        db.execute("DELETE FROM records")
        db.execute("DELETE FROM audit WHERE seq > ?", (seq,))
        db.execute("INSERT INTO records VALUES ('consent-forged', ?, ?, 'x', ?)", (clip_id, body, at))
        db.execute(
            "INSERT INTO audit VALUES (?,?,?,?,?,?,?,?)",
            (seq + 1, at, "granted", "consent-forged", clip_id, detail, prev, digest),
        )
        db.commit()
        with open_store(booth.config) as store:
            assert f"audit entry {seq + 1} (granted): its content was changed after it was written" in store.verify()
    db.close()


def test_an_unreadable_record_is_a_break_and_show_export_and_purge_go_on(tmp_path: Path) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    cfg = config_file(booth)
    problems = edited(booth, "UPDATE records SET body = '{broken' WHERE clip_id = 'clip-a'")
    assert len(problems) == 1 and problems[0].endswith(": its content was changed after it was recorded")
    shown = run_booth("consent", "show", "clip-a", "--config", str(cfg))
    assert shown.returncode == 0 and "cannot be read" in shown.stdout, shown.stderr
    exported = run_booth("consent", "export", "clip-a", "--config", str(cfg))
    assert exported.returncode == 0 and json.loads(exported.stdout)["audit_intact"] is False
    purged = run_booth("consent", "purge", "--config", str(cfg))
    assert purged.returncode == 0, purged.stderr
    verified = run_booth("consent", "verify", "--config", str(cfg))
    assert verified.returncode == 1 and "Traceback" not in verified.stderr


def config_file(booth: Booth) -> Path:
    cfg = booth.config.data_dir.parent / "booth.toml"
    cfg.write_text(f'[booth]\nid = "booth-7"\ndata_dir = "{booth.config.data_dir}"\n')
    return cfg


@pytest.mark.parametrize("damage", ["missing", "short", "another booth's"])
def test_a_lost_or_swapped_secret_key_stops_the_booth_with_one_line(tmp_path: Path, damage: str) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    booth.store.close()
    key = booth.config.data_dir / "secret.key"
    before = key.read_bytes()
    if damage == "missing":
        key.unlink()
    elif damage == "short":
        key.write_bytes(before[:7])
    else:
        key.write_bytes(hashlib.sha256(b"another booth").digest())
    left = key.read_bytes() if key.exists() else None
    with pytest.raises(SecretKeyError, match="restore"):
        open_store(booth.config)
    assert (key.read_bytes() if key.exists() else None) == left, "the key is never replaced or made again"
    shot = run_booth("consent", "verify", "--config", str(config_file(booth)))
    assert shot.returncode == 1 and len(shot.stderr.strip().splitlines()) == 1 and "secret.key" in shot.stderr
    key.write_bytes(before)  # restored from the backup: the booth works again
    with open_store(booth.config) as store:
        assert store.verify() == []


def test_a_new_booth_makes_its_key_once_readable_by_its_user_only(tmp_path: Path) -> None:
    booth = make_booth(tmp_path)
    key, db = booth.config.data_dir / "secret.key", booth.config.data_dir / "booth.db"
    assert len(key.read_bytes()) == 32 and key.stat().st_mode & 0o777 == 0o600 and db.stat().st_mode & 0o077 == 0


def test_an_earlier_versions_unkeyed_log_is_keyed_when_intact(tmp_path: Path) -> None:
    booth, _ = withdrawn_booth(tmp_path)
    booth.store.close()
    db = sqlite3.connect(booth.config.data_dir / "booth.db")
    rows = db.execute("SELECT seq, at, event, record_id, clip_id, detail FROM audit ORDER BY seq").fetchall()
    prev = GENESIS
    for seq, at, event, record_id, clip_id, detail in rows:  # as the earlier version wrote it
        digest = entry_hash(None, prev, seq, at, event, record_id, clip_id, detail)
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    db.execute("DROP TABLE meta")
    db.commit()
    db.close()
    (booth.config.data_dir / "audit-head.json").unlink()
    with open_store(booth.config) as store:
        assert store.verify() == []
        assert store.audit()[-1].event == Event.CHAIN_KEYED.value
