"""The uploader: empties the outbox over MQTT 5, clip by clip and erasure by erasure, until each is confirmed.

Durability is the outbox's: a job is done only when the recipient's collector says `stored` (or `erased`), so a
booth killed at any moment resumes from booth.db, and the collector's `missing` replies say what it still lacks."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booth.atomic import file_sha256
from booth.config import BoothConfig
from booth.consent.decisions import SEND_ME
from booth.consent.records import ConsentRecord
from booth.consent.store import ConsentStore
from booth.delivery.outbox import Job, JobKind, JobState, Outbox
from booth.delivery.protocol import (
    ErasureNotice,
    FileEntry,
    Manifest,
    Reply,
    check_topic,
    chunk_topic,
    erase_topic,
    manifest_topic,
    status_topic,
)
from booth.delivery.sender import Interrupted, LinkLost, Session, Until

log = logging.getLogger(__name__)

TRIES_PER_PASS = 2
"""Manifests (or notices) sent without a reply before the uploader moves on to the next job and comes back later."""
MAX_SAME_ASKS = 5
"""The same 'missing' list this many times running (the file no longer matches its hash, say): the uploader
moves on to the next job instead of sending the same chunks forever. A list that changes is progress."""
IN_FLIGHT = 3
"""Clips under way at once: while the collector assembles, hashes and indexes one, the next one's manifest and
chunks travel. Each waits for its own replies; erasures go first, one at a time."""
CHECK_EVERY = 32
"""Chunks sent between two looks at the job: a withdrawal stops a long upload, not only the next one."""
IDLE_S = 2.0
STABLE_S = 10.0
"""A connection that held this long resets the wait between attempts; one dropped sooner (a link that flaps, a
second client with this booth's id) makes the next wait longer, as a refused connection does."""


@dataclass(frozen=True)
class Parcel:
    """A clip ready to travel: its manifest, and the file behind each of its entries."""

    manifest: Manifest
    paths: list[Path]


def clip_files(folder: Path) -> list[Path]:
    """The clip folder's files in the manifest's fixed order: clip.mp4, poster.jpg, the preview (WebP, else GIF),
    clip.json, tags.json. Only clip.mp4 must be there; the others travel when they are."""
    preview = next((p for p in (folder / "preview.webp", folder / "preview.gif") if p.is_file()), None)
    optional = [folder / "poster.jpg", *([preview] if preview else []), folder / "clip.json", folder / "tags.json"]
    return [folder / "clip.mp4", *(p for p in optional if p.is_file())]


def read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError, RecursionError):
        log.warning("%s: not JSON, or nested too deeply; sent as a file only", path)
        return None
    return data if isinstance(data, dict) else None


def file_entries(folder: Path) -> list[FileEntry]:
    """The clip's files with their sizes and SHA-256, in the order the manifest lists them."""
    return [FileEntry(p.name, p.stat().st_size, file_sha256(p)) for p in clip_files(folder)]


def build_manifest(
    config: BoothConfig,
    job: Job,
    record: ConsentRecord,
    folder: Path,
    files: list[FileEntry] | None = None,
    audit_head: dict[str, Any] | None = None,
) -> Parcel:
    """The manifest of the clip for the job's recipient (`files` when the clip's files were hashed already, for
    another recipient). The e-mail address goes only to a recipient of the granted 'send me my clip' purpose:
    it is what that purpose needs it for, and nobody else may have it."""
    purposes = record.covers(job.recipient)
    consent = record.to_json()
    if SEND_ME not in purposes:
        consent["email"] = None
    paths = clip_files(folder)
    files = file_entries(folder) if files is None else files
    manifest = Manifest(
        clip_id=job.clip_id,
        booth_id=config.booth.id,
        event=config.booth.event,
        recipient=job.recipient,
        chunk_size=config.delivery.chunk_kib * 1024,
        files=files,
        consent=consent,
        purposes=purposes,
        tags=read_json(folder / "tags.json"),
        clip=read_json(folder / "clip.json") or {},
        audit_head=audit_head,
    )
    return Parcel(manifest, paths)


