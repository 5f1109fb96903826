"""The consent texts' schema: a purpose that keeps the clip on the booth's own screen, said alike in every language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from booth.consent.texts import BUILT_IN, load_texts
from booth.errors import ConfigError


def copy_of_built_in(tmp_path: Path) -> Path:
    folder = tmp_path / "texts"
    shutil.copytree(BUILT_IN, folder)
    return folder


def test_the_built_in_texts_offer_the_booths_screen_to_no_recipient() -> None:
    texts = load_texts(None)
    for language in ("en", "fr"):
        purposes = {p.id: p for p in texts.get(language).content.purposes}
        screen = [p for p in purposes.values() if p.on_booth_screen]
        assert [p.id for p in screen] == ["booth_screen"], language
        assert screen[0].recipients == [], "the booth's own screen sends the clip to no one"
        assert not any(p.on_booth_screen for p in purposes.values() if p.id != "booth_screen")
    assert texts.get("en").content.purposes[1].title == "Shown on this booth's screen"
    assert texts.get("fr").content.purposes[1].title == "Montré sur l'écran de la borne"


def test_a_purpose_is_off_the_booths_screen_unless_its_text_says_so(tmp_path: Path) -> None:
    folder = copy_of_built_in(tmp_path)
    for name in ("en.toml", "fr.toml"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("on_booth_screen = true\n", ""), encoding="utf-8")
    texts = load_texts(folder)
    assert not any(p.on_booth_screen for t in texts.by_language.values() for p in t.content.purposes)


def test_every_language_must_say_alike_whether_a_purpose_shows_the_clip_on_the_booth(tmp_path: Path) -> None:
    folder = copy_of_built_in(tmp_path)
    french = folder / "fr.toml"
    french.write_text(french.read_text(encoding="utf-8").replace("on_booth_screen = true", "on_booth_screen = false"))
    with pytest.raises(ConfigError, match="every language must say the same thing"):
        load_texts(folder)
