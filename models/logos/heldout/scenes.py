"""One image of the set: a photograph with logos printed on things in it, turned, bent, lit, blurred, partly
covered, then through a camera's sensor and JPEG; with the true box and attributes of every logo shown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from models.logos.heldout.art import RGB, hsv, luma, paint, text_mask, trim
from models.logos.heldout.occluders import occluder, shadow_of
from models.logos.heldout.photo import backdrop, blurred, jpeg, light_field, sensor
from models.logos.heldout.shapes import SYMBOLS, draw_symbol
from models.logos.heldout.sources import FACES
from models.logos.heldout.surfaces import BUILDERS, FABRICS, Carrier, cup, mean_luma, one_ink
from models.logos.heldout.warp import Pose, Projected, Surface, project, screen_box, world

SURFACE_ODDS = {"flat": 0.22, "fabric": 0.24, "cup": 0.16, "banner": 0.2, "sticker": 0.18}
MIN_WIDTH, MAX_WIDTH = 24.0, 400.0
PLAIN_ENOUGH = 0.035
"""The most a photo's coarse luminance may vary (its spread, sRGB) where a logo is painted straight onto it."""
OCCLUDED_SHARE = 0.27
"""About a quarter of the logos are partly covered."""


@dataclass(frozen=True)
class Artwork:
    """A logo file ready to print: premultiplied RGBA (sRGB, float32) and where it comes from."""

    owner: str
    variant: str
    rgba: np.ndarray
    one_ink: bool
    """Drawn in a single ink (a mono file): any mono print of the brand uses this file's shape."""


@dataclass
class Shown:
    """A logo (or look-alike) in the image: its box, its coverage, how it is shown."""

    art: Artwork
    box: tuple[int, int, int, int]
    x0: int
    y0: int
    coverage: np.ndarray
    attributes: dict[str, Any]
    like: str = ""
    how: str = ""


@dataclass
class Scene:
    size: tuple[int, int]
    rng: np.random.Generator
    image: np.ndarray = field(init=False)
    """Linear RGB, float32."""
    light: np.ndarray = field(init=False)
    direction: tuple[float, float, float] = field(init=False)
    focal: float = field(init=False)
    shown: list[Shown] = field(default_factory=list)
    taken: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Boxes that later things must not cover: the logos and look-alikes placed so far."""
    photo: str = ""
    detail: np.ndarray | None = None
    """How busy the photograph is where (found when first needed)."""

    def __post_init__(self) -> None:
        self.image, self.photo = backdrop(self.rng, self.size)
        self.light, self.direction = light_field(self.rng, self.size)
        self.focal = self.size[0] * float(self.rng.uniform(0.9, 1.7))


def from_bgra(bgra: np.ndarray) -> np.ndarray:
    """A kit file's BGRA uint8 pixels as premultiplied RGBA float32."""
    rgba = bgra[..., [2, 1, 0, 3]].astype(np.float32) / 255.0
    rgba[..., :3] *= rgba[..., 3:]
    return rgba


_DECODE = (np.arange(4096, dtype=np.float32) / 4095) ** 2.2


def _linear(picture: np.ndarray) -> np.ndarray:
    """Premultiplied sRGB to premultiplied linear light (through a table: a power per pixel is slow)."""
    a = picture[..., 3:]
    straight = picture[..., :3] / np.maximum(a, 1e-4)
    index = np.clip(straight * 4095 + 0.5, 0, 4095).astype(np.uint16)
    out = np.empty(picture.shape, np.float32)
    out[..., :3] = _DECODE[index] * a
    out[..., 3:] = a
    return out


def _shrink(rgba: np.ndarray, width: int) -> np.ndarray:
    height = max(4, round(rgba.shape[0] * width / rgba.shape[1]))
    interpolation = cv2.INTER_AREA if width < rgba.shape[1] else cv2.INTER_CUBIC
    return np.clip(cv2.resize(rgba, (width, height), interpolation=interpolation), 0, 1).astype(np.float32)


def _ink(rng: np.random.Generator, ground: float | None) -> RGB:
    """One ink: white or black against the ground where known, or another that shows on it; else any."""
    choice = [(0.96, 0.96, 0.95), (0.05, 0.05, 0.06), (0.8, 0.65, 0.25), hsv(float(rng.random()), 0.7, 0.6)]
    ink: RGB = choice[int(rng.integers(len(choice)))]
    if ground is not None and (rng.random() < 0.75 or abs(luma(ink) - ground) < 0.3):
        return (0.96, 0.96, 0.95) if ground < 0.45 else (0.05, 0.05, 0.06)
    return ink


