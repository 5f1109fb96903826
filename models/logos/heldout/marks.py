"""Kit A's brands: a wordmark in one of the evaluation fonts beside or above a drawn symbol."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from models.logos.heldout.art import (
    RGB,
    brand_colours,
    gradient,
    hsv,
    luma,
    pad,
    paint,
    place,
    resize,
    text_mask,
    trim,
)
from models.logos.heldout.shapes import SYMBOLS, Glyph, draw_symbol
from models.logos.heldout.sources import FACES, Face

STYLES = ("plain", "bold", "spaced", "outline", "thin")
SYMBOL_PX = 480
TEXT_PX = 150
VARIANTS = ("colour", "mono", "wordmark", "symbol")


@dataclass(frozen=True)
class Mark:
    """A kit A brand: everything its logo files are drawn from."""

    name: str
    face: Face
    style: str
    case: str
    symbol: str
    symbol_seed: int
    primary: RGB
    secondary: RGB
    text: RGB
    gradient: bool
    """The symbol's "gradient" paint runs from primary into secondary (else it is plain primary)."""
    text_gradient: bool
    layout: str
    """"side": the symbol left of the wordmark; "above": over it."""
    mono_ink: RGB
    width: int
    """The full logo's width in its files, px."""

    @property
    def lettering(self) -> str:
        return {"upper": self.name.upper(), "lower": self.name.lower()}.get(self.case, self.name)


def faces_for(style: str) -> list[Face]:
    weights = {"bold": ("bold",), "thin": ("thin",), "outline": ("bold",), "spaced": ("bold", "regular")}
    wanted = weights.get(style, ("regular", "italic", "bold"))
    return [f for f in FACES if f.weight in wanted]


def make_mark(rng: np.random.Generator, name: str, symbol: str, style: str | None = None) -> Mark:
    style = style or str(rng.choice(STYLES))
    faces = faces_for(style)
    face = faces[int(rng.integers(len(faces)))]
    primary, secondary = brand_colours(rng)
    dark = hsv(float(rng.random()), 0.15, float(rng.uniform(0.08, 0.2)))
    text = [primary, secondary, dark][int(rng.choice([0, 1, 2], p=[0.35, 0.25, 0.4]))]
    return Mark(
        name=name,
        face=face,
        style=style,
        case="upper" if style == "spaced" else str(rng.choice(["upper", "title", "lower", "title"])),
        symbol=symbol,
        symbol_seed=int(rng.integers(1 << 30)),
        primary=primary,
        secondary=secondary,
        text=text,
        gradient=bool(rng.random() < 0.5),
        text_gradient=bool(rng.random() < 0.25),
        layout="side" if rng.random() < 0.65 else "above",
        mono_ink=(0.07, 0.07, 0.08)
        if rng.random() < 0.7
        else (min(primary[0], 0.45), min(primary[1], 0.45), min(primary[2], 0.45)),
        width=int(rng.integers(320, 801)),
    )


def other_symbol(rng: np.random.Generator, kind: str) -> str:
    return str(rng.choice([k for k in SYMBOLS if k != kind]))


