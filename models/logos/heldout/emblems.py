"""Kit B's brands, made another way than kit A's: badges and emblems drawn with Pillow (a seal with its name set
around a circle, a shield, a plate, a stacked two-line wordmark, spaced capitals between bars, an icon built from
font glyphs)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from models.logos.heldout.art import RGB, brand_colours, cropped, hsv, luma, paint, text_mask, trim
from models.logos.heldout.sources import DINGBATS, FACES, Face, font

KINDS = ("seal", "shield", "plate", "stack", "bars", "glyphs")
VARIANTS = ("emblem", "mono", "wordmark")
ICONS = "#%&)*+-.1234567:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz"
"""Dingbat codes whose glyphs read as icons (stars, flowers, crosses, hands, arrows...)."""
SIZE = 1200
"""Emblems are drawn on a canvas this big, then shrunk: Pillow's shapes have no anti-aliasing of their own."""


@dataclass(frozen=True)
class Emblem:
    name: str
    descriptor: str
    kind: str
    face: Face
    small_face: Face
    icon: str
    fill: RGB
    accent: RGB
    ink: RGB
    """The lettering's colour where it does not sit on the fill."""
    mono_ink: RGB
    width: int

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.descriptor}"


def make_emblem(rng: np.random.Generator, name: str, descriptor: str, kind: str) -> Emblem:
    bold = [f for f in FACES if f.weight == "bold"]
    light = [f for f in FACES if f.weight in ("regular", "thin", "italic")]
    fill, accent = brand_colours(rng)
    if luma(accent) < 0.3 and rng.random() < 0.5:
        accent = hsv(float(rng.random()), 0.15, 0.95)  # cream or off-white trim
    return Emblem(
        name=name,
        descriptor=descriptor,
        kind=kind,
        face=bold[int(rng.integers(len(bold)))],
        small_face=light[int(rng.integers(len(light)))],
        icon=ICONS[int(rng.integers(len(ICONS)))],
        fill=fill,
        accent=accent,
        ink=fill if rng.random() < 0.6 else hsv(float(rng.random()), 0.2, 0.15),
        mono_ink=(0.06, 0.06, 0.07) if rng.random() < 0.75 else (0.97, 0.97, 0.95),
        width=int(rng.integers(260, 801)),
    )


def _mask(draw: Image.Image) -> np.ndarray:
    return np.asarray(draw, np.float32) / 255.0


def _blank() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", (SIZE, SIZE))
    return image, ImageDraw.Draw(image)


def _text_at(mask: Image.Image, face: Face, text: str, size: int, centre: tuple[float, float], degrees: float) -> None:
    """Draw `text` centred at `centre`, turned by `degrees`, into the mask."""
    f = font(face, size)
    box = f.getbbox(text, anchor="mm")
    w, h = math.ceil(box[2] - box[0]) + 8, math.ceil(box[3] - box[1]) + 8
    tile = Image.new("L", (w * 2, h * 2))
    ImageDraw.Draw(tile).text((w, h), text, font=f, fill=255, anchor="mm")
    tile = tile.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)
    x, y = round(centre[0] - tile.width / 2), round(centre[1] - tile.height / 2)
    mask.paste(255, (x, y), tile)


def _fitted(face: Face, text: str, width: float, most: int) -> int:
    """The font size at which `text` is `width` px wide (at most `most`)."""
    length = font(face, 100).getlength(text)
    return max(8, min(most, int(100 * width / max(length, 1.0))))


def _arc_text(mask: Image.Image, face: Face, text: str, radius: float, size: int, top: bool) -> None:
    """`text` set along a circle about the canvas centre: over the top (reading clockwise) or under the bottom."""
    f = font(face, size)
    spacing = size * 0.12
    advances = [f.getlength(ch) + spacing for ch in text]
    sweep = sum(advances) / radius
    angle = -math.pi / 2 - sweep / 2 if top else math.pi / 2 + sweep / 2
    c = SIZE / 2
    for ch, adv in zip(text, advances, strict=True):
        step = adv / radius
        mid = angle + step / 2 if top else angle - step / 2
        x, y = c + radius * math.cos(mid), c + radius * math.sin(mid)
        turn = -math.degrees(mid) - 90 if top else -math.degrees(mid) + 90
        _text_at(mask, face, ch, size, (x, y), turn)
        angle = angle + step if top else angle - step


