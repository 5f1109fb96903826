"""The collector's index of what arrived, <out>/index.db (SQLite, WAL): one row per clip, kept after erasure."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INDEX_NAME = "index.db"
RESERVED_NAMES = frozenset({INDEX_NAME, f"{INDEX_NAME}-wal", f"{INDEX_NAME}-shm", f"{INDEX_NAME}-journal"})
"""Names in the output folder that are the index's own, so never an event's folder."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS clips (
    event TEXT NOT NULL,
    booth TEXT NOT NULL,
    clip_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    received_at TEXT,
    purposes TEXT NOT NULL DEFAULT '[]',
    brands TEXT NOT NULL DEFAULT '[]',
    files TEXT NOT NULL DEFAULT '{}',
    folder TEXT,
    erased_at TEXT,
    erase_reason TEXT,
    erase_requested_at TEXT,
    PRIMARY KEY (event, booth, clip_id)
);
CREATE INDEX IF NOT EXISTS clips_by_id ON clips(clip_id);
CREATE TABLE IF NOT EXISTS heads (
    event TEXT NOT NULL,
    booth TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (event, booth)
);
"""

EXPORT_FIELDS = (
    "clip_id",
    "event",
    "booth",
    "recipient",
    "received_at",
    "purposes",
    "brands",
    "erased_at",
    "erase_reason",
    "erase_requested_at",
    "folder",
)


@dataclass(frozen=True)
class IndexedClip:
    """One clip as the index knows it: stored (received_at set), erased (erased_at set), or both."""

    clip_id: str
    event: str
    booth: str
    recipient: str
    received_at: str | None
    purposes: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    """File name: SHA-256, as the manifest gave them and the collector checked them."""
    folder: str | None = None
    """The clip's folder relative to the output folder; None once erased."""
    erased_at: str | None = None
    erase_reason: str | None = None
    erase_requested_at: str | None = None

    @property
    def stored(self) -> bool:
        return self.received_at is not None and self.erased_at is None

    def as_json(self) -> dict[str, Any]:
        """The exported fields, lists for tuples."""
        return {k: list(v) if isinstance(v := getattr(self, k), tuple) else v for k in EXPORT_FIELDS}


def brands_of(tags: Any, depth: int = 0) -> list[str]:
    """Brand names anywhere in a clip's tags, leniently: {"brands": ["Lumen", ...]}, {"brands": [{"name": ...}]},
    or any list of detections with a "brand" key. Tags come from the booth's logo detector, whose format may grow."""
    found: set[str] = set()
    if depth > 6:
        return []
    if isinstance(tags, dict):
        for key, value in tags.items():
            if key in ("brand", "brands") and isinstance(value, str):
                found.add(value)
            elif key == "brands" and isinstance(value, dict):  # tags.json: {"brands": {"<brand>": {...}}}
                found.update(k for k in value if isinstance(k, str))
            elif key == "brands" and isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        found.add(item)
                    elif isinstance(item, dict):
                        name = item.get("brand", item.get("name"))
                        if isinstance(name, str):
                            found.add(name)
            else:
                found.update(brands_of(value, depth + 1))
    elif isinstance(tags, list):
        for item in tags:
            found.update(brands_of(item, depth + 1))
    printable = ("".join(c for c in " ".join(name.split()) if c.isprintable())[:80] for name in found)
    return sorted(b for b in printable if b)


