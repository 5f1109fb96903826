"""The outbox: durable jobs for clips to deliver and erasures to send, in booth.db, behind the consent gate.

The gate is here, where work is accepted, not in any page or screen: a clip enters the outbox for a recipient
only with a consent record in force that names that recipient under a granted purpose, and whose clip hash is
the hash of the clip file as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from booth.atomic import file_sha256
from booth.consent.store import ConsentStore, Event
from booth.errors import BoothError
from booth.ids import utc_now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    job_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    clip_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    purposes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_clip ON outbox(clip_id);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_one_job ON outbox(kind, clip_id, recipient) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS outbox_attempts (
    job_id INTEGER PRIMARY KEY REFERENCES outbox(job_id),
    attempts INTEGER NOT NULL,
    last_attempt TEXT NOT NULL,
    note TEXT NOT NULL
);
"""


class ConsentGateError(BoothError):
    """A clip refused by the outbox: no consent in force covers sending it there."""


class JobKind(Enum):
    CLIP = "clip"
    ERASURE = "erasure"


class JobState(Enum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    REFUSED = "refused"
    """The recipient said it will never take it (the attempt's note says why); not sent again."""


@dataclass(frozen=True)
class Attempt:
    """The latest try at a job: how many there were, when, and what happened (or why it was refused)."""

    attempts: int
    last_attempt: str
    note: str


@dataclass(frozen=True)
class Job:
    job_id: int
    kind: JobKind
    clip_id: str
    recipient: str
    state: JobState
    purposes: tuple[str, ...]


class Outbox:
    """Jobs in the booth's database, beside the consent records they depend on."""

    def __init__(self, store: ConsentStore) -> None:
        self.store = store
        store.db.executescript(SCHEMA)

    def _jobs(self, where: str, args: tuple[object, ...]) -> list[Job]:
        rows = self.store.db.execute(
            f"SELECT job_id, kind, clip_id, recipient, state, purposes FROM outbox WHERE {where} ORDER BY job_id", args
        ).fetchall()
        return [
            Job(r[0], JobKind(r[1]), r[2], r[3], JobState(r[4]), tuple(filter(None, r[5].split(",")))) for r in rows
        ]

    def jobs(self, clip_id: str | None = None) -> list[Job]:
        return self._jobs("clip_id = ?", (clip_id,)) if clip_id else self._jobs("1", ())

    def pending(self) -> list[Job]:
        return self._jobs("state = ?", (JobState.PENDING.value,))

    def check_gate(self, clip_id: str, recipient: str, actual: str | None = None) -> list[str]:
        """The purposes under which the clip may go to the recipient; raises ConsentGateError saying why not.
        `actual` is clip.mp4's SHA-256 when the caller has just hashed it (once for all its recipients)."""
        clip = self.store.clip(clip_id)
        if clip is None:
            raise ConsentGateError(f"{clip_id}: no such clip on the booth")
        record = self.store.record_for(clip_id)
        if record is None:
            raise ConsentGateError(f"{clip_id}: no consent record; nothing leaves the booth without one")
        if self.store.withdrawn(record.record_id):
            raise ConsentGateError(f"{clip_id}: its consent was withdrawn")
        if clip.deleted_at is not None:
            raise ConsentGateError(f"{clip_id}: deleted from the booth on {clip.deleted_at}")
        video = clip.directory / "clip.mp4"
        if not video.is_file():
            raise ConsentGateError(f"{clip_id}: {video} is missing")
        actual = actual or file_sha256(video)
        if record.clip_sha256 != actual or clip.sha256 != actual:
            raise ConsentGateError(
                f"{clip_id}: the consent record is for a clip with SHA-256 {record.clip_sha256[:12]}..., the file is"
                f" {actual[:12]}...; consent covers the clip the participant saw, not another"
            )
        purposes = record.covers(recipient)
        if not purposes:
            raise ConsentGateError(f"{clip_id}: no purpose the participant granted names {recipient!r} as a recipient")
        return purposes

    def add_clip(self, clip_id: str, recipient: str, actual: str | None = None) -> Job:
        """Queue the clip for a recipient, through the gate; the check and the job are one transaction."""
        with self.store.transaction() as db:
            purposes = self.check_gate(clip_id, recipient, actual)
            now = utc_now_iso()
            cursor = db.execute(
                "INSERT INTO outbox (kind, clip_id, recipient, state, purposes, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                (JobKind.CLIP.value, clip_id, recipient, JobState.PENDING.value, ",".join(purposes), now, now),
            )
            job_id = cursor.lastrowid if cursor.rowcount else None
        if job_id is None:  # already queued
            return next(j for j in self.jobs(clip_id) if j.kind is JobKind.CLIP and j.state is JobState.PENDING)
        job = self.job(job_id)
        assert job is not None
        return job

    def add_consented(self, clip_id: str) -> list[Job]:
        """A job for every recipient the clip's consent names under a granted purpose."""
        record, clip = self.store.current(clip_id), self.store.clip(clip_id)
        if record is None or clip is None:
            return []
        recipients = sorted({r for p in record.granted() for r in record.recipients.get(p, [])})
        video = clip.directory / "clip.mp4"
        # hashed once, outside the write lock; the gate compares it with the record for each recipient
        actual = file_sha256(video) if recipients and video.is_file() else None
        return [self.add_clip(clip_id, r, actual) for r in recipients]

    def mark_delivered(self, job_id: int) -> None:
        """The recipient confirmed the whole clip (the transfer calls this); written to the audit log."""
        with self.store.transaction() as db:
            job = self.job(job_id)
            assert job is not None, f"no job {job_id}"
            db.execute(
                "UPDATE outbox SET state = ?, updated_at = ? WHERE job_id = ?",
                (JobState.DONE.value, utc_now_iso(), job_id),
            )
            event = Event.DELIVERED if job.kind is JobKind.CLIP else Event.ERASURE_ACKNOWLEDGED
            self.store.append(event, clip_id=job.clip_id, detail={"recipient": job.recipient, "job": job_id})

    def _queue_erasure(self, clip_id: str, recipient: str, now: str) -> None:
        """Inside the caller's transaction: an erasure notice for a recipient that holds the clip, logged."""
        self.store.db.execute(
            "INSERT INTO outbox (kind, clip_id, recipient, state, purposes, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (JobKind.ERASURE.value, clip_id, recipient, JobState.PENDING.value, "", now, now),
        )
        self.store.append(Event.ERASURE_REQUESTED, clip_id=clip_id, detail={"recipient": recipient})

    def cancel(self, clip_id: str) -> list[Job]:
        """Cancel the clip's pending uploads (inside the caller's transaction); returns them."""
        cancelled = self._jobs(
            "clip_id = ? AND kind = ? AND state = ?", (clip_id, JobKind.CLIP.value, JobState.PENDING.value)
        )
        self.store.db.execute(
            "UPDATE outbox SET state = ?, updated_at = ? WHERE clip_id = ? AND kind = ? AND state = ?",
            (JobState.CANCELLED.value, utc_now_iso(), clip_id, JobKind.CLIP.value, JobState.PENDING.value),
        )
        return cancelled

    def withdraw(self, clip_id: str) -> tuple[list[Job], list[Job]]:
        """Inside the withdrawal's transaction: cancel the clip's pending uploads and queue an erasure notice for
        every recipient that already received it. Returns (cancelled, erasures)."""
        cancelled = self.cancel(clip_id)
        delivered = {
            j.recipient
            for j in self._jobs(
                "clip_id = ? AND kind = ? AND state = ?", (clip_id, JobKind.CLIP.value, JobState.DONE.value)
            )
        }
        now = utc_now_iso()
        for recipient in sorted(delivered):
            self._queue_erasure(clip_id, recipient, now)
        erasures = self._jobs(
            "clip_id = ? AND kind = ? AND state = ?", (clip_id, JobKind.ERASURE.value, JobState.PENDING.value)
        )
        return cancelled, erasures

    # what the uploader records as it works

    def job(self, job_id: int) -> Job | None:
        found = self._jobs("job_id = ?", (job_id,))
        return found[0] if found else None

    def count_pending(self) -> int:
        row = self.store.db.execute("SELECT COUNT(*) FROM outbox WHERE state = ?", (JobState.PENDING.value,)).fetchone()
        return int(row[0])

    def requested_at(self, job_id: int) -> str:
        """When the job was queued: for an erasure, when it was asked for."""
        row = self.store.db.execute("SELECT created_at FROM outbox WHERE job_id = ?", (job_id,)).fetchone()
        return str(row[0]) if row else utc_now_iso()

    def last_delivered_at(self) -> str | None:
        """When a recipient last confirmed a whole clip, from the audit log."""
        row = self.store.db.execute(
            "SELECT at FROM audit WHERE event = ? ORDER BY seq DESC LIMIT 1", (Event.DELIVERED.value,)
        ).fetchone()
        return str(row[0]) if row else None

    def _note(self, job_id: int, note: str) -> None:
        self.store.db.execute(
            "INSERT INTO outbox_attempts (job_id, attempts, last_attempt, note) VALUES (?, 1, ?, ?)"
            " ON CONFLICT (job_id) DO UPDATE SET attempts = attempts + 1, last_attempt = excluded.last_attempt,"
            " note = excluded.note",
            (job_id, utc_now_iso(), note[:300]),
        )

    def note_attempt(self, job_id: int, note: str) -> None:
        """A try that left the job pending, and why (no reply, broker gone): shown when asked what is left."""
        with self.store.transaction():
            self._note(job_id, note)

    def attempt(self, job_id: int) -> Attempt | None:
        row = self.store.db.execute(
            "SELECT attempts, last_attempt, note FROM outbox_attempts WHERE job_id = ?", (job_id,)
        ).fetchone()
        return Attempt(row[0], row[1], row[2]) if row else None

    def mark_refused(self, job_id: int, reason: str) -> bool:
        """The recipient will never take it: the job stops, with the reason kept. False if it was not pending."""
        with self.store.transaction() as db:
            changed = db.execute(
                "UPDATE outbox SET state = ?, updated_at = ? WHERE job_id = ? AND state = ?",
                (JobState.REFUSED.value, utc_now_iso(), job_id, JobState.PENDING.value),
            ).rowcount
            if changed:
                self._note(job_id, reason)
                job = self.job(job_id)
                assert job is not None
                self.store.append(
                    Event.DELIVERY_REFUSED, clip_id=job.clip_id, detail={"recipient": job.recipient, "reason": reason}
                )
        return bool(changed)

    def mark_stored(self, job_id: int) -> Job | None:
        """The recipient stored the whole clip: the job is done and 'delivered' is logged. If it was cancelled while
        it travelled (withdrawn, or purged), the recipient now holds a clip it may not keep, so an erasure notice
        is queued too. One transaction, read and write, so that a withdrawal cannot slip between them. Returns
        that erasure job, if any; a second 'stored' for a done job changes nothing."""
        with self.store.transaction() as db:
            job, now = self.job(job_id), utc_now_iso()
            if job is None or job.kind is not JobKind.CLIP or job.state not in (JobState.PENDING, JobState.CANCELLED):
                return None
            db.execute(
                "UPDATE outbox SET state = ?, updated_at = ? WHERE job_id = ?", (JobState.DONE.value, now, job_id)
            )
            late = job.state is JobState.CANCELLED
            detail: dict[str, object] = {"recipient": job.recipient, "job": job_id}
            self.store.append(
                Event.DELIVERED, clip_id=job.clip_id, detail={**detail, "after": "cancelled"} if late else detail
            )
            if not late:
                return None
            self._queue_erasure(job.clip_id, job.recipient, now)
            erasures = self._jobs(
                "clip_id = ? AND kind = ? AND recipient = ? AND state = ?",
                (job.clip_id, JobKind.ERASURE.value, job.recipient, JobState.PENDING.value),
            )
        return erasures[0] if erasures else None