def _seal(e: Emblem) -> list[tuple[np.ndarray, str]]:
    c = SIZE / 2
    fill, d = _blank()
    d.ellipse((40, 40, SIZE - 40, SIZE - 40), fill=255)
    ring, d = _blank()
    r = SIZE * 0.33
    d.ellipse((c - r, c - r, c + r, c + r), outline=255, width=14)
    d.ellipse((60, 60, SIZE - 60, SIZE - 60), outline=255, width=10)
    letters, _ = _blank()
    name = e.name.upper()
    size = int(min(130, 2.3 * math.pi * SIZE * 0.4 / max(len(name), 1) / 1.2 * 0.5))
    _arc_text(letters, e.face, name, SIZE * 0.40, size, top=True)
    _arc_text(letters, e.small_face, e.descriptor.upper(), SIZE * 0.40, int(size * 0.7), top=False)
    for side in (-1, 1):
        _text_at(letters, DINGBATS, "H", int(size * 0.6), (c + side * SIZE * 0.40, c), 0)
    icon, _ = _blank()
    _text_at(icon, DINGBATS, e.icon, int(SIZE * 0.36), (c, c), 0)
    return [(_mask(fill), "fill"), (_mask(ring), "accent"), (_mask(letters), "inner"), (_mask(icon), "inner")]


def _shield(e: Emblem) -> list[tuple[np.ndarray, str]]:
    def outline(inset: float) -> list[tuple[float, float]]:
        left, right, top = 150 + inset, SIZE - 150 - inset, 60 + inset
        pts = [(left, top), (right, top), (right, SIZE * 0.55)]
        for i in range(1, 20):  # the pointed, curved bottom
            t = i / 20
            pts.append(
                (
                    right - (right - SIZE / 2) * t,
                    SIZE * 0.55 + (SIZE - 70 - inset - SIZE * 0.55) * math.sin(t * math.pi / 2),
                )
            )
        pts.append((SIZE / 2, SIZE - 70 - inset))
        pts += [(SIZE - x, y) for x, y in reversed(pts[2:-1])]
        return pts

    fill, d = _blank()
    d.polygon(outline(0), fill=255)
    trim_line, d = _blank()
    d.line([*outline(36), outline(36)[0]], fill=255, width=14, joint="curve")
    letters, _ = _blank()
    name = e.name.upper()
    _text_at(letters, e.face, name, _fitted(e.face, name, SIZE * 0.58, 200), (SIZE / 2, SIZE * 0.52), 0)
    words = e.descriptor.upper()
    _text_at(letters, e.small_face, words, _fitted(e.small_face, words, SIZE * 0.34, 90), (SIZE / 2, SIZE * 0.68), 0)
    icon, _ = _blank()
    _text_at(icon, DINGBATS, e.icon, int(SIZE * 0.2), (SIZE / 2, SIZE * 0.26), 0)
    return [(_mask(fill), "fill"), (_mask(trim_line), "accent"), (_mask(letters), "inner"), (_mask(icon), "inner")]


def _plate(e: Emblem) -> list[tuple[np.ndarray, str]]:
    name = e.name.upper() if len(e.name) < 8 else e.name
    size = _fitted(e.face, name, SIZE * 0.68, 260)
    height = size * 1.7
    top, bottom = SIZE / 2 - height / 2, SIZE / 2 + height / 2
    fill, d = _blank()
    d.rounded_rectangle((30, top, SIZE - 30, bottom), radius=height * 0.3, fill=255)
    letters, _ = _blank()
    _text_at(letters, e.face, name, size, (SIZE * 0.58, SIZE / 2), 0)
    _text_at(letters, DINGBATS, e.icon, int(size * 0.9), (SIZE * 0.13, SIZE / 2), 0)
    bar, d = _blank()
    d.rectangle((SIZE * 0.23, bottom + 24, SIZE * 0.93, bottom + 24 + size * 0.12), fill=255)
    return [(_mask(fill), "fill"), (_mask(letters), "inner"), (_mask(bar), "accent")]


def _stack(e: Emblem) -> list[tuple[np.ndarray, str]]:
    big = e.name.upper() if len(e.name) < 7 else e.name
    size = _fitted(e.face, big, SIZE * 0.9, 330)
    words, _ = _blank()
    _text_at(words, e.face, big, size, (SIZE / 2, SIZE / 2 - size * 0.45), 0)
    small = " ".join(e.descriptor.upper())
    below, _ = _blank()
    _text_at(
        below, e.small_face, small, _fitted(e.small_face, small, SIZE * 0.8, 140), (SIZE / 2, SIZE / 2 + size * 0.62), 0
    )
    rule, d = _blank()
    d.rectangle((SIZE * 0.08, SIZE / 2 + size * 0.12, SIZE * 0.92, SIZE / 2 + size * 0.12 + 12), fill=255)
    return [(_mask(words), "free"), (_mask(rule), "accent"), (_mask(below), "free")]


