"""Consent as recorded: every field the record must carry, nothing pre-ticked, guardians, e-mail, no rewriting."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from booth.consent.decisions import Choice, give
from booth.consent.page_words import say
from booth.consent.records import ConsentError, Method
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
    with pytest.raises(ConsentError, match="a parent or guardian decides, with their name, on their phone"):
        booth.consent(clip_id, "social", age="under_threshold")
    with pytest.raises(ConsentError, match="Give the name of the parent or guardian"):
        booth.consent(clip_id, "social", age="under_threshold", guardian_name="X", guardian_declared=True)
    for disguised in ("Marie \u202eDupont", "Marie\u2066 Dupont", "Marie\x07Dupont", "Marie\u200fDupont"):
        with pytest.raises(ConsentError, match="hidden characters that change how it reads"):
            booth.consent(clip_id, "social", age="under_threshold", guardian_name=disguised, guardian_declared=True)
    record, _ = booth.consent(
        clip_id, "social", age="under_threshold", guardian_name="  Marie   Dupont ", guardian_declared=True
    )
    assert record.guardian is not None and record.guardian.name == "Marie Dupont"
    declaration = booth.texts.get("en").content.guardian_declaration
    assert record.guardian.declaration_sha256 == hashlib.sha256(declaration.encode()).hexdigest()


def test_refusing_everything_needs_no_guardian_at_any_age(booth: Booth) -> None:
    text = booth.texts.get("en")
    for age in ("under_threshold", "minor", "adult"):
        for method in Method:
            clip_id = booth.clip(f"{age}-{method.value}")
            nothing = Choice(dict.fromkeys(("send_me", "booth_screen", "social", "advertising"), False), age)
            record, code = give(booth.store, text, clip_id, nothing, method=method, booth_id="booth-7")
            assert (record.granted(), record.age_band, record.guardian) == ([], age, None), (age, method)
            assert booth.store.record_by_code(code) == record, "kept, with its withdrawal code"
    # a guardian who gave their name and then refused leaves no name behind: a refusal uses nothing, needs no one
    record, _ = booth.consent(
        booth.clip("named"), age="under_threshold", guardian_name="Ana Li", guardian_declared=True
    )
    assert record.granted() == [] and record.guardian is None


FIELD_FIRST = re.compile(r"^[\w'-]+(?: [\w'-]+){0,3} ?: ")
"""A message that opens with a field's name ("guardian: ...", "e-mail : ..."), as people should not have to read."""


def test_what_cannot_be_kept_is_said_in_plain_words_in_english_and_french(booth: Booth) -> None:
    clip_id, taken = booth.clip("a"), booth.clip("taken")
    recorded, _ = booth.consent(taken, "social")
    social = {"social": True}
    choices = [
        (clip_id, Choice(social, "under_threshold"), Method.KIOSK),
        (clip_id, Choice(social, "under_threshold"), Method.PHONE),
        (clip_id, Choice(social, "under_threshold", "X", guardian_declared=True), Method.PHONE),
        (clip_id, Choice(social, "under_threshold", "Ana\u202eLi", guardian_declared=True), Method.PHONE),
        (clip_id, Choice(social, "adult", email="ana@example.com"), Method.PHONE),
        (clip_id, Choice({"send_me": True}, "adult", email="ana@example"), Method.PHONE),
        (clip_id, Choice({"sell_it": True}, "adult"), Method.PHONE),
        (clip_id, Choice({}, "42"), Method.KIOSK),
        (taken, Choice({}, "adult"), Method.KIOSK),
    ]
    errors: list[ConsentError] = []
    for clip, choice, method in choices:
        with pytest.raises(ConsentError) as caught:
            give(booth.store, booth.texts.get("en"), clip, choice, method=method, booth_id="booth-7")
        errors.append(caught.value)
    changed = dataclasses.replace(
        recorded, record_id=booth.store.new_record_id(), clip_id=clip_id, clip_sha256="0" * 64
    )
    gone = dataclasses.replace(recorded, record_id=booth.store.new_record_id(), clip_id="clip-gone")
    for record in (changed, gone):
        with pytest.raises(ConsentError) as caught:
            booth.store.record(record)
        errors.append(caught.value)
    english = [str(e) for e in errors]
    french = [say("fr", e) for e in errors]
    assert len(set(english)) == len(english), "each problem is told apart"
    for line in english + french:
        assert not FIELD_FIRST.match(line), f"no field name before the words: {line}"
        assert line[0].isupper() and line.endswith("."), line
    assert not set(english) & set(french), "each has its French"
    kiosk_en, kiosk_fr = english[0], french[0]
    assert "phone" in kiosk_en and "refuse everything" in kiosk_en, "the kiosk says where to go, and what it can do"
    assert not re.search(r"tick|box|confirm", kiosk_en) and not re.search(r"case|coch|confirm", kiosk_fr), (
        "nothing the kiosk does not have"
    )
    assert "give their name and confirm" in english[1], "the phone page has the name and the declaration"


def test_an_email_only_when_the_participant_asks_for_the_clip(booth: Booth) -> None:
    clip_id = booth.clip("a")
    with pytest.raises(ConsentError, match="only used to send you your clip"):
        booth.consent(clip_id, "social", email="ana@example.com")
    with pytest.raises(ConsentError, match="not an e-mail address"):
        booth.consent(clip_id, "send_me", email="ana@example")
    record, _ = booth.consent(clip_id, "send_me", email=" ana@example.com ")
    assert record.email == "ana@example.com"


def test_one_consent_per_clip_and_records_are_never_rewritten(booth: Booth) -> None:
    clip_id = booth.clip("a")
    record, _ = booth.consent(clip_id, "social")
    with pytest.raises(ConsentError, match="already saved"):
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
