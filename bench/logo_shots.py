"""Sim shot sets for measuring per-shot logo tagging, with the calibration their rig's true camera poses give.

Run: .venv/bin/python bench/logo_shots.py --out DIR [--kit KIT] [--shots 50] [--cameras 24] [--size 1500x1000]
     [--participants N] [--foreign 4] [--seed 1]

Writes rig/sim/shots.py's shot set into DIR (shot_NNN/cam_NN.jpg, shot_NNN/ground_truth.json, shots.json) and
DIR/calibration.json, which shots.json names. Without --kit the demo kit (ORBITA and three fictional brands) is
used, and kept in DIR/kit. Foreign logos are fictional brands that no model, kit or open-set reference uses."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from booth.stitch.calibration import AxisObservation, Calibration, build_calibration
from booth.tagging.kit import BrandKit, load_kit
from models.logos.brands import brand_logos, make_demo_kit
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig, frame_name
from rig.sim.scene import PATCH_BGR, SRGB8_TO_LINEAR
from rig.sim.shots import Logos, write_shot_set, write_shots_json

FOREIGN_BRANDS = range(9000, 9100)
"""make_brand seeds of the foreign logos: above every range that training, evaluation, calibration, the demo kit
and the tagger's open-set reference draw from (1000-8999, 3000-3039)."""


def true_calibration(rig: SimRig) -> Calibration:
    """The calibration a perfect fit of this rig's target shot would give, from the sim's true camera poses, with
    no target rendered: each camera's axis is where its marker centres project, and its grey sleeve the sleeve's
    colour through that camera's gains and exposure."""
    target = rig.target
    axis = np.array([[0.0, 0.0, target.top_m], [0.0, 0.0, target.bottom_m]])
    grey = SRGB8_TO_LINEAR[np.array(PATCH_BGR)].astype(np.float64)
    observations = []
    for cam in rig.sim_cameras:
        (tx, ty), (bx, by) = cam.project(axis)
        r, g, b = cam.imperfection.gain_rgb
        # the ring of light shades the sleeve alike from every camera, so shading cancels out of the gains
        sleeve = grey * np.array([b, g, r]) * cam.exposure
        observations.append(AxisObservation(cam.index, frame_name(cam.index), (tx, ty), (bx, by), sleeve, 0.0))
    calibration, _ = build_calibration(observations, rig.rig_id, (rig.layout.width, rig.layout.height), "points")
    return calibration


def kit_logos(kit: BrandKit) -> tuple[Logos, list[str]]:
    """Every logo file of the kit as (brand id, BGRA), and each one's variant (its file name)."""
    pairs = [(brand.brand_id, logo.rgba) for brand in kit.brands for logo in brand.logos]
    variants = [logo.variant for brand in kit.brands for logo in brand.logos]
    return pairs, variants


def foreign_logos(brands: int) -> Logos:
    """Every variant of `brands` fictional brands outside every kit, labelled name/variant."""
    return [
        (f"{name}/{variant}", rgba)
        for name, logos in (brand_logos(seed) for seed in FOREIGN_BRANDS[:brands])
        for variant, rgba in logos.items()
    ]


def write_calibrated_shot_set(
    out: Path,
    kit: BrandKit,
    foreign: Logos,
    *,
    cameras: int = 24,
    size: tuple[int, int] = (3000, 2000),
    seed: int = 1,
    **options: Any,
) -> tuple[dict[str, Any], Calibration]:
    """write_shot_set for the kit's logos (other options pass through), then calibration.json beside shots.json,
    which names it, the kit, and each kit logo's variant."""
    logos, variants = kit_logos(kit)
    document = write_shot_set(out, logos, foreign_logos=foreign, cameras=cameras, size=size, seed=seed, **options)
    rig = SimRig(RigLayout(cameras=cameras, width=size[0], height=size[1]), seed=seed)
    assert rig.rig_id == document["rig"]["rig_id"], "the calibration is of the rig that took the shots"
    calibration = true_calibration(rig)
    calibration.save(out / "calibration.json")
    document["calibration"] = "calibration.json"
    document["kit"] = str(kit.folder)
    for shot in document["shots"]:
        logo = shot["logo"]
        if logo is not None and logo["source"] == "kit":
            logo["variant"] = variants[logo["index"]]
    write_shots_json(out, document)
    return document, calibration


def _size(text: str) -> tuple[int, int]:
    w, h = (int(v) for v in text.lower().split("x"))
    return w, h


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="new folder for the shot set")
    parser.add_argument("--kit", type=Path, help="brand kit folder (default: the demo kit, written to OUT/kit)")
    parser.add_argument("--shots", type=int, default=50)
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--size", type=_size, default=(1500, 1000), help="frame size WxH (default 1500x1000)")
    parser.add_argument("--participants", type=int, help="distinct participants (default: one per shot)")
    parser.add_argument("--foreign", type=int, default=4, help="foreign brands, four logos each (default 4)")
    parser.add_argument("--seed", type=int, default=1, help="the rig's seed and the set's")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out}: already exists and is not an empty folder")
    with tempfile.TemporaryDirectory() as tmp:
        kit_folder = args.kit
        if kit_folder is None:
            kit_folder = Path(tmp) / "kit"
            make_demo_kit(kit_folder, brands=3, seed=7)
        kit = load_kit(kit_folder)
        started = time.perf_counter()
        document, _ = write_calibrated_shot_set(
            args.out,
            kit,
            foreign_logos(args.foreign),
            shots=args.shots,
            cameras=args.cameras,
            size=args.size,
            seed=args.seed,
            participants=args.participants,
            progress=print,
        )
        if args.kit is None:  # the set keeps the kit it was made for
            shutil.copytree(kit_folder, args.out / "kit")
            document["kit"] = "kit"
            write_shots_json(args.out, document)
    took = time.perf_counter() - started
    seen = [s["cameras_seeing"] for s in document["shots"] if s["brand"] is not None]
    print(
        f"{args.out}: {len(document['shots'])} shots of {args.cameras} cameras at {args.size[0]}x{args.size[1]} in "
        f"{took:.0f} s ({took / len(document['shots']):.1f} s a shot); kit logos seen by {np.mean(seen):.1f} cameras "
        f"a shot on average; calibration.json for rig {document['rig']['rig_id']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