class CollectorIndex:
    """The index, shared by every collector of a group: each write is one short transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One collector uses its connection from one thread at a time, though not always the thread that opened it.
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        with contextlib.suppress(OSError):
            path.chmod(0o600)  # who received which clip for what: the collector's user only

    @classmethod
    def in_folder(cls, out: Path) -> CollectorIndex:
        return cls(out / INDEX_NAME)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CollectorIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, event: str, booth: str, clip_id: str) -> IndexedClip | None:
        row = self.db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM clips WHERE event = ? AND booth = ? AND clip_id = ?",
            (event, booth, clip_id),
        ).fetchone()
        return _clip(row) if row else None

    def record_stored(self, clip: IndexedClip) -> None:
        self.db.execute(
            """INSERT INTO clips (event, booth, clip_id, recipient, received_at, purposes, brands, files, folder)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (event, booth, clip_id) DO UPDATE SET
                 recipient = excluded.recipient, received_at = excluded.received_at, purposes = excluded.purposes,
                 brands = excluded.brands, files = excluded.files, folder = excluded.folder,
                 erased_at = NULL, erase_reason = NULL, erase_requested_at = NULL""",
            (
                clip.event,
                clip.booth,
                clip.clip_id,
                clip.recipient,
                clip.received_at,
                json.dumps(list(clip.purposes)),
                json.dumps(list(clip.brands)),
                json.dumps(clip.files, sort_keys=True),
                clip.folder,
            ),
        )

    def record_erased(
        self, event: str, booth: str, clip_id: str, recipient: str, *, at: str, reason: str, requested_at: str
    ) -> None:
        """Mark a clip erased, keeping what proves it was: when, why, when it was asked; a row is made for a clip
        that never arrived, so that the booth's request is on record too. The first erasure's time is kept."""
        self.db.execute(
            """INSERT INTO clips (event, booth, clip_id, recipient, erased_at, erase_reason, erase_requested_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (event, booth, clip_id) DO UPDATE SET
                 erased_at = COALESCE(erased_at, excluded.erased_at),
                 erase_reason = COALESCE(erase_reason, excluded.erase_reason),
                 erase_requested_at = COALESCE(erase_requested_at, excluded.erase_requested_at),
                 folder = NULL""",
            (event, booth, clip_id, recipient, at, reason, requested_at),
        )

    def witness(self, event: str, booth: str, head: dict[str, Any], at: str) -> None:
        """Keep a booth's audit head from a manifest, the latest one only."""
        self.db.execute(
            """INSERT INTO heads (event, booth, seq, hash, seen_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (event, booth) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                 seen_at = excluded.seen_at WHERE excluded.seq > heads.seq""",
            (event, booth, head["seq"], head["hash"], at),
        )

    def heads(self) -> list[tuple[str, str, int, str, str]]:
        """(event, booth, seq, hash, seen_at) of every booth's latest witnessed audit head."""
        return self.db.execute("SELECT event, booth, seq, hash, seen_at FROM heads ORDER BY event, booth").fetchall()

    def clips(self, *, event: str | None = None, purpose: str | None = None) -> list[IndexedClip]:
        """Every clip in the order it arrived; `purpose` keeps the clips, not erased, whose consent grants it."""
        where, args = ("WHERE event = ?", (event,)) if event else ("", ())
        rows = self.db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM clips {where} ORDER BY COALESCE(received_at, erased_at), clip_id",
            args,
        ).fetchall()
        found = [_clip(r) for r in rows]
        if purpose is not None:
            found = [c for c in found if c.stored and purpose in c.purposes]
        return found


_COLUMNS = (*EXPORT_FIELDS, "files")
"""The index's columns: everything exported, and the files' hashes."""


def _clip(row: tuple[Any, ...]) -> IndexedClip:
    values = dict(zip(_COLUMNS, row, strict=True))
    return IndexedClip(
        **{
            **values,
            "purposes": tuple(json.loads(values["purposes"])),
            "brands": tuple(json.loads(values["brands"])),
            "files": json.loads(values["files"]),
        }
    )


def _cell(value: str) -> str:
    """A spreadsheet reads a cell that starts with = + - @ as a formula; tags and reasons come from booths."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(clips: Iterable[IndexedClip]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for clip in clips:
        writer.writerow(
            {
                k: _cell(";".join(v) if isinstance(v, list) else "" if v is None else str(v))
                for k, v in clip.as_json().items()
            }
        )
    return buffer.getvalue()


def export_json(clips: Iterable[IndexedClip]) -> str:
    return json.dumps([c.as_json() for c in clips], indent=2, ensure_ascii=False) + "\n"