def _bars(e: Emblem) -> list[tuple[np.ndarray, str]]:
    name = " ".join(e.name.upper())
    size = _fitted(e.face, name, SIZE * 0.86, 200)
    words, _ = _blank()
    _text_at(words, e.face, name, size, (SIZE / 2, SIZE / 2), 0)
    bars, d = _blank()
    gap, thick = size * 0.55, max(10, size * 0.1)
    for y in (SIZE / 2 - size * 0.5 - gap * 0.4, SIZE / 2 + size * 0.5 + gap * 0.4 - thick):
        d.rectangle((SIZE * 0.05, y, SIZE * 0.95, y + thick), fill=255)
    _text_at(bars, DINGBATS, e.icon, int(size * 0.7), (SIZE / 2, SIZE / 2 - size * 0.5 - gap * 1.25), 0)
    return [(_mask(words), "free"), (_mask(bars), "accent")]


def _glyphs(e: Emblem) -> list[tuple[np.ndarray, str]]:
    box, d = _blank()
    side = SIZE * 0.3
    x0, y0 = SIZE * 0.04, SIZE / 2 - side / 2
    d.rounded_rectangle((x0, y0, x0 + side, y0 + side), radius=side * 0.22, fill=255)
    icon, _ = _blank()
    letter = e.name[0].upper()
    _text_at(icon, e.face, letter, int(side * 0.8), (x0 + side * 0.42, y0 + side * 0.52), 0)
    _text_at(icon, e.face, letter, int(side * 0.8), (x0 + side * 0.58, y0 + side * 0.48), 180)
    mark, _ = _blank()
    _text_at(mark, DINGBATS, e.icon, int(side * 0.32), (x0 + side * 0.82, y0 + side * 0.18), 0)
    words, _ = _blank()
    name = e.name
    _text_at(words, e.face, name, _fitted(e.face, name, SIZE * 0.6, int(side * 0.75)), (SIZE * 0.67, SIZE / 2), 0)
    return [(_mask(box), "fill"), (_mask(icon), "inner"), (_mask(mark), "accent"), (_mask(words), "free")]


def _contrast(c: RGB, fill: RGB, accent: RGB) -> float:
    """How well lettering in c reads on the fill; the brand's accent wins when it reads well enough."""
    return abs(luma(c) - luma(fill)) + (0.25 if c == accent else 0.0)


DRAW = {"seal": _seal, "shield": _shield, "plate": _plate, "stack": _stack, "bars": _bars, "glyphs": _glyphs}


def render_emblem(e: Emblem) -> dict[str, tuple[np.ndarray, int]]:
    """Each logo file of the brand: variant -> (premultiplied RGBA, width in px)."""
    layers = cropped(DRAW[e.kind](e))
    on_fill = max([e.accent, (0.97, 0.97, 0.95), (0.08, 0.08, 0.1)], key=lambda c: _contrast(c, e.fill, e.accent))
    colour = paint(layers, {"fill": e.fill, "accent": e.accent, "inner": on_fill, "free": e.ink})
    mono_layers = [(cov, "knock" if role == "inner" else "ink") for cov, role in layers]
    mono = paint(mono_layers, {"ink": e.mono_ink})
    wordmark = paint([(text_mask(e.face, e.name.upper(), 160, tracking=0.12), "ink")], {"ink": e.ink})
    return {
        "emblem": (trim(colour), e.width),
        "mono": (trim(mono), e.width),
        "wordmark": (wordmark, max(200, round(e.width * 0.8))),
    }


def lookalike(e: Emblem, rng: np.random.Generator, how: str, name: str, colours: tuple[RGB, RGB]) -> Emblem:
    """An emblem made to be mistaken for `e`: "shape" keeps its kind and icon (other colours and name), "colour"
    keeps its colours (another kind, icon and name), "name" keeps its font and first letters (another word, kind
    and colours)."""
    other_kind = str(rng.choice([k for k in KINDS if k != e.kind]))
    other_icon = str(rng.choice([c for c in ICONS if c != e.icon]))
    if how == "shape":
        ink = colours[0] if luma(e.ink) > 0.25 else e.ink
        return dataclasses.replace(e, name=name, fill=colours[0], accent=colours[1], ink=ink)
    if how == "colour":
        return dataclasses.replace(e, name=name, kind=other_kind, icon=other_icon)
    return dataclasses.replace(e, name=name, kind=other_kind, icon=other_icon, fill=colours[0], accent=colours[1])
