"""The `booth rig cameras` commands: list the cameras, check and apply settings, test-fire, live view, virtual rigs."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from booth.atomic import staged_folder, write_atomic
from booth.config import load_config
from booth.errors import ConfigError, InputError
from booth.rigs import camera_bus, capture_settings, open_camera_rig, open_cameras, require_serials
from booth.shoot import Rig, capture
from booth.stitch.frames import read_folder
from rig.base import RigError
from rig.cameras.array import open_cameras as open_workers
from rig.cameras.array import position
from rig.cameras.profile import label
from rig.cameras.virtual import make_virtual_rig

log = logging.getLogger(__name__)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell, for a terminal."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    return ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [headers, *rows]]


def _known(value: Any, unit: str = "") -> str:
    return "?" if value is None else f"{value}{unit}"


def cmd_list(args: argparse.Namespace) -> int:
    """Every camera on the bus with its serial; placed on the arc when booth.toml lists the serials."""
    config = load_config(args.config)
    serials = list(config.rig.gphoto2.serials)
    if not serials:
        by_serial, failed = open_workers(camera_bus(config).scan(), config.rig.gphoto2.start_timeout_s)
        rows = []
        for serial, workers in sorted(by_serial.items()):
            for w in workers:
                d = w.description
                rows.append(
                    [
                        serial,
                        d.get("model", ""),
                        w.spec.where,
                        _known(d.get("battery_percent"), "%"),
                        _known(d.get("card_free_mb"), " MB"),
                    ]
                )
                w.stop()
        for f in failed:
            print(f"could not open: {f}")
        if not rows:
            where = "in the virtual rig" if config.rig.gphoto2.virtual_dir else "on USB"
            raise RigError(
                f"no camera found {where}: switch the cameras on, plug them in, and close any desktop photo program"
            )
        for line in table(["serial", "model", "port", "battery", "card free"], rows):
            print(line)
        print(f"{len(rows)} camera(s); list their serials in booth.toml's rig.gphoto2.serials, in order along the arc")
        return 0
    with open_cameras(config, apply_profile=False) as (array, found):
        health = {h.index: h for h in array.health()}
        rows = []
        for info in array.cameras():
            h = health[info.index]
            rows.append(
                [
                    position(info.index),
                    info.serial,
                    info.model or "-",
                    info.port or "-",
                    _known(h.battery_percent, "%"),
                    _known(h.card_free_mb, " MB"),
                    "ok" if h.connected else "MISSING",
                ]
            )
        for line in table(["camera", "serial", "model", "port", "battery", "card free", "status"], rows):
            print(line)
        for problem in found.problems():
            print(problem)
        print(f"{len(found.placed)} of {len(serials)} cameras found")
        return 0 if not found.problems() else 1


def cmd_settings(args: argparse.Namespace) -> int:
    """Each camera's settings side by side, the odd ones named; --apply sets a profile from booth.toml first."""
    config = load_config(args.config)
    require_serials(config)
    if args.apply is not None and config.rig.profile(args.apply) is None:
        names = ", ".join(sorted(config.rig.gphoto2.profiles)) or "none yet"
        raise ConfigError(f"no profile {args.apply!r} under rig.gphoto2.profiles in booth.toml (there are: {names})")
    with open_cameras(config, apply_profile=False) as (array, _):
        if args.apply is not None:
            profile = config.rig.profile(args.apply)
            assert profile is not None
            array.apply(capture_settings(profile))
            print(f"profile {args.apply!r} applied to {len(array.cameras()) - len(array.missing())} cameras")
        report = array.settings_report()
        columns = sorted({n for s in report.values() for n in s})
        rows = [[position(k), *(s.get(n, "-") for n in columns)] for k, s in sorted(report.items())]
        for line in table(["camera", *(label(n) for n in columns)], rows):
            print(line)
        odd = array.odd_ones(report)
        for line in odd:
            print(line)
        print("every camera has the same settings" if not odd else f"{len(odd)} setting(s) differ; fix them first")
        return 0 if not odd else 1