@dataclass
class Transfer:
    """One clip under way in this pass: what was sent for it, and how long to wait for its next reply."""

    job: Job
    parcel: Parcel
    manifest: tuple[str, bytes]
    deadline: float
    tries: int = 1
    same: int = 0
    asked: dict[str, list[int]] | None = None


@dataclass
class DeliveryReport:
    """What one `run_once` did, and what it left in the outbox and why."""

    delivered: list[Job] = field(default_factory=list)
    acknowledged: list[Job] = field(default_factory=list)
    """Erasure notices the recipient confirmed."""
    refused: list[tuple[Job, str]] = field(default_factory=list)
    skipped: list[tuple[Job, str]] = field(default_factory=list)
    """Jobs not sent: withdrawn or deleted meanwhile."""
    left: list[tuple[Job, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.left and not self.refused

    def lines(self) -> list[str]:
        out = [f"delivered {j.clip_id} to {j.recipient}" for j in self.delivered]
        out += [f"erasure of {j.clip_id} acknowledged by {j.recipient}" for j in self.acknowledged]
        out += [f"not sent: {j.clip_id} to {j.recipient}: {why}" for j, why in self.skipped]
        out += [f"refused by {j.recipient}: {j.clip_id} ({j.kind.value}): {why}" for j, why in self.refused]
        out += [f"left: {j.clip_id} ({j.kind.value}) for {j.recipient}: {why}" for j, why in self.left]
        return out


class Uploader:
    """Sends the outbox's jobs to the recipients' collectors through the agency's broker, reconnecting with a
    doubling wait when the link drops, and never retrying a refusal that names bad credentials."""

    def __init__(self, config: BoothConfig, store: ConsentStore, outbox: Outbox) -> None:
        self.config = config
        self.delivery = config.delivery
        self.store = store
        self.outbox = outbox
        self._parcels: dict[int, Parcel] = {}
        self._hashed: dict[str, list[FileEntry]] = {}
        """Each clip's files, hashed once for all its recipients; dropped with its last parcel."""
        self._notes: dict[int, str] = {}
        self._problem: str | None = None
        self._report = DeliveryReport()
        self.online = False
        """Whether a connection to the broker is open now (for the staff panel)."""

    @property
    def problem(self) -> str | None:
        """Why the last connection was lost or refused, until the next one opens."""
        return self._problem

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set, waiting for new jobs when the outbox is empty."""
        with contextlib.suppress(Interrupted):
            self._serve(Until(stop), once=False)

    def run_once(self, timeout_s: float) -> DeliveryReport:
        """Empty the outbox, or stop after timeout_s; the report says what is left and why. Raises BrokerRefused."""
        self._report, self._notes = DeliveryReport(), {}
        started = time.monotonic()
        with contextlib.suppress(Interrupted):
            self._serve(Until(threading.Event(), started + timeout_s), once=True)
        self._report.left = [(j, self._why(j, timeout_s)) for j in self._ordered(self.outbox.pending())]
        return self._report

    # the connection

    def _serve(self, until: Until, *, once: bool) -> None:
        delay, opened = self.delivery.retry_min_s, 0.0
        while True:
            until.check()
            if once and self.outbox.count_pending() == 0:
                return
            session: Session | None = None
            try:
                session = Session.open(self.config, until, self._status("offline"))
                self._problem, opened, self.online = None, time.monotonic(), True
                self._work(session, until, once=once)
            except LinkLost as exc:
                self.online = False
                if session is not None and time.monotonic() - opened >= STABLE_S:
                    delay = self.delivery.retry_min_s  # it held a while: a fresh drop, not a flapping link
                self._problem = str(exc)
                log.warning("%s; trying again in %g s", exc, delay)
                until.sleep(delay)
                delay = min(delay * 2, self.delivery.retry_max_s)
                continue
            except Interrupted:
                if session is not None:
                    session.close(self._offline())
                raise
            except BaseException:
                if session is not None:
                    session.abandon()
                raise
            session.close(self._offline())
            self.online = False
            return

    def _status(self, state: str) -> bytes:
        body = {"state": state, "pending": self.outbox.count_pending(), "last_upload": self.outbox.last_delivered_at()}
        return json.dumps(body, separators=(",", ":")).encode()

    def _offline(self) -> tuple[str, bytes]:
        return status_topic(self.config.booth.event, self.config.booth.id), self._status("offline")

    def _publish_status(self, session: Session) -> None:
        topic = status_topic(self.config.booth.event, self.config.booth.id)
        session.publish(topic, self._status("online"), retain=True)

    def _work(self, session: Session, until: Until, *, once: bool) -> None:
        self._publish_status(session)
        shown = self.outbox.count_pending()
        while True:
            jobs = self._ordered(self.outbox.pending())
            if not jobs:
                if once:
                    return
                session.idle(IDLE_S)
                if (now := self.outbox.count_pending()) != shown:
                    shown = now
                    self._publish_status(session)
                continue
            if not once:  # a booth that runs all event long keeps no list of what it sent: the audit log has it
                self._report = DeliveryReport()
            settled = 0
            for job in (j for j in jobs if j.kind is JobKind.ERASURE):
                until.check()
                settled += self._settled(session, job, self._do(session, job))
            settled += self._pipeline(session, until, [j for j in jobs if j.kind is not JobKind.ERASURE])
            shown = self.outbox.count_pending()
            if not settled:  # nothing moved: do not spin on jobs that fail at once
                session.idle(IDLE_S)

    @staticmethod
    def _ordered(jobs: list[Job]) -> list[Job]:
        """Erasures first: a withdrawal is owed before any new clip goes out."""
        return sorted(jobs, key=lambda j: (j.kind is not JobKind.ERASURE, j.job_id))

    def _why(self, job: Job, timeout_s: float) -> str:
        if self._problem is not None:
            return self._problem
        return self._notes.get(job.job_id, f"not finished in the {timeout_s:g} s given")

    def _settled(self, session: Session, job: Job, settled: bool) -> int:
        """After a pass at a job: the retained status, and 1 if it left the outbox."""
        if settled:
            self._notes.pop(job.job_id, None)
        self._publish_status(session)
        return int(settled)

    # one job

    def _do(self, session: Session, job: Job) -> bool:
        """One pass at an erasure; True when it is settled (no longer pending)."""
        return True if not self._pending(job) else self._send_erasure(session, job)

    def _pipeline(self, session: Session, until: Until, jobs: list[Job]) -> int:
        """One pass at the clips, up to IN_FLIGHT at once, each following its own replies; how many settled."""
        waiting, active, settled = list(reversed(jobs)), list[Transfer](), 0
        silent: set[str] = set()
        """Recipients whose collector let a clip go unanswered in this pass: their other clips wait for the next
        pass, so that a recipient that is down does not hold the slots of those that answer."""
        while waiting or active:
            until.check()
            while waiting and len(active) < IN_FLIGHT:
                job = waiting.pop()
                if job.recipient in silent:
                    self._notes[job.job_id] = f"{job.recipient}'s collector did not answer this pass"
                    continue
                if not self._pending(job):
                    started: Transfer | bool = True
                else:
                    started = self._start(session, job)
                if isinstance(started, Transfer):
                    active.append(started)
                else:
                    settled += self._settled(session, job, started)
            moved = False
            for transfer in list(active):
                reply = session.take(transfer.job.recipient, transfer.job.clip_id)
                done = self._on_reply(session, transfer, reply) if reply else self._on_silence(session, transfer)
                if done is not None and reply is None:
                    silent.add(transfer.job.recipient)
                if done is not None:
                    active.remove(transfer)
                    session.forget(transfer.job.recipient, transfer.job.clip_id)
                    settled += self._settled(session, transfer.job, done)
                moved = moved or reply is not None or done is not None
            if active and not moved and not (waiting and len(active) < IN_FLIGHT):
                session.wait(max(0.0, min(t.deadline for t in active) - time.monotonic()))
        return settled

    def _pending(self, job: Job) -> bool:
        """Whether the job is still waiting in the outbox (a withdrawal or a purge may have settled it)."""
        current = self.outbox.job(job.job_id)
        return current is not None and current.state is JobState.PENDING

    def _unwanted(self, job: Job) -> str | None:
        """Why the clip may no longer go to the recipient, looked up now: a withdrawal can come at any time."""
        current = self.outbox.job(job.job_id)
        if current is None or current.state is not JobState.PENDING:
            return f"the job is {current.state.value if current else 'gone'}"
        clip = self.store.clip(job.clip_id)
        if clip is None or clip.deleted_at is not None:
            return "the clip was deleted from the booth"
        record = self.store.current(job.clip_id)
        if record is None:
            return "its consent was withdrawn"
        if not record.covers(job.recipient):
            return f"its consent names no purpose for {job.recipient}"
        return None

    def _skip(self, job: Job, why: str) -> bool:
        if self._pending(job):
            with self.store.transaction():
                self.outbox.cancel(job.clip_id)
        self._drop(job)
        self._report.skipped.append((job, why))
        log.info("not sending %s to %s: %s", job.clip_id, job.recipient, why)
        return True

    def _leave(self, job: Job, why: str) -> bool:
        self._notes[job.job_id] = why
        self.outbox.note_attempt(job.job_id, why)
        log.info("%s for %s stays in the outbox: %s", job.clip_id, job.recipient, why)
        return False

    def _refused(self, job: Job, reason: str) -> bool:
        self.outbox.mark_refused(job.job_id, reason)
        self._drop(job)
        self._report.refused.append((job, reason))
        log.warning("%s refused %s (%s): %s", job.recipient, job.clip_id, job.kind.value, reason)
        return True

    def _answer(self, session: Session, job: Job, kinds: tuple[str, ...], timeout_s: float) -> Reply | None:
        """The recipient's next reply about the job's clip of one of `kinds` (others are stale), or None."""
        until = time.monotonic() + timeout_s
        while (left := until - time.monotonic()) > 0:
            reply = session.reply(job.recipient, job.clip_id, left)
            if reply is not None and reply.kind in kinds:
                return reply
        return None

    def _drop(self, job: Job) -> None:
        self._parcels.pop(job.job_id, None)
        if not any(p.manifest.clip_id == job.clip_id for p in self._parcels.values()):
            self._hashed.pop(job.clip_id, None)

    def _parcel(self, job: Job) -> Parcel:
        parcel = self._parcels.get(job.job_id)
        if parcel is None:
            clip, record = self.store.clip(job.clip_id), self.store.current(job.clip_id)
            assert clip is not None and record is not None  # _unwanted looked
            files = self._hashed.get(job.clip_id)
            if files is None:
                files = self._hashed[job.clip_id] = file_entries(clip.directory)
            head = self.store.head()
            parcel = build_manifest(self.config, job, record, clip.directory, files, head.to_json() if head else None)
            if parcel.manifest.files[0].sha256 != record.clip_sha256:
                raise ValueError("clip.mp4 is not the clip the participant consented to (its SHA-256 changed)")
            self._parcels[job.job_id] = parcel
        return parcel

    def _start(self, session: Session, job: Job) -> Transfer | bool:
        """The clip's manifest, when it may still go; else whether the job is settled, as `_do` says."""
        why = self._unwanted(job)
        if why is not None:
            return self._skip(job, why)
        try:
            parcel = self._parcel(job)
        except ValueError as exc:
            return self._refused(job, f"refused by the booth: {exc}")
        except OSError as exc:
            why = self._unwanted(job)  # a withdrawal deletes the folder under our feet
            return self._skip(job, why) if why else self._leave(job, f"cannot read the clip: {exc}")
        config = self.config.booth
        manifest = (manifest_topic(config.event, config.id, job.recipient, job.clip_id), parcel.manifest.to_bytes())
        session.forget(job.recipient, job.clip_id)  # replies to an earlier pass answer nothing sent now
        session.publish(*manifest)
        return Transfer(job, parcel, manifest, time.monotonic() + self.delivery.reply_timeout_s)

    def _on_silence(self, session: Session, t: Transfer) -> bool | None:
        """No reply yet: wait on, send the manifest again, or move on; True or False once the pass is over."""
        if time.monotonic() < t.deadline:
            return None
        if t.tries >= TRIES_PER_PASS:
            timeout = self.delivery.reply_timeout_s
            return self._leave(t.job, f"no reply from {t.job.recipient}'s collector within {timeout:g} s")
        t.tries += 1
        session.publish(*t.manifest)  # it answers with what it lacks: a resend is harmless
        t.deadline = time.monotonic() + self.delivery.reply_timeout_s
        return None

    def _on_reply(self, session: Session, t: Transfer, reply: Reply) -> bool | None:
        """Follow the collector's reply about the clip; True or False once this pass at the job is over."""
        job, m = t.job, t.parcel.manifest
        t.deadline = time.monotonic() + self.delivery.reply_timeout_s
        if reply.kind == "stored":
            erasure = self.outbox.mark_stored(job.job_id)
            self._drop(job)
            self._report.delivered.append(job)
            log.info("delivered %s to %s (%d files)", job.clip_id, job.recipient, len(m.files))
            if erasure is not None:
                log.warning("%s reached %s after it was cancelled; erasure requested", job.clip_id, job.recipient)
            return True
        if reply.kind == "refused":
            return self._refused(job, reply.reason or "no reason given")
        if reply.kind != "missing":  # an 'erased' about a clip being sent: stale
            return None
        # missing: what it lacks, after a manifest or a check
        t.same = t.same + 1 if reply.missing == t.asked else 0
        t.asked = reply.missing
        if t.same >= MAX_SAME_ASKS:
            return self._leave(job, f"{job.recipient}'s collector keeps asking for the same chunks")
        if not reply.missing:  # it has every chunk and is checking them; wait for its verdict
            return None
        try:
            why = self._send_chunks(session, job, t.parcel, reply.missing)
        except OSError as exc:
            why = self._unwanted(job)
            if why is None:
                return self._leave(job, f"cannot read the clip: {exc}")
        if why is not None:
            return self._skip(job, why)
        booth = self.config.booth
        check = json.dumps({"clip_id": job.clip_id}).encode()
        session.publish(check_topic(booth.event, booth.id, job.recipient, job.clip_id), check)
        t.deadline = time.monotonic() + self.delivery.reply_timeout_s
        return None

    def _send_chunks(self, session: Session, job: Job, parcel: Parcel, missing: dict[str, list[int]]) -> str | None:
        """Exactly the chunks the collector lacks, at most WINDOW in flight; why it stopped, if it did."""
        m, booth, sent = parcel.manifest, self.config.booth, 0
        for key in sorted(missing, key=int):
            index = int(key)
            if not 0 <= index < len(m.files):
                log.warning("%s asked for file %s of %s, which has %d", job.recipient, key, job.clip_id, len(m.files))
                continue
            count = m.files[index].chunks(m.chunk_size)
            with parcel.paths[index].open("rb") as fh:
                for n in sorted({n for n in missing[key] if 0 <= n < count}):
                    if sent % CHECK_EVERY == 0 and (why := self._unwanted(job)):
                        return why
                    fh.seek(n * m.chunk_size)
                    topic = chunk_topic(booth.event, booth.id, job.recipient, job.clip_id, index, n)
                    session.publish(topic, fh.read(m.chunk_size))
                    sent += 1
        session.flush()
        return None

    def _send_erasure(self, session: Session, job: Job) -> bool:
        withdrawn = bool(self.store.records_for(job.clip_id)) and self.store.current(job.clip_id) is None
        reason = "consent withdrawn" if withdrawn else "the booth may no longer share this clip"
        notice = ErasureNotice(job.clip_id, job.recipient, reason, self.outbox.requested_at(job.job_id))
        topic = erase_topic(self.config.booth.event, self.config.booth.id, job.recipient, job.clip_id)
        for _ in range(TRIES_PER_PASS):
            session.publish(topic, notice.to_bytes())
            reply = self._answer(session, job, ("erased", "refused"), self.delivery.reply_timeout_s)
            if reply is not None and reply.kind == "erased":
                self.outbox.mark_delivered(job.job_id)
                self._report.acknowledged.append(job)
                log.info("%s confirmed erasing %s", job.recipient, job.clip_id)
                return True
            if reply is not None:
                return self._refused(job, reply.reason or "no reason given")
        return self._leave(
            job, f"no erasure confirmation from {job.recipient} within {self.delivery.reply_timeout_s:g} s"
        )
