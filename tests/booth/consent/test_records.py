"""Consent as recorded: every field the record must carry, nothing pre-ticked, guardians, e-mail, no rewriting."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from booth.consent.records import ConsentError
from booth.consent.store import normal_code
from tests.booth.consent.helpers import Booth, make_booth


@pytest.fixture
def booth(tmp_path: Path) -> Iterator[Booth]:
    b = make_booth(tmp_path)
    yield b
    b.store.close()


def test_a_record_carries_everything_that_proves_the_consent(booth: Booth) -> None:
    clip_id = booth.clip("a")
    record, code = booth.consent(clip_id, "social")
    text = booth.texts.get("en")
    clip = booth.store.clip(clip_id)
    assert clip is not None
    assert record.record_id.startswith("consent-") and record.clip_id == clip_id
    assert record.clip_sha256 == clip.sha256
    assert (record.text_id, record.text_version, record.text_sha256, record.language) == (
        text.text_id,
        text.content.version,
        text.sha256,
        "en",
    )
    assert text.sha256 == hashlib.sha256(text.path.read_bytes()).hexdigest()
    assert record.purposes == {"send_me": False, "booth_screen": False, "social": True, "advertising": False}, (
        "nothing on unless chosen"
    )
    assert (record.method, record.booth_id, record.age_band) == ("kiosk", "booth-7", "adult")
    assert record.created_at.endswith("Z")
    assert record.email is None and record.guardian is None
    assert booth.store.get_record(record.record_id) == record
    assert booth.store.record_by_code(code) == record


def test_refusing_everything_is_a_choice_too(booth: Booth) -> None:
    record, _ = booth.consent(booth.clip("a"))
    assert record.granted() == [] and set(record.purposes) == {"send_me", "booth_screen", "social", "advertising"}


def test_below_the_age_limit_a_guardian_consents(booth: Booth) -> None:
    clip_id = booth.clip("a")
    with pytest.raises(ConsentError, match="a parent or guardian must give consent"):
        booth.consent(clip_id, "social", age="under_threshold")
    with pytest.raises(ConsentError, match="guardian's name"):
        booth.consent(clip_id, "social", age="under_threshold", guardian_name="X", guardian_declared=True)
    for disguised in ("Marie \u202eDupont", "Marie\u2066 Dupont", "Marie\x07Dupont", "Marie\u200fDupont"):
        with pytest.raises(ConsentError, match="control and text-direction characters"):
            booth.consent(clip_id, "social", age="under_threshold", guardian_name=disguised, guardian_declared=True)
    record, _ = booth.consent(
        clip_id, "social", age="under_threshold", guardian_name="  Marie   Dupont ", guardian_declared=True
    )
    assert record.guardian is not None and record.guardian.name == "Marie Dupont"
    declaration = booth.texts.get("en").content.guardian_declaration
    assert record.guardian.declaration_sha256 == hashlib.sha256(declaration.encode()).hexdigest()


def test_an_email_only_when_the_participant_asks_for_the_clip(booth: Booth) -> None:
    clip_id = booth.clip("a")
    with pytest.raises(ConsentError, match="only needed to send you your clip"):
        booth.consent(clip_id, "social", email="ana@example.com")
    with pytest.raises(ConsentError, match="not an e-mail address"):
        booth.consent(clip_id, "send_me", email="ana@example")
    record, _ = booth.consent(clip_id, "send_me", email=" ana@example.com ")
    assert record.email == "ana@example.com"


def test_one_consent_per_clip_and_records_are_never_rewritten(booth: Booth) -> None:
    clip_id = booth.clip("a")
    record, _ = booth.consent(clip_id, "social")
    with pytest.raises(ConsentError, match="already recorded"):
        booth.consent(clip_id, "advertising")
    with pytest.raises(sqlite3.IntegrityError, match="never rewritten"):
        booth.store.db.execute("UPDATE records SET body = '{}' WHERE record_id = ?", (record.record_id,))


def test_withdrawal_codes_are_read_as_people_type_them(booth: Booth) -> None:
    record, code = booth.consent(booth.clip("a"), "social")
    assert len(code) == 14 and code.count("-") == 2
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normal_code(typed) == code
    assert booth.store.record_by_code(typed) == record
    assert booth.store.record_by_code("AAAA-BBBB-CCCC") is None


def test_a_page_token_opens_its_clip_until_it_expires(booth: Booth) -> None:
    clip_id = booth.clip("a")
    token = booth.store.token_for(clip_id)
    assert len(token) >= 22, "at least 128 bits"
    entry = booth.store.clip_by_token(token)
    assert entry is not None and entry.clip_id == clip_id
    assert booth.store.clip_by_token(token, now=entry.token_expires + 1) is None
    assert booth.store.clip_by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    stored = b"".join(p.read_bytes() for p in booth.config.data_dir.glob("booth.db*"))
    assert token.encode() not in stored, "only its hash is kept"
