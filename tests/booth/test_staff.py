"""The attract loop's clips: only those whose consent, under the words read, allows the booth's own screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from booth.consent.decisions import Choice, give, withdraw
from booth.consent.records import Method
from booth.consent.texts import BUILT_IN, load_texts
from booth.staff import attract_clips
from tests.booth.consent.helpers import Booth, make_booth


@pytest.fixture
def booth(tmp_path: Path) -> Iterator[Booth]:
    b = make_booth(tmp_path)
    yield b
    b.store.close()


def folder(booth: Booth, clip_id: str) -> Path:
    entry = booth.store.clip(clip_id)
    assert entry is not None
    return Path(entry.directory)


def test_the_loop_shows_clips_granted_the_booths_screen_and_no_others(booth: Booth) -> None:
    screen, social, refused, withdrawn = (booth.clip(n) for n in ("screen", "social", "refused", "withdrawn"))
    booth.clip("undecided")
    booth.consent(screen, "booth_screen")
    booth.consent(social, "social", "advertising", "send_me")  # posted by the brand: not a yes to the booth's screen
    booth.consent(refused)
    record, _ = booth.consent(withdrawn, "booth_screen")
    withdraw(booth.store, booth.outbox, record, how="staff")
    assert attract_clips(booth.store, booth.texts) == [folder(booth, screen)]


def test_a_french_consent_shows_as_well_as_an_english_one(booth: Booth) -> None:
    clip_id = booth.clip("fr")
    choice = Choice({"booth_screen": True}, "adult")
    give(booth.store, booth.texts.get("fr"), clip_id, choice, method=Method.PHONE, booth_id="booth-7")
    assert attract_clips(booth.store, booth.texts) == [folder(booth, clip_id)]


def test_newest_first_at_most_the_limit_and_only_clips_still_on_the_booth(booth: Booth) -> None:
    clips = [booth.clip(f"n{i}") for i in range(4)]
    for clip_id in clips:
        booth.consent(clip_id, "booth_screen")
    shutil.rmtree(folder(booth, clips[3]))  # gone from the disk: nothing to play
    shown = attract_clips(booth.store, booth.texts, limit=2)
    newest = sorted(clips[:3], key=lambda c: booth.store.clip(c).created_at, reverse=True)  # type: ignore[union-attr]
    assert shown == [folder(booth, c) for c in newest[:2]]


def test_what_a_purpose_allows_is_read_from_the_text_the_consent_was_given_under(booth: Booth, tmp_path: Path) -> None:
    # an event whose 'social' purpose also loops the clip on the booth: the text decides, not the purpose's id
    texts_dir = tmp_path / "texts"
    shutil.copytree(BUILT_IN, texts_dir)
    for name in ("en.toml", "fr.toml"):
        path = texts_dir / name
        words = path.read_text(encoding="utf-8").replace('id = "social"', 'id = "social"\non_booth_screen = true')
        path.write_text(words.replace("2026-11-01", "2026-11-02"), encoding="utf-8")
    event = load_texts(texts_dir)
    under_event, under_built_in = booth.clip("event"), booth.clip("built-in")
    give(
        booth.store,
        event.get("en"),
        under_event,
        Choice({"social": True}, "adult"),
        method=Method.KIOSK,
        booth_id="booth-7",
    )
    booth.consent(under_built_in, "social")
    assert attract_clips(booth.store, event) == [folder(booth, under_event)]
    # the built-in text's 'social' never offered the screen, and a text the booth no longer has proves nothing
    assert attract_clips(booth.store, booth.texts) == []
