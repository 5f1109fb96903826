"""The `booth rig trigger` commands, as staff use them, against the simulated box started by `booth rig trigger sim`."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import run_booth


def test_sim_then_info_test_arm_release(tmp_path: Path) -> None:
    sim = subprocess.Popen(
        [sys.executable, "-m", "booth.cli", "rig", "trigger", "sim", "--edges", str(tmp_path / "edges.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert sim.stdout is not None
        for line in sim.stdout:
            lines.append(line)
            if "talk to it" in line:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)
    try:
        assert lines and lines[0].startswith("simulated trigger box on /dev/pts/"), lines
        port = lines[0].split(" on ")[1].split(";")[0]
        info = run_booth("rig", "trigger", "info", "--port", port)
        assert info.returncode == 0, info.stderr
        assert "protocol 1" in info.stdout and "clock sync" in info.stdout
        test = run_booth("rig", "trigger", "test", "--port", port)
        assert test.returncode == 0, test.stderr
        assert "fired 24 channels in 1 edge group(s)" in test.stdout
        assert "channels 0,1,2" in test.stdout and "error" in test.stdout
        for action in ("arm", "release"):
            result = run_booth("rig", "trigger", action, "--port", port)
            assert result.returncode == 0, result.stderr
        rows = (tmp_path / "edges.csv").read_text().splitlines()
        assert sum(1 for r in rows if r.startswith(tuple("0123456789")) and r.endswith(",1")) >= 48
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=60)
        except subprocess.TimeoutExpired:
            sim.kill()  # and the kernel kills its simavr child (rig.children.spawn_tied)
            sim.wait(timeout=60)
            raise
    assert sim.returncode == 0


def test_a_port_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    result = run_booth("rig", "trigger", "info", "--port", str(tmp_path / "ttyNONE"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot open" in lines[0] and "check the USB cable" in lines[0]
