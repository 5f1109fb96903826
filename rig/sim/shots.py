"""Sim shot sets for measuring logo tagging per shot: each shot wears a kit brand's logo, a foreign one, or none."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig
from rig.sim.scene import SHIRT_BGR, PrintColour, ShirtLogo

MIN_VISIBLE_FRACTION = 0.7
MAX_FACING_DEG = 60.0
"""A camera sees a shot's logo when at least this much of it is in view, turned at most this far from the camera:
what a tagger can fairly be asked to find."""
TURN_RANGE_DEG = (-80.0, 80.0)
"""How far participants turn from the centre camera: towards any camera of the arc, so that every camera sees
some logos square on."""
BACK_PRINT_SHARE = 0.15
"""Prints on the back of the shirt, which few cameras or none see; the rest are on the chest."""
CHEST_SPREAD_DEG = 15.0
"""A chest print is centred up to this far off the middle of the chest, as left-chest prints are."""
PRINT_WIDTHS_M = (0.15, 0.25)
SHIRTS_BGR: tuple[tuple[int, int, int], ...] = (
    SHIRT_BGR,
    (38, 36, 34),
    (232, 232, 228),
    (140, 138, 136),
    (92, 48, 22),
    (44, 40, 176),
    (58, 120, 46),
)
"""Shirt colours: the sim's own teal, black, white, grey, navy, red, green."""
DARK_INK_BGR = (28, 26, 24)
LIGHT_INK_BGR = (242, 242, 240)

LogoSource = Literal["kit", "foreign"]
Logos = Sequence[tuple[str, np.ndarray]]


@dataclass(frozen=True)
class ShotPlan:
    """What one shot of a set shows: which logo (if any) is printed where, on which participant."""

    folder: str
    source: LogoSource | None
    """kit: a logo of a kit brand; foreign: a logo the kit does not hold; None: a plain shirt."""
    logo_index: int | None
    """Index into kit_logos or foreign_logos, by source."""
    name: str | None
    """The brand id (kit) or the foreign logo's label."""
    on_body_deg: float
    """Where around the body the print is centred (ShirtLogo.facing_deg): 0 the chest, 180 the back."""
    turn_deg: float
    """How far the participant is turned from the centre camera (SimRig.turn_deg)."""
    width_m: float
    colour: PrintColour
    ink_bgr: tuple[int, int, int]
    participant: int
    scene_seed: int
    shirt_bgr: tuple[int, int, int]

    @property
    def brand(self) -> str | None:
        """The kit brand a tagger should find in this shot, or None when it should find none."""
        return self.name if self.source == "kit" else None


def _lost_on(bgra: np.ndarray, shirt_bgr: tuple[int, int, int]) -> bool:
    """Whether most of a logo's ink is close to the shirt's colour (a white logo on a white shirt)."""
    ink = bgra[bgra[:, :, 3] > 128][:, :3].astype(np.int16)
    near = np.abs(ink - np.array(shirt_bgr, np.int16)).max(axis=1) < 48
    return bool(near.mean() > 0.5) if len(ink) else False


