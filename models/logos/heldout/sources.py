"""The fonts and photographs the held-out set draws from: Debian packages the training data never uses."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFont

FONT_ROOT = Path("/usr/share/fonts")
WALLPAPER_ROOT = Path("/usr/share/wallpapers")
WALLPAPER_PACKAGE = "plasma-workspace-wallpapers"
PHOTOS = (
    "BytheWater",
    "ColdRipple",
    "ColorfulCups",
    "DarkestHour",
    "EveningGlow",
    "FallenLeaf",
    "Grey",
    "Kite",
    "OneStandsOut",
    "Path",
    "summer_1am",
    "Volna",
)
"""The package's photographs (Volna: a photo-real render of surf on sand); its abstract art is left out."""
PHOTO_MAX_WIDTH = 2560


class MissingSource(RuntimeError):
    """A font or photograph is not installed; the message is one line naming the Debian package."""


@dataclass(frozen=True)
class Face:
    package: str
    file: str
    weight: str
    """"bold", "regular", "thin" or "italic": how a wordmark style picks it."""
    serif: bool = False


FACES: tuple[Face, ...] = (
    Face("fonts-lato", "Lato-Black.ttf", "bold"),
    Face("fonts-lato", "Lato-Regular.ttf", "regular"),
    Face("fonts-lato", "Lato-Hairline.ttf", "thin"),
    Face("fonts-lato", "Lato-Light.ttf", "thin"),
    Face("fonts-open-sans", "OpenSans-ExtraBold.ttf", "bold"),
    Face("fonts-open-sans", "OpenSans-CondBold.ttf", "bold"),
    Face("fonts-open-sans", "OpenSans-Regular.ttf", "regular"),
    Face("fonts-open-sans", "OpenSans-Light.ttf", "thin"),
    Face("fonts-cantarell", "Cantarell-ExtraBold.otf", "bold"),
    Face("fonts-cantarell", "Cantarell-Regular.otf", "regular"),
    Face("fonts-cantarell", "Cantarell-Thin.otf", "thin"),
    Face("fonts-league-spartan", "LeagueSpartan-Black.otf", "bold"),
    Face("fonts-league-spartan", "LeagueSpartan-Regular.otf", "regular"),
    Face("fonts-league-spartan", "LeagueSpartan-ExtraLight.otf", "thin"),
    Face("fonts-comic-neue", "ComicNeue-Bold.otf", "bold"),
    Face("fonts-comic-neue", "ComicNeue-Regular.otf", "regular"),
    Face("fonts-linuxlibertine", "LinBiolinum_RB.otf", "bold"),
    Face("fonts-linuxlibertine", "LinLibertine_RB.otf", "bold", serif=True),
    Face("fonts-linuxlibertine", "LinLibertine_R.otf", "regular", serif=True),
    Face("fonts-linuxlibertine", "LinLibertine_RI.otf", "italic", serif=True),
    Face("fonts-ebgaramond", "EBGaramond12-Bold.otf", "bold", serif=True),
    Face("fonts-ebgaramond", "EBGaramond12-Regular.otf", "regular", serif=True),
    Face("fonts-ebgaramond", "EBGaramond12-Italic.otf", "italic", serif=True),
    Face("fonts-crosextra-caladea", "Caladea-Bold.ttf", "bold", serif=True),
    Face("fonts-crosextra-caladea", "Caladea-Regular.ttf", "regular", serif=True),
    Face("fonts-urw-base35", "NimbusSans-Bold.otf", "bold"),
    Face("fonts-urw-base35", "NimbusSansNarrow-Bold.otf", "bold"),
    Face("fonts-urw-base35", "URWGothic-Demi.otf", "bold"),
    Face("fonts-urw-base35", "URWGothic-Book.otf", "regular"),
    Face("fonts-urw-base35", "C059-Bold.otf", "bold", serif=True),
    Face("fonts-urw-base35", "P052-Roman.otf", "regular", serif=True),
    Face("fonts-urw-base35", "URWBookman-Light.otf", "thin", serif=True),
    Face("fonts-urw-base35", "Z003-MediumItalic.otf", "italic"),
)
DINGBATS = Face("fonts-urw-base35", "D050000L.otf", "regular")
"""Zapf-style dingbats on the ASCII codes: icons built from font glyphs."""
PACKAGES = (*tuple(sorted({f.package for f in FACES})), WALLPAPER_PACKAGE)
"""Every Debian package the set needs."""


@functools.cache
def font_path(face: Face) -> Path:
    """The installed file of `face`; MissingSource naming its package when it is not there."""
    found = sorted(FONT_ROOT.glob(f"**/{face.file}")) if FONT_ROOT.is_dir() else []
    if not found:
        raise MissingSource(f"font {face.file} not found under {FONT_ROOT}: apt-get install {face.package}")
    return found[0]


@functools.cache
def font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(face)), size)


def check_sources() -> None:
    """Every font and photograph is there, else MissingSource for the first one missing."""
    for face in (*FACES, DINGBATS):
        font_path(face)
    for name in PHOTOS:
        photo_path(name)


@functools.cache
def photo_path(name: str) -> Path:
    images = WALLPAPER_ROOT / name / "contents" / "images"
    files = [p for p in images.glob("*") if p.suffix.lower() in (".jpg", ".png")] if images.is_dir() else []
    if not files:
        raise MissingSource(f"photograph {name} not found under {WALLPAPER_ROOT}: apt-get install {WALLPAPER_PACKAGE}")
    # the folder names sizes, but several are links to one file: the largest file is the sharpest
    return max(files, key=lambda p: (p.stat().st_size, p.name))


@functools.lru_cache(maxsize=len(PHOTOS))
def photo(name: str) -> np.ndarray:
    """The photograph as 8-bit sRGB, at most PHOTO_MAX_WIDTH wide."""
    with Image.open(photo_path(name)) as image:
        if image.width > PHOTO_MAX_WIDTH:
            image.draft("RGB", (image.width // 2, image.height // 2))  # JPEG decodes at half scale, fast
        rgb = image.convert("RGB")
    if rgb.width > PHOTO_MAX_WIDTH:
        rgb = rgb.resize((PHOTO_MAX_WIDTH, round(rgb.height * PHOTO_MAX_WIDTH / rgb.width)), Image.Resampling.LANCZOS)
    return np.asarray(rgb, dtype=np.uint8)
