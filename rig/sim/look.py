"""How an event looks to the sim: photographic textures from packaged photos, a key light, a camera's ISO noise.

Two photo sets, never mixed: the development set (MATE's nature photos, Debian's mate-backgrounds, GPL-2+ as
its copyright file lists each photo) is what the booth's own sim shots and anything tuned on them use; the
held-out set (Plasma's wallpaper photos, plasma-workspace-wallpapers, GPL-2+) is kept for the orbit bench's
reported figures. The images are read where the packages install them, never copied into the project.
Without the package, textures fall back to procedural ones and `Look.describe` says so."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

PhotoSet = Literal["dev", "heldout"]

DEV_PHOTOS = tuple(
    f"/usr/share/backgrounds/mate/nature/{n}.jpg"
    for n in ("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "Storm", "Wood")
)
HELDOUT_PHOTOS = tuple(
    f"/usr/share/wallpapers/{n}/contents/images"
    for n in ("Autumn", "BytheWater", "ColdRipple", "EveningGlow", "FallenLeaf", "Kite", "OneStandsOut", "Path")
)
"""Folders; the largest JPEG of each is the photo. The package's ColorfulCups is left out: its magenta is the
calibration target's colour, which docs/calibration.md asks staff to keep out of every camera's view."""
PACKAGES = {"dev": "mate-backgrounds", "heldout": "plasma-workspace-wallpapers"}


@dataclass(frozen=True)
class Light:
    """A key light from one side and a fill, both soft and the same for every camera (diffuse surfaces)."""

    key_azimuth_deg: float = 55.0
    """Where the key stands around the pivot (0: behind the centre camera)."""
    key_elevation_deg: float = 35.0
    key: float = 0.75
    fill: float = 0.28

    def direction(self) -> np.ndarray:
        a, e = math.radians(self.key_azimuth_deg), math.radians(self.key_elevation_deg)
        return np.array([math.cos(a) * math.cos(e), math.sin(a) * math.cos(e), math.sin(e)])

    def shade(self, normals: np.ndarray) -> np.ndarray:
        """Diffuse light on surfaces of these normals: what every camera sees of them alike."""
        lit = np.clip(normals @ self.direction(), 0.0, None)
        sky = 0.5 + 0.5 * normals[:, 2]
        return (self.fill * (0.7 + 0.3 * sky) + self.key * lit).astype(np.float32)

    def backdrop(self, azimuth_rad: np.ndarray, height_frac: np.ndarray) -> np.ndarray:
        """Uneven light on the backdrop: brighter towards the key's side, a pool in the middle height."""
        side = 0.5 + 0.5 * np.cos(azimuth_rad - math.radians(self.key_azimuth_deg + 180.0))
        pool = np.exp(-(((height_frac - 0.55) / 0.35) ** 2))
        return (0.45 + 0.35 * side + 0.25 * pool).astype(np.float32)


@dataclass(frozen=True)
class Look:
    """What the sim's scenes look like: the project's plain studio, or an event."""

    photos: PhotoSet | None = None
    """Photographic textures on the participant, floor and backdrop from this set; None: procedural ones."""
    iso: int = 0
    """A 24 MP camera's noise at this ISO (shot and read noise, scaled to the rendered size); 0: the plain
    fixed noise of the studio look."""
    light: Light | None = None
    """A key light from one side; None: the studio's even light from every side."""
    props: bool = False
    """An arm held away from the body, a held stick near the pivot and loose strands of hair."""
    grey_patch: bool = True
    """Whether the calibration target carries its neutral grey sleeve."""

    def describe(self) -> str:
        source = "procedural textures" if self.photos is None else f"{self.photos} photos"
        if self.photos is not None and not photos_present(self.photos):
            source += f" (not installed, procedural: apt-get install {PACKAGES[self.photos]})"
        return f"{source}, ISO {self.iso or 'plain'}, {'key light' if self.light else 'even light'}"


STUDIO = Look()
EVENT = Look(photos="dev", iso=800, light=Light(), props=True, grey_patch=False)
"""An event as the booth's own sim shoots it: development photos."""
HELDOUT_EVENT = Look(
    photos="heldout", iso=1600, light=Light(key_azimuth_deg=-70.0, key=0.8), props=True, grey_patch=False
)
"""The same kind of event from photos nothing is tuned on: for reported figures only."""


def _paths(photos: PhotoSet) -> tuple[str, ...]:
    return DEV_PHOTOS if photos == "dev" else HELDOUT_PHOTOS


