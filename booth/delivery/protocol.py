"""The transfer protocol between a booth and the agencies' collectors over MQTT 5, declared once for both sides.

docs/delivery-protocol.md describes it for people. Topics live under booth/v1/<event>/<booth>/<recipient>/:

  booth -> collector   manifest/<clip>          JSON Manifest: the clip's files, sizes, hashes, consent, tags
                       chunk/<clip>/<f>/<n>     raw bytes: chunk n of file f (the manifest's order)
                       check/<clip>             JSON {"clip_id"}: which chunks do you still lack?
                       erase/<clip>             JSON ErasureNotice
  collector -> booth   reply                    JSON Reply: missing chunks, stored, erased, or refused
  booth (retained)     booth/v1/<event>/<booth>/status   JSON {"state", "pending", "last_upload"}

Everything is published at QoS 1, so anything may arrive twice: every message is idempotent."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

VERSION = 1
PREFIX = "booth/v1"
MAX_CHUNK = 1024 * 1024 - 4096
"""Under 1 MB with room for the topic and properties: EMQX's default packet limit is 1 MB."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""An event, booth, recipient or clip id, or a file name: no slash, no leading dot, so never a path."""
SHA256 = re.compile(r"^[0-9a-f]{64}$")
CONSENTED_FILE = "clip.mp4"
"""The file a consent record names by its SHA-256: the clip the participant saw."""


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the message says what is wrong with it."""


def safe_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value) or ".." in value:
        raise ProtocolError(f"{what}: {str(value)[:80]!r} is not a plain name (letters, digits, . _ -)")
    return value


def base(event: str, booth: str, recipient: str) -> str:
    return f"{PREFIX}/{event}/{booth}/{recipient}"


def status_topic(event: str, booth: str) -> str:
    return f"{PREFIX}/{event}/{booth}/status"


def manifest_topic(event: str, booth: str, recipient: str, clip_id: str) -> str:
    return f"{base(event, booth, recipient)}/manifest/{clip_id}"


def chunk_topic(event: str, booth: str, recipient: str, clip_id: str, file_index: int, chunk: int) -> str:
    return f"{base(event, booth, recipient)}/chunk/{clip_id}/{file_index}/{chunk}"


def check_topic(event: str, booth: str, recipient: str, clip_id: str) -> str:
    return f"{base(event, booth, recipient)}/check/{clip_id}"


def erase_topic(event: str, booth: str, recipient: str, clip_id: str) -> str:
    return f"{base(event, booth, recipient)}/erase/{clip_id}"


def reply_topic(event: str, booth: str, recipient: str) -> str:
    return f"{base(event, booth, recipient)}/reply"


def is_reply_topic(topic: str) -> bool:
    """A collector's reply (booth/v1/<event>/<booth>/<recipient>/reply); a collector's own subscription takes
    these in too, and leaves them alone."""
    parts = topic.split("/")
    return len(parts) == 6 and parts[5] == "reply"


def collector_filter(recipient: str, group: str | None) -> str:
    """What a recipient's collector subscribes to: every booth of every event, shared within its group."""
    topic = f"{PREFIX}/+/+/{recipient}/+/#"
    return f"$share/{group}/{topic}" if group else topic


@dataclass(frozen=True)
class Address:
    """Where a message came from, read off its topic."""

    event: str
    booth: str
    recipient: str
    kind: str
    clip_id: str
    file_index: int | None = None
    chunk: int | None = None


