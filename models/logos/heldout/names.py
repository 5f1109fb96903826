"""Made-up words: brand names, the look-alikes' names and the logo-free images' signage."""

from __future__ import annotations

import numpy as np

_ONSET_TEXT = "b br c cl d dr f fl g gr h j k kr l m n p pl qu r s sk sl st t tr v w z th sh"
_ONSETS = tuple(_ONSET_TEXT.split())
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "io", "y")
_CODAS = ("", "", "", "n", "r", "l", "s", "x", "m", "nd", "rk", "lt", "st", "sh", "ck")
_ENDINGS = ("", "", "a", "o", "is", "en", "ix", "ora", "ium", "ly", "et", "on", "ara", "ex")
_DESCRIPTOR_TEXT = (
    "Roasters Outfitters Labs Studio Cycles Brewing Supply Athletic Audio Optics Foods Works Mobility Goods "
    "Energy Bakery Apparel Records Coffee Tonic"
)
DESCRIPTORS = tuple(_DESCRIPTOR_TEXT.split())


def word(rng: np.random.Generator, *, syllables: int | None = None, min_len: int = 4, max_len: int = 9) -> str:
    """A pronounceable made-up word, capitalised."""
    while True:
        n = syllables or int(rng.choice([1, 2, 2, 2, 3]))
        parts = []
        for i in range(n):
            parts.append(str(rng.choice(_ONSETS)) + str(rng.choice(_VOWELS)))
            if i == n - 1 or rng.random() < 0.3:
                parts.append(str(rng.choice(_CODAS)))
        parts.append(str(rng.choice(_ENDINGS)))
        text = "".join(parts)
        if min_len <= len(text) <= max_len:
            return text.capitalize()


def distinct_words(rng: np.random.Generator, n: int, avoid: set[str], **kwargs: int) -> list[str]:
    """n words, none in `avoid` (case-blind) and none sharing its first three letters with another."""
    out: list[str] = []
    taken = {a.lower() for a in avoid}
    stems = {a.lower()[:3] for a in avoid}
    while len(out) < n:
        w = word(rng, **kwargs)
        if w.lower() in taken or w.lower()[:3] in stems:
            continue
        out.append(w)
        taken.add(w.lower())
        stems.add(w.lower()[:3])
    return out


def same_start(rng: np.random.Generator, name: str, avoid: set[str]) -> str:
    """Another word that starts like `name` (its first three or four letters) and ends otherwise."""
    keep = name[: 4 if len(name) > 6 else 3]
    taken = {a.lower() for a in avoid} | {name.lower()}
    for _ in range(1000):
        tail = word(rng, syllables=1, min_len=1, max_len=6).lower()
        candidate = keep + tail[1:] if tail[0] == keep[-1].lower() else keep + tail
        if candidate.lower() not in taken and 4 <= len(candidate) <= 11 and candidate.lower() != name.lower():
            return candidate
    raise RuntimeError(f"no other word starting like {name}")


def slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())
