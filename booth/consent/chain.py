"""The audit log's keyed chain and its anchor: entries authenticated with a key kept outside booth.db, and the
chain's head written to a file beside it on every append, so that neither a forged entry nor a cut tail passes."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from booth.atomic import write_atomic

GENESIS = "0" * 64
KEYED = "hmac-sha256"
"""The chain's scheme in booth.db's meta table: each entry's hash an HMAC under a key derived from secret.key."""
UNKEYED = "sha256"
"""The scheme of logs written before entries were keyed: plain SHA-256, kept only where it was already broken."""


class AnchorError(ValueError):
    """The anchor file is there but cannot be read as one; the message says how."""


@dataclass(frozen=True)
class Head:
    """The last entry of the log: its sequence number and hash."""

    seq: int
    hash: str

    def to_json(self) -> dict[str, int | str]:
        return {"seq": self.seq, "hash": self.hash}

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """A head as `verify --head` takes it and collectors list it: SEQ:HASH."""
        seq, _, digest = text.strip().partition(":")
        if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{text[:80]!r} is not a head like 412:<64 hex digits>")
        return cls(int(seq), digest)


def chain_key(secret: bytes) -> bytes:
    """The audit key: derived from the booth's secret, never stored in booth.db."""
    return hmac.new(secret, b"booth audit chain", hashlib.sha256).digest()


def entry_hash(
    key: bytes | None,
    prev_hash: str,
    seq: int,
    at: str,
    event: str,
    record_id: str | None,
    clip_id: str | None,
    detail: str,
) -> str:
    """An entry's hash over its content and the hash before it: keyed (HMAC-SHA256) with `key`, plain SHA-256
    without one (the earlier scheme)."""
    canonical = json.dumps([prev_hash, seq, at, event, record_id, clip_id, detail], separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def read_anchor(path: Path) -> Head | None:
    """The head last anchored; None when there is no anchor file. Raises AnchorError for one that is damaged."""
    try:
        raw = json.loads(path.read_bytes())
        head = Head(int(raw["seq"]), str(raw["hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorError(f"{path.name} cannot be read ({exc})") from None
    return head


def anchor(path: Path, head: Head) -> None:
    """Write the head to the anchor file unless a later one is there already: booth processes that append at
    once (kiosk, phone page, uploader) never move it back."""
    lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(AnchorError):
            there = read_anchor(path)
            if there is not None and there.seq >= head.seq:
                return
        write_atomic(path, (json.dumps(head.to_json()) + "\n").encode())
    finally:
        os.close(lock)
