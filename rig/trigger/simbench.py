"""The simulated trigger box: the compiled firmware in simavr, its UART on a pseudo-terminal, its pins logged."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from rig.base import RigError
from rig.children import spawn_tied, stop_child

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"
BUILD_DIR = FIRMWARE_DIR / "build"
CPU_HZ = 16_000_000
TOOLS = ("avr-gcc", "make", "gcc")
DEBIAN_PACKAGES = "gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1"
# The firmware's pin map (firmware/src/pins.h) as the bench logs it: port letters, 8 channels each, in order.
SHUTTER_PORTS = ("A", "C", "L")
FOCUS_PORTS = ("F", "K", "B")
FLASH = ("H", 3)


@dataclass(frozen=True)
class Edge:
    """One change of one output pin, at a cycle of the simulated 16 MHz CPU."""

    cycle: int
    port: str
    pin: int
    value: int

    @property
    def seconds(self) -> float:
        return self.cycle / CPU_HZ


def by_channel(edges: list[Edge], ports: tuple[str, ...], value: int) -> dict[int, list[int]]:
    """The cycles at which each channel's line went to `value` (1: asserted, 0: released), in order."""
    out: dict[int, list[int]] = {}
    for e in edges:
        if e.port in ports and e.value == value:
            out.setdefault(ports.index(e.port) * 8 + e.pin, []).append(e.cycle)
    return out


def build_firmware() -> tuple[Path, Path]:
    """Build the firmware and the simavr bench (make -C firmware); returns (trigger.elf, trigger_bench)."""
    if not (FIRMWARE_DIR / "Makefile").exists():
        raise RigError(f"{FIRMWARE_DIR}: firmware sources not found; run from a checkout of the booth")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise RigError(f"{', '.join(missing)} not found: install the Debian packages {DEBIAN_PACKAGES}")
    proc = subprocess.run(
        ["make", "-s", "-C", str(FIRMWARE_DIR)], capture_output=True, text=True, check=False, timeout=300
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RigError(f"firmware build failed: {last}")
    return BUILD_DIR / "trigger.elf", BUILD_DIR / "trigger_bench"


class SimulatedBox:
    """Runs trigger.elf in simavr. `pty` is the serial port to give the host driver; `edges()` is every pin
    change so far. Use as a context manager; stop() ends the simulation. Start it from a thread that lives as
    long as the box should (the main thread): the kernel ends the simulation when that thread ends."""

    def __init__(self, edges_path: Path, start_timeout_s: float = 15.0) -> None:
        self.edges_path = edges_path
        self.start_timeout_s = start_timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self.pty = ""
        self.output: deque[str] = deque(maxlen=50)
        """The bench's last lines of output (simavr's own messages), for error reports."""

    def start(self) -> SimulatedBox:
        elf, bench = build_firmware()
        self.edges_path.parent.mkdir(parents=True, exist_ok=True)
        # tied to this process: a booth killed outright (SIGKILL, a crash) must not leave the simulation spinning
        self._proc = spawn_tied(
            [str(bench), str(elf), str(self.edges_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            self._wait_ready(self._proc)
        except BaseException:
            # __exit__ never runs when __enter__ raises (Ctrl-C while starting, too): stop it here
            self.stop()
            raise
        return self

    def _wait_ready(self, proc: subprocess.Popen[str]) -> None:
        """Read the bench's output from a thread, to the end; return once it has named its pty."""
        ready = threading.Event()
        stdout = proc.stdout
        assert stdout is not None

        def read_output() -> None:
            # read to the end, not just to the pty line: a full pipe would stall the simulation
            for line in stdout:
                if line.startswith("pty: ") and not ready.is_set():
                    self.pty = line[5:].strip()
                    ready.set()
                else:
                    self.output.append(line.rstrip())

        threading.Thread(target=read_output, daemon=True).start()
        if not ready.wait(self.start_timeout_s):
            last = self.output[-1] if self.output else "no output"
            raise RigError(f"the simulated trigger box did not start within {self.start_timeout_s:.0f} s ({last})")

    def reset(self) -> None:
        """Press the box's reset button (an external reset, as when the USB port opens on a real board)."""
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGUSR1)

    def press_button(self) -> None:
        """Hold the box's push-button down for 200 ms, as a participant would."""
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGUSR2)

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def edges(self, settle_s: float = 0.05) -> list[Edge]:
        time.sleep(settle_s)  # the bench flushes its log every few milliseconds
        out: list[Edge] = []
        if not self.edges_path.exists():
            return out
        for line in self.edges_path.read_text().splitlines():
            parts = line.split(",")
            if len(parts) == 4 and parts[0].isdigit():
                out.append(Edge(int(parts[0]), parts[1], int(parts[2]), int(parts[3])))
        return out

    def stop(self) -> None:
        """End the simulation: SIGTERM, SIGKILL if it has not exited within a few seconds, and reap it."""
        if self._proc is not None:
            stop_child(self._proc)
        self._proc = None

    def __enter__(self) -> SimulatedBox:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
