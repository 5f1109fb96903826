"""Clips rebuilt from manifests and chunks on disk, in the output folder every collector of a group shares."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from booth.atomic import file_sha256, staged_folder, write_atomic
from booth.delivery.collector_index import RESERVED_NAMES, CollectorIndex, IndexedClip, brands_of
from booth.delivery.protocol import (
    MAX_CHUNK,
    NAME,
    Address,
    ErasureNotice,
    Manifest,
    ProtocolError,
    Reply,
    consent_gap,
    is_reply_topic,
    parse_topic,
    reply_topic,
    safe_name,
)
from booth.ids import utc_now_iso

log = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_MANIFEST_BYTES = MAX_CHUNK
"""A manifest is a few KiB of JSON; anything near a chunk's size is not one."""
MAX_MISSING_LISTED = 10_000
"""Chunk numbers in one `missing` reply, to keep it under a broker's 1 MB packet limit; a later check lists the rest."""
LOCK_SHARDS = 64
SWEEP_EVERY_S = 600
"""How often a running collector looks for clips their booths stopped sending."""
STALL_S = 6 * 3600
"""A clip nothing arrived for in this long is dropped (a booth that comes back starts it again)."""
HAVE = b"\x01"
"""A chunk's mark in its file's record of the chunks in: one byte each, written in place, so collectors writing
chunks of one file at once never overwrite each other's marks."""
COLLECTOR_FILES = frozenset({"consent.json"})
"""Written by the collector into every clip folder, so never taken from a booth."""


class Refused(Exception):
    """A message the collector will never accept; the booth is told why and stops sending it."""


@dataclass(frozen=True)
class Answer:
    topic: str
    reply: Reply


def _layout(m: Manifest) -> tuple[int, tuple[tuple[str, int, str], ...]]:
    """What the chunks on disk depend on: a new manifest with the same layout keeps them."""
    return m.chunk_size, tuple((f.name, f.size, f.sha256) for f in m.files)


def _chunk_length(m: Manifest, file_index: int, chunk: int) -> int:
    return max(0, min(m.chunk_size, m.files[file_index].size - chunk * m.chunk_size))


def _where(a: Address) -> str:
    return f"clip {a.clip_id} from {a.event}/{a.booth}"


