"""The consent store: clips, their phone-page tokens, consent records and a hash-chained audit log, in SQLite (WAL).

Records are inserted once and never updated (a trigger refuses it). Every event about a record or clip, from
'granted' to 'erasure acknowledged', is appended to the audit log; each entry carries the hash of the one
before, and 'granted' carries the hash of the record's body, so an edited or deleted row shows in verify()."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from booth.atomic import write_atomic
from booth.consent.records import ConsentError, ConsentRecord
from booth.ids import new_id, utc_now_iso

GENESIS = "0" * 64
TOKEN_BYTES = 16  # 128 bits
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread
CODE_LENGTH = 12  # 60 bits, typed in three groups of four

SCHEMA = """
CREATE TABLE IF NOT EXISTS clips (
    clip_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    directory TEXT NOT NULL,
    frames_dir TEXT,
    created_at TEXT NOT NULL,
    created_ts REAL NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_expires REAL NOT NULL,
    deleted_at TEXT
);
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY,
    clip_id TEXT NOT NULL UNIQUE REFERENCES clips(clip_id),
    body TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS records_never_rewritten BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'consent records are never rewritten; append an audit event instead'); END;
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    record_id TEXT,
    clip_id TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_record ON audit(record_id);
CREATE INDEX IF NOT EXISTS audit_by_clip ON audit(clip_id);
"""


class Event(Enum):
    CLIP_REGISTERED = "clip registered"
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"
    ERASURE_REQUESTED = "erasure requested"
    DELIVERED = "delivered"
    DELIVERY_REFUSED = "delivery refused"
    ERASURE_ACKNOWLEDGED = "erasure acknowledged"
    PURGED = "purged"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    event: str
    record_id: str | None
    clip_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class ClipEntry:
    clip_id: str
    sha256: str
    directory: Path
    frames_dir: Path | None
    created_at: str
    created_ts: float
    token_expires: float
    deleted_at: str | None


def entry_hash(
    prev_hash: str, seq: int, at: str, event: str, record_id: str | None, clip_id: str | None, detail: str
) -> str:
    canonical = json.dumps([prev_hash, seq, at, event, record_id, clip_id, detail], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def secret_hash(secret: str) -> str:
    """Tokens and withdrawal codes are kept only as hashes: a copy of booth.db does not open anyone's page."""
    return sha256_hex(secret)


