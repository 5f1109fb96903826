"""How long the kiosk's GUI thread goes without running during shots, with the shot's threads below it (the
booth) and at the same priority (the baseline), in the same process on the same simulated rig.

A 10 ms timer on the GUI thread records the gap between its beats from the pose screen to a second after the
clip is in review (live view, countdown, capture, stitching, the clip starting to loop). A gap over 100 ms is
a stall a participant would see. Also prints the time from the fire to review.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/kiosk_stall.py [--shots 4] [--cameras 24]"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

import rig.priority
from booth.config import load_config
from booth.session import Screen
from booth.station import Station, open_station
from ui.app import build
from ui.stall_probe import StallProbe


def pump(app: QApplication, seconds: float, until: Screen | None = None, model: object = None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and getattr(model, "screen", None) is until:
            return
        time.sleep(0.002)


def shots(app: QApplication, station: Station, count: int) -> tuple[list[float], list[float]]:
    """Gaps between the GUI thread's beats (ms) over `count` shots, and each shot's fire-to-review time (s)."""
    model, window = build(station)
    window.resize(1080, 1920)
    window.show()
    model.start()
    to_review: list[float] = []
    probe = StallProbe()
    try:
        for _ in range(count):
            model.touch()
            pump(app, 1.0)
            probe.start()
            model.ready()
            pump(app, 10, Screen.CAPTURE, model)
            fired = time.monotonic()
            pump(app, 120, Screen.REVIEW, model)
            to_review.append(time.monotonic() - fired)
            pump(app, 1.0)
            probe.stop()
            model.keep()
            model.decide({}, "adult")
            model.touch()
            pump(app, 0.3)
            model.touch()
            pump(app, 0.3)
    finally:
        model.shutdown()
        window.close()
    return probe.gaps, to_review


def report(name: str, gaps: list[float], to_review: list[float]) -> float:
    worst = max(gaps)
    print(
        f"{name:9} worst gap {worst:6.1f} ms, p99 {np.percentile(gaps, 99):5.1f} ms, median {np.median(gaps):4.1f} ms,"
        f" gaps over 100 ms: {sum(g > 100 for g in gaps)}; fire to review {statistics.median(to_review):.2f} s"
        f" (median of {len(to_review)})"
    )
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=4)
    parser.add_argument("--cameras", type=int, default=24)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "booth.toml"
        cfg.write_text(f'[booth]\ndata_dir = "data"\n[rig]\ncameras = {args.cameras}\n[kiosk]\ncountdown_s = 1\n')
        with open_station(load_config(cfg), "sim", services=False) as station:
            niceness = rig.priority.BACKGROUND_NICENESS
            rig.priority.BACKGROUND_NICENESS = 0  # the baseline: the shot's threads as high as the screen
            base = report("baseline", *shots(app, station, args.shots))
            rig.priority.BACKGROUND_NICENESS = niceness
            booth = report("booth", *shots(app, station, args.shots))
    print(f"worst gap, booth / baseline: {booth / base:.2f}")
    app.shutdown()  # Qt's objects go before Python's: nothing of Qt is left for the interpreter's exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