class Reassembly:
    """Turns the booth's messages into replies and, once every chunk is in and checks out, a clip folder. Any
    collector of a group may take any message, so what a clip has received lives on disk under <out>/.incoming/,
    never in one process's memory."""

    def __init__(
        self,
        out: Path,
        *,
        recipient: str,
        max_file_bytes: int,
        max_clips_in_flight: int,
        booth_clips_in_flight: int = 8,
        booth_bytes_in_flight: int = 2048 * MIB,
        stall_s: float = STALL_S,
    ) -> None:
        self.out = out
        self.recipient = recipient
        self.max_file_bytes = max_file_bytes
        self.max_clips_in_flight = max_clips_in_flight
        self.booth_clips_in_flight = booth_clips_in_flight
        self.booth_bytes_in_flight = booth_bytes_in_flight
        self.stall_s = stall_s
        self._noted: dict[tuple[str, str], float] = {}
        self._witnessed: dict[tuple[str, str], int] = {}
        """The latest audit head seq this collector wrote to the index, per booth."""
        self.incoming = out / ".incoming"
        for folder in (self.incoming / ".locks", self.incoming / ".trash"):
            folder.mkdir(parents=True, exist_ok=True)
        self.index = CollectorIndex.in_folder(out)
        self._manifests: dict[Path, tuple[tuple[int, int], Manifest]] = {}
        self._swept = 0.0
        self._sweep()

    def close(self) -> None:
        self.index.close()

    def _sweep(self) -> None:
        """Remove what a collector killed while deleting or writing a clip folder left behind: its trash, and
        every staged clip folder, each under its clip's lock (so never one another collector is assembling)."""
        self._empty_trash()
        now = time.time()
        self._swept = now
        for stage in self.out.glob("*/*/.*.tmp"):
            clip_id = _staged_clip(stage.name)
            if clip_id is None or not stage.is_dir():
                continue
            event, booth = stage.parts[-3:-1]
            with contextlib.suppress(OSError), self._locked(event, booth, clip_id):
                self._discard(stage)
                log.info("removed a half-assembled copy of clip %s from %s/%s", clip_id, event, booth)
        for manifest in self.incoming.glob("*/*/*/manifest.json"):
            folder = manifest.parent
            with contextlib.suppress(OSError), self._locked(*folder.parts[-3:]):
                chunks = folder / "chunks"
                touched = max(p.stat().st_mtime for p in (manifest, chunks, *chunks.iterdir()))
                if now - touched > self.stall_s:
                    hours = self.stall_s / 3600
                    log.info("dropped %s/%s/%s: nothing arrived for it in %.3g h", *folder.parts[-3:], hours)
                    self._discard(folder)

    def handle(self, topic: str, payload: bytes | bytearray) -> Answer | None:
        """One message off the broker; the reply to publish, if any. Hostile or broken input is refused or dropped
        with one log line; a disk failure is logged and left for the booth to ask again."""
        if is_reply_topic(topic):
            return None
        try:
            a = parse_topic(topic)
        except ValueError as exc:
            log.warning("dropped a message on %r: %s", topic[:120], exc)
            return None
        if a.recipient != self.recipient:
            log.warning("dropped a message for recipient %s: this is %s's collector", a.recipient, self.recipient)
            return None
        payload = bytes(payload)
        try:
            if a.kind == "manifest":
                reply = self._on_manifest(a, payload)
            elif a.kind == "chunk":
                self._on_chunk(a, payload)
                reply = None
            elif a.kind == "check":
                reply = self._on_check(a, payload)
            else:
                reply = self._on_erase(a, payload)
        except Refused as exc:
            log.warning("refused %s: %s", _where(a), exc)
            reply = Reply(a.clip_id, "refused", reason=str(exc)[:300])
        except OSError as exc:
            where = exc.filename or self.out
            log.error("%s: %s of %s not handled (%s); the booth will ask again", where, a.kind, _where(a), exc.strerror)
            return None
        return Answer(reply_topic(a.event, a.booth, self.recipient), reply) if reply else None

    # --- the four messages

    def _on_manifest(self, a: Address, payload: bytes) -> Reply | None:
        if len(payload) > MAX_MANIFEST_BYTES:
            raise Refused(f"manifest of {len(payload)} bytes is over the limit of {MAX_MANIFEST_BYTES}")
        try:
            m = Manifest.from_bytes(payload, max_file_bytes=self.max_file_bytes)
        except ProtocolError as exc:
            raise Refused(str(exc)) from None
        except RecursionError:
            raise Refused("manifest is nested too deeply to be one") from None
        self._vet(a, m)
        if time.time() - self._swept > SWEEP_EVERY_S:
            self._sweep()
        head = m.audit_head
        if head is not None and head["seq"] > self._witnessed.get((a.event, a.booth), 0):
            # a write only when the booth's log grew since this collector last saw it, not on every manifest
            self.index.witness(a.event, a.booth, head, utc_now_iso())
            self._witnessed[(a.event, a.booth)] = head["seq"]
        with self._locked(a.event, a.booth, a.clip_id):
            self._clear_stages(a)
            done = self._already(a, m)
            if done is not None:
                return done
            folder = self._incoming(a)
            kept = self._kept(a)
            if kept is None:
                busy = self._busy(a, m)
                if busy:
                    # busy, not refused: no answer, so the booth asks again after its reply timeout
                    self._note(a, f"{busy}; it will be asked for again")
                    return None
                (folder / "chunks").mkdir(parents=True, exist_ok=True)
            elif _layout(kept) != _layout(m):
                log.warning("%s: a new manifest with other files; its chunks so far are dropped", _where(a))
                self._discard(folder / "chunks")
                (folder / "chunks").mkdir()
            if kept != m:
                write_atomic(folder / "manifest.json", m.to_bytes())
            return self._complete_or_missing(a, m)

    def _on_chunk(self, a: Address, payload: bytes) -> None:
        assert a.file_index is not None and a.chunk is not None
        # shared: collectors write chunks of one clip side by side, but never while one assembles or drops it
        with self._locked(a.event, a.booth, a.clip_id, shared=True):
            m = self._kept(a)
            if m is None:
                known = self.index.get(a.event, a.booth, a.clip_id)
                if known is None:
                    log.warning("dropped chunk %d/%d of %s: no manifest for it", a.file_index, a.chunk, _where(a))
                return None  # else a late duplicate of a clip stored or erased since
            if a.file_index >= len(m.files) or a.chunk >= m.files[a.file_index].chunks(m.chunk_size):
                log.warning(
                    "dropped chunk %d/%d of %s: the manifest has no such chunk", a.file_index, a.chunk, _where(a)
                )
                return None
            expected = _chunk_length(m, a.file_index, a.chunk)
            if len(payload) != expected:
                log.warning(
                    "dropped chunk %d/%d of %s: %d bytes, the manifest says %d",
                    *(a.file_index, a.chunk, _where(a), len(payload), expected),
                )
                return None
            chunks = self._incoming(a) / "chunks"
            try:
                have = os.open(chunks / _have_name(a.file_index), os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:  # dropped just now for a manifest that is no longer accepted
                return None
            try:
                if os.pread(have, 1, a.chunk) == HAVE:
                    return None  # sent twice
                _write_at(chunks / _data_name(a.file_index), payload, a.chunk * m.chunk_size)
                # marked only after the bytes: a collector killed in between has the chunk asked for again
                os.pwrite(have, HAVE, a.chunk)
            finally:
                os.close(have)
        return None

    def _on_check(self, a: Address, payload: bytes) -> Reply | None:
        try:
            asked = json.loads(payload) if payload.strip() else {}
        except (ValueError, UnicodeDecodeError, RecursionError):
            asked = {}
        if isinstance(asked, dict) and asked.get("clip_id", a.clip_id) != a.clip_id:
            log.warning("dropped a check of %s that names another clip", _where(a))
            return None
        with self._locked(a.event, a.booth, a.clip_id):
            self._clear_stages(a)
            m = self._kept(a)
            done = self._already(a, m)
            if done is not None:
                return done
            if m is None:
                # no reply: the booth's reply timeout has it send the manifest again, which starts the clip here
                log.info("%s: asked to check, but no manifest is here; waiting for the booth to send it", _where(a))
                return None
            return self._complete_or_missing(a, m)

    def _on_erase(self, a: Address, payload: bytes) -> Reply:
        try:
            notice = ErasureNotice.from_bytes(payload)
        except (ProtocolError, RecursionError) as exc:
            raise Refused(f"erasure notice is not valid ({exc})") from None
        if notice.clip_id != a.clip_id:
            raise Refused(f"erasure notice names clip {notice.clip_id} on the topic of clip {a.clip_id}")
        if notice.recipient != self.recipient:
            raise Refused(f"erasure notice is for {notice.recipient}, this is {self.recipient}'s collector")
        with self._locked(a.event, a.booth, a.clip_id):
            had = self._final(a).exists()
            self._clear_stages(a)
            self._discard(self._final(a))
            self._discard(self._incoming(a))
            self._empty_trash()  # an earlier try killed while deleting left the clip's bytes there
            self._manifests.pop(self._incoming(a) / "manifest.json", None)
            self.index.record_erased(
                a.event,
                a.booth,
                a.clip_id,
                self.recipient,
                at=utc_now_iso(),
                reason=notice.reason,
                requested_at=notice.requested_at,
            )
        log.info("erased %s%s: %r", _where(a), "" if had else " (it had not arrived)", notice.reason)
        return Reply(a.clip_id, "erased")

    # --- the rules

    def _vet(self, a: Address, m: Manifest) -> None:
        if m.clip_id != a.clip_id:
            raise Refused(f"manifest of clip {m.clip_id} came on the topic of clip {a.clip_id}")
        if (m.event, m.booth_id) != (a.event, a.booth):
            raise Refused(f"manifest names {m.event}/{m.booth_id} but came from {a.event}/{a.booth}")
        if m.recipient != self.recipient:
            raise Refused(f"manifest is addressed to {m.recipient}; this is {self.recipient}'s collector")
        if a.event in RESERVED_NAMES:
            raise Refused(f"event name {a.event} is reserved by the collector's output folder")
        for f in m.files:
            if f.name in COLLECTOR_FILES:
                raise Refused(f"file name {f.name} is the collector's own record; send the consent in the manifest")
        for p in m.purposes:
            try:
                safe_name(p, "purpose")
            except ProtocolError as exc:
                raise Refused(str(exc)) from None
        gap = consent_gap(m)
        if gap is not None:
            raise Refused(f"{gap}; nothing is stored without a consent that covers it")

    def _already(self, a: Address, m: Manifest | None) -> Reply | None:
        """`stored` for a clip stored before (its incoming state, if any, dropped); Refused for one erased, or
        for another clip under a stored one's id; None for a clip still to receive."""
        row = self.index.get(a.event, a.booth, a.clip_id)
        if row is not None and row.erased_at is not None:
            raise Refused(f"erased at {row.erased_at} at the booth's request; an erased clip is not taken again")
        hashes = {f.name: f.sha256 for f in m.files} if m else None
        if row is not None and row.stored:
            if hashes is not None and row.files != hashes:
                raise Refused("another clip with this id is stored here already; give the new clip a new id")
            self._discard(self._incoming(a))
            return Reply(a.clip_id, "stored")
        final = self._final(a)
        if m is not None and final.is_dir():  # renamed into place, but the collector stopped before indexing it
            if any(_sha256(final / f.name) != f.sha256 for f in m.files):
                raise Refused("another clip with this id is in the output folder; give the new clip a new id")
            self.index.record_stored(self._entry(a, m, m.tags if m.tags is not None else _read_tags(final)))
            self._discard(self._incoming(a))
            log.info("stored %s (found in place after a restart)", _where(a))
            return Reply(a.clip_id, "stored")
        return None

    def _complete_or_missing(self, a: Address, m: Manifest) -> Reply:
        folder = self._incoming(a)
        missing = self._missing(folder, m)
        if missing:
            return Reply(a.clip_id, "missing", missing)
        bad = self._assemble(a, m)
        if bad:
            chunks = folder / "chunks"
            for i in bad:
                log.warning("%s: file %s does not match its SHA-256; asking for it again", _where(a), m.files[i].name)
                for name in (_have_name(i), _data_name(i)):
                    with contextlib.suppress(FileNotFoundError):
                        (chunks / name).unlink()
            return Reply(a.clip_id, "missing", self._missing(folder, m))
        self._discard(folder)
        size = sum(f.size for f in m.files)
        log.info("stored %s: %d files, %.1f MB, for %s", _where(a), len(m.files), size / 1e6, ", ".join(m.purposes))
        return Reply(a.clip_id, "stored")

    def _assemble(self, a: Address, m: Manifest) -> list[int]:
        """Hash each file's data, move the files into a staged clip folder, make it durable, rename it into place
        and index it; the files whose hash is wrong, if any (then nothing is moved). Called under the clip's lock,
        so no chunk is written meanwhile."""
        chunks = self._incoming(a) / "chunks"
        fds: list[int] = []
        try:
            bad: list[int] = []
            for i, f in enumerate(m.files):
                fds.append(os.open(chunks / _data_name(i), os.O_RDWR | os.O_CREAT, 0o644))
                if _fd_sha256(fds[-1]) != f.sha256:
                    bad.append(i)
            if bad:
                return bad
            with staged_folder(self._final(a)) as stage:
                for i, f in enumerate(m.files):
                    os.fsync(fds[i])
                    os.rename(chunks / _data_name(i), stage / f.name)
                names = {f.name for f in m.files}
                consent = {"clip_id": m.clip_id, "recipient": m.recipient, "purposes": m.purposes, "record": m.consent}
                _write_synced(stage / "consent.json", _json(consent))
                if "clip.json" not in names:
                    _write_synced(stage / "clip.json", _json(m.clip))
                if "tags.json" not in names:  # one sent as a file stays as sent, like clip.json
                    _write_synced(stage / "tags.json", _json(m.tags or {}))
                tags = m.tags if m.tags is not None else _read_tags(stage)
                _fsync_folder(stage)
            _fsync_folder(stage.parent)  # the rename into place
        finally:
            for fd in fds:
                os.close(fd)
        self.index.record_stored(self._entry(a, m, tags))
        return []

    # --- the folder

    def _entry(self, a: Address, m: Manifest, tags: Any) -> IndexedClip:
        return IndexedClip(
            clip_id=a.clip_id,
            event=a.event,
            booth=a.booth,
            recipient=self.recipient,
            received_at=utc_now_iso(),
            purposes=tuple(m.purposes),
            brands=tuple(brands_of(tags)),
            files={f.name: f.sha256 for f in m.files},
            folder=f"{a.event}/{a.booth}/{a.clip_id}",
        )

    def _incoming(self, a: Address) -> Path:
        return self.incoming / a.event / a.booth / a.clip_id

    def _final(self, a: Address) -> Path:
        return self.out / a.event / a.booth / a.clip_id

    def _kept(self, a: Address) -> Manifest | None:
        """The manifest kept for a clip being received, by any collector of the group; None if there is none."""
        path = self._incoming(a) / "manifest.json"
        try:
            st = path.stat()
            cached = self._manifests.get(path)
            if cached is not None and cached[0] == (st.st_ino, st.st_mtime_ns):
                return cached[1]
            m = Manifest.from_bytes(path.read_bytes(), max_file_bytes=self.max_file_bytes)
        except FileNotFoundError:
            self._manifests.pop(path, None)
            return None
        except ProtocolError as exc:  # kept under a larger limit before a restart: start the clip again
            log.warning("%s: the kept manifest is no longer accepted (%s); starting again", _where(a), exc)
            self._discard(path.parent)
            return None
        if len(self._manifests) > 4 * self.max_clips_in_flight:
            self._manifests.clear()
        self._manifests[path] = ((st.st_ino, st.st_mtime_ns), m)
        return m

    def _missing(self, folder: Path, m: Manifest) -> dict[str, list[int]]:
        """The chunks not yet in, by file, from each file's marks: one vectorised pass over a byte per chunk, so a
        check of a 200 MB file in 1 KiB chunks costs a millisecond, not a walk over 200,000 chunks."""
        missing: dict[str, list[int]] = {}
        listed = 0
        for i, f in enumerate(m.files):
            marks = np.zeros(f.chunks(m.chunk_size), np.uint8)
            with contextlib.suppress(FileNotFoundError):
                raw = np.frombuffer((folder / "chunks" / _have_name(i)).read_bytes(), np.uint8)[: marks.size]
                marks[: raw.size] = raw
            lacking = np.flatnonzero(marks != HAVE[0])[: MAX_MISSING_LISTED - listed]
            if lacking.size:
                missing[str(i)] = lacking.tolist()
                listed += lacking.size
        return missing

    def _in_flight(self) -> int:
        return sum(1 for p in self.incoming.glob("*/*/*/manifest.json") if not p.parts[-4].startswith("."))

    def _busy(self, a: Address, m: Manifest) -> str | None:
        """Why a new clip must wait: the collector's limit, or its booth's quota of clips or bytes under way (so
        one booth that never finishes its clips blocks only itself); None when it may start."""
        in_flight = self._in_flight()
        if in_flight >= self.max_clips_in_flight:
            return f"{in_flight} clips are being received already"
        mine = [
            kept
            for p in (self.incoming / a.event / a.booth).glob("*/manifest.json")
            if (kept := self._kept(Address(a.event, a.booth, a.recipient, "manifest", p.parent.name))) is not None
        ]
        if len(mine) >= self.booth_clips_in_flight:
            return f"its booth has {len(mine)} clips under way, its quota"
        size = sum(f.size for kept in [*mine, m] for f in kept.files)
        if size > self.booth_bytes_in_flight:
            return f"its booth's clips under way would come to {size / MIB:.0f} MiB, over its quota"
        return None

    def _note(self, a: Address, what: str) -> None:
        """A warning about a booth, once a minute at most: a booth asking again every few seconds is not news."""
        now = time.monotonic()
        if now - self._noted.get((a.event, a.booth), -60.0) >= 60.0:
            self._noted[(a.event, a.booth)] = now
            log.warning("%s: %s", _where(a), what)

    def _clear_stages(self, a: Address) -> None:
        """Staged copies of the clip left by a collector killed while assembling it. Called under the clip's
        lock, so no collector is assembling it now."""
        parent = self._final(a).parent
        with contextlib.suppress(FileNotFoundError):
            for stage in parent.iterdir():
                if _staged_clip(stage.name) == a.clip_id:
                    self._discard(stage)
                    log.info("%s: removed a half-assembled copy", _where(a))

    def _empty_trash(self) -> None:
        for left in (self.incoming / ".trash").iterdir():
            shutil.rmtree(left, ignore_errors=True)

    def _discard(self, path: Path) -> None:
        """Remove a folder at once (a rename), then its contents: another collector never sees it half-deleted.
        The whole trash is emptied, so what a collector killed while deleting left there goes too."""
        dest = self.incoming / ".trash" / secrets.token_hex(8)
        try:
            os.rename(path, dest)
        except FileNotFoundError:
            return
        self._empty_trash()

    @contextlib.contextmanager
    def _locked(self, event: str, booth: str, clip_id: str, *, shared: bool = False) -> Iterator[None]:
        """One collector at a time per clip, or with `shared` any number that only write chunks (a fixed set of
        lock files, so none is ever deleted under a waiter)."""
        key = f"{event}/{booth}/{clip_id}".encode()
        shard = int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % LOCK_SHARDS
        fd = os.open(self.incoming / ".locks" / f"{shard:02d}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _staged_clip(name: str) -> str | None:
    """The clip id of a folder name staged_folder gives (.<clip>.<8 random>.tmp); None for any other name."""
    if not (name.startswith(".") and name.endswith(".tmp")):
        return None
    clip_id, dot, suffix = name[1:-4].rpartition(".")
    return clip_id if dot and len(suffix) == 8 and NAME.fullmatch(clip_id) else None


def _data_name(file_index: int) -> str:
    """A file's data while its chunks arrive, each written at its offset."""
    return f"data.{file_index}"


def _have_name(file_index: int) -> str:
    """Which chunks of a file are in its data: byte n is HAVE once chunk n is."""
    return f"have.{file_index}"


def _write_at(path: Path, data: bytes, offset: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        if os.pwrite(fd, data, offset) != len(data):
            raise OSError(errno.ENOSPC, "short write", str(path))
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    """A new file in a staged folder: the folder's rename makes it appear whole, so no rename of its own."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fd_sha256(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while block := os.pread(fd, 1 << 20, offset):
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _sha256(path: Path) -> str | None:
    """The file's SHA-256; None when it cannot be read (a folder half in place)."""
    try:
        return file_sha256(path)
    except OSError:
        return None


def _read_tags(folder: Path) -> Any:
    try:
        return json.loads((folder / "tags.json").read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
