"""The gate, where the outbox accepts work: nothing leaves the booth without a consent in force that covers the
recipient and matches the clip's hash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from booth.consent.decisions import withdraw
from booth.delivery.outbox import ConsentGateError, JobKind, JobState
from tests.booth.consent.helpers import Booth, make_booth


@pytest.fixture
def booth(tmp_path: Path) -> Iterator[Booth]:
    b = make_booth(tmp_path)
    yield b
    b.store.close()


def test_a_clip_without_a_record_cannot_enter(booth: Booth) -> None:
    clip_id = booth.clip("a")
    with pytest.raises(ConsentGateError, match="no consent record; nothing leaves the booth without one"):
        booth.outbox.add_clip(clip_id, "brand")
    assert booth.outbox.add_consented(clip_id) == []
    assert booth.outbox.jobs() == []


def test_a_record_for_another_hash_cannot_enter(booth: Booth) -> None:
    clip_id = booth.clip("a")
    booth.consent(clip_id, "social")
    clip = booth.store.clip(clip_id)
    assert clip is not None
    (clip.directory / "clip.mp4").write_bytes(b"another clip, made after the participant said yes")
    with pytest.raises(ConsentGateError, match="consent covers the clip the participant saw"):
        booth.outbox.add_clip(clip_id, "brand")
    assert booth.outbox.jobs() == []


def test_a_withdrawn_record_cannot_enter(booth: Booth) -> None:
    clip_id = booth.clip("a")
    record, _ = booth.consent(clip_id, "social")
    withdraw(booth.store, booth.outbox, record, how="test")
    with pytest.raises(ConsentGateError, match="its consent was withdrawn"):
        booth.outbox.add_clip(clip_id, "brand")
    assert booth.outbox.jobs() == []


def test_only_the_recipients_of_granted_purposes(booth: Booth) -> None:
    clip_id = booth.clip("a")
    booth.consent(clip_id, "send_me")  # send_me names the agency alone
    with pytest.raises(ConsentGateError, match="no purpose the participant granted names 'brand'"):
        booth.outbox.add_clip(clip_id, "brand")
    jobs = booth.outbox.add_consented(clip_id)
    assert [(j.recipient, j.purposes) for j in jobs] == [("orbita-agency", ("send_me",))]
    assert booth.outbox.add_clip(clip_id, "orbita-agency") == jobs[0], "queued once"


def test_a_refusal_queues_nothing(booth: Booth) -> None:
    clip_id = booth.clip("a")
    booth.consent(clip_id)
    assert booth.outbox.add_consented(clip_id) == []
    with pytest.raises(ConsentGateError):
        booth.outbox.add_clip(clip_id, "orbita-agency")


def test_withdrawal_cancels_uploads_and_asks_every_recipient_that_got_it_to_erase(booth: Booth) -> None:
    clip_id = booth.clip("a")
    record, _ = booth.consent(clip_id, "social")
    jobs = {j.recipient: j for j in booth.outbox.add_consented(clip_id)}
    booth.outbox.mark_delivered(jobs["brand"].job_id)  # the brand has it; the agency upload is still pending
    clip = booth.store.clip(clip_id)
    assert clip is not None and clip.frames_dir is not None
    result = withdraw(booth.store, booth.outbox, record, how="test")
    assert [j.recipient for j in result.cancelled] == ["orbita-agency"]
    assert [(j.kind, j.recipient) for j in result.erasures] == [(JobKind.ERASURE, "brand")]
    assert not clip.directory.exists() and not clip.frames_dir.exists()
    states = {(j.kind, j.recipient): j.state for j in booth.outbox.jobs(clip_id)}
    assert states[(JobKind.CLIP, "orbita-agency")] is JobState.CANCELLED
    assert states[(JobKind.ERASURE, "brand")] is JobState.PENDING
    events = [e.event for e in booth.store.audit(clip_id=clip_id)]
    assert events[-4:] == ["delivered", "withdrawn", "erasure requested", "erased"]
    again = withdraw(booth.store, booth.outbox, record, how="test")
    assert again.erasures == [] and booth.store.verify() == []