def _pose_angles(rng: np.random.Generator) -> tuple[float, float, float]:
    yaw = float(rng.uniform(0, 60)) * float(rng.choice([-1, 1]))
    return yaw, float(rng.uniform(-15, 15)), float(rng.uniform(-20, 20))


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float], margin: float = 4.0) -> bool:
    return a[0] - margin < b[2] and b[0] - margin < a[2] and a[1] - margin < b[3] and b[1] - margin < a[3]


def place(
    scene: Scene,
    art: Artwork,
    *,
    surface: str | None = None,
    width: float | None = None,
    mono: bool | None = None,
    mono_shape: Artwork | None = None,
    record: bool = True,
) -> Shown | None:
    """Print `art` on a surface somewhere in the scene, `width` px wide as seen; None when it found no room.
    A mono print takes `mono_shape`'s shape (the brand's one-ink file) in one ink."""
    rng = scene.rng
    w, h = scene.size
    kind = surface or str(rng.choice(list(SURFACE_ODDS), p=list(SURFACE_ODDS.values())))
    target = width or float(np.exp(rng.uniform(math.log(MIN_WIDTH), math.log(MAX_WIDTH))))
    mono = bool(rng.random() < 0.15) if mono is None else mono
    yaw, pitch, roll = _pose_angles(rng)
    source = art
    if mono and not art.one_ink and mono_shape is not None:
        source = mono_shape
    # about a picture pixel per screen pixel where the logo is seen most squeezed: a plane turned by yaw shrinks
    # it across by cos(yaw); on a cup the turn is round the cup, and the logo faces the camera shrunk by its arc
    squeeze = 0.8 if kind == "cup" else max(math.cos(math.radians(yaw)), 0.45)
    texture_width = int(np.clip(1.15 * target / squeeze, 28, 900))
    picture = _shrink(source.rgba, texture_width)
    cloth = FABRICS[int(rng.integers(len(FABRICS)))]
    if mono and not source.one_ink:
        picture = one_ink(picture[..., 3], _ink(rng, luma(cloth) if kind == "fabric" else None))
    elif mono:
        ground = luma(cloth) if kind == "fabric" else None
        picture = one_ink(picture[..., 3], _ink(rng, ground)) if ground is not None else picture
    if kind == "cup":
        carrier = cup(rng, picture, (0.0, float(rng.uniform(3, 25)), float(rng.uniform(-15, 15))), yaw)
    elif kind == "fabric":
        carrier = BUILDERS[kind](rng, picture, (yaw, pitch, roll), cloth)
    else:
        carrier = BUILDERS[kind](rng, picture, (yaw, pitch, roll))
    picture = carrier.picture
    rx0, ry0, rx1, ry1 = carrier.region
    region = (float(rx0), float(ry0), float(rx1), float(ry1))
    pose = Pose(*carrier.turn, centre=(w / 2, h / 2), depth=scene.focal, focal=scene.focal)
    lx0, _, lx1, _ = screen_box(carrier.surface, pose, scene.size, region)
    depth = scene.focal * (carrier.frontal or max(lx1 - lx0, 1.0)) / target
    pose = Pose(*carrier.turn, centre=(w / 2, h / 2), depth=depth, focal=scene.focal)
    whole = screen_box(carrier.surface, pose, scene.size)
    logo = screen_box(carrier.surface, pose, scene.size, region)
    # paint goes on the photo's plain parts (a wall, sand, sky), not on foliage: try the quietest of a few places
    free: list[tuple[float, float, float]] = []
    for _ in range(40 if carrier.ink else 25):
        cx = float(rng.uniform(w / 2 - logo[0] + 3, w / 2 + (w - logo[2]) - 3)) if logo[2] - logo[0] < w - 8 else w / 2
        cy = float(rng.uniform(h / 2 - logo[1] + 3, h / 2 + (h - logo[3]) - 3)) if logo[3] - logo[1] < h - 8 else h / 2
        dx, dy = cx - w / 2, cy - h / 2
        moved = (whole[0] + dx, whole[1] + dy, whole[2] + dx, whole[3] + dy)
        if not any(_overlaps(moved, t) for t in scene.taken):
            free.append((_busyness(scene, moved) if carrier.ink else 0.0, cx, cy))
            if not carrier.ink or len(free) == 6:
                break
    if not free:
        return None
    busy, cx, cy = min(free)
    if carrier.ink and busy > PLAIN_ENOUGH:  # no plain part of this photo to paint on: print on something
        others = [k for k in SURFACE_ODDS if k != "flat"]
        return place(
            scene, art, surface=str(rng.choice(others)), width=target, mono=mono, mono_shape=mono_shape, record=record
        )
    dx, dy = cx - w / 2, cy - h / 2
    pose = Pose(*carrier.turn, centre=(cx, cy), depth=depth, focal=scene.focal)
    if carrier.ink:  # ink that would vanish into the surface it is printed on is printed in one ink that shows
        ground = _ground(scene, (logo[0] + dx, logo[1] + dy, logo[2] + dx, logo[3] + dy))
        if abs(mean_luma(carrier.picture) - ground) < 0.3:
            ink: RGB = (0.96, 0.96, 0.95) if ground < 0.5 else (0.05, 0.05, 0.06)
            picture = one_ink(carrier.picture[..., 3], ink)
            mono = True
    seen = project(
        picture,
        carrier.logo,
        carrier.surface,
        pose,
        scene.size,
        light=scene.direction,
        material=carrier.material,
        decode=_linear,
    )
    if seen is None:
        return None
    if carrier.rim is not None:
        seen = _with_rim(seen, carrier.rim, pose, scene)
    ys, xs = np.nonzero(seen.channels[..., 0] > 0.2)  # thin strokes seen small cover only part of a pixel
    if len(xs) < 12:
        return None
    box = (int(xs.min()) + seen.x0, int(ys.min()) + seen.y0, int(xs.max()) + seen.x0 + 1, int(ys.max()) + seen.y0 + 1)
    if not 0.85 * MIN_WIDTH <= box[2] - box[0] <= 1.1 * MAX_WIDTH:  # a cup's turn can squeeze a logo out of range
        return None
    if box[0] < 1 or box[1] < 1 or box[2] > w - 1 or box[3] > h - 1 or any(_overlaps(box, t, 6) for t in scene.taken):
        return None
    if any(_covers(seen, t) for t in scene.taken):
        return None
    sigma, motion, angle = _blur(rng)
    _composite(scene, carrier, seen, sigma, motion, angle)
    bend = _bend(carrier)
    attributes = {
        "width": box[2] - box[0],
        "yaw": round(carrier.yaw, 1),
        "roll": round(carrier.turn[2], 1),
        "bend": round(bend, 3),
        "blur": round(sigma, 2),
        "motion": round(motion, 1),
        "occluded": 0.0,
        "mono": bool(mono or art.one_ink),
        "surface": carrier.kind,
        "variant": art.variant,
        "at_least_40px": box[2] - box[0] >= 40,
    }
    shown = Shown(art, box, seen.x0, seen.y0, seen.channels[..., 0].copy(), attributes)
    if record:
        scene.taken.append(box)
        scene.shown.append(shown)
    return shown