def wordmark_mask(mark: Mark) -> np.ndarray:
    size = TEXT_PX
    if mark.style == "spaced":
        return text_mask(mark.face, mark.lettering, size, tracking=0.28)
    if mark.style == "outline":
        return text_mask(mark.face, mark.lettering, size, outline=max(3, size // 28))
    if mark.style == "bold":
        return text_mask(mark.face, mark.lettering, size, stroke=max(1, size // 60))
    return text_mask(mark.face, mark.lettering, size, tracking=0.02 if mark.style == "thin" else 0.0)


def _glyph(face: Face) -> Glyph:
    def glyph(letter: str, size: int) -> np.ndarray:
        mask = text_mask(face, letter, size)
        h, w = mask.shape
        scale = 0.95 * size / max(h, w) if max(h, w) > 0 else 1.0
        inner = resize(mask, max(1, round(w * scale * 0.62)), max(1, round(h * scale * 0.62)))
        out = np.zeros((size, size), np.float32)
        y, x = (size - inner.shape[0]) // 2, (size - inner.shape[1]) // 2
        out[y : y + inner.shape[0], x : x + inner.shape[1]] = inner
        return out

    return glyph


def symbol_layers(mark: Mark) -> list[tuple[np.ndarray, str]]:
    return draw_symbol(mark.symbol, mark.symbol_seed, SYMBOL_PX, _glyph(mark.face), mark.name[0].upper())


def _symbol(mark: Mark, mono: bool) -> np.ndarray:
    layers = symbol_layers(mark)
    shape = layers[0][0].shape
    if mono:
        colours: dict[str, RGB | np.ndarray] = {r: mark.mono_ink for r in ("primary", "secondary", "gradient")}
    else:
        shade = mark.secondary if mark.gradient else mark.primary
        colours = {
            "primary": mark.primary,
            "secondary": mark.secondary if luma(mark.secondary) > 0.05 else mark.text,
            "gradient": gradient(shape, mark.primary, shade, 60.0),
        }
    return trim(paint(layers, colours))


def _wordmark(mark: Mark, mono: bool) -> np.ndarray:
    mask = wordmark_mask(mark)
    if mono:
        return paint([(mask, "ink")], {"ink": mark.mono_ink})
    if mark.text_gradient:
        return paint([(mask, "ink")], {"ink": gradient(mask.shape, mark.primary, mark.secondary, 0.0)})
    return paint([(mask, "ink")], {"ink": mark.text})


def _lockup(symbol: np.ndarray, words: np.ndarray, layout: str) -> np.ndarray:
    th, tw = words.shape[:2]
    if layout == "side":
        side = round(th * 1.35)
        sym = resize(symbol, max(1, round(symbol.shape[1] * side / symbol.shape[0])), side)
        gap = round(side * 0.28)
        canvas = np.zeros((max(side, th), sym.shape[1] + gap + tw, 4), np.float32)
        place(canvas, sym, 0, (canvas.shape[0] - side) // 2)
        place(canvas, words, sym.shape[1] + gap, (canvas.shape[0] - th) // 2)
        return canvas
    width = min(round(tw * 0.42), round(th * 2.6))
    sym = resize(symbol, width, max(1, round(symbol.shape[0] * width / symbol.shape[1])))
    gap = round(th * 0.3)
    canvas = np.zeros((sym.shape[0] + gap + th, max(tw, sym.shape[1]), 4), np.float32)
    place(canvas, sym, (canvas.shape[1] - sym.shape[1]) // 2, 0)
    place(canvas, words, (canvas.shape[1] - tw) // 2, sym.shape[0] + gap)
    return canvas


def render_mark(mark: Mark) -> dict[str, tuple[np.ndarray, int]]:
    """Each logo file of the brand: variant -> (premultiplied RGBA, width in px)."""
    colour = _lockup(_symbol(mark, False), _wordmark(mark, False), mark.layout)
    mono = _lockup(_symbol(mark, True), _wordmark(mark, True), mark.layout)
    words = _wordmark(mark, False)
    symbol_width = int(np.clip(mark.width * 0.45, 200, 420))
    return {
        "colour": (pad(colour, 4), mark.width),
        "mono": (pad(mono, 4), mark.width),
        "wordmark": (pad(words, 4), max(200, round(mark.width * 0.85))),
        "symbol": (pad(_symbol(mark, False), 4), symbol_width),
    }


def lookalike(mark: Mark, rng: np.random.Generator, how: str, name: str, colours: tuple[RGB, RGB]) -> Mark:
    """A brand made to be mistaken for `mark`: "shape" keeps its symbol (other colours, another name), "colour"
    keeps its colours (another symbol and name), "name" keeps its font and first letters (another word, symbol
    and colours)."""
    if how == "shape":
        return dataclasses.replace(mark, name=name, primary=colours[0], secondary=colours[1], text=colours[0])
    if how == "colour":
        return dataclasses.replace(
            mark, name=name, symbol=other_symbol(rng, mark.symbol), symbol_seed=int(rng.integers(1 << 30))
        )
    return dataclasses.replace(
        mark,
        name=name,
        symbol=other_symbol(rng, mark.symbol),
        symbol_seed=int(rng.integers(1 << 30)),
        primary=colours[0],
        secondary=colours[1],
        text=mark.text if luma(mark.text) < 0.25 else colours[0],
    )
