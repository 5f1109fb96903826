"""Shared fixtures: simulated shots rendered once per test session, and a way to run the `booth` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from rig.sim.camera import RigLayout
from rig.sim.rig import Fault, SimRig

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the kiosk's tests run without a screen


@dataclass(frozen=True)
class Rendered:
    folder: Path
    truth: dict[str, Any]

    def copy_to(self, dest: Path) -> Path:
        shutil.copytree(self.folder, dest)
        return dest


def render(
    folder: Path,
    *,
    scene: str,
    cameras: int,
    size: tuple[int, int],
    seed: int = 1,
    faults: dict[int, Fault] | None = None,
    shot: int = 1,
) -> Rendered:
    """One shot of a sim rig; a later `shot` number of the same rig has its own sensor noise."""
    folder.mkdir(parents=True)
    layout = RigLayout(cameras=cameras, width=size[0], height=size[1])
    rig = SimRig(layout, seed=seed, faults=dict(faults or {}), shots_taken=shot - 1)
    rig.scene_name = "target" if scene == "target" else "participant"
    truth = rig.render_to(folder)
    return Rendered(folder, truth)


@pytest.fixture(scope="session")
def full_target(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The calibration target shot by a 24-camera rig at 3000x2000, the default rig."""
    return render(tmp_path_factory.mktemp("full") / "target", scene="target", cameras=24, size=(3000, 2000))


@pytest.fixture(scope="session")
def full_participant(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """A participant shot by the same 24-camera rig (same seed: same camera errors)."""
    return render(tmp_path_factory.mktemp("full") / "participant", scene="participant", cameras=24, size=(3000, 2000))


@pytest.fixture(scope="session")
def small_target(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """A small, fast rig for behaviour tests: 12 cameras at 1200x800."""
    return render(tmp_path_factory.mktemp("small") / "target", scene="target", cameras=12, size=(1200, 800), seed=5)


@pytest.fixture(scope="session")
def small_participant(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render(
        tmp_path_factory.mktemp("small") / "participant", scene="participant", cameras=12, size=(1200, 800), seed=5
    )


@pytest.fixture(scope="session")
def small_calibration(small_target: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small-cal") / "calibration.json"
    result = run_booth("calibrate", str(small_target.folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@dataclass(frozen=True)
class BoothRun:
    returncode: int
    stdout: str
    stderr: str


def run_booth(*args: str, cwd: Path | None = None) -> BoothRun:
    """Run the real `booth` command in a child process, as staff would."""
    proc = subprocess.run(
        [sys.executable, "-m", "booth.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )
    return BoothRun(proc.returncode, proc.stdout, proc.stderr)


def run_stitch(frames: Path, calibration: Path, out: Path, *extra: str) -> BoothRun:
    return run_booth("stitch", str(frames), "--calibration", str(calibration), "--out", str(out), *extra)


def imread(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None, f"{path} is not a readable image"
    return image


def clip_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith("clip-")) if out.exists() else []


def read_clip_json(clip: Path) -> dict[str, Any]:
    return json.loads((clip / "clip.json").read_text())