def _ink_for(shirt_bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    """A one-ink print in the ink that stands out on the shirt, as a printer would choose it."""
    b, g, r = shirt_bgr
    return DARK_INK_BGR if 0.114 * b + 0.587 * g + 0.299 * r > 128 else LIGHT_INK_BGR


def plan_shots(
    kit_logos: Logos,
    foreign_logos: Logos = (),
    *,
    shots: int = 50,
    seed: int = 1,
    participants: int | None = None,
    foreign_share: float = 0.1,
    plain_share: float = 0.1,
    mono_share: float = 0.25,
) -> list[ShotPlan]:
    """Decide every shot of a set from the seed. Kit brands take turns (each brand as often as the others, within
    one), each shot a random variant of its brand; the foreign and plain shots are exactly their share, rounded.
    A mono_share of the prints are one ink that stands out on the shirt, and so is a logo the shirt would hide.
    `participants` distinct participants (scene seed and shirt colour; default one per shot) share the shots in
    runs, because a participant's scene takes seconds to build and a print on it next to nothing."""
    if shots < 1:
        raise ValueError("a shot set has at least one shot")
    if not kit_logos:
        raise ValueError("a shot set needs at least one kit logo")
    people = shots if participants is None else participants
    if not 1 <= people <= shots:
        raise ValueError(f"a shot set of {shots} shots has 1 to {shots} participants, not {people}")
    if min(foreign_share, plain_share) < 0.0 or foreign_share + plain_share > 1.0:
        raise ValueError("the foreign and plain shares are fractions of the shots that add up to at most 1")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 17]))
    n_foreign = round(shots * foreign_share) if foreign_logos else 0
    n_plain = round(shots * plain_share)
    n_kit = shots - n_foreign - n_plain
    kit: list[LogoSource | None] = ["kit"]
    foreign: list[LogoSource | None] = ["foreign"]
    sources = kit * n_kit + foreign * n_foreign + [None] * n_plain
    order = rng.permutation(shots)
    brands = sorted({brand for brand, _ in kit_logos})
    brand_turns = [brands[k % len(brands)] for k in range(n_kit)]
    rng.shuffle(brand_turns)
    seeds = rng.integers(0, 2**31, size=people)
    shirts = [SHIRTS_BGR[int(k)] for k in rng.integers(0, len(SHIRTS_BGR), size=people)]
    plans = []
    kit_turn = 0
    for k in range(shots):
        source = sources[int(order[k])]
        person = k * people // shots
        index: int | None = None
        name: str | None = None
        if source == "kit":
            brand = brand_turns[kit_turn]
            kit_turn += 1
            variants = [i for i, (b, _) in enumerate(kit_logos) if b == brand]
            index = variants[int(rng.integers(len(variants)))]
            name = brand
        elif source == "foreign":
            index = int(rng.integers(len(foreign_logos)))
            name = foreign_logos[index][0]
        mono = bool(rng.random() < mono_share) and source is not None
        if index is not None and not mono:
            # a printer would print a logo that the shirt swallows in its one-ink version, in a contrasting ink
            mono = _lost_on((kit_logos if source == "kit" else foreign_logos)[index][1], shirts[person])
        on_back = bool(rng.random() < BACK_PRINT_SHARE)
        on_body = 180.0 if on_back else float(rng.uniform(-CHEST_SPREAD_DEG, CHEST_SPREAD_DEG))
        plans.append(
            ShotPlan(
                folder=f"shot_{k:03d}",
                source=source,
                logo_index=index,
                name=name,
                on_body_deg=round(on_body, 2),
                turn_deg=round(float(rng.uniform(*TURN_RANGE_DEG)), 2),
                width_m=round(float(rng.uniform(*PRINT_WIDTHS_M)), 3),
                colour="mono" if mono else "as_is",
                ink_bgr=_ink_for(shirts[person]) if mono else LIGHT_INK_BGR,
                participant=person,
                scene_seed=int(seeds[person]),
                shirt_bgr=shirts[person],
            )
        )
    return plans


def cameras_seeing(truth: dict[str, Any]) -> list[int]:
    """The cameras of a shot that see its logo: enough of it in view, turned towards the camera."""
    return [
        c["index"]
        for c in truth["cameras"]
        if c["logo_box"] is not None
        and c["logo_visible_fraction"] >= MIN_VISIBLE_FRACTION
        and c["logo_facing_deg"] <= MAX_FACING_DEG
    ]


