"""Fictional brands for training and evaluation: a name, a wordmark, a symbol, colour and mono variants."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

SYLLABLES = ("ka", "lo", "mi", "ze", "ru", "ta", "no", "vi", "spa", "tro", "qua", "bel", "dor", "fen", "gri", "xo")
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
)


def brand_name(rng: np.random.Generator) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(int(rng.integers(2, 4)))).capitalize()


def _crop(rgba: np.ndarray, pad: int = 4) -> np.ndarray:
    ys, xs = np.nonzero(rgba[:, :, 3])
    y0, y1 = max(0, ys.min() - pad), min(rgba.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(rgba.shape[1], xs.max() + pad + 1)
    return rgba[y0:y1, x0:x1].copy()


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    hue = int(rng.integers(0, 180))
    hsv = np.array([[[hue, int(rng.integers(150, 256)), int(rng.integers(120, 240))]]], np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def wordmark(name: str, rng: np.random.Generator, colour: tuple[int, int, int]) -> np.ndarray:
    font = FONTS[int(rng.integers(len(FONTS)))]
    scale, thickness = 3.0, int(rng.integers(4, 10))
    (w, h), base = cv2.getTextSize(name, font, scale, thickness)
    canvas = np.zeros((h + base + 20, w + 20, 4), np.uint8)
    cv2.putText(canvas, name, (10, h + 10), font, scale, (*colour, 255), thickness, cv2.LINE_AA)
    if rng.random() < 0.5:  # an underline swoosh, as many wordmarks have
        cv2.line(canvas, (10, h + base + 12), (w + 10, h + base + 8), (*colour, 255), max(2, thickness // 2))
    return _crop(canvas)


def symbol(
    rng: np.random.Generator, colour: tuple[int, int, int], accent: tuple[int, int, int], initial: str = "A"
) -> np.ndarray:
    size = 200
    canvas = np.zeros((size, size, 4), np.uint8)
    c = size // 2
    kind = int(rng.integers(8))
    if kind == 0:  # ring with a bar
        cv2.circle(canvas, (c, c), 80, (*colour, 255), 22, cv2.LINE_AA)
        cv2.rectangle(canvas, (c - 12, 30), (c + 12, 170), (*accent, 255), -1)
    elif kind == 1:  # star
        points = [
            (
                c + (85 if k % 2 == 0 else 35) * math.cos(math.pi * k / 5 - math.pi / 2),
                c + (85 if k % 2 == 0 else 35) * math.sin(math.pi * k / 5 - math.pi / 2),
            )
            for k in range(10)
        ]
        cv2.fillPoly(canvas, [np.array(points, np.int32)], (*colour, 255), cv2.LINE_AA)
    elif kind == 2:  # triangle in a square
        cv2.rectangle(canvas, (20, 20), (180, 180), (*colour, 255), -1)
        cv2.fillPoly(canvas, [np.array([(c, 40), (160, 160), (40, 160)], np.int32)], (*accent, 255), cv2.LINE_AA)
    elif kind == 3:  # stacked bars
        for k in range(4):
            cv2.rectangle(
                canvas, (30, 30 + 38 * k), (170 - 25 * k, 55 + 38 * k), (*(colour if k % 2 else accent), 255), -1
            )
    elif kind == 4:  # the initial in a disc
        cv2.circle(canvas, (c, c), 90, (*colour, 255), -1, cv2.LINE_AA)
        font = FONTS[int(rng.integers(len(FONTS)))]
        (w, h), _ = cv2.getTextSize(initial, font, 4.0, 12)
        cv2.putText(canvas, initial, (c - w // 2, c + h // 2), font, 4.0, (*accent, 255), 12, cv2.LINE_AA)
    elif kind == 5:  # an irregular polygon with a hole
        n = int(rng.integers(5, 9))
        angles = np.sort(rng.uniform(0, 2 * math.pi, n))
        radii = rng.uniform(50, 95, n)
        outer = np.stack([c + radii * np.cos(angles), c + radii * np.sin(angles)], axis=1).astype(np.int32)
        cv2.fillPoly(canvas, [outer], (*colour, 255), cv2.LINE_AA)
        cv2.circle(canvas, (c, c), int(rng.integers(15, 35)), (*accent, 255), -1, cv2.LINE_AA)
    elif kind == 6:  # chevrons
        for k in range(3):
            y = 40 + 45 * k
            pts = np.array([(30, y), (c, y + 40), (170, y), (170, y + 22), (c, y + 62), (30, y + 22)], np.int32)
            cv2.fillPoly(canvas, [pts], (*(accent if k == 1 else colour), 255), cv2.LINE_AA)
    else:  # concentric rings, cut
        for k, radius in enumerate((90, 62, 34)):
            cv2.circle(canvas, (c, c), radius, (*(colour if k % 2 == 0 else accent), 255), 14, cv2.LINE_AA)
        cut = int(rng.integers(0, 180))
        cv2.ellipse(canvas, (c, c), (100, 100), cut, 0, 40, (0, 0, 0, 0), -1)
    return _crop(canvas)


def beside(a: np.ndarray, b: np.ndarray, *, gap_share: int = 6) -> np.ndarray:
    """Symbol and wordmark side by side at the same height, 1/gap_share of it apart: the brand's full logo."""
    h = max(a.shape[0], b.shape[0])

    def fit(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, (max(1, round(x.shape[1] * h / x.shape[0])), h), interpolation=cv2.INTER_AREA)

    gap = np.zeros((h, h // gap_share, 4), np.uint8)
    return np.hstack([fit(a), gap, fit(b)])


def above(a: np.ndarray, b: np.ndarray, *, gap_share: int = 6, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """Symbol over wordmark, centred: the stacked lock-up some brands use; beside() when the symbol, at twice
    the wordmark's height, would be wider than it."""
    w = max(a.shape[1], b.shape[1])

    def centre(x: np.ndarray) -> np.ndarray:
        left = (w - x.shape[1]) // 2
        return cv2.copyMakeBorder(x, 0, 0, left, w - x.shape[1] - left, cv2.BORDER_CONSTANT, value=(0, 0, 0, 0))

    size = (max(1, a.shape[1] * b.shape[0] * 2 // a.shape[0]), b.shape[0] * 2)
    mark = cv2.resize(a, size, interpolation=interpolation)
    if mark.shape[1] > w:
        return beside(a, b, gap_share=gap_share)
    gap = np.zeros((b.shape[0] // 4, w, 4), np.uint8)
    return np.vstack([centre(mark), gap, centre(b)])


def mono(rgba: np.ndarray, ink: tuple[int, int, int]) -> np.ndarray:
    out = rgba.copy()
    out[:, :, :3] = ink
    return out


def brand_logos(seed: int) -> tuple[str, dict[str, np.ndarray]]:
    """One fictional brand: its name and its four logo variants (BGRA) by variant name."""
    rng = np.random.default_rng(seed)
    name = brand_name(rng)
    colour, accent = _colour(rng), _colour(rng)
    word = wordmark(name, rng, colour)
    mark = symbol(rng, colour, accent, name[0])
    full = above(mark, word) if rng.random() < 0.3 else beside(mark, word)
    ink = (20, 20, 20) if rng.random() < 0.5 else (235, 235, 235)
    return name, {"colour": full, "mono": mono(full, ink), "wordmark": word, "symbol": mark}


def make_brand(folder: Path, seed: int) -> str:
    """Write one fictional brand (four logo variants and brand.toml) into folder; returns its name."""
    name, logos = brand_logos(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for variant, image in logos.items():
        cv2.imwrite(str(folder / f"{variant}.png"), image)
    (folder / "brand.toml").write_text(f'name = "{name}"\n')
    return name


def make_kit(folder: Path, brands: int, seed: int) -> list[str]:
    """A kit of fictional brands, folders brand_00, brand_01...; the seed keeps training and held-out kits apart."""
    return [make_brand(folder / f"brand_{k:02d}", seed * 1000 + k) for k in range(brands)]


def make_sim_sponsor(folder: Path) -> None:
    """The simulated rig's own sponsor, ORBITA, whose logo the participant wears: its full logo and its ring."""
    from rig.sim.scene import draw_logo

    folder.mkdir(parents=True, exist_ok=True)
    logo = draw_logo(720, 160)
    cv2.imwrite(str(folder / "logo.png"), _crop(logo))
    cv2.imwrite(str(folder / "symbol.png"), _crop(logo[:, :142]))  # the ring, before the O
    (folder / "brand.toml").write_text('name = "Orbita"\n')


def make_demo_kit(folder: Path, brands: int, seed: int) -> list[str]:
    """A kit to try tagging with: the simulated rig's sponsor (folder orbita) and `brands` fictional ones."""
    make_sim_sponsor(folder / "orbita")
    return ["Orbita", *make_kit(folder, brands=brands, seed=seed)]
