"""`booth rig trigger sim` takes its simavr bench with it, stopped (SIGTERM, Ctrl-C) or killed outright (SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BENCH = "trigger_bench"
"""The simavr bench's process name (/proc/<pid>/comm), as firmware/Makefile builds it."""
DEADLINE_S = 60.0
"""Generous: the firmware may be built first, and the machine running the suite is busy."""


@dataclass(frozen=True)
class Bench:
    """One running simavr bench, told apart from a later process that reuses its pid by its start time."""

    pid: int
    started: str

    def alive(self) -> bool:
        # a zombie has stopped running; whether its new parent reaps it is not the booth's doing
        stat = _stat(self.pid)
        return stat is not None and stat[0] != "Z" and stat[19] == self.started


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None once the pid is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _benches_of(parent: int) -> list[Bench]:
    """The simavr benches whose parent is `parent`, read from /proc (the firmware build's make is left out)."""
    found: list[Bench] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text().strip() != BENCH:
                continue
            stat = _stat(int(entry.name))
            if stat is not None and int(stat[1]) == parent:
                found.append(Bench(int(entry.name), stat[19]))
    return found


def _bench_started_by(proc: subprocess.Popen[bytes], log: Path) -> Bench | None:
    """The bench `proc` runs, once the simulated box is up (its port printed); None if `proc` ends first or the
    box is not up in time. Up, not just spawned: a bench orphaned before it has written its first lines can die of
    SIGPIPE on them, and would hide the bench that, once quiet, outlives its parent."""
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end and proc.poll() is None:
        found = _benches_of(proc.pid)
        if found and "talk to it:" in log.read_text():
            return found[0]
        time.sleep(0.1)
    return None


def _wait_for(condition: Callable[[], bool], deadline_s: float = DEADLINE_S) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Bench]]:
    """`booth rig trigger sim` running, with the bench it started; whatever is left is killed afterwards."""
    log = tmp_path / "sim.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "booth.cli", "rig", "trigger", "sim", "--edges", str(tmp_path / "edges.csv")],
            stdout=out,
            stderr=out,
        )
    bench = None
    try:
        bench = _bench_started_by(proc, log)
        assert bench is not None, f"the simulated box did not come up; exit {proc.poll()}: {log.read_text()}"
        yield proc, bench
    finally:
        # a failing run must not leave a bench spinning on the machine for the rest of the suite
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=DEADLINE_S)
        if bench is not None and bench.alive():
            os.kill(bench.pid, signal.SIGKILL)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_stopped_sim_stops_and_reaps_its_bench(sim: tuple[subprocess.Popen[bytes], Bench], stop: int) -> None:
    proc, bench = sim
    proc.send_signal(stop)
    proc.wait(timeout=DEADLINE_S)
    assert _wait_for(lambda: not bench.alive()), f"{BENCH} {bench.pid} outlived `booth rig trigger sim`"
    assert proc.returncode == 0


def test_a_killed_sim_takes_its_bench_with_it(sim: tuple[subprocess.Popen[bytes], Bench]) -> None:
    proc, bench = sim
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=DEADLINE_S) == -signal.SIGKILL
    assert _wait_for(lambda: not bench.alive()), f"{BENCH} {bench.pid} was orphaned and kept running"
