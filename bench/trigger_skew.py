"""Trigger timing on the real firmware in simavr: skew, per-channel delay error and pulse width, from pin edges.

Run: .venv/bin/python bench/trigger_skew.py [--fires 20]
Each fire's edges are read from the bench's log (CPU cycles at 16 MHz, 62.5 ns each). The box's own FIRED
report is compared with the edges too: it is what the host stamps in host time."""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from rig.base import FireSchedule
from rig.trigger.serial_box import BoxSettings, SerialTrigger
from rig.trigger.simbench import CPU_HZ, SHUTTER_PORTS, Edge, SimulatedBox, by_channel

US = CPU_HZ / 1e6


def shutter_edges(edges: list[Edge], value: int) -> dict[int, int]:
    """Each shutter channel's edge to `value` in one fire's slice of the log (there is one per channel)."""
    return {ch: cycles[0] for ch, cycles in by_channel(edges, SHUTTER_PORTS, value).items()}


def run(fires: int, delays: list[int], pulse_us: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"skew": [], "delay": [], "pulse": [], "report": []}
    with tempfile.TemporaryDirectory() as tmp, SimulatedBox(Path(tmp) / "edges.csv") as box:
        trigger = SerialTrigger(
            box.pty, BoxSettings(pulse_us=pulse_us, focus_lead_us=5_000, max_assert_ms=1000, delays_us=tuple(delays))
        )
        trigger.connect()
        seen = 0
        for _ in range(fires):
            trigger.arm()
            trigger.fire(FireSchedule())
            edges = box.edges(settle_s=0.03)[seen:]
            seen += len(edges)
            up, down = shutter_edges(edges, 1), shutter_edges(edges, 0)
            t0 = up[0]
            zero = [up[c] for c in range(24) if delays[c] == delays[0]]
            figures["skew"].append((max(zero) - min(zero)) / US)
            figures["delay"] += [abs((up[c] - t0) / US - delays[c]) for c in range(24) if delays[c]]
            figures["pulse"] += [abs((down[c] - up[c]) / US - pulse_us) for c in range(24)]
            figures["report"] += [abs(g.actual_us - g.scheduled_us) for g in trigger.last_groups]
        trigger.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fires", type=int, default=20)
    args = parser.parse_args()
    plans = {
        "all 24 channels at once": [0] * 24,
        "time-slice: 12 channels at once, 12 at 250 us steps": [0] * 12 + [250 * k for k in range(1, 13)],
        "delays across the fire loop's clock resync (12285/12288/12291 us)": [
            0,
            3000,
            6000,
            9000,
            12000,
            12285,
            12288,
            12291,
        ]
        + [0] * 16,
        "dense ramp: 2 us steps": [2 * k for k in range(24)],
    }
    print(f"trigger box firmware in simavr, {args.fires} fires per plan, 20 ms shutter pulse")
    for name, delays in plans.items():
        f = run(args.fires, delays, 20_000)
        print(f"\n{name}")
        print(f"  skew of same-delay edges (us): max {max(f['skew']):.3f}, median {statistics.median(f['skew']):.3f}")
        if f["delay"]:
            print(
                f"  delayed channels, error (us): max {max(f['delay']):.3f}, median {statistics.median(f['delay']):.3f}"
            )
        print(f"  pulse width error (us): max {max(f['pulse']):.3f}")
        print(f"  box report vs plan (us): max {max(f['report']):.2f} (the report's clock reads 0.5 us ticks)")
    print("\ntargets: skew <= 1 us; own-delay channels within 4 us")


if __name__ == "__main__":
    main()