def write_shot_set(
    out: Path,
    kit_logos: Logos,
    *,
    foreign_logos: Logos = (),
    shots: int = 50,
    cameras: int = 24,
    size: tuple[int, int] = (3000, 2000),
    seed: int = 1,
    participants: int | None = None,
    foreign_share: float = 0.1,
    plain_share: float = 0.1,
    mono_share: float = 0.25,
    jpeg_quality: int = 92,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Render a set of shots into out (new or empty): per shot a folder of cam_NN.jpg and ground_truth.json, as
    SimRig.render_to writes them, and shots.json listing each shot's folder, the kit brand in it (null for a
    foreign logo or a plain shirt) and how many cameras see it (cameras_seeing). kit_logos are (brand id, BGRA)
    pairs, one per logo file (a brand with several files is listed several times); foreign_logos are (label,
    BGRA) pairs of logos that are not in the kit.

    Every shot is taken by the same rig, the sim rig of this seed and layout, so one calibration serves the set:
    shots.json's rig.rig_id names it (see bench/logo_shots.py for the calibration itself). Returns shots.json."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out}: already exists and is not an empty folder")
    plans = plan_shots(
        kit_logos,
        foreign_logos,
        shots=shots,
        seed=seed,
        participants=participants,
        foreign_share=foreign_share,
        plain_share=plain_share,
        mono_share=mono_share,
    )
    layout = RigLayout(cameras=cameras, width=size[0], height=size[1])
    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    rig: SimRig | None = None
    for k, plan in enumerate(plans):
        if rig is None or plans[k - 1].participant != plan.participant:
            rig = SimRig(
                layout,
                seed=seed,
                jpeg_quality=jpeg_quality,
                scene_seed=plan.scene_seed,
                shirt_bgr=plan.shirt_bgr,
                workers=workers or os.cpu_count() or 2,
            )
        started = time.perf_counter()
        rig.logo = _logo(plan, kit_logos, foreign_logos)
        rig.turn_deg = plan.turn_deg
        rig.shots_taken = k  # each shot its own sensor noise, as it would be shot by shot on one rig
        folder = out / plan.folder
        folder.mkdir()
        truth = rig.render_to(folder)
        seeing = cameras_seeing(truth)
        entries.append(_entry(plan, truth, seeing))
        if progress is not None:
            facing = truth["logo_print"]["facing_deg"] if plan.source else 0.0
            shown = f"{plan.name} ({plan.source}) facing {facing:.0f} deg" if plan.source else "plain shirt"
            progress(f"{plan.folder}: {shown}, seen by {len(seeing)} cameras, {time.perf_counter() - started:.1f} s")
    assert rig is not None
    document = {
        "version": 1,
        "seed": seed,
        "rig": {"rig_id": rig.rig_id, "seed": seed, **asdict(layout)},
        "seeing": {"min_visible_fraction": MIN_VISIBLE_FRACTION, "max_facing_deg": MAX_FACING_DEG},
        "shots": entries,
    }
    write_shots_json(out, document)
    return document


def write_shots_json(out: Path, document: dict[str, Any]) -> None:
    """shots.json, written whole or not at all."""
    staged = out / ".shots.json.tmp"
    staged.write_text(json.dumps(document, indent=1))
    staged.replace(out / "shots.json")


def _logo(plan: ShotPlan, kit_logos: Logos, foreign_logos: Logos) -> ShirtLogo | None:
    if plan.source is None or plan.logo_index is None:
        return None
    label, bgra = (kit_logos if plan.source == "kit" else foreign_logos)[plan.logo_index]
    return ShirtLogo(
        bgra, label, facing_deg=plan.on_body_deg, width_m=plan.width_m, colour=plan.colour, ink_bgr=plan.ink_bgr
    )


def _entry(plan: ShotPlan, truth: dict[str, Any], seeing: list[int]) -> dict[str, Any]:
    logo = None
    printed = truth["logo_print"]
    if plan.source is not None and printed is not None:
        logo = {
            "source": plan.source,
            "name": plan.name,
            "index": plan.logo_index,
            "on_body_deg": plan.on_body_deg,
            # as printed: the way it faces with the participant's turn, a tall logo printed narrower than asked,
            # and whole texture pixels
            "facing_deg": printed["facing_deg"],
            "width_m": printed["width_m"],
            "height_m": printed["height_m"],
            "colour": plan.colour,
            "ink_bgr": list(plan.ink_bgr) if plan.colour == "mono" else None,
        }
    return {
        "folder": plan.folder,
        "brand": plan.brand,
        "logo": logo,
        "participant": plan.participant,
        "turn_deg": plan.turn_deg,
        "scene_seed": plan.scene_seed,
        "shirt_bgr": list(plan.shirt_bgr),
        "cameras_seeing": len(seeing),
        "seeing": seeing,
    }
