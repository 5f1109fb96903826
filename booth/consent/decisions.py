"""The participant's decisions: giving consent for a clip (phone or kiosk) and withdrawing it, as easy as giving."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from booth.consent.records import (
    CLIP_GONE,
    EMAIL_WITHOUT_SEND_ME,
    GUARDIAN_ON_KIOSK,
    GUARDIAN_ON_PHONE,
    NOT_OFFERED,
    AgeBand,
    ConsentError,
    ConsentRecord,
    Guardian,
    Method,
    age_band,
    clean_email,
    clean_name,
)
from booth.consent.store import ConsentStore, Event, sha256_hex
from booth.consent.texts import ConsentText
from booth.delivery.outbox import Job, Outbox
from booth.ids import utc_now_iso

log = logging.getLogger(__name__)

SEND_ME = "send_me"
"""The purpose an e-mail address is asked for: sending the participant their own clip."""


@dataclass(frozen=True)
class Choice:
    """What the participant chose on the page or the kiosk, before it is checked."""

    purposes: dict[str, bool]
    age: str
    guardian_name: str = ""
    guardian_declared: bool = False
    email: str = ""


def guardian_of(text: ConsentText, choice: Choice, method: Method) -> Guardian:
    """The guardian who consents below the age limit, as they confirmed it; the kiosk takes no names, so there the
    participant is sent to the phone page (or may refuse everything)."""
    if not choice.guardian_declared:
        raise ConsentError(GUARDIAN_ON_KIOSK if method is Method.KIOSK else GUARDIAN_ON_PHONE)
    return Guardian(clean_name(choice.guardian_name), sha256_hex(text.content.guardian_declaration))


def give(
    store: ConsentStore,
    text: ConsentText,
    clip_id: str,
    choice: Choice,
    *,
    method: Method,
    booth_id: str,
) -> tuple[ConsentRecord, str]:
    """Check the choice against the text it was made under and keep it; returns the record and its withdrawal
    code. Refusing everything is a valid choice at every age, with no guardian, and is recorded too: it is proof
    that nothing may leave."""
    known = [p.id for p in text.content.purposes]
    if set(choice.purposes) - set(known):
        raise ConsentError(NOT_OFFERED)
    purposes = {p: bool(choice.purposes.get(p, False)) for p in known}  # nothing is on unless switched on
    band = age_band(choice.age)
    guardian = None
    if band is AgeBand.UNDER_THRESHOLD and any(purposes.values()):
        # only a use needs a guardian's word; a refusal uses nothing, so no one's name is kept with it
        guardian = guardian_of(text, choice, method)
    email = None
    if choice.email.strip():
        if not purposes.get(SEND_ME):
            raise ConsentError(EMAIL_WITHOUT_SEND_ME)
        email = clean_email(choice.email)
    clip = store.clip(clip_id)
    if clip is None or clip.deleted_at is not None:
        raise ConsentError(CLIP_GONE)
    record = ConsentRecord(
        record_id=store.new_record_id(),
        clip_id=clip_id,
        clip_sha256=clip.sha256,
        text_id=text.text_id,
        text_version=text.content.version,
        text_sha256=text.sha256,
        language=text.content.language,
        purposes=purposes,
        method=method.value,
        booth_id=booth_id,
        created_at=utc_now_iso(),
        age_band=band.value,
        retention_days=text.content.retention_days,
        guardian=guardian,
        email=email,
        recipients={p.id: list(p.recipients) for p in text.content.purposes},
    )
    code = store.record(record)
    log.info("consent recorded for %s: %s granted", clip_id, ", ".join(record.granted()) or "nothing")
    return record, code


@dataclass(frozen=True)
class Withdrawal:
    record: ConsentRecord
    deleted: list[str] = field(default_factory=list)
    cancelled: list[Job] = field(default_factory=list)
    erasures: list[Job] = field(default_factory=list)


def remove_folder(path: Path | None) -> str | None:
    """Delete a clip's or shot's folder if it is there; returns its path when something was deleted."""
    if path is None or not path.exists():
        return None
    shutil.rmtree(path)
    return str(path)


def withdraw(store: ConsentStore, outbox: Outbox, record: ConsentRecord, *, how: str) -> Withdrawal:
    """Withdraw a consent: the record is marked withdrawn, pending uploads are cancelled and an erasure notice
    is queued for every recipient that received the clip (one transaction), then the clip and its frames are
    deleted from the booth. Withdrawing twice is harmless."""
    with store.transaction():  # checked inside, so two withdrawals at once append one event
        if store.withdrawn(record.record_id):
            return Withdrawal(record)
        store.append(Event.WITHDRAWN, record_id=record.record_id, clip_id=record.clip_id, detail={"how": how})
        cancelled, erasures = outbox.withdraw(record.clip_id)
    clip = store.clip(record.clip_id)
    deleted = [d for d in (remove_folder(clip.directory), remove_folder(clip.frames_dir)) if d] if clip else []
    store.mark_deleted(record.clip_id, Event.ERASED, {"reason": "withdrawn", "files": len(deleted)})
    log.info("consent for %s withdrawn; clip and frames deleted", record.clip_id)
    return Withdrawal(record, deleted, cancelled, erasures)