def page_token(secret: bytes, clip_id: str) -> str:
    """The clip's phone-page token: 128 bits derived from the booth's secret, so the kiosk can show its QR
    code again at any time, while booth.db holds only its hash."""
    digest = hmac.new(secret, f"page:{clip_id}".encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def withdrawal_code(secret: bytes, record_id: str) -> str:
    """The record's withdrawal code: derived from the booth's secret, so the participant's page can show it
    again, while booth.db holds only its hash."""
    digest = int.from_bytes(hmac.new(secret, record_id.encode(), hashlib.sha256).digest()[:8], "big")
    raw = "".join(CODE_ALPHABET[(digest >> (5 * i)) & 31] for i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def load_secret(path: Path) -> bytes:
    """The booth's secret (tokens' CSRF, withdrawal codes), made once with 256 random bits, readable by the
    booth's user only."""
    if path.exists():
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    write_atomic(path, secrets.token_bytes(32))  # mkstemp makes it readable by its owner only
    return path.read_bytes()


def normal_code(code: str) -> str:
    """A withdrawal code as typed: any case, with or without dashes or spaces, O for 0 and I or L for 1."""
    raw = "".join(c for c in code.upper() if c.isalnum()).translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


class ConsentStore:
    """The booth's consent database (booth.db in the data directory, shared with the outbox)."""

    def __init__(self, path: Path, secret: bytes) -> None:
        self.path = path
        self.secret = secret
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a granted consent survives a power cut once recorded
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ConsentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: one writer at a time, and all of it or none of it on disk."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # the audit log

    def append(
        self,
        event: Event,
        *,
        record_id: str | None = None,
        clip_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one event; call inside transaction() so that it lands with the change it describes."""
        last = self.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = utc_now_iso()
        text = canonical(detail or {})
        digest = entry_hash(prev, seq, at, event.value, record_id, clip_id, text)
        self.db.execute(
            "INSERT INTO audit (seq, at, event, record_id, clip_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
            (seq, at, event.value, record_id, clip_id, text, prev, digest),
        )
        return AuditEntry(seq, at, event.value, record_id, clip_id, detail or {}, prev, digest)

    def audit(self, *, record_id: str | None = None, clip_id: str | None = None) -> list[AuditEntry]:
        # only the ids given are matched: "record_id IS NULL" would match every clip's deliveries and erasures
        given = [(column, value) for column, value in (("record_id", record_id), ("clip_id", clip_id)) if value]
        where = " WHERE " + " OR ".join(f"{column} = ?" for column, _ in given) if given else ""
        args = tuple(value for _, value in given)
        rows = self.db.execute(
            f"SELECT seq, at, event, record_id, clip_id, detail, prev_hash, hash FROM audit{where} ORDER BY seq", args
        ).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    def verify(self) -> list[str]:
        """Every break in the chain, first one first: an entry whose hash does not match its content, one that
        does not follow the entry before it, a gap in the sequence, a record whose body is not the one its
        'granted' entry hashed, a record with no 'granted' entry."""
        problems: list[str] = []
        prev, expected_seq = GENESIS, 1
        granted_hashes: dict[str, str] = {}
        for seq, at, event, record_id, clip_id, detail, prev_hash, digest in self.db.execute(
            "SELECT seq, at, event, record_id, clip_id, detail, prev_hash, hash FROM audit ORDER BY seq"
        ):
            if seq != expected_seq:
                problems.append(f"audit entry {expected_seq}: missing (the next entry is {seq})")
            if prev_hash != prev:
                problems.append(f"audit entry {seq}: does not follow entry {seq - 1} (its previous hash differs)")
            if entry_hash(prev_hash, seq, at, event, record_id, clip_id, detail) != digest:
                problems.append(f"audit entry {seq} ({event}): its content was changed after it was written")
            if event == Event.GRANTED.value and record_id is not None:
                try:
                    granted_hashes[record_id] = json.loads(detail)["record_sha256"]
                except (ValueError, KeyError, TypeError):
                    problems.append(f"audit entry {seq}: a 'granted' entry without the record's hash")
            prev, expected_seq = digest, seq + 1
        for record_id, body in self.db.execute("SELECT record_id, body FROM records ORDER BY created_at"):
            want = granted_hashes.get(record_id)
            if want is None:
                problems.append(f"record {record_id}: has no 'granted' entry in the audit log")
            elif sha256_hex(body) != want:
                problems.append(f"record {record_id}: its content was changed after it was recorded")
        return problems

    # clips and their phone-page tokens

    def register_clip(
        self, clip_id: str, sha256: str, directory: Path, frames_dir: Path | None, token_days: float
    ) -> str:
        """Keep the clip so that consent can be given for it; returns the token of its phone page (only its hash
        is stored)."""
        token = page_token(self.secret, clip_id)
        now = time.time()
        with self.transaction():
            self.db.execute(
                "INSERT INTO clips (clip_id, sha256, directory, frames_dir, created_at, created_ts, token_hash,"
                " token_expires) VALUES (?,?,?,?,?,?,?,?)",
                (
                    clip_id,
                    sha256,
                    str(directory),
                    str(frames_dir) if frames_dir else None,
                    utc_now_iso(),
                    now,
                    secret_hash(token),
                    now + token_days * 86400,
                ),
            )
            self.append(Event.CLIP_REGISTERED, clip_id=clip_id, detail={"clip_sha256": sha256})
        return token

    def _clip(self, row: Any) -> ClipEntry:
        return ClipEntry(row[0], row[1], Path(row[2]), Path(row[3]) if row[3] else None, row[4], row[5], row[6], row[7])

    CLIP_COLUMNS = "clip_id, sha256, directory, frames_dir, created_at, created_ts, token_expires, deleted_at"

    def clip(self, clip_id: str) -> ClipEntry | None:
        row = self.db.execute(f"SELECT {self.CLIP_COLUMNS} FROM clips WHERE clip_id = ?", (clip_id,)).fetchone()
        return self._clip(row) if row else None

    def clip_by_token(self, token: str, now: float | None = None) -> ClipEntry | None:
        """The clip a phone-page token opens; None for an unknown, expired or deleted one alike."""
        if not 16 <= len(token) <= 64:
            return None
        row = self.db.execute(
            f"SELECT {self.CLIP_COLUMNS} FROM clips WHERE token_hash = ?", (secret_hash(token),)
        ).fetchone()
        if row is None:
            return None
        clip = self._clip(row)
        if clip.deleted_at is not None or clip.token_expires < (now if now is not None else time.time()):
            return None
        return clip

    def clips(self) -> list[ClipEntry]:
        return [self._clip(r) for r in self.db.execute(f"SELECT {self.CLIP_COLUMNS} FROM clips ORDER BY created_ts")]

    def mark_deleted(self, clip_id: str, event: Event, detail: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE clips SET deleted_at = ? WHERE clip_id = ?", (utc_now_iso(), clip_id))
            self.append(event, clip_id=clip_id, detail=detail)

    # consent records

    def record(self, record: ConsentRecord) -> str:
        """Keep the record and its 'granted' entry in one transaction (both or neither, whatever happens);
        returns the withdrawal code. One record per clip: a clip's consent is changed by withdrawing it."""
        body = canonical(record.to_json())
        code = self.code_for(record.record_id)
        with self.transaction():
            if self.db.execute("SELECT 1 FROM records WHERE clip_id = ?", (record.clip_id,)).fetchone():
                raise ConsentError("consent for this clip was already recorded; to change it, withdraw it")
            clip = self.clip(record.clip_id)
            if clip is None or clip.deleted_at is not None:
                raise ConsentError("this clip is no longer on the booth")
            if clip.sha256 != record.clip_sha256:
                raise ConsentError("the record is for another version of this clip (its SHA-256 differs)")
            self.db.execute(
                "INSERT INTO records (record_id, clip_id, body, code_hash, created_at) VALUES (?,?,?,?,?)",
                (record.record_id, record.clip_id, body, secret_hash(code), record.created_at),
            )
            self.append(
                Event.GRANTED,
                record_id=record.record_id,
                clip_id=record.clip_id,
                detail={"record_sha256": sha256_hex(body), "purposes": record.purposes, "method": record.method},
            )
        return code

    def token_for(self, clip_id: str) -> str:
        return page_token(self.secret, clip_id)

    def code_for(self, record_id: str) -> str:
        return withdrawal_code(self.secret, record_id)

    def get_record(self, record_id: str) -> ConsentRecord | None:
        row = self.db.execute("SELECT body FROM records WHERE record_id = ?", (record_id,)).fetchone()
        return ConsentRecord.from_json(json.loads(row[0])) if row else None

    def record_for(self, clip_id: str) -> ConsentRecord | None:
        """The clip's consent record, withdrawn or not (a clip has one at most)."""
        row = self.db.execute("SELECT body FROM records WHERE clip_id = ?", (clip_id,)).fetchone()
        return ConsentRecord.from_json(json.loads(row[0])) if row else None

    def records_for(self, clip_id: str) -> list[ConsentRecord]:
        record = self.record_for(clip_id)
        return [record] if record else []

    def record_by_code(self, code: str) -> ConsentRecord | None:
        row = self.db.execute(
            "SELECT body FROM records WHERE code_hash = ?", (secret_hash(normal_code(code)),)
        ).fetchone()
        return ConsentRecord.from_json(json.loads(row[0])) if row else None

    def withdrawn(self, record_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM audit WHERE record_id = ? AND event = ? LIMIT 1", (record_id, Event.WITHDRAWN.value)
        ).fetchone()
        return row is not None

    def current(self, clip_id: str) -> ConsentRecord | None:
        """The clip's consent in force: its latest record, unless that was withdrawn (a withdrawal ends the
        clip's consent: the clip is deleted with it)."""
        record = self.record_for(clip_id)
        return None if record is None or self.withdrawn(record.record_id) else record

    @staticmethod
    def new_record_id() -> str:
        return new_id("consent")
