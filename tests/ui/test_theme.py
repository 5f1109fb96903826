"""The event's colours stay readable: text on the accent is black or white, whichever WCAG rates higher."""

from __future__ import annotations

import pytest

from booth.config import BoothConfig
from ui.theme import Theme, contrast

AA = 4.5
"""WCAG 2's AA contrast for body text."""


def test_the_default_accents_text_meets_aa() -> None:
    theme = Theme.from_config(BoothConfig())
    assert contrast("#ffffff", theme.accent) < AA, "white on the default pink is what failed"
    assert theme.on_accent == "#000000" and contrast(theme.on_accent, theme.accent) >= AA


@pytest.mark.parametrize("accent", ["#ff3d7f", "#00a3e0", "#ffd400", "#1a237e", "#2e7d32", "#808080"])
def test_text_on_any_accent_is_the_more_readable_of_black_and_white(accent: str) -> None:
    theme = Theme(accent, "#101522", "#ffffff", None)
    other = "#ffffff" if theme.on_accent == "#000000" else "#000000"
    assert contrast(theme.on_accent, accent) >= contrast(other, accent)
    assert contrast(theme.on_accent, accent) >= AA, f"{accent}: {theme.on_accent}"
