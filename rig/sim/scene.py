"""What the simulated cameras see: a participant stand-in or the calibration target, a floor and a backdrop."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import cv2
import numpy as np

from rig.sim.look import STUDIO, Light, Look, PhotoSet, fabric, hair_strands, photo_backdrop, photo_floor

BACKDROP_RADIUS_M = 6.0
BACKDROP_HEIGHT_M = 4.0
FLOOR_SIZE_M = 2 * BACKDROP_RADIUS_M + 2.0
LOGO_BRAND = "ORBITA"
SIM_SPONSOR: Literal["orbita"] = "orbita"
"""The brand id of the sim's own sponsor, whose logo the participant wears unless told otherwise."""
SHIRT_BGR = (150, 118, 24)
PRINT_WIDTH_M = (0.12, 0.30)
"""The widths a shirt print may have, in metres of arc across the chest."""
MAX_PRINT_HEIGHT_M = 0.30
PRINT_TOP_M = 1.36
"""Where a print's top edge sits: just under the collar, as chest prints hang."""
FABRIC_IN_PRINT = 0.5
"""How much of the fabric's grain shows through the ink."""

PrintColour = Literal["as_is", "mono"]


@dataclass(frozen=True)
class TargetGeometry:
    """The calibration target: a pole at the pivot with two marker balls and a neutral grey sleeve."""

    bottom_m: float = 0.5
    top_m: float = 1.5
    marker_radius_m: float = 0.04
    patch_bottom_m: float = 0.9
    patch_top_m: float = 1.1
    patch_radius_m: float = 0.05
    pole_radius_m: float = 0.015


# Fluorescent magenta, a colour that event venues rarely have (sRGB, BGR order as OpenCV stores it).
MARKER_BGR = (200, 40, 235)
PATCH_BGR = (128, 128, 128)


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: np.ndarray) -> np.ndarray:
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1.0 / 2.4) - 0.055)


SRGB8_TO_LINEAR = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)


@dataclass
class Hits:
    """Where rays met one primitive: the hit points, their normals and texture coordinates."""

    points: np.ndarray  # (K, 3)
    normals: np.ndarray  # (K, 3)
    uv: np.ndarray  # (K, 2) in texture pixels


@dataclass
class Primitive:
    """A textured solid of the scene. Subclasses give the ray intersection and the surface mapping."""

    texture: np.ndarray  # uint8 BGR, sRGB

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def intersect(self, o: np.ndarray, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray) -> np.ndarray:
        """Ray parameter t of the nearest hit in front of the origin, +inf where the ray misses."""
        raise NotImplementedError

    def surface(self, points: np.ndarray) -> Hits:
        raise NotImplementedError


@dataclass
class VerticalCylinder(Primitive):
    cx: float = 0.0
    cy: float = 0.0
    radius: float = 0.1
    z0: float = 0.0
    z1: float = 1.0
    top_cap: bool = False

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        r = self.radius
        return np.array([self.cx - r, self.cy - r, self.z0]), np.array([self.cx + r, self.cy + r, self.z1])

    def intersect(self, o: np.ndarray, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray) -> np.ndarray:
        ox, oy, oz = float(o[0] - self.cx), float(o[1] - self.cy), float(o[2])
        a = dx * dx + dy * dy
        b = 2.0 * (ox * dx + oy * dy)
        c = ox * ox + oy * oy - self.radius * self.radius
        disc = b * b - 4.0 * a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (-b - np.sqrt(disc)) / (2.0 * a)
            z = oz + t * dz
            t = np.where((disc >= 0) & (t > 0) & (z >= self.z0) & (z <= self.z1), t, np.inf).astype(np.float32)
            if self.top_cap and oz > self.z1:
                tc = (self.z1 - oz) / dz
                hx = ox + tc * dx
                hy = oy + tc * dy
                cap = (tc > 0) & (hx * hx + hy * hy <= self.radius * self.radius)
                t = np.where(cap & (tc < t), tc, t).astype(np.float32)
        return t

    def surface(self, points: np.ndarray) -> Hits:
        rel = points - np.array([self.cx, self.cy, 0.0])
        radial = np.hypot(rel[:, 0], rel[:, 1])
        on_cap = (points[:, 2] >= self.z1 - 1e-5) & (radial < self.radius * 0.999)
        normals = np.zeros_like(points)
        normals[:, 0] = rel[:, 0] / self.radius
        normals[:, 1] = rel[:, 1] / self.radius
        normals[on_cap] = (0.0, 0.0, 1.0)
        h, w = self.texture.shape[:2]
        phi = np.arctan2(rel[:, 1], rel[:, 0])
        u = (phi / (2 * math.pi) + 0.5) * w
        v = (self.z1 - points[:, 2]) / (self.z1 - self.z0) * (h - 1)
        v[on_cap] = 0.0
        return Hits(points, normals, np.stack([u, v], axis=1))


