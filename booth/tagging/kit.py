"""A brand kit: one folder per brand with its logo files (PNG with transparency) and brand.toml; data, not code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from booth.config import first_problem
from booth.errors import InputError

LOGO_SUFFIXES = (".png",)
MIN_LOGO_PX = 16
MAX_LOGO_PX = 4096


class BrandFile(BaseModel):
    """brand.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, description="The brand as agencies write it.")
    min_score: float | None = Field(None, gt=0.0, lt=1.0, description="Least confidence to tag this brand.")


@dataclass(frozen=True)
class Logo:
    """One logo variant (colour, mono, wordmark, symbol...) as BGRA pixels."""

    path: Path
    variant: str
    rgba: np.ndarray


@dataclass(frozen=True)
class Brand:
    brand_id: str
    """The brand's folder name: what tags.json calls it."""
    name: str
    min_score: float | None
    logos: tuple[Logo, ...]


@dataclass(frozen=True)
class BrandKit:
    folder: Path
    brands: tuple[Brand, ...]

    @property
    def name(self) -> str:
        return self.folder.name

    def brand(self, brand_id: str) -> Brand:
        return next(b for b in self.brands if b.brand_id == brand_id)


def load_logo(path: Path) -> Logo:
    """A logo file as BGRA; one without transparency is taken whole (alpha 255)."""
    data = np.fromfile(path, np.uint8) if path.is_file() else np.empty(0, np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise InputError(f"{path}: not a readable PNG logo; export it again as PNG")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    if image.dtype != np.uint8:
        image = (image / 257).astype(np.uint8)
    h, w = image.shape[:2]
    if not (min(w, h) >= MIN_LOGO_PX and max(w, h) <= MAX_LOGO_PX):
        raise InputError(f"{path}: {w}x{h} pixels; a logo file is {MIN_LOGO_PX} to {MAX_LOGO_PX} pixels a side")
    if not (image[:, :, 3] > 0).any():
        raise InputError(f"{path}: fully transparent; nothing of the logo is visible")
    return Logo(path, path.stem, image)


def load_brand(folder: Path) -> Brand:
    toml = folder / "brand.toml"
    try:
        about = BrandFile.model_validate(tomllib.loads(toml.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InputError(f'{folder}: no brand.toml; write one with name = "..."') from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{toml}: not valid TOML ({exc})") from None
    except ValidationError as exc:
        raise InputError(f"{toml}: {first_problem(exc)}") from None
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in LOGO_SUFFIXES)
    if not files:
        raise InputError(f"{folder}: no logo files; add the brand's logos as PNG with transparency")
    return Brand(folder.name, about.name, about.min_score, tuple(load_logo(p) for p in files))


def load_kit(folder: Path) -> BrandKit:
    """The kit in `folder`: every sub-folder is a brand. Raises InputError naming the first problem."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such brand kit folder")
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subfolders:
        raise InputError(f"{folder}: no brands; a kit holds one folder per brand with its logos and brand.toml")
    return BrandKit(folder, tuple(load_brand(p) for p in subfolders))