def _busyness(scene: Scene, box: tuple[float, float, float, float]) -> float:
    """How much the photograph varies in the box (0: plain): the spread of its coarse luminance."""
    if scene.detail is None:
        coarse = cv2.resize(scene.image, (scene.size[0] // 8, scene.size[1] // 8), interpolation=cv2.INTER_AREA)
        small = (coarse.mean(axis=2) ** (1 / 2.2)).astype(np.float32)
        mean = cv2.blur(small, (3, 3))
        scene.detail = np.sqrt(np.maximum(cv2.blur(small * small, (3, 3)) - mean * mean, 0))
    d = scene.detail
    x0, y0 = int(np.clip(box[0] // 8, 0, d.shape[1] - 1)), int(np.clip(box[1] // 8, 0, d.shape[0] - 1))
    x1, y1 = int(np.clip(box[2] // 8 + 1, x0 + 1, d.shape[1])), int(np.clip(box[3] // 8 + 1, y0 + 1, d.shape[0]))
    return float(d[y0:y1, x0:x1].mean())


def _with_rim(seen: Projected, rim: tuple[float, float, float, RGB], pose: Pose, scene: Scene) -> Projected:
    """A cup's opening behind its body: the inside, darker towards the back, and a light lip round it."""
    radius, top, axis, colour = rim
    theta = np.linspace(0, 2 * math.pi, 120, endpoint=False)
    ring = np.stack([radius * np.sin(theta), np.full_like(theta, top), axis - radius * np.cos(theta)], axis=1)
    _, sx, sy = world(Surface(ring[None].astype(np.float32), 1.0), pose, scene.size)
    sx, sy = sx[0], sy[0]
    h, w = seen.rgba.shape[:2]
    sw, sh = scene.size  # an opening seen nearly edge-on, or from very close, may reach far out of the frame
    x0, y0 = max(min(seen.x0, int(sx.min()) - 2), 0), max(min(seen.y0, int(sy.min()) - 2), 0)
    x1, y1 = min(max(seen.x0 + w, int(sx.max()) + 3), sw), min(max(seen.y0 + h, int(sy.max()) + 3), sh)
    x0, y0 = min(x0, seen.x0), min(y0, seen.y0)
    x1, y1 = max(x1, seen.x0 + w), max(y1, seen.y0 + h)
    mask = Image.new("L", (x1 - x0, y1 - y0))
    outline = [(float(x - x0), float(y - y0)) for x, y in zip(sx, sy, strict=True)]
    ImageDraw.Draw(mask).polygon(outline, fill=255)
    lip = Image.new("L", mask.size)
    thickness = max(1, round(radius * 0.03 * pose.focal / pose.depth))
    ImageDraw.Draw(lip).line([*outline, outline[0]], fill=255, width=thickness)
    inside = np.asarray(mask, np.float32)[..., None] / 255.0
    edge = np.asarray(lip, np.float32)[..., None] / 255.0
    fade = np.linspace(0.5, 1.0, inside.shape[0], dtype=np.float32)[:, None, None]  # the back wall is lit less
    rgb = np.asarray(colour, np.float32) ** 2.2 * fade * (1 - edge) + np.float32(0.75) * edge
    cover = np.maximum(inside, edge)
    behind = np.concatenate([rgb * cover, cover], axis=2)
    rgba = np.zeros((y1 - y0, x1 - x0, 4), np.float32)
    channels = np.zeros((y1 - y0, x1 - x0, seen.channels.shape[2]), np.float32)
    oy, ox = seen.y0 - y0, seen.x0 - x0
    rgba[oy : oy + h, ox : ox + w] = seen.rgba
    channels[oy : oy + h, ox : ox + w] = seen.channels
    rgba = rgba + behind * (1 - rgba[..., 3:])
    return Projected(x0, y0, rgba, channels, seen.scale)


def _ground(scene: Scene, box: tuple[float, float, float, float]) -> float:
    """The mean luma (sRGB) of the photograph in the box."""
    w, h = scene.size
    x0, y0 = int(np.clip(box[0], 0, w - 1)), int(np.clip(box[1], 0, h - 1))
    x1, y1 = int(np.clip(box[2], x0 + 1, w)), int(np.clip(box[3], y0 + 1, h))
    mean = scene.image[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0) ** (1 / 2.2)
    return float(0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2])


def _covers(seen: Projected, box: tuple[int, int, int, int]) -> bool:
    """Does the projected carrier lie over the box?"""
    h, w = seen.rgba.shape[:2]
    x0, y0 = max(box[0] - seen.x0, 0), max(box[1] - seen.y0, 0)
    x1, y1 = min(box[2] - seen.x0, w), min(box[3] - seen.y0, h)
    return x1 > x0 and y1 > y0 and bool((seen.rgba[y0:y1, x0:x1, 3] > 0.05).any())


def _blur(rng: np.random.Generator) -> tuple[float, float, float]:
    """Out of focus (sigma px), moving (px along a direction): most sharp, some soft, a few moving."""
    roll = rng.random()
    sigma = float(rng.uniform(0.0, 0.6)) if roll < 0.6 else float(rng.uniform(1.0, 2.6))
    motion = float(rng.uniform(3.0, 14.0)) if rng.random() < 0.15 else 0.0
    return sigma, motion, float(rng.uniform(0, 180))


def _bend(carrier: Carrier) -> float:
    """How far the surface under the logo departs from flat: its depth range over the logo's width."""
    x0, y0, x1, y1 = carrier.region
    pts = carrier.surface.points
    rows, cols = pts.shape[:2]
    u = np.arange(cols) * carrier.surface.step
    v = np.arange(rows) * carrier.surface.step
    inside = ((u >= x0) & (u <= x1))[None, :] & ((v >= y0) & (v <= y1))[:, None]
    if carrier.kind in ("flat", "sticker") or not inside.any():
        return 0.0
    z = pts[..., 2][inside]
    return float(z.max() - z.min()) / max(x1 - x0, 1)


def _composite(scene: Scene, carrier: Carrier, seen: Projected, sigma: float, motion: float, angle: float) -> None:
    rgba = seen.rgba
    pad = int(3 * max(sigma, 0.4) + motion) + 2
    rgba = np.pad(rgba, ((pad, pad), (pad, pad), (0, 0)))
    x0, y0 = seen.x0 - pad, seen.y0 - pad
    # every lens softens a little: no edge in a photograph is a hard step
    rgba = blurred(rgba, max(sigma, 0.4), motion, angle)
    if carrier.shadow > 0:
        offset = (-scene.direction[0] * 4, -scene.direction[1] * 4 + 3)
        shade, margin = shadow_of(rgba[..., 3], offset, 3.0 + 0.02 * rgba.shape[1])
        _multiply(scene, 1 - carrier.shadow * shade, x0 - margin, y0 - margin)
    if carrier.ink:
        _ink_over(scene, rgba, x0, y0)
    else:
        _over(scene, rgba, x0, y0)


def _window(scene: Scene, x0: int, y0: int, h: int, w: int) -> tuple[slice, slice, slice, slice] | None:
    sh, sw = scene.image.shape[:2]
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + w, sw), min(y0 + h, sh)
    if ax1 <= ax0 or ay1 <= ay0:
        return None
    return slice(ay0, ay1), slice(ax0, ax1), slice(ay0 - y0, ay1 - y0), slice(ax0 - x0, ax1 - x0)


def _over(scene: Scene, rgba: np.ndarray, x0: int, y0: int) -> None:
    win = _window(scene, x0, y0, *rgba.shape[:2])
    if win:
        sy, sx, ly, lx = win
        layer = rgba[ly, lx]
        scene.image[sy, sx] = layer[..., :3] + scene.image[sy, sx] * (1 - layer[..., 3:])


def _multiply(scene: Scene, factor: np.ndarray, x0: int, y0: int) -> None:
    win = _window(scene, x0, y0, *factor.shape[:2])
    if win:
        sy, sx, ly, lx = win
        scene.image[sy, sx] *= factor[ly, lx, None]


def _ink_over(scene: Scene, rgba: np.ndarray, x0: int, y0: int) -> None:
    """Ink printed on the photographed surface: lit as the surface is lit, its grain showing through."""
    win = _window(scene, x0, y0, *rgba.shape[:2])
    if not win:
        return
    sy, sx, ly, lx = win
    layer = rgba[ly, lx]
    under = scene.image[sy, sx]
    weights = np.array([0.2126, 0.7152, 0.0722], np.float32)
    lum = under @ weights + 1e-4
    smooth = cv2.GaussianBlur(lum, (0, 0), max(3.0, layer.shape[0] / 6)) + 1e-4
    # a dark surface is mostly dark paint, not dark light: the ink takes only a damped share of how much darker or
    # lighter than the whole frame its surroundings are, a little of their slow variation, and their grain
    frame = float((scene.image.reshape(-1, 3)[::97] @ weights).mean()) + 1e-4
    level = float(np.clip((float(lum.mean()) / frame) ** 0.35, 0.55, 1.2))
    light = level * np.clip((smooth / float(smooth.mean())) ** 0.3, 0.8, 1.2)
    grain = np.clip(lum / smooth, 0.6, 1.4) ** 0.5
    opacity = float(scene.rng.uniform(0.82, 1.0))
    a = layer[..., 3:] * opacity
    ink = layer[..., :3] * opacity * (light * grain)[..., None]
    scene.image[sy, sx] = ink + under * (1 - a)


def occlude(scene: Scene, share: float = OCCLUDED_SHARE) -> None:
    """Cover part of about `share` of the logos shown (hand, strap, cup); then record how much of each logo any
    occluder covers."""
    rng = scene.rng
    w, h = scene.size
    cover = np.zeros((h, w), np.float32)
    for target in list(scene.shown):
        if rng.random() >= share:
            continue
        for _ in range(8):
            bx0, by0, bx1, by1 = target.box
            occ = occluder(rng, (float(bx0), float(by0), float(bx1), float(by1)))
            trial = cover.copy()
            win = _window(scene, occ.x0, occ.y0, *occ.rgba.shape[:2])
            if not win:
                continue
            sy, sx, ly, lx = win
            trial[sy, sx] = 1 - (1 - trial[sy, sx]) * (1 - occ.rgba[ly, lx, 3])
            hidden = {id(s): _hidden(s, trial) for s in scene.shown}
            if 0.08 <= hidden[id(target)] <= 0.6 and all(v <= 0.6 for v in hidden.values()):
                shade, margin = shadow_of(occ.rgba[..., 3], (float(rng.uniform(-6, 6)), float(rng.uniform(2, 8))), 6.0)
                _multiply(scene, 1 - 0.4 * shade, occ.x0 - margin, occ.y0 - margin)
                _over(scene, _linear(occ.rgba), occ.x0, occ.y0)
                cover = trial
                break
    for s in scene.shown:
        s.attributes["occluded"] = round(_hidden(s, cover), 3)


def stray_occluder(scene: Scene) -> None:
    """A hand, strap or cup somewhere in a picture (logo-free images have them too)."""
    w, h = scene.size
    x, y = float(scene.rng.uniform(0, w - 100)), float(scene.rng.uniform(0, h - 100))
    size = float(scene.rng.uniform(60, 240))
    occ = occluder(scene.rng, (x, y, x + size, y + size * 0.6))
    _over(scene, _linear(occ.rgba), occ.x0, occ.y0)


def _hidden(s: Shown, cover: np.ndarray) -> float:
    h, w = s.coverage.shape
    region = cover[s.y0 : s.y0 + h, s.x0 : s.x0 + w]
    own = s.coverage[: region.shape[0], : region.shape[1]]
    total = float(s.coverage.sum())
    return float((own * region).sum()) / total if total > 0 else 0.0


def signage(rng: np.random.Generator, words: Sequence[str]) -> Artwork:
    """Print that is no kit logo: a made-up word or two (none a kit's or look-alike's name) in an evaluation
    font, or a symbol drawn afresh: its own shape, seed and colours, no kit brand's."""
    if rng.random() < 0.6:
        face = FACES[int(rng.integers(len(FACES)))]
        text = " ".join(str(rng.choice(list(words))) for _ in range(int(rng.integers(1, 3))))
        text = text.upper() if rng.random() < 0.4 else text
        mask = text_mask(face, text, 110, tracking=float(rng.choice([0.0, 0.0, 0.15])))
        colour = hsv(float(rng.random()), float(rng.uniform(0, 0.9)), float(rng.uniform(0.1, 0.95)))
        return Artwork("", "text", paint([(mask, "ink")], {"ink": colour}), True)
    kind = str(rng.choice(list(SYMBOLS)))
    seed = int(rng.integers(1 << 30))

    def letter(ch: str, size: int) -> np.ndarray:
        mask = text_mask(FACES[0], ch, size // 2)
        out = np.zeros((size, size), np.float32)
        y, x = (size - mask.shape[0]) // 2, (size - mask.shape[1]) // 2
        out[y : y + mask.shape[0], x : x + mask.shape[1]] = mask
        return out

    layers = draw_symbol(kind, seed, 256, letter, str(rng.choice(list("QXZKWJ"))))
    a, b = hsv(float(rng.random()), 0.7, 0.7), hsv(float(rng.random()), 0.5, 0.4)
    colours: dict[str, RGB | np.ndarray] = {"primary": a, "secondary": b, "gradient": a}
    return Artwork("", "symbol", trim(paint(layers, colours)), False)


def finish(scene: Scene) -> bytes:
    """Light, expose, sensor noise and JPEG: the image file."""
    rng = scene.rng
    exposure = float(rng.uniform(0.8, 1.15))
    linear = scene.image * scene.light * exposure
    rgb = sensor(rng, linear)
    return jpeg(rgb, int(rng.integers(70, 96)))


def truth_boxes(shown: Sequence[Shown]) -> list[dict[str, Any]]:
    return [{"brand": s.art.owner, "box": list(s.box), "attributes": s.attributes} for s in shown]


def distractor_boxes(shown: Sequence[Shown]) -> list[dict[str, Any]]:
    return [
        {"box": list(s.box), "like": s.like, "how": s.how, "name": s.art.owner, "attributes": s.attributes}
        for s in shown
    ]
