"""Fictional brands drawn the way designers draw them, for training: TTF wordmarks, gradients, outlines, thin
strokes, badges, and their colour, mono, wordmark-only and symbol-only variants.

The fonts are the training side's own (DejaVu, Liberation, FreeFont, Noto, Carlito); the held-out evaluation
(models/logos/heldout) uses other families, so a wordmark's typeface is never what the figures reward."""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from models.logos.brands import SYLLABLES, above, beside, mono, symbol

FONT_ROOT = Path("/usr/share/fonts/truetype")
TRAINING_FONTS = (
    ("dejavu", r"DejaVu(Sans|Serif)(Condensed)?(-Bold|-ExtraLight)?\.ttf"),
    ("liberation", r"Liberation(Sans|Serif|SansNarrow)-(Regular|Bold|Italic|BoldItalic)\.ttf"),
    ("freefont", r"Free(Sans|Serif)(Bold|Oblique|Italic|BoldOblique|BoldItalic)?\.ttf"),
    ("noto", r"Noto(Sans|Serif)(Display)?-(Regular|Bold|Italic|BoldItalic)\.ttf"),
    ("crosextra", r"Carlito-(Regular|Bold|Italic|BoldItalic)\.ttf"),
)
"""Families the training side draws wordmarks in, by folder and file pattern (Debian: fonts-dejavu-core,
fonts-dejavu-extra, fonts-liberation, fonts-freefont-ttf, fonts-noto-core, fonts-crosextra-carlito)."""
FONT_PACKAGES = "fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf fonts-noto-core"


@functools.cache
def training_fonts() -> tuple[Path, ...]:
    found = tuple(
        sorted(
            p
            for folder, pattern in TRAINING_FONTS
            if (FONT_ROOT / folder).is_dir()
            for p in (FONT_ROOT / folder).iterdir()
            if re.fullmatch(pattern, p.name)
        )
    )
    if len(found) < 8:
        raise RuntimeError(f"training fonts missing: apt-get install {FONT_PACKAGES} fonts-crosextra-carlito")
    return found


Colour = tuple[int, int, int]