@dataclass
class Sphere(Primitive):
    center: tuple[float, float, float] = (0.0, 0.0, 1.0)
    radius: float = 0.1

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        c = np.array(self.center)
        return c - self.radius, c + self.radius

    def intersect(self, o: np.ndarray, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray) -> np.ndarray:
        ox, oy, oz = (float(v) for v in (o - np.array(self.center)))
        a = dx * dx + dy * dy + dz * dz
        b = 2.0 * (ox * dx + oy * dy + oz * dz)
        c = ox * ox + oy * oy + oz * oz - self.radius * self.radius
        disc = b * b - 4.0 * a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (-b - np.sqrt(disc)) / (2.0 * a)
        return np.where((disc >= 0) & (t > 0), t, np.inf).astype(np.float32)

    def surface(self, points: np.ndarray) -> Hits:
        normals = (points - np.array(self.center)) / self.radius
        h, w = self.texture.shape[:2]
        phi = np.arctan2(normals[:, 1], normals[:, 0])
        polar = np.arccos(np.clip(normals[:, 2], -1.0, 1.0))
        u = (phi / (2 * math.pi) + 0.5) * w
        v = polar / math.pi * (h - 1)
        return Hits(points, normals, np.stack([u, v], axis=1))


@dataclass
class Rod(Primitive):
    """A cylinder of any direction, from p0 to p1 (open ends): an arm held out, a held stick, a strand of hair."""

    p0: tuple[float, float, float] = (0.0, 0.0, 0.0)
    p1: tuple[float, float, float] = (0.0, 0.0, 1.0)
    radius: float = 0.02

    def _axis(self) -> tuple[np.ndarray, np.ndarray, float]:
        a, b = np.array(self.p0), np.array(self.p1)
        length = float(np.linalg.norm(b - a))
        return a, (b - a) / length, length

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.array(self.p0), np.array(self.p1)
        return np.minimum(a, b) - self.radius, np.maximum(a, b) + self.radius

    def intersect(self, o: np.ndarray, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray) -> np.ndarray:
        p0, axis, length = self._axis()
        w = o - p0
        wa = float(w @ axis)
        wp = w - wa * axis  # the origin's offset across the axis
        da = dx * axis[0] + dy * axis[1] + dz * axis[2]
        px, py, pz = dx - da * axis[0], dy - da * axis[1], dz - da * axis[2]
        a = px * px + py * py + pz * pz
        b = 2.0 * (wp[0] * px + wp[1] * py + wp[2] * pz)
        c = float(wp @ wp) - self.radius * self.radius
        disc = b * b - 4.0 * a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (-b - np.sqrt(disc)) / (2.0 * a)
            s = wa + t * da
            return np.where((disc >= 0) & (t > 0) & (s >= 0) & (s <= length), t, np.inf).astype(np.float32)

    def surface(self, points: np.ndarray) -> Hits:
        p0, axis, length = self._axis()
        rel = points - p0
        s = rel @ axis
        radial = rel - s[:, None] * axis
        normals = radial / np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-9)
        e1 = np.cross(axis, [0.0, 0.0, 1.0] if abs(axis[2]) < 0.9 else [1.0, 0.0, 0.0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(axis, e1)
        h, w = self.texture.shape[:2]
        u = (np.arctan2(normals @ e2, normals @ e1) / (2 * math.pi) + 0.5) * w
        v = (length - s) / length * (h - 1)
        return Hits(points, normals, np.stack([u, v], axis=1))


@dataclass
class Scene:
    """Foreground primitives plus the room's floor and backdrop textures."""

    name: str
    primitives: list[Primitive]
    floor: np.ndarray
    backdrop: np.ndarray
    contact_shadow_m: float
    logo_patch: LogoPatch | None = None
    target: TargetGeometry | None = None
    extras: dict[str, float] = field(default_factory=dict)
    light: Light | None = None
    """A key light from one side (see rig.sim.look); None: the studio's even light."""
    held_object: int | None = None
    """Index of the primitive the participant holds (a thin stick near the pivot), if any."""


@dataclass(frozen=True)
class LogoPatch:
    """Where a logo is printed on the shirt: an arc of the torso cylinder, and whose logo it is."""

    cylinder_index: int
    phi0: float
    phi1: float
    z0: float
    z1: float
    brand: str = SIM_SPONSOR
    colour: PrintColour = "as_is"

    @property
    def facing_rad(self) -> float:
        """The direction around the body that the middle of the print faces (0: towards +x)."""
        return (self.phi0 + self.phi1) / 2.0

    def centre(self, cylinder: VerticalCylinder) -> np.ndarray:
        phi, r = self.facing_rad, cylinder.radius
        return np.array([cylinder.cx + r * math.cos(phi), cylinder.cy + r * math.sin(phi), (self.z0 + self.z1) / 2])

    def sample_points(self, cylinder: VerticalCylinder, nu: int = 24, nv: int = 12) -> np.ndarray:
        phis = np.linspace(self.phi0, self.phi1, nu)
        zs = np.linspace(self.z0, self.z1, nv)
        pp, zz = np.meshgrid(phis, zs)
        r = cylinder.radius
        return np.stack(
            [cylinder.cx + r * np.cos(pp).ravel(), cylinder.cy + r * np.sin(pp).ravel(), zz.ravel()], axis=1
        )


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale: float, sigma_px: float) -> np.ndarray:
    n: np.ndarray = rng.normal(0.0, 1.0, size=shape).astype(np.float32)
    if sigma_px > 0:
        n = cv2.GaussianBlur(n, (0, 0), sigma_px)
        n = n / max(float(n.std()), 1e-6)
    return n * scale


def _textured(
    base_bgr: tuple[int, int, int], shape: tuple[int, int], rng: np.random.Generator, amount: float, grain_px: float
) -> np.ndarray:
    tex = np.empty((*shape, 3), dtype=np.float32)
    tex[:] = base_bgr
    tex += _noise(rng, shape, amount, grain_px)[..., None]
    tex += _noise(rng, shape, amount * 0.5, 0.0)[..., None]
    return np.clip(tex, 0, 255).astype(np.uint8)


def draw_logo(width: int, height: int) -> np.ndarray:
    """The fictional sponsor's logo: a ring symbol and the ORBITA wordmark, white on transparent (BGRA)."""
    logo = np.zeros((height, width, 4), dtype=np.uint8)
    white = (245, 245, 245, 255)
    ring_r = int(height * 0.38)
    center = (int(height * 0.45), height // 2)
    cv2.circle(logo, center, ring_r, white, thickness=max(2, height // 10), lineType=cv2.LINE_AA)
    cv2.circle(
        logo,
        (center[0] + ring_r // 2, center[1] - ring_r // 2),
        max(2, height // 12),
        (60, 190, 250, 255),
        thickness=-1,
        lineType=cv2.LINE_AA,
    )
    font = cv2.FONT_HERSHEY_DUPLEX
    text_w = width - int(height * 0.95)
    scale = 1.0
    (tw, th), _ = cv2.getTextSize(LOGO_BRAND, font, scale, 2)
    scale = min(text_w / tw, (height * 0.5) / th)
    thick = max(1, int(scale * 1.6))
    (tw, th), _ = cv2.getTextSize(LOGO_BRAND, font, scale, thick)
    cv2.putText(logo, LOGO_BRAND, (int(height * 0.9), (height + th) // 2), font, scale, white, thick, cv2.LINE_AA)
    return logo


def _paste(dst: np.ndarray, src_bgra: np.ndarray, x: int, y: int) -> None:
    h, w = src_bgra.shape[:2]
    alpha = src_bgra[..., 3:4].astype(np.float32) / 255.0
    region = dst[y : y + h, x : x + w].astype(np.float32)
    dst[y : y + h, x : x + w] = (region * (1 - alpha) + src_bgra[..., :3] * alpha).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class ShirtLogo:
    """A logo printed on the participant's shirt: its pixels (BGRA, as a brand kit's logo file holds them), the
    brand it belongs to, and where on the torso the print is centred."""

    bgra: np.ndarray
    brand_id: str
    facing_deg: float = 0.0
    """Where around the body the print is centred, in degrees from the front (0: the chest, 180: the back). With
    the participant not turned, the front faces the arc's centre camera, and a print at a camera's azimuth
    faces that camera."""
    width_m: float = 0.20
    """Across the chest, along the shirt. A tall logo is printed narrower so that it is at most
    MAX_PRINT_HEIGHT_M high; the logo's aspect is always kept."""
    colour: PrintColour = "as_is"
    """as_is: the logo's own colours; mono: one ink (ink_bgr) wherever the logo is, as screen prints often are."""
    ink_bgr: tuple[int, int, int] = (245, 245, 245)

    def __post_init__(self) -> None:
        b = self.bgra
        if not (isinstance(b, np.ndarray) and b.dtype == np.uint8 and b.ndim == 3 and b.shape[2] == 4):
            raise ValueError("a shirt logo is a BGRA image: uint8, height x width x 4")
        if min(b.shape[:2]) < 2 or not (b[:, :, 3] > 0).any():
            raise ValueError("a shirt logo needs visible pixels")
        if not self.brand_id:
            raise ValueError("a shirt logo needs a brand id")
        lo, hi = PRINT_WIDTH_M
        if not lo <= self.width_m <= hi:
            raise ValueError(f"a shirt print is {lo} to {hi} m wide, not {self.width_m}")
        if self.colour not in ("as_is", "mono"):
            raise ValueError(f"print colour is as_is or mono, not {self.colour!r}")
        if not math.isfinite(self.facing_deg):
            raise ValueError("the print's facing angle must be a number of degrees")

    def size_m(self) -> tuple[float, float]:
        """The print's width and height in metres."""
        h, w = self.bgra.shape[:2]
        width = min(self.width_m, MAX_PRINT_HEIGHT_M * w / h)
        return width, width * h / w


def _ink_layer(logo: ShirtLogo, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The logo at print size as premultiplied ink (BGR, float) and its coverage (0 to 1)."""
    src = logo.bgra.astype(np.float32)
    coverage = src[..., 3:4] / 255.0
    # premultiplied, so that resizing does not pull the transparent pixels' colour into the edges
    premultiplied = np.concatenate([src[..., :3] * coverage, coverage], axis=2)
    shrink = width < logo.bgra.shape[1]
    small = cv2.resize(premultiplied, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    alpha = np.clip(small[..., 3:4], 0.0, 1.0)
    if logo.colour == "mono":
        ink = alpha * np.array(logo.ink_bgr, dtype=np.float32)
    else:
        ink = np.clip(small[..., :3], 0.0, 255.0 * alpha)
    return ink, alpha


def print_on_torso(torso: VerticalCylinder, logo: ShirtLogo, cylinder_index: int = 0) -> LogoPatch:
    """Print the logo onto the torso's texture (in place) and say where it landed."""
    tex = torso.texture
    tex_h, tex_w = tex.shape[:2]
    width_m, height_m = logo.size_m()
    rows_per_m = (tex_h - 1) / (torso.z1 - torso.z0)
    lw = max(2, round(width_m / (2 * math.pi * torso.radius) * tex_w))
    lh = max(2, round(height_m * rows_per_m))
    ly = round((torso.z1 - PRINT_TOP_M) * rows_per_m)
    centre_u = (math.radians(logo.facing_deg) / (2 * math.pi) + 0.5) * tex_w
    lx = round(centre_u + 0.5 - lw / 2)  # columns lx .. lx + lw - 1 span u from lx - 0.5 to lx + lw - 0.5
    # the print may cross the texture's seam at the back: work on a copy turned to put it in the middle
    shift = tex_w // 2 - (lx + lw // 2)
    centred = np.roll(tex, shift, axis=1)
    x = lx + shift
    region = centred[ly : ly + lh, x : x + lw].astype(np.float32)
    ink, alpha = _ink_layer(logo, lw, lh)
    grain = region - region.reshape(-1, 3).mean(axis=0)
    printed = region * (1.0 - alpha) + ink + FABRIC_IN_PRINT * grain * alpha
    centred[ly : ly + lh, x : x + lw] = np.clip(np.round(printed), 0, 255).astype(np.uint8)
    tex[:] = np.roll(centred, -shift, axis=1)
    # the texture pixels' own edges, so that the truth's box is the print's, not a rounded guess
    phi0 = ((lx - 0.5) / tex_w - 0.5) * 2 * math.pi
    phi1 = ((lx + lw - 0.5) / tex_w - 0.5) * 2 * math.pi
    z_top = torso.z1 - (ly - 0.5) / rows_per_m
    z_bottom = torso.z1 - (ly + lh - 0.5) / rows_per_m
    return LogoPatch(cylinder_index, phi0, phi1, z_bottom, z_top, brand=logo.brand_id, colour=logo.colour)


def wear(plain: Scene, logo: ShirtLogo) -> Scene:
    """The participant of a plain-shirt scene (participant_scene with logo=None) wearing this logo. The plain
    scene is left as it is and shares every texture but the shirt's, so one participant can wear many logos
    without the seconds that building a scene takes."""
    if plain.name != "participant" or plain.logo_patch is not None:
        raise ValueError("a logo is printed on a participant scene whose shirt is plain")
    torso = plain.primitives[0]
    assert isinstance(torso, VerticalCylinder)
    shirt = replace(torso, texture=torso.texture.copy())
    patch = print_on_torso(shirt, logo)
    return replace(plain, primitives=[shirt, *plain.primitives[1:]], logo_patch=patch)


def turned(scene: Scene, turn_deg: float) -> Scene:
    """The participant turned on the spot by turn_deg, towards the cameras of higher azimuth: body, head, arms and
    print together, as a person turns. The floor and the backdrop stay; the given scene is left as it is."""
    if scene.name != "participant":
        raise ValueError("only the participant turns")
    a = math.radians(turn_deg)
    cos, sin = math.cos(a), math.sin(a)
    primitives: list[Primitive] = []
    for prim in scene.primitives:
        # turning a solid about the body's axis turns its surface about its own axis by the same angle
        texture = np.roll(prim.texture, round(turn_deg / 360.0 * prim.texture.shape[1]), axis=1)
        if isinstance(prim, VerticalCylinder):
            x, y = cos * prim.cx - sin * prim.cy, sin * prim.cx + cos * prim.cy
            primitives.append(replace(prim, texture=texture, cx=x, cy=y))
        elif isinstance(prim, Sphere):
            cx, cy, cz = prim.center
            primitives.append(replace(prim, texture=texture, center=(cos * cx - sin * cy, sin * cx + cos * cy, cz)))
        elif isinstance(prim, Rod):
            (x0, y0, z0), (x1, y1, z1) = prim.p0, prim.p1
            primitives.append(
                replace(
                    prim,
                    p0=(cos * x0 - sin * y0, sin * x0 + cos * y0, z0),
                    p1=(cos * x1 - sin * y1, sin * x1 + cos * y1, z1),
                )
            )
        else:
            raise TypeError(f"cannot turn a {type(prim).__name__}")
    patch = scene.logo_patch
    if patch is not None:
        width = scene.primitives[patch.cylinder_index].texture.shape[1]
        # the print turns by the whole texture pixels its shirt was turned by, so the truth stays exact
        shift = round(turn_deg / 360.0 * width) / width * 2 * math.pi
        patch = replace(patch, phi0=patch.phi0 + shift, phi1=patch.phi1 + shift)
    return replace(scene, primitives=primitives, logo_patch=patch)


def _floor_texture(rng: np.random.Generator, px: int = 4096, photo: np.ndarray | None = None) -> np.ndarray:
    """The floor's tiles and the mark at the pivot, over a photo's detail or procedural grain (drawn from rng
    only then: a scene draws its room last, so nothing after it depends on what was drawn)."""
    if photo is None:
        tex = _textured((92, 96, 100), (px, px), rng, 10.0, 3.0)
    else:
        tex = cv2.resize(photo, (px, px), interpolation=cv2.INTER_LINEAR) if photo.shape[0] != px else photo.copy()
    per_m = px / FLOOR_SIZE_M
    c = px // 2
    # tiles every 0.5 m, a ring mark at the pivot with a cross: where the participant stands
    for k in range(-int(FLOOR_SIZE_M), int(FLOOR_SIZE_M) + 1):
        p = int(c + k * 0.5 * per_m)
        cv2.line(tex, (p, 0), (p, px - 1), (70, 72, 76), 2)
        cv2.line(tex, (0, p), (px - 1, p), (70, 72, 76), 2)
    cv2.circle(tex, (c, c), int(0.45 * per_m), (230, 230, 230), int(0.04 * per_m), cv2.LINE_AA)
    arm = int(0.12 * per_m)
    cv2.line(tex, (c - arm, c), (c + arm, c), (40, 200, 250), int(0.03 * per_m), cv2.LINE_AA)
    cv2.line(tex, (c, c - arm), (c, c + arm), (40, 200, 250), int(0.03 * per_m), cv2.LINE_AA)
    return tex


def _backdrop_texture(
    rng: np.random.Generator, w: int = 4096, h: int = 1024, photo: np.ndarray | None = None
) -> np.ndarray:
    """A photo printed on the backdrop, or procedural panels drawn from rng."""
    if photo is not None:
        return photo
    tex = _textured((70, 52, 40), (h, w), rng, 6.0, 6.0)
    ramp = (0.75 + 0.45 * np.sin(np.linspace(0, math.pi, h)))[:, None, None]
    tex = np.clip(tex * ramp, 0, 255).astype(np.uint8)
    panels = 36
    for k in range(panels):
        x = int(k * w / panels)
        cv2.line(tex, (x, 0), (x, h - 1), (40, 30, 24), 3)
        if k % 3 == 0:
            cv2.rectangle(tex, (x + 20, int(h * 0.3)), (x + int(w / panels) - 20, int(h * 0.34)), (120, 150, 170), -1)
    return tex


def _sponsor_print(torso: VerticalCylinder) -> LogoPatch:
    """The sim's own sponsor ORBITA, 0.20 m of arc wide on the chest, facing +x (the centre camera of the arc)."""
    logo_w_m, logo_h_m, logo_top_m = 0.20, 0.09, PRINT_TOP_M
    tex_h, tex_w = torso.texture.shape[:2]
    lw = int(logo_w_m / (2 * math.pi * torso.radius) * tex_w)
    lh = int(logo_h_m / (torso.z1 - torso.z0) * tex_h)
    lx = tex_w // 2 - lw // 2
    ly = int((torso.z1 - logo_top_m) / (torso.z1 - torso.z0) * tex_h)
    _paste(torso.texture, draw_logo(lw, lh), lx, ly)
    half_phi = (lw / tex_w) * math.pi
    return LogoPatch(0, -half_phi, half_phi, logo_top_m - logo_h_m, logo_top_m)


HELD_OBJECT_BGR = MARKER_BGR
"""The held stick's colour: the fluorescent magenta nothing else on the participant has, so it can be counted."""


def _either(made: np.ndarray | None, fallback: np.ndarray) -> np.ndarray:
    return fallback if made is None else made


def _room(look: Look, look_rng: np.random.Generator, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Floor and backdrop textures: photographic in an event look, procedural in the studio."""
    floor_photo = photo_floor(look.photos, look_rng, 4096)
    back_photo = photo_backdrop(look.photos, look_rng, 4096, 1024)
    return _floor_texture(rng, photo=floor_photo), _backdrop_texture(rng, photo=back_photo)


def _props(look_rng: np.random.Generator, photos: PhotoSet | None, shirt_bgr: tuple[int, int, int]) -> list[Primitive]:
    """An arm held out towards the cameras with the hand holding a thin stick upright, and loose strands of
    hair: fine structures near the pivot, where a ghost or a tear shows first."""
    plain = _textured(shirt_bgr, (256, 256), look_rng, 8.0, 1.5)
    sleeve = _either(fabric(photos, look_rng, shirt_bgr, (256, 256)), plain)
    skin = _textured((120, 150, 205), (128, 128), look_rng, 5.0, 1.0)
    stick = np.full((64, 64, 3), HELD_OBJECT_BGR, dtype=np.uint8)
    hand = (0.24, 0.33, 1.16)
    prims: list[Primitive] = [
        Rod(sleeve, p0=(0.0, 0.2, 1.40), p1=(0.2, 0.31, 1.2), radius=0.045),
        Sphere(skin, hand, 0.048),
        Rod(stick, p0=(hand[0] + 0.01, hand[1], 1.0), p1=(hand[0] + 0.01, hand[1], 1.45), radius=0.011),
    ]
    hair = _textured((30, 38, 52), (64, 32), look_rng, 6.0, 0.0)
    for k in range(7):
        side = -1.0 if k % 2 else 1.0
        x = float(look_rng.uniform(-0.08, 0.02))
        y = side * float(look_rng.uniform(0.085, 0.105))
        drop = float(look_rng.uniform(0.12, 0.22))
        prims.append(Rod(hair, p0=(x, y, 1.70), p1=(x + 0.02, y + side * 0.03, 1.70 - drop), radius=0.0025))
    return prims


def participant_scene(
    seed: int,
    logo: ShirtLogo | Literal["orbita"] | None = SIM_SPONSOR,
    shirt_bgr: tuple[int, int, int] = SHIRT_BGR,
    turn_deg: float = 0.0,
    look: Look = STUDIO,
) -> Scene:
    """A stand-in participant at the pivot, facing the centre of the arc (or turned from it by turn_deg), in a
    shirt of shirt_bgr. On the shirt: the sim's own sponsor ORBITA on the chest ("orbita"), the given logo, or
    nothing (None). The look decides textures, light and props (rig.sim.look)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    # the event look draws from its own stream, so the studio look's scene is the same with or without it
    look_rng = np.random.default_rng(np.random.SeedSequence([seed, 7, 1]))
    shirt_tex = _textured(shirt_bgr, (1024, 2048), rng, 8.0, 1.5)
    cloth = fabric(look.photos, look_rng, shirt_bgr, (1024, 2048))
    torso = VerticalCylinder(cloth if cloth is not None else shirt_tex, 0.0, 0.0, 0.17, 0.85, 1.45, top_cap=True)
    # printing draws nothing from rng, so the rest of the scene is the same whatever the shirt wears
    patch: LogoPatch | None = None
    if isinstance(logo, ShirtLogo):
        patch = print_on_torso(torso, logo)
    elif logo == SIM_SPONSOR:
        patch = _sponsor_print(torso)

    skin = (120, 150, 205)
    denim = (95, 60, 40)
    head_tex = _textured(skin, (512, 1024), rng, 6.0, 2.0)
    hh, hw = head_tex.shape[:2]
    hair = np.zeros((hh, hw), dtype=bool)
    vv, uu = np.mgrid[0:hh, 0:hw]
    phi = (uu / hw - 0.5) * 2 * math.pi
    polar = vv / (hh - 1) * math.pi
    hair |= polar < 0.32 * math.pi
    hair |= (np.abs(phi) > math.radians(95)) & (polar < 0.62 * math.pi)
    head_tex[hair] = _textured((30, 38, 52), (hh, hw), rng, 8.0, 1.0)[hair]
    if look.props:
        hair_strands(look_rng, head_tex, hair)
    for eye_phi in (-0.33, 0.33):
        cv2.ellipse(
            head_tex,
            (int((eye_phi / (2 * math.pi) + 0.5) * hw), int(0.47 * hh)),
            (10, 7),
            0,
            0,
            360,
            (40, 30, 30),
            -1,
            cv2.LINE_AA,
        )
    cv2.ellipse(head_tex, (hw // 2, int(0.64 * hh)), (28, 8), 0, 0, 180, (70, 70, 150), 4, cv2.LINE_AA)

    neck = _textured(skin, (128, 256), rng, 5.0, 1.0)
    legs = [_textured(denim, (512, 512), rng, 10.0, 1.0), _textured(denim, (512, 512), rng, 10.0, 1.0)]
    arms = [_textured(shirt_bgr, (512, 256), rng, 8.0, 1.5), _textured(shirt_bgr, (512, 256), rng, 8.0, 1.5)]
    if look.photos is not None:
        legs = [_either(fabric(look.photos, look_rng, denim, (512, 512)), t) for t in legs]
        arms = [_either(fabric(look.photos, look_rng, shirt_bgr, (512, 256)), t) for t in arms]
    prims: list[Primitive] = [
        torso,
        VerticalCylinder(neck, 0.0, 0.0, 0.055, 1.45, 1.56),
        Sphere(head_tex, (0.0, 0.0, 1.64), 0.115),
        VerticalCylinder(legs[0], 0.0, -0.085, 0.075, 0.0, 0.86),
        VerticalCylinder(legs[1], 0.0, 0.085, 0.075, 0.0, 0.86),
        VerticalCylinder(arms[0], 0.0, -0.225, 0.048, 0.86, 1.42, top_cap=True),
    ]
    held: int | None = None
    if look.props:
        props = _props(look_rng, look.photos, shirt_bgr)
        held = len(prims) + 2
        prims += props
    else:
        prims.append(VerticalCylinder(arms[1], 0.0, 0.225, 0.048, 0.86, 1.42, top_cap=True))
    floor, backdrop = _room(look, look_rng, rng)
    scene = Scene(
        "participant",
        prims,
        floor,
        backdrop,
        contact_shadow_m=0.35,
        logo_patch=patch,
        light=look.light,
        held_object=held,
    )
    return turned(scene, turn_deg) if turn_deg else scene


def target_scene(seed: int, target: TargetGeometry | None = None, look: Look = STUDIO) -> Scene:
    """The calibration target at the pivot: a pole, two magenta marker balls and a neutral grey sleeve (left off
    where the look says the target has none)."""
    g = target or TargetGeometry()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    look_rng = np.random.default_rng(np.random.SeedSequence([seed, 11, 1]))
    pole = VerticalCylinder(
        _textured((35, 35, 35), (64, 64), rng, 3.0, 0.0), 0.0, 0.0, g.pole_radius_m, 0.0, g.top_m, top_cap=True
    )
    sleeve_tex = np.full((64, 256, 3), PATCH_BGR, dtype=np.uint8)
    sleeve = VerticalCylinder(sleeve_tex, 0.0, 0.0, g.patch_radius_m, g.patch_bottom_m, g.patch_top_m, top_cap=True)
    marker_tex = np.full((64, 128, 3), MARKER_BGR, dtype=np.uint8)
    markers = [Sphere(marker_tex, (0.0, 0.0, z), g.marker_radius_m) for z in (g.bottom_m, g.top_m)]
    base = VerticalCylinder(_textured((30, 30, 30), (64, 256), rng, 3.0, 0.0), 0.0, 0.0, 0.18, 0.0, 0.02, top_cap=True)
    floor, backdrop = _room(look, look_rng, rng)
    parts: list[Primitive] = [pole, sleeve, *markers, base] if look.grey_patch else [pole, *markers, base]
    return Scene("target", parts, floor, backdrop, contact_shadow_m=0.15, target=g, light=look.light)