def cmd_test(args: argparse.Namespace) -> int:
    """Fire once and show, per camera, when its frame arrived, how big it is, its exposure, or why it is missing."""
    config = load_config(args.config)
    if args.keep is not None and args.keep.exists():
        raise InputError(f"{args.keep}: already exists; give a new folder for the frames")
    deadline_s = config.rig.gphoto2.deadline_s
    with open_camera_rig(config) as hw:
        shot = capture(Rig(config.rig.id, hw.trigger, hw.array, deadline_s), deadline_s)
        assert shot.fire is not None
        fired = shot.fire.fired_at
        by_index = {f.camera_index: f for f in shot.frames}
        health = {h.index: h for h in hw.array.health()}
        rows = []
        for k in range(hw.array.size):
            f = by_index.get(k)
            if f is None:
                reason = health[k].last_error.removeprefix(f"{position(k)}: ") or "no frame"
                rows.append([position(k), "-", "-", "-", f"MISSING: {reason}"])
            else:
                rows.append(
                    [
                        position(k),
                        f"{(f.arrived_at - fired) * 1000:.0f} ms",
                        f"{len(f.data) / 1024:.0f} KB",
                        f.exposure.describe() if f.exposure else "no EXIF",
                        "ok",
                    ]
                )
        for line in table(["camera", "arrived", "size", "exposure", "status"], rows):
            print(line)
        trigger = type(hw.trigger).__name__
        print(
            f"{len(shot.frames)} of {hw.array.size} frames within {deadline_s:g} s; fired by "
            f"{'the trigger box' if trigger == 'SerialTrigger' else 'gphoto2 over USB (sync is loose)'}, "
            f"spread {shot.fire.skew_us:.0f} us"
        )
        if args.keep is not None:
            with staged_folder(args.keep) as stage:
                for f in shot.frames:
                    (stage / f.file_name).write_bytes(f.data)
            print(f"{args.keep}: {len(shot.frames)} frames kept; calibrate with 'booth calibrate {args.keep}'")
        return 0 if len(shot.frames) == hw.array.size else 1


def cmd_live(args: argparse.Namespace) -> int:
    """Live view from one camera for a few seconds: the rate it gives, and its last frame written to a file."""
    config = load_config(args.config)
    k = args.camera if args.camera is not None else config.rig.gphoto2.live_view_camera
    k = config.rig.cameras // 2 if k is None else k
    if not 0 <= k < config.rig.cameras:
        raise InputError(f"--camera {k}: the rig has cameras 0 to {config.rig.cameras - 1}")
    with open_cameras(config, apply_profile=False) as (array, _):
        live = array.live_view(k)
        time.sleep(args.seconds)
        frame, fps, error = live.latest(), live.fps, live.error
        live.stop()
    if frame is None:
        raise RigError(error or f"{position(k)} gave no live-view frame in {args.seconds:g} s")
    write_atomic(args.out, frame.jpeg)
    print(
        f"{position(k)}: {frame.number} live-view frames in {args.seconds:g} s ({fps:.1f} a second); last in {args.out}"
    )
    return 0


def cmd_virtual(args: argparse.Namespace) -> int:
    """A rig of libgphoto2's virtual cameras from a folder of frames (cam_NN.jpg): one camera per frame."""
    frames = read_folder(args.frames).frames
    if args.out.exists() and any(args.out.iterdir()):
        raise InputError(f"{args.out}: already exists and is not empty; give a new folder")
    serials = make_virtual_rig([(f.camera_index, f.data) for f in frames], args.out)
    print(f"{args.out}: {len(serials)} virtual cameras. In booth.toml:")
    print('[rig]\nkind = "gphoto2"')
    print(f"cameras = {len(serials)}")
    print(f"[rig.gphoto2]\nvirtual_dir = {str(args.out.resolve())!r}")
    print(f"serials = [{', '.join(repr(s) for s in serials)}]".replace("'", '"'))
    return 0


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="booth.toml (rig.gphoto2 lists the cameras)")


def add_camera_commands(rig_sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    cameras = rig_sub.add_parser("cameras", help="the tethered cameras (gphoto2)")
    actions = cameras.add_subparsers(dest="action", required=True, parser_class=parser_class)
    p = actions.add_parser("list", help="each camera: place on the arc, serial, model, port, battery, card space")
    _config_arg(p)
    p.set_defaults(func=cmd_list)
    p = actions.add_parser("settings", help="every camera's settings side by side; the odd ones named")
    p.add_argument("--apply", metavar="PROFILE", help="apply this profile from rig.gphoto2.profiles first")
    _config_arg(p)
    p.set_defaults(func=cmd_settings)
    p = actions.add_parser("test", help="fire once; per camera: arrival time, file size, exposure, or missing")
    p.add_argument("--keep", type=Path, help="new folder to keep the frames in (e.g. to calibrate from)")
    _config_arg(p)
    p.set_defaults(func=cmd_test)
    p = actions.add_parser("live", help="live view from one camera: its rate, and its last frame in a file")
    p.add_argument("--camera", type=int, help="rig position (default: rig.gphoto2.live_view_camera)")
    p.add_argument("--seconds", type=float, default=3.0, help="how long to watch (default 3)")
    p.add_argument("--out", type=Path, default=Path("live.jpg"), help="where to write the last frame")
    _config_arg(p)
    p.set_defaults(func=cmd_live)
    p = actions.add_parser("virtual", help="make a rig of libgphoto2's virtual cameras from a folder of frames")
    p.add_argument("frames", type=Path, help="folder of cam_NN.jpg frames (e.g. from 'booth sim render')")
    p.add_argument("--out", type=Path, required=True, help="new folder for the virtual cameras")
    p.set_defaults(func=cmd_virtual)