def parse_topic(topic: str) -> Address:
    parts = topic.split("/")
    if len(parts) < 7 or "/".join(parts[:2]) != PREFIX:
        raise ProtocolError(f"topic {topic[:120]!r} is not a booth/v1 transfer topic")
    event, booth, recipient, kind, clip_id = (
        safe_name(parts[2], "event"),
        safe_name(parts[3], "booth"),
        safe_name(parts[4], "recipient"),
        parts[5],
        safe_name(parts[6], "clip id"),
    )
    if kind == "chunk":
        if len(parts) != 9 or not parts[7].isdigit() or not parts[8].isdigit():
            raise ProtocolError(f"chunk topic {topic[:120]!r} has no file and chunk numbers")
        return Address(event, booth, recipient, kind, clip_id, int(parts[7]), int(parts[8]))
    if kind not in ("manifest", "check", "erase") or len(parts) != 7:
        raise ProtocolError(f"topic {topic[:120]!r}: unknown message kind {kind!r}")
    return Address(event, booth, recipient, kind, clip_id)


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str

    def chunks(self, chunk_size: int) -> int:
        return max(1, -(-self.size // chunk_size))


@dataclass(frozen=True)
class Manifest:
    """What a clip consists of, and under which consent it travels; published before its chunks."""

    clip_id: str
    booth_id: str
    event: str
    recipient: str
    chunk_size: int
    files: list[FileEntry]
    consent: dict[str, Any]
    """The consent record the clip travels under (the e-mail address only for the recipient that sends it)."""
    purposes: list[str]
    """The granted purposes under which this recipient may use the clip."""
    tags: dict[str, Any] | None = None
    clip: dict[str, Any] = field(default_factory=dict)
    """clip.json's content."""
    audit_head: dict[str, Any] | None = None
    """The booth's audit log head when the manifest was made ({"seq", "hash"}): collectors keep the latest, so
    that the booth's log can later be shown to still hold it (`booth consent verify --head`)."""
    v: int = VERSION

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, data: bytes, *, max_file_bytes: int, max_files: int = 16) -> Manifest:
        """Parse and check a manifest; raises ProtocolError naming the first thing wrong."""
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"manifest is not JSON ({exc})") from None
        if not isinstance(raw, dict) or raw.get("v") != VERSION:
            raise ProtocolError(f"manifest is not version {VERSION} of the protocol")
        chunk_size = raw.get("chunk_size")
        if type(chunk_size) is not int or not 1024 <= chunk_size <= MAX_CHUNK:
            raise ProtocolError(f"manifest chunk_size {chunk_size!r} is outside 1 KiB to {MAX_CHUNK} bytes")
        files = raw.get("files")
        if not isinstance(files, list) or not 1 <= len(files) <= max_files:
            raise ProtocolError(f"manifest must list 1 to {max_files} files")
        entries = []
        for f in files:
            if not isinstance(f, dict):
                raise ProtocolError("manifest file entry is not an object")
            name = safe_name(f.get("name"), "file name")
            size = f.get("size")
            if type(size) is not int or not 0 <= size <= max_file_bytes:
                raise ProtocolError(f"file {name}: size {size!r} is over the limit of {max_file_bytes} bytes")
            digest = f.get("sha256")
            if not isinstance(digest, str) or not SHA256.match(digest):
                raise ProtocolError(f"file {name}: sha256 is not 64 hex digits")
            entries.append(FileEntry(name, size, digest))
        if len({e.name for e in entries}) != len(entries):
            raise ProtocolError("manifest names a file twice")
        for key in ("consent", "clip"):
            if not isinstance(raw.get(key), dict):
                raise ProtocolError(f"manifest {key} is not an object")
        purposes = raw.get("purposes")
        if not isinstance(purposes, list) or not purposes or not all(isinstance(p, str) for p in purposes):
            raise ProtocolError("manifest names no purpose the clip may be used for")
        tags = raw.get("tags")
        if tags is not None and not isinstance(tags, dict):
            raise ProtocolError("manifest tags is not an object")
        head = raw.get("audit_head")
        if head is not None and not (
            isinstance(head, dict)
            and type(head.get("seq")) is int
            and head["seq"] >= 1
            and isinstance(head.get("hash"), str)
            and SHA256.match(head["hash"])
        ):
            raise ProtocolError("manifest audit_head is not {seq: a positive integer, hash: 64 hex digits}")
        return cls(
            clip_id=safe_name(raw.get("clip_id"), "clip id"),
            booth_id=safe_name(raw.get("booth_id"), "booth id"),
            event=safe_name(raw.get("event"), "event"),
            recipient=safe_name(raw.get("recipient"), "recipient"),
            chunk_size=chunk_size,
            files=entries,
            consent=raw["consent"],
            purposes=purposes,
            tags=tags,
            clip=raw["clip"],
            audit_head={"seq": head["seq"], "hash": head["hash"]} if head else None,
        )


def consent_gap(m: Manifest) -> str | None:
    """Why the consent record a manifest carries does not cover this clip going to its recipient under the
    purposes it claims; None when it does. The record must name the clip and the SHA-256 of its clip.mp4, and
    grant every claimed purpose with this recipient among that purpose's recipients."""
    record = m.consent
    if not record:
        return "the manifest carries no consent record"
    if record.get("clip_id") != m.clip_id:
        return f"the consent record is for clip {str(record.get('clip_id'))[:80]!r}, not {m.clip_id}"
    video = next((f for f in m.files if f.name == CONSENTED_FILE), None)
    if video is None:
        return f"the manifest has no {CONSENTED_FILE}, the file a consent record covers"
    if record.get("clip_sha256") != video.sha256:
        return f"the consent record covers a {CONSENTED_FILE} with another SHA-256 than the one sent"
    granted, recipients = record.get("purposes"), record.get("recipients")
    if not isinstance(granted, dict) or not isinstance(recipients, dict):
        return "the consent record names no purposes and recipients"
    for purpose in m.purposes:
        if granted.get(purpose) is not True:
            return f"purpose {purpose[:64]} is not granted by the consent record"
        named = recipients.get(purpose)
        if not isinstance(named, list) or m.recipient not in named:
            return f"the consent record does not name {m.recipient} as a recipient for purpose {purpose[:64]}"
    return None


@dataclass(frozen=True)
class ErasureNotice:
    clip_id: str
    recipient: str
    reason: str
    requested_at: str

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> ErasureNotice:
        try:
            raw = json.loads(data)
            return cls(
                safe_name(raw["clip_id"], "clip id"),
                safe_name(raw["recipient"], "recipient"),
                str(raw["reason"])[:200],
                str(raw["requested_at"])[:40],
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"erasure notice is not valid ({exc})") from None


REPLY_KINDS = ("missing", "stored", "erased", "refused")


@dataclass(frozen=True)
class Reply:
    """The collector's answer about one clip: `missing` lists chunk numbers by file index (empty: it has every
    chunk and is checking); `stored`: every file is in place with its hash; `erased`: the clip is gone from the
    agency; `refused`: it will never be taken (the reason says why), so the booth stops sending it."""

    clip_id: str
    kind: str
    missing: dict[str, list[int]] = field(default_factory=dict)
    reason: str = ""

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Reply:
        try:
            raw = json.loads(data)
            kind = raw["kind"]
            if kind not in REPLY_KINDS:
                raise ValueError(f"unknown kind {kind!r}")
            missing = {str(int(k)): [int(n) for n in v] for k, v in dict(raw.get("missing", {})).items()}
            return cls(safe_name(raw["clip_id"], "clip id"), kind, missing, str(raw.get("reason", ""))[:300])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"reply is not valid ({exc})") from None