def _file(path: str) -> Path | None:
    """A photo file, or the largest JPEG of a folder; None where it is not installed."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.jpg"), key=lambda f: (f.stat().st_size, f.name))
        return files[-1] if files else None
    return p if p.is_file() else None


def photos_present(photos: PhotoSet) -> bool:
    return any(_file(p) is not None for p in _paths(photos))


@functools.lru_cache(maxsize=2)
def _loaded(photos: PhotoSet) -> tuple[np.ndarray, ...]:
    out = []
    for p in _paths(photos):
        found = _file(p)
        image = cv2.imread(str(found), cv2.IMREAD_REDUCED_COLOR_2) if found is not None else None
        if image is not None:
            scale = 1600 / max(image.shape[:2])
            if scale < 1:
                image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            out.append(image)
    return tuple(out)


def photo_crop(photos: PhotoSet, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray | None:
    """A random crop of one photo of the set, resized to shape (h, w), BGR uint8; None where none is installed."""
    loaded = _loaded(photos)
    if not loaded:
        return None
    photo = loaded[int(rng.integers(len(loaded)))]
    h, w = shape
    ph, pw = photo.shape[:2]
    share = float(rng.uniform(0.5, 1.0))
    cw = max(16, int(min(pw, ph * w / h) * share))
    ch = max(16, int(cw * h / w))
    x = int(rng.integers(0, max(1, pw - cw + 1)))
    y = int(rng.integers(0, max(1, ph - ch + 1)))
    crop = photo[y : y + ch, x : x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(crop, (w, h), interpolation=cv2.INTER_CUBIC if cw < w else cv2.INTER_AREA)


def fabric(
    photos: PhotoSet | None, rng: np.random.Generator, base_bgr: tuple[int, int, int], shape: tuple[int, int]
) -> np.ndarray | None:
    """Cloth of base colour whose pattern comes from a photo's detail (a printed, textured fabric) with a fine
    weave; None without photos."""
    if photos is None:
        return None
    crop = photo_crop(photos, rng, shape)
    if crop is None:
        return None
    luma = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32)
    detail = (luma - float(luma.mean())) / max(float(luma.std()), 1.0)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    weave = np.where(((yy // 2) + (xx // 2)) % 2 == 0, 1.0, -1.0).astype(np.float32)
    tint = 0.35 * np.asarray(crop, np.float32) / max(float(crop.mean()), 1.0)
    base = np.asarray(base_bgr, np.float32)
    tex = base * (0.65 + tint) * (1.0 + 0.12 * detail[..., None]) + 6.0 * weave[..., None]
    return np.clip(tex, 0, 255).astype(np.uint8)


def photo_backdrop(photos: PhotoSet | None, rng: np.random.Generator, w: int, h: int) -> np.ndarray | None:
    """A printed event backdrop: panels of photographs side by side with dark seams; None without photos."""
    if photos is None or not _loaded(photos):
        return None
    panels = 8
    tex = np.zeros((h, w, 3), np.uint8)
    edges = np.linspace(0, w, panels + 1).astype(int)
    for k in range(panels):
        crop = photo_crop(photos, rng, (h, int(edges[k + 1] - edges[k])))
        assert crop is not None
        tex[:, edges[k] : edges[k + 1]] = crop
        tex[:, edges[k] : edges[k] + 6] = (24, 22, 20)
    return tex


def photo_floor(photos: PhotoSet | None, rng: np.random.Generator, px: int) -> np.ndarray | None:
    """A floor of a photo's fine detail, greyed and darkened (carpet or concrete); None without photos."""
    if photos is None:
        return None
    crop = photo_crop(photos, rng, (px // 4, px // 4))
    if crop is None:
        return None
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32)
    grey = (grey - grey.mean()) / max(float(grey.std()), 1.0)
    tile = np.clip(96 + 14 * grey, 0, 255).astype(np.uint8)
    tiled = np.tile(tile, (4, 4))
    return np.ascontiguousarray(np.repeat(tiled[..., None], 3, axis=2) + np.array([0, 2, 4], np.uint8))


def hair_strands(rng: np.random.Generator, texture: np.ndarray, mask: np.ndarray, count: int = 1500) -> None:
    """Fine strands of hair drawn over the hair area of a head texture (in place): hair-like fine detail."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return
    picks = rng.integers(0, len(ys), size=count)
    for k in picks:
        x, y = int(xs[k]), int(ys[k])
        length = int(rng.integers(12, 40))
        angle = math.pi / 2 + float(rng.normal(0.0, 0.35))
        x1, y1 = int(x + length * math.cos(angle)), int(y + length * math.sin(angle))
        shade = int(rng.integers(8, 80))
        cv2.line(texture, (x, y), (x1 % w, min(h - 1, y1)), (shade, shade + 6, shade + 14), 1, cv2.LINE_AA)


def iso_noise_sigma(linear_12bit: np.ndarray, iso: int, pixels: int) -> np.ndarray:
    """Standard deviation of a 24 MP camera's noise at this ISO, in 12-bit levels, for a frame of `pixels`
    pixels: shot noise (a 24 000-electron full well shared across the ISO's range) and 3 electrons of read
    noise, each pixel of the smaller frame averaging 24 MP / pixels sensor pixels."""
    full_well = 24_000.0 / (iso / 100.0)
    dn_per_electron = 4095.0 / full_well
    variance = dn_per_electron * np.maximum(linear_12bit, 0.0) + (3.0 * dn_per_electron) ** 2
    return np.sqrt(variance * (pixels / 24e6)).astype(np.float32)
