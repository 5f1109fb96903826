"""Sim render speed: one shot of N cameras to JPEGs in memory, all cores against one worker, in the same run.

Run: .venv/bin/python bench/sim_render.py [--cameras 24] [--size 3000x2000] [--runs 3]"""

from __future__ import annotations

import argparse
import statistics
import time

from rig.base import FireSchedule
from rig.sim.camera import RigLayout
from rig.sim.rig import SimRig


def shoot_once(rig: SimRig) -> float:
    t0 = time.perf_counter()
    rig.trigger.arm()
    rig.trigger.fire(FireSchedule())
    rig.trigger.release()
    frames = list(rig.array.collect(deadline=time.time() + 600))
    assert len(frames) == rig.layout.cameras
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--size", default="3000x2000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    layout = RigLayout(cameras=args.cameras, width=w, height=h)
    results = {}
    for label, workers in (("all cores", None), ("one worker", 1)):
        rig = SimRig(layout, seed=1) if workers is None else SimRig(layout, seed=1, workers=workers)
        rig.scene()  # textures are made once per scene, not per shot
        results[label] = statistics.median(shoot_once(rig) for _ in range(args.runs))
    base = results["one worker"]
    print(f"sim render, {args.cameras} cameras at {args.size}, median of {args.runs}:")
    for label, t in results.items():
        print(f"  {label:10s} {t:6.2f} s  ({base / t:.2f}x one worker)")
    print(f"target: under 15 s -> {'met' if results['all cores'] < 15 else 'NOT met'}")


if __name__ == "__main__":
    main()