def _hsv(hue: float, sat: float, val: float) -> Colour:
    b, g, r = cv2.cvtColor(np.array([[[hue % 180, sat, val]]], np.uint8), cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def palette(rng: np.random.Generator) -> tuple[Colour, Colour]:
    """A main colour and an accent: analogous, complementary, or a dark neutral with one bright colour."""
    hue = float(rng.uniform(0, 180))
    scheme = int(rng.integers(3))
    main = _hsv(hue, rng.uniform(120, 255), rng.uniform(90, 240))
    if scheme == 0:
        return main, _hsv(hue + rng.uniform(15, 35), rng.uniform(120, 255), rng.uniform(90, 240))
    if scheme == 1:
        return main, _hsv(hue + 90, rng.uniform(120, 255), rng.uniform(90, 240))
    dark = int(rng.integers(15, 70))
    return (dark, dark, dark), main


def _tight(rgba: np.ndarray, pad: int = 3) -> np.ndarray:
    ys, xs = np.nonzero(rgba[:, :, 3] > 8)
    if xs.size == 0:
        return rgba
    return rgba[max(0, ys.min() - pad) : ys.max() + pad + 1, max(0, xs.min() - pad) : xs.max() + pad + 1].copy()


def _fill(mask: np.ndarray, colours: tuple[Colour, Colour], rng: np.random.Generator, gradient: bool) -> np.ndarray:
    """BGRA from a coverage mask (0-255): one colour, or a linear gradient between two at a random angle."""
    h, w = mask.shape
    out = np.zeros((h, w, 4), np.uint8)
    if gradient:
        angle = float(rng.uniform(0, math.pi))
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        t = xs * math.cos(angle) + ys * math.sin(angle)
        t = (t - t.min()) / max(1e-3, float(t.max() - t.min()))
        a, b = np.array(colours[0], np.float32), np.array(colours[1], np.float32)
        out[:, :, :3] = (a * (1 - t[..., None]) + b * t[..., None]).astype(np.uint8)
    else:
        out[:, :, :3] = colours[0]
    out[:, :, 3] = mask
    return out


def text_mask(text: str, font: Path, size: int, *, tracking: float = 0.0, stroke: int = 0) -> np.ndarray:
    """Coverage (0-255) of `text` set in `font`; letters spaced by `tracking` ems; outlined when stroke > 0."""
    face = ImageFont.truetype(str(font), size)
    advance = [face.getlength(ch) + tracking * size for ch in text]
    width = int(sum(advance) + size + 2 * stroke)
    height = int(size * 1.6 + 2 * stroke)
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    x = size * 0.3 + stroke
    for ch, step in zip(text, advance, strict=True):
        draw.text((x, size * 0.2 + stroke), ch, font=face, fill=255, stroke_width=stroke, stroke_fill=255)
        if stroke:  # an outline letter: the stroke's ring without its inside
            draw.text((x, size * 0.2 + stroke), ch, font=face, fill=0)
        x += step
    mask = np.asarray(image)
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return np.zeros((size, size), np.uint8)
    return np.ascontiguousarray(mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


def name(rng: np.random.Generator) -> str:
    words = [
        "".join(rng.choice(SYLLABLES) for _ in range(int(rng.integers(2, 4)))) for _ in range(1 + (rng.random() < 0.25))
    ]
    text = " ".join(words)
    case = int(rng.integers(3))
    return text.upper() if case == 0 else text.capitalize() if case == 1 else text.lower()


def wordmark(text: str, rng: np.random.Generator, colours: tuple[Colour, Colour]) -> np.ndarray:
    """The brand's name set in a training font: solid, gradient or outlined, spaced or tight, maybe with a bar."""
    font = training_fonts()[int(rng.integers(len(training_fonts())))]
    size = int(rng.integers(90, 150))
    outlined = rng.random() < 0.15
    mask = text_mask(
        text,
        font,
        size,
        tracking=float(rng.choice([0.0, 0.0, 0.05, 0.15, 0.3])),
        stroke=max(2, size // 30) if outlined else 0,
    )
    if rng.random() < 0.3:  # a bar or underline, as many wordmarks carry
        h, w = mask.shape
        bar = np.zeros((h + size // 3, w), np.uint8)
        bar[:h] = mask
        thickness = max(3, int(size * rng.uniform(0.04, 0.12)))
        bar[h + size // 3 - thickness :, : int(w * rng.uniform(0.4, 1.0))] = 255
        mask = bar
    pair = colours if rng.random() < 0.5 else (colours[0], colours[0])
    return _fill(mask, pair, rng, gradient=rng.random() < 0.3)


def line_art(rng: np.random.Generator, colour: Colour) -> np.ndarray:
    """A thin-stroke symbol: arcs, a wave, a hexagon, a leaf; the kind of mark that flat-shape training misses."""
    size = 240
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    width = int(rng.integers(4, 12))
    kind = int(rng.integers(5))
    c = size / 2
    if kind == 0:  # concentric arcs
        for k in range(int(rng.integers(2, 5))):
            r = 30 + 26 * k
            start = float(rng.uniform(0, 360))
            draw.arc((c - r, c - r, c + r, c + r), start, start + float(rng.uniform(180, 320)), fill=255, width=width)
    elif kind == 1:  # waves
        for k in range(int(rng.integers(2, 4))):
            xs = np.linspace(20, size - 20, 60)
            ys = c - 40 + 35 * k + 18 * np.sin(xs / size * 2 * math.pi * float(rng.uniform(1, 2.5)))
            draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=255, width=width, joint="curve")
    elif kind == 2:  # hexagon, outlined, with a cut
        points = [(c + 95 * math.cos(math.pi / 3 * k), c + 95 * math.sin(math.pi / 3 * k)) for k in range(7)]
        draw.line(points, fill=255, width=width * 2, joint="curve")
        draw.rectangle((c - 10, 0, c + 10, c), fill=0)
    elif kind == 3:  # a leaf: two arcs and a vein
        draw.chord((30, 50, 210, 230), 180, 270, fill=255)
        draw.chord((30, 10, 210, 190), 0, 90, fill=255)
        draw.line([(45, 195), (195, 45)], fill=0, width=max(3, width // 2))
    else:  # a monogram-like knot of two rings
        draw.ellipse((30, 60, 150, 180), outline=255, width=width)
        draw.ellipse((90, 60, 210, 180), outline=255, width=width)
    return _tight(_fill(np.asarray(image).copy(), (colour, colour), rng, gradient=False))


def badge(word: np.ndarray, rng: np.random.Generator, colour: Colour) -> np.ndarray:
    """The wordmark knocked out of a filled rounded rectangle or ellipse: a badge logo."""
    h, w = word.shape[:2]
    pad = int(h * rng.uniform(0.3, 0.6))
    shape = Image.new("L", (w + 2 * pad, h + 2 * pad), 0)
    draw = ImageDraw.Draw(shape)
    if rng.random() < 0.6:
        draw.rounded_rectangle(
            (0, 0, w + 2 * pad - 1, h + 2 * pad - 1), radius=int(pad * rng.uniform(0.2, 1.5)), fill=255
        )
    else:
        draw.ellipse((0, 0, w + 2 * pad - 1, h + 2 * pad - 1), fill=255)
    mask = np.asarray(shape).astype(np.int32)
    mask[pad : pad + h, pad : pad + w] -= word[:, :, 3]
    return _fill(np.clip(mask, 0, 255).astype(np.uint8), (colour, colour), rng, gradient=False)


def art_brand(seed: int) -> tuple[str, dict[str, np.ndarray]]:
    """One fictional brand drawn with TTF type: name and logo variants (BGRA) by variant name."""
    rng = np.random.default_rng(seed)
    text = name(rng)
    colours = palette(rng)
    word = wordmark(text, rng, colours)
    style = int(rng.integers(4))
    if style == 0:
        mark = line_art(rng, colours[1])
    elif style == 1:
        mark = symbol(rng, colours[0], colours[1], text[0].upper())
    elif style == 2:
        mark = badge(_fill(text_mask(text[0].upper(), training_fonts()[0], 120), colours, rng, False), rng, colours[0])
    else:
        mark = None
    if mark is None:  # a text-only brand: the wordmark, and the same in a badge
        full = badge(word, rng, colours[1])
        logos = {"wordmark": _tight(word), "badge": _tight(full)}
    else:
        full = (
            above(mark, word, gap_share=5, interpolation=cv2.INTER_LINEAR)
            if rng.random() < 0.3
            else beside(mark, word, gap_share=5)
        )
        logos = {"colour": _tight(full), "wordmark": _tight(word), "symbol": _tight(mark)}
    ink: Colour = (25, 25, 25) if rng.random() < 0.5 else (240, 240, 240)
    logos["mono"] = mono(_tight(full), ink)
    return text, logos


def make_art_brand(folder: Path, seed: int) -> str:
    """Write one drawn brand (its logo variants and brand.toml) into folder; returns its name."""
    text, logos = art_brand(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for variant, image in logos.items():
        cv2.imwrite(str(folder / f"{variant}.png"), image)
    (folder / "brand.toml").write_text(f'name = "{text}"\n')
    return text
