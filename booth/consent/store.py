"""The consent store: clips, their phone-page tokens, consent records and a keyed, anchored audit log, in SQLite.

Records are inserted once and never updated (a trigger refuses it). Every event about a record or clip, from
'clip registered' to 'erasure acknowledged', is appended to the audit log; each entry's hash is an HMAC, under a
key derived from secret.key (not in booth.db), over its content and the hash before it; 'granted' carries the
hash of the record's body and 'clip registered' the clip's row; the head is written to audit-head.json on every
append. So verify() finds an edited, inserted, forged or deleted entry, record or clip row, and a cut tail."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
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
from booth.consent.chain import GENESIS, KEYED, UNKEYED, AnchorError, Head, anchor, chain_key, entry_hash, read_anchor
from booth.consent.records import ALREADY_RECORDED, CLIP_CHANGED, CLIP_GONE, ConsentError, ConsentRecord
from booth.errors import BoothError
from booth.ids import new_id, utc_now_iso

log = logging.getLogger(__name__)

ANCHOR_NAME = "audit-head.json"
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
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
Entries = dict[int, tuple[str, str | None, str | None, dict[str, Any], str]]
"""seq: (event, record_id, clip_id, detail, hash) of the audit entries that can be read."""


class DamagedRow(BoothError):
    """A row of booth.db that cannot be read; the message names it and says to run verify."""


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
    CHAIN_KEYED = "chain keyed"


DELETIONS = (Event.ERASED.value, Event.PURGED.value)
"""The audit events that delete a clip from the booth (its row's deleted_at set with them)."""


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


def screen_code(secret: bytes, clip_id: str) -> str:
    """The 6 digits the kiosk shows beside the clip's QR code, which the phone page asks for before it records a
    choice: whoever saw only the link cannot decide for the participant."""
    digest = int.from_bytes(hmac.new(secret, f"screen:{clip_id}".encode(), hashlib.sha256).digest()[:8], "big")
    return f"{digest % 1_000_000:06d}"


def shown_code(code: str) -> str:
    """A screen code as the kiosk shows it and people type it: 482 913."""
    return f"{code[:3]} {code[3:]}"


def withdrawal_code(secret: bytes, record_id: str) -> str:
    """The record's withdrawal code: derived from the booth's secret, so the participant's page can show it
    again, while booth.db holds only its hash."""
    digest = int.from_bytes(hmac.new(secret, record_id.encode(), hashlib.sha256).digest()[:8], "big")
    raw = "".join(CODE_ALPHABET[(digest >> (5 * i)) & 31] for i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


SECRET_BYTES = 32


class SecretKeyError(BoothError):
    """secret.key is missing, damaged or another booth's while booth.db holds clips that depend on it."""


def _clips_in(database: Path) -> int:
    if not database.exists():
        return 0
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10.0)
    try:
        return int(db.execute("SELECT count(*) FROM clips").fetchone()[0])
    except sqlite3.DatabaseError:
        return 0  # no clips table yet
    finally:
        db.close()


def load_secret(path: Path, database: Path) -> bytes:
    """The booth's secret (page tokens, withdrawal codes, the audit key): 256 random bits, readable by the
    booth's user only, made only while `database` holds no clip. Missing or damaged once clips depend on it,
    it is never replaced: every QR code and withdrawal code the booth gave would stop working."""
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        secret = None
    if secret is not None and len(secret) == SECRET_BYTES:
        return secret
    clips = _clips_in(database)
    if clips:
        state = "is missing" if secret is None else f"is damaged ({len(secret)} bytes, not {SECRET_BYTES})"
        raise SecretKeyError(
            f"{path} {state}, and {database.name} holds {clips} clips whose phone links, withdrawal codes and audit"
            f" log depend on it; restore it from the backup taken with {database.name} (docs/consent.md, 'Back up')"
        )
    secret = secrets.token_bytes(SECRET_BYTES)
    write_atomic(path, secret)  # mkstemp makes it readable by its owner only
    return secret


def key_check(secret: bytes) -> str:
    """What booth.db keeps to tell its own secret.key from another booth's."""
    return hmac.new(secret, b"booth.db key check", hashlib.sha256).hexdigest()[:16]


def normal_code(code: str) -> str:
    """A withdrawal code as typed: any case, with or without dashes or spaces, O for 0 and I or L for 1."""
    raw = "".join(c for c in code.upper() if c.isalnum()).translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


class ConsentStore:
    """The booth's consent database (booth.db in the data directory, shared with the outbox)."""

    def __init__(self, path: Path, secret: bytes) -> None:
        self.path = path
        self.secret = secret
        self.anchor_path = path.with_name(ANCHOR_NAME)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self.db.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a damaged row reads as changed
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a granted consent survives a power cut once recorded
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)  # consent, e-mail addresses and guardians' names: the booth's user only
        self._appended: Head | None = None
        self._key: bytes | None = chain_key(secret)
        self._open_chain()

    def _open_chain(self) -> None:
        """Check that secret.key is this database's; key an earlier version's unkeyed log (only if it is
        intact: a broken one stays as it is, as evidence); anchor the head."""
        check = key_check(self.secret)
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if {"chain", "anchored"} <= meta.keys():  # a booth.db opened before: read, no write lock taken
            self._check_key(meta, check)
            if meta["chain"] != KEYED:
                self._key = None
            return
        with self.transaction():
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            self._check_key(meta, check)
            if "chain" not in meta:
                scheme = KEYED
                if self.db.execute("SELECT 1 FROM audit LIMIT 1").fetchone():
                    scheme = self._key_earlier_log()
                self.db.execute("INSERT INTO meta VALUES ('chain', ?), ('key_check', ?)", (scheme, check))
                meta["chain"] = scheme
            if meta["chain"] != KEYED:
                self._key = None
            if "anchored" not in meta:  # from now on, a missing anchor file is a break
                self.db.execute("INSERT INTO meta VALUES ('anchored', '1')")
                self._appended = self.head()

    def _check_key(self, meta: dict[str, str], check: str) -> None:
        if meta.get("key_check", check) != check:
            raise SecretKeyError(
                f"{self.path.with_name('secret.key')} is not the key {self.path.name} was made with; restore"
                f" the one backed up with {self.path.name} (docs/consent.md, 'Back up')"
            )

    def _key_earlier_log(self) -> str:
        old, _ = self._chain(None)
        if old:
            log.warning("the audit log of %s is broken (%s); it is kept unkeyed, as it is", self.path, old[0])
            return UNKEYED
        rows = self.db.execute("SELECT seq, at, event, record_id, clip_id, detail, hash FROM audit ORDER BY seq")
        prev, rekeyed = GENESIS, []
        for seq, at, event, record_id, clip_id, detail, _ in rows.fetchall():
            prev = entry_hash(self._key, prev, seq, at, event, record_id, clip_id, detail)
            rekeyed.append((prev, seq))
        self.db.execute("UPDATE audit SET prev_hash = '', hash = ''")  # rewritten in order below
        prev = GENESIS
        for digest, seq in rekeyed:
            self.db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            prev = digest
        self.append(Event.CHAIN_KEYED, detail={"entries": len(rekeyed), "from": UNKEYED})
        return KEYED

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
            self._appended = None
            raise
        self.db.execute("COMMIT")
        head, self._appended = self._appended, None
        if head is not None:
            anchor(self.anchor_path, head)

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
        digest = entry_hash(self._key, prev, seq, at, event.value, record_id, clip_id, text)
        self.db.execute(
            "INSERT INTO audit (seq, at, event, record_id, clip_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
            (seq, at, event.value, record_id, clip_id, text, prev, digest),
        )
        self._appended = Head(seq, digest)  # anchored once the transaction commits
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

    def head(self) -> Head | None:
        """The log's last entry; None for an empty log."""
        row = self.db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(int(row[0]), str(row[1])) if row else None

    def verify(self, witnessed: Head | None = None) -> list[str]:
        """Every break, first one first: in the chain (an entry changed, inserted, forged or missing, or one
        that cannot be read); against the anchor file and a head a collector `witnessed` (a cut tail); between
        the tables and the log (a record or clip row changed, added or deleted, a deletion undone)."""
        problems, entries = self._chain(self._key)
        if self._key is None and entries:
            problems.append("the audit log is unkeyed: an earlier version's, found broken before it could be keyed")
        problems += self._anchor_problems(entries, witnessed)
        problems += self._record_problems(entries)
        problems += self._clip_problems(entries)
        return problems

    def _chain(self, key: bytes | None) -> tuple[list[str], Entries]:
        """One pass over the log under `key`: every break in the chain, and the entries whose detail can be read
        (for the checks against the anchor and the tables)."""
        problems: list[str] = []
        entries: Entries = {}
        prev, expected_seq = GENESIS, 1
        for seq, at, event, record_id, clip_id, detail, prev_hash, digest in self.db.execute(
            "SELECT seq, at, event, record_id, clip_id, detail, prev_hash, hash FROM audit ORDER BY seq"
        ):
            if seq != expected_seq:
                problems.append(f"audit entry {expected_seq}: missing (the next entry is {seq})")
            if prev_hash != prev:
                problems.append(f"audit entry {seq}: does not follow entry {seq - 1} (its previous hash differs)")
            try:
                intact = entry_hash(key, prev_hash, seq, at, event, record_id, clip_id, detail) == digest
            except TypeError:  # a value of a type no entry is written with
                intact = False
            if not intact:
                problems.append(f"audit entry {seq} ({str(event)[:40]}): its content was changed after it was written")
            with contextlib.suppress(ValueError, TypeError, RecursionError):
                parsed = json.loads(detail)
                if isinstance(parsed, dict):
                    entries[seq] = (event, record_id, clip_id, parsed, digest)
            prev, expected_seq = digest, seq + 1
        return problems, entries

    def _anchor_problems(self, entries: Entries, witnessed: Head | None) -> list[str]:
        problems: list[str] = []
        last = max(entries, default=0)
        try:
            anchored = read_anchor(self.anchor_path)
        except AnchorError as exc:
            return [f"the anchor file {exc}"]
        if anchored is None and entries:
            problems.append(f"the anchor file {self.anchor_path.name} is missing; it holds the log's last entry")
        for name, head in (("the anchor file", anchored), ("the witnessed head", witnessed)):
            if head is None:
                continue
            if head.seq > last:
                problems.append(f"{name} says the log reached entry {head.seq}; it now ends at {last}: entries cut")
            elif entries.get(head.seq, ("",) * 5)[4] != head.hash:
                problems.append(f"audit entry {head.seq}: is not the entry {name} holds")
        return problems

    def _record_problems(self, entries: Entries) -> list[str]:
        problems: list[str] = []
        granted: dict[str, tuple[int, Any]] = {}
        for seq, (event, record_id, _, detail, _) in entries.items():
            if event == Event.GRANTED.value and record_id is not None:
                granted[record_id] = (seq, detail.get("record_sha256"))
        kept = set()
        for record_id, body in self.db.execute("SELECT record_id, body FROM records ORDER BY created_at"):
            kept.add(record_id)
            entry = granted.get(record_id)
            if entry is None:
                problems.append(f"record {record_id}: has no 'granted' entry in the audit log")
            elif sha256_hex(str(body)) != entry[1]:
                problems.append(f"record {record_id}: its content was changed after it was recorded")
        for record_id, (seq, _) in granted.items():
            if record_id not in kept:
                problems.append(f"record {record_id}: granted at audit entry {seq}, but the record was deleted")
        return problems

    def _clip_problems(self, entries: Entries) -> list[str]:
        problems: list[str] = []
        registered: dict[str, tuple[int, dict[str, Any]]] = {}
        deleted: dict[str, int] = {}
        for seq, (event, _, clip_id, detail, _) in entries.items():
            if clip_id is None:
                continue
            if event == Event.CLIP_REGISTERED.value:
                registered[clip_id] = (seq, detail)
            elif event in DELETIONS:
                deleted.setdefault(clip_id, seq)
        rows = self.db.execute(
            "SELECT clip_id, sha256, directory, frames_dir, token_hash, token_expires, deleted_at FROM clips"
        ).fetchall()
        for clip_id, sha256, directory, frames_dir, token_hash, token_expires, deleted_at in rows:
            entry = registered.pop(clip_id, None)
            if entry is None:
                problems.append(f"clip {clip_id}: has no 'clip registered' entry in the audit log")
                continue
            row = {
                "clip_sha256": sha256,
                "directory": directory,
                "frames_dir": frames_dir,
                "token_hash": token_hash,
                "token_expires": token_expires,
            }
            changed = sorted(k for k, v in row.items() if k in entry[1] and entry[1][k] != v)
            if changed:
                problems.append(f"clip {clip_id}: {', '.join(changed)} changed since it was registered")
            if deleted_at is None and clip_id in deleted:
                problems.append(f"clip {clip_id}: deleted at audit entry {deleted[clip_id]}, but its row is back")
            elif deleted_at is not None and clip_id not in deleted:
                problems.append(f"clip {clip_id}: marked deleted with no deletion in the audit log")
        for clip_id, (seq, _) in registered.items():
            problems.append(f"clip {clip_id}: registered at audit entry {seq}, but its row was deleted")
        return problems

    # clips and their phone-page tokens

    def register_clip(
        self, clip_id: str, sha256: str, directory: Path, frames_dir: Path | None, token_days: float
    ) -> str:
        """Keep the clip so that consent can be given for it; returns the token of its phone page (only its hash
        is stored)."""
        token = page_token(self.secret, clip_id)
        now = time.time()
        # what verify() holds the row to: its 'clip registered' entry carries these
        kept = {
            "directory": str(directory),
            "frames_dir": str(frames_dir) if frames_dir else None,
            "token_hash": secret_hash(token),
            "token_expires": now + token_days * 86400,
        }
        with self.transaction():
            self.db.execute(
                "INSERT INTO clips (clip_id, sha256, directory, frames_dir, created_at, created_ts, token_hash,"
                " token_expires) VALUES (?,?,?,?,?,?,?,?)",
                (clip_id, sha256, kept["directory"], kept["frames_dir"], utc_now_iso(), now, kept["token_hash"],
                 kept["token_expires"]),
            )  # fmt: skip
            self.append(Event.CLIP_REGISTERED, clip_id=clip_id, detail={"clip_sha256": sha256, **kept})
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
                raise ConsentError(ALREADY_RECORDED)
            clip = self.clip(record.clip_id)
            if clip is None or clip.deleted_at is not None:
                raise ConsentError(CLIP_GONE)
            if clip.sha256 != record.clip_sha256:
                raise ConsentError(CLIP_CHANGED)
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

    def screen_code_for(self, clip_id: str) -> str:
        return screen_code(self.secret, clip_id)

    def code_for(self, record_id: str) -> str:
        return withdrawal_code(self.secret, record_id)

    def get_record(self, record_id: str) -> ConsentRecord | None:
        row = self.db.execute("SELECT body FROM records WHERE record_id = ?", (record_id,)).fetchone()
        return _parse_record(row[0], f"record {record_id}") if row else None

    def record_for(self, clip_id: str) -> ConsentRecord | None:
        """The clip's consent record, withdrawn or not (a clip has one at most); DamagedRow when it cannot be
        read."""
        row = self.db.execute("SELECT body FROM records WHERE clip_id = ?", (clip_id,)).fetchone()
        return _parse_record(row[0], f"the consent record of {clip_id}") if row else None

    def records_for(self, clip_id: str) -> list[ConsentRecord]:
        record = self.record_for(clip_id)
        return [record] if record else []

    def record_by_code(self, code: str) -> ConsentRecord | None:
        row = self.db.execute(
            "SELECT body FROM records WHERE code_hash = ?", (secret_hash(normal_code(code)),)
        ).fetchone()
        return _parse_record(row[0], "the record of that withdrawal code") if row else None

    def withdrawn(self, record_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM audit WHERE record_id = ? AND event = ? LIMIT 1", (record_id, Event.WITHDRAWN.value)
        ).fetchone()
        return row is not None

    def current(self, clip_id: str) -> ConsentRecord | None:
        """The clip's consent in force: its latest record, unless that was withdrawn (a withdrawal ends the
        clip's consent: the clip is deleted with it)."""
        try:
            record = self.record_for(clip_id)
        except DamagedRow as exc:  # not in force: nothing leaves, and the clip goes when unconsented ones go
            log.warning("%s", exc)
            return None
        return None if record is None or self.withdrawn(record.record_id) else record

    @staticmethod
    def new_record_id() -> str:
        return new_id("consent")


def _parse_record(body: str, what: str) -> ConsentRecord:
    try:
        data = json.loads(body)
        return ConsentRecord.from_json(data)
    except (ValueError, TypeError, KeyError, RecursionError):
        raise DamagedRow(f"{what} in booth.db cannot be read; run 'booth consent verify'") from None
