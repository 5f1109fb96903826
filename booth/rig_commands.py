"""The `booth rig` commands: the trigger box (directly, or the simulated one) and the cameras."""

from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from booth.camera_commands import add_camera_commands
from booth.config import load_config
from booth.errors import InputError
from booth.rigs import box_settings
from rig.base import FireSchedule
from rig.trigger.protocol import BoxFault, BoxState
from rig.trigger.serial_box import SerialTrigger, describe_groups
from rig.trigger.simbench import SimulatedBox


def _connect(args: argparse.Namespace) -> SerialTrigger:
    config = load_config(args.config)
    port = args.port or config.rig.trigger.port
    if not port:
        raise InputError("no trigger port: give --port /dev/ttyACM0 or set rig.trigger.port in booth.toml")
    box = SerialTrigger(port, box_settings(config))
    box.connect()
    return box


def _clock_line(box: SerialTrigger) -> str:
    assert box.clock is not None
    return (
        f"clock sync: +/-{box.clock.uncertainty_s * 1e3:.2f} ms from {box.clock.samples_used} round trips, "
        f"drift {box.clock.drift_ppm:+.0f} ppm"
    )


def cmd_info(args: argparse.Namespace) -> int:
    with _connect(args) as box:
        assert box.identity is not None
        status = box.box_status()
        print(f"{box.port}: trigger box, {box.identity.describe()}")
        print(
            f"state {BoxState(status['state']).name.lower()}, last fault {BoxFault(status['fault']).name.lower()}, "
            f"channels in use {bin(status['channel_mask']).count('1')}"
        )
        print(_clock_line(box))
    return 0


def cmd_arm(args: argparse.Namespace) -> int:
    with _connect(args) as box:
        box.arm()
        print(f"{box.port}: armed (focus pressed); the box releases every line after 2 s without the host")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    with _connect(args) as box:
        box.release()
        print(f"{box.port}: every line released")
    return 0


def cmd_fire(args: argparse.Namespace) -> int:
    """Arm and fire once; `test` prints the box's own timing report as well."""
    with _connect(args) as box:
        box.arm()
        report = box.fire(FireSchedule())
        channels = sum(len(g.channels) for g in box.last_groups)
        print(
            f"{box.port}: fired {channels} channels in {len(box.last_groups)} edge group(s); "
            f"spread of timing errors {report.skew_us:.1f} us"
        )
        if args.action == "test":
            print(_clock_line(box))
            for line in describe_groups(box.last_groups):
                print(f"  {line}")
            print(
                f"fired at host time {time.strftime('%H:%M:%S', time.localtime(report.fired_at))}"
                f".{int(report.fired_at % 1 * 1e6):06d}"
            )
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    edges = Path(args.edges) if args.edges else Path(tempfile.mkdtemp(prefix="trigger-bench-")) / "edges.csv"
    stopping = threading.Event()
    # Ctrl-C and SIGTERM leave through the with block, which stops and reaps the simulation (SIGTERM's default
    # would end Python on the spot), even where it was started with SIGINT ignored (a background job of a script)
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: stopping.set())
    with SimulatedBox(edges) as box:
        print(f"simulated trigger box on {box.pty}; pin changes in {edges}")
        print(f"talk to it: booth rig trigger test --port {box.pty}   (Ctrl-C here stops it)", flush=True)
        while box.running() and not stopping.wait(0.5):
            pass
    return 0


COMMANDS = {"info": cmd_info, "arm": cmd_arm, "fire": cmd_fire, "release": cmd_release, "test": cmd_fire}


def add_rig_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    rig = sub.add_parser("rig", help="talk to the rig's hardware directly")
    rig_sub: Any = rig.add_subparsers(dest="part", required=True, parser_class=parser_class)
    trigger = rig_sub.add_parser("trigger", help="the trigger box")
    actions = trigger.add_subparsers(dest="action", required=True, parser_class=parser_class)
    helps = {
        "info": "who the box is, its state, and the clock sync",
        "arm": "press focus on every channel",
        "fire": "arm and fire once",
        "release": "release every line",
        "test": "fire once and print the measured skew and delays from the box's report",
    }
    for name, text in helps.items():
        p = actions.add_parser(name, help=text)
        p.add_argument("--port", help="serial port of the box (default: rig.trigger.port)")
        p.add_argument("--config", type=Path, help="booth.toml")
        p.set_defaults(func=COMMANDS[name])
    sim = actions.add_parser("sim", help="run the firmware in simavr and print its serial port")
    sim.add_argument("--edges", help="file to log every pin change to (default: a temporary file)")
    sim.set_defaults(func=cmd_sim)
    add_camera_commands(rig_sub, parser_class)
