"""The `booth` command: render a simulated shot, calibrate, stitch, shoot, and check the configuration."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import cv2

from booth import __version__
from booth.atomic import refuse_folder, staged_folder
from booth.calibration_files import calibration_path, existing_calibration
from booth.collect_commands import add_collect_commands
from booth.config import PROFILE_NAMES, BoothConfig, config_problems, load_config, missing_files, read_toml
from booth.config_doc import example_toml
from booth.consent.registry import open_store, register
from booth.consent_commands import add_consent_commands
from booth.delivery_commands import add_delivery_commands
from booth.errors import BoothError, ConfigError, InputError
from booth.rig_commands import add_rig_commands
from booth.rigs import open_camera_rig, require_serials, sim_rig
from booth.shoot import Rig, calibrate_rig, shoot
from booth.shot import Clip
from booth.stitch.calibration import Calibration, calibrate_frames, load_points
from booth.stitch.frames import FrameFolder, check_same_size, read_folder
from booth.stitch.stitcher import Stitcher
from booth.tagging.clip_tags import tag_clip
from booth.tagging.kit import load_logo
from booth.tagging_commands import add_tagging_commands, progress_printer
from rig.base import MAX_CAMERAS, MIN_CAMERAS, Frame, RigError
from rig.sim.scene import ShirtLogo

log = logging.getLogger("booth")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that says where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 3000x2000") from None
    if not (640 <= w <= 6000 and 480 <= h <= 4000):
        raise argparse.ArgumentTypeError(f"{w}x{h} is outside 640x480 to 6000x4000")
    return w, h


def _cameras(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of cameras") from None
    if not MIN_CAMERAS <= n <= MAX_CAMERAS:
        raise argparse.ArgumentTypeError(f"a rig has {MIN_CAMERAS} to {MAX_CAMERAS} cameras, not {n}")
    return n


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= seed < 2**31:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to {2**31 - 1}, not {seed}")
    return seed


def _fresh_output(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path}: already exists and is not an empty folder; choose a new folder")
    if path.exists():
        path.rmdir()


def cmd_config_check(args: argparse.Namespace) -> int:
    problems = config_problems(read_toml(args.file))
    if not problems:
        problems = missing_files(load_config(args.file))
    for problem in problems:
        print(f"{args.file}: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{args.file}: OK")
    return 0


def cmd_config_example(args: argparse.Namespace) -> int:
    sys.stdout.write(example_toml())
    return 0


def cmd_sim_render(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    rig = sim_rig(config, args.cameras, args.seed, args.size)
    rig.scene_name = "target" if args.target else "participant"
    if (args.brand is not None or args.facing is not None) and args.logo is None:
        raise InputError("--brand and --facing are for a shirt logo given with --logo")
    if args.logo is not None:
        if args.target or not args.brand:
            raise InputError("--logo is worn by the participant, not the target, and needs --brand (the brand's id)")
        try:
            rig.logo = ShirtLogo(load_logo(args.logo).rgba, args.brand, facing_deg=args.facing or 0.0)
        except ValueError as exc:
            raise InputError(f"{args.logo}: {exc}") from None
    _fresh_output(args.out)
    with staged_folder(args.out) as stage:
        rig.render_to(stage)
    lay = rig.layout
    print(f"{args.out}: {lay.cameras} frames of the {rig.scene_name} at {lay.width}x{lay.height}, ground_truth.json")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    refuse_folder(args.out, "calibration.json")
    frames = read_folder(args.frames).frames
    points = load_points(args.points, frames) if args.points else None
    calibration, warnings = calibrate_frames(
        frames, config.calibration.target, args.rig_id or config.rig.id, points=points, folder=args.frames
    )
    for w in warnings:
        log.warning(w)
    calibration.save(args.out)
    worst = max(calibration.cameras, key=lambda c: c.residual_px)
    print(
        f"{args.out}: {calibration.camera_count} cameras calibrated from the {calibration.source}, "
        f"{calibration.image_size[0]}x{calibration.image_size[1]}; worst residual {worst.residual_px:.2f} px "
        f"(camera {worst.index})"
    )
    return 0


def _frames_for(folder: FrameFolder, calibration: Calibration, cal_path: Path) -> list[Frame]:
    """The folder's frames, checked against the calibration; refuses frames it cannot place on the rig."""
    frames, count = folder.frames, calibration.camera_count
    if len(frames) > count:
        raise InputError(
            f"{folder.folder}: {len(frames)} frames, but {cal_path} is for a rig of {count} cameras; "
            "use that rig's calibration"
        )
    if folder.named:
        for f in frames:
            if f.camera_index >= count:
                raise InputError(
                    f"{folder.folder}: {f.file_name} is camera {f.camera_index}, but {cal_path} is "
                    f"for cameras 0 to {count - 1}"
                )
    elif len(frames) != count:
        raise InputError(
            f"{folder.folder}: {len(frames)} frames for {count} cameras and no camera names: name each frame "
            "cam_NN.jpg by its rig position so the missing ones are known"
        )
    size = check_same_size(frames, folder.folder)
    _check_size(size, calibration, cal_path, f"{folder.folder}: frames are")
    return frames


def _check_size(size: tuple[int, int] | None, calibration: Calibration, cal_path: Path, what: str) -> None:
    if size is not None and size != tuple(calibration.image_size):
        cw, ch = calibration.image_size
        raise InputError(
            f"{what} {size[0]}x{size[1]} but {cal_path} was made for {cw}x{ch} frames; recalibrate with frames of "
            "this size"
        )


def _stitch_config(config: BoothConfig, profile: str | None) -> BoothConfig:
    if profile is None:
        return config
    return config.model_copy(update={"stitch": config.stitch.model_copy(update={"profile": profile})})


def _calibration_path(args: argparse.Namespace, config: BoothConfig) -> Path | None:
    if args.calibration is not None:
        return Path(args.calibration)
    if config.calibration.file is not None:
        return config.resolve(config.calibration.file)
    return None


def cmd_stitch(args: argparse.Namespace) -> int:
    config = _stitch_config(load_config(args.config), args.profile)
    cal_path = _calibration_path(args, config)
    if cal_path is None:
        raise InputError("no calibration: give --calibration calibration.json or set calibration.file in booth.toml")
    calibration = Calibration.load(cal_path)
    frames = _frames_for(read_folder(args.frames), calibration, cal_path)
    stitcher = Stitcher.from_config(calibration, config, overlay=args.overlay, end_card=args.end_card)
    for frame in frames:
        stitcher.add(frame)
    clip = stitcher.finish(
        args.out,
        shot_id=args.shot_id or f"folder-{args.frames.resolve().name}",
        extra={"booth_id": config.booth.id, "event": config.booth.event},
    )
    _report(clip.directory, clip.metadata)
    return 0


def _report(directory: Path, meta: dict[str, object]) -> None:
    missing = meta["cameras_missing"]
    used = meta["cameras_used"]
    assert isinstance(missing, list) and isinstance(used, list)
    timings = meta["timings_ms"]
    assert isinstance(timings, dict)
    print(
        f"{directory}: {meta['duration_s']} s {meta['width']}x{meta['height']} clip from {len(used)} cameras"
        f"{f' ({len(missing)} missing)' if missing else ''} in {timings['total'] / 1000:.1f} s"
    )


def cmd_shoot(args: argparse.Namespace) -> int:
    config = _stitch_config(load_config(args.config), args.profile)
    if args.kit is not None:  # a kit given here is where the command runs, not beside booth.toml
        config = config.model_copy(update={"tagging": config.tagging.model_copy(update={"kit": args.kit.absolute()})})
    if (args.rig or config.rig.kind) == "gphoto2":
        return _shoot_cameras(args, config)
    sim = sim_rig(config, args.cameras, args.seed, None)
    rig = Rig(sim.rig_id, sim.trigger, sim.array, config.rig.collect_timeout_s)
    cal_path = _calibration_path(args, config)
    if cal_path:
        calibration = Calibration.load(cal_path)
        if calibration.camera_count != sim.layout.cameras:
            raise InputError(
                f"{cal_path}: made for {calibration.camera_count} cameras, the rig has {sim.layout.cameras}; "
                "recalibrate"
            )
        _check_size((sim.layout.width, sim.layout.height), calibration, cal_path, "the rig's frames are")
    else:
        cached = config.data_dir / "calibrations" / f"{sim.rig_id}.json"
        if cached.exists():
            calibration = Calibration.load(cached)
        else:
            sim.scene_name = "target"
            calibration, warnings = calibrate_rig(rig, config)
            for w in warnings:
                log.warning(w)
            calibration.save(cached)
            print(f"{cached}: calibrated the simulated rig from its target")
            sim.scene_name = "participant"
    clip = shoot(rig, calibration, config, args.out, overlay=args.overlay)
    _report(clip.directory, clip.metadata)
    _tag(config, clip, calibration)
    _offer_consent(config, clip)
    return 0


def _tag(config: BoothConfig, clip: Clip, calibration: Calibration) -> None:
    """The sponsors' logos in the shot, before the clip is offered for consent (and so before it can travel)."""
    frames = config.data_dir / "shots" / clip.shot_id
    tags = tag_clip(config, clip, frames, calibration=calibration, progress=progress_printer(sys.stderr))
    if tags is not None and tags["status"] == "ok":
        brands = sorted(tags["shot"]["brands"].items(), key=lambda item: -item[1]["views"])
        counts = [(b["name"], b["views"]) for _key, b in brands]
        found = ", ".join(f"{name} in {n} view{'s' if n > 1 else ''}" for name, n in counts)
        print(f"tags: {found or 'no kit brand'} ({clip.directory / 'tags.json'})")


def _offer_consent(config: BoothConfig, clip: Clip) -> None:
    """Every clip goes on the booth's books, where nothing leaves without the participant's consent."""
    with open_store(config) as store:
        registered = register(config, store, clip)
    print(f"consent page: {registered.url}")


def _shoot_cameras(args: argparse.Namespace, config: BoothConfig) -> int:
    """One shot on the tethered cameras, fired by the trigger box (or gphoto2's trigger without one)."""
    if args.cameras is not None or args.seed is not None:
        raise InputError("--cameras and --seed are for the simulated rig; the camera rig is set in rig.gphoto2")
    cal_path = _calibration_path(args, config) or existing_calibration(config, config.rig.id)
    if cal_path is None:
        kept = calibration_path(config, config.rig.id)
        raise InputError(
            f"no calibration for the camera rig: calibrate on the kiosk's staff panel (it keeps it in {kept}), or "
            "shoot the target with 'booth rig cameras test --keep target/', run 'booth calibrate target/ --out "
            "calibration.json', then give --calibration calibration.json"
        )
    calibration = Calibration.load(cal_path)
    serials = require_serials(config)
    if calibration.camera_count != len(serials):
        raise InputError(
            f"{cal_path}: made for {calibration.camera_count} cameras, rig.gphoto2.serials lists {len(serials)}; "
            "recalibrate"
        )
    with open_camera_rig(config) as hw:
        rig = Rig(config.rig.id, hw.trigger, hw.array, config.rig.gphoto2.deadline_s)
        clip = shoot(rig, calibration, config, args.out, overlay=args.overlay)
    _report(clip.directory, clip.metadata)
    _tag(config, clip, calibration)
    _offer_consent(config, clip)
    return 0


def cmd_kiosk(args: argparse.Namespace) -> int:
    from booth.station import RigKind
    from ui.preflight import check as check_screen

    config = load_config(args.config)
    missing = missing_files(config, ("kiosk.logo", "kiosk.demo_clip"))
    if missing:
        raise ConfigError(f"{args.config}: {missing[0]}")
    kind: RigKind = args.rig or ("hardware" if config.rig.kind == "gphoto2" else "sim")
    check_screen()  # before Qt is loaded: a missing library or display in one line, not Qt's abort
    from ui.app import run  # the one place the booth reaches into ui: Qt is loaded only for the kiosk

    return run(config, kind, windowed=args.windowed, layout=args.check_layout, shots=args.screenshots)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="booth", description="Bullet Time 360 booth: shoot, calibrate and stitch bullet-time clips.")
    parser.add_argument("--version", action="version", version=f"booth {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress as well as warnings")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, help="booth.toml (default: built-in defaults)")

    config = sub.add_parser("config", help="check booth.toml")
    config_sub = config.add_subparsers(dest="action", required=True, parser_class=_Parser)
    check = config_sub.add_parser("check", help="list every problem in a booth.toml, each naming its key")
    check.add_argument("file", type=Path)
    check.set_defaults(func=cmd_config_check)
    example = config_sub.add_parser("example", help="print a documented booth.toml with every key and its default")
    example.set_defaults(func=cmd_config_example)

    sim = sub.add_parser("sim", help="the simulated rig")
    sim_sub = sim.add_subparsers(dest="action", required=True, parser_class=_Parser)
    render = sim_sub.add_parser("render", help="render one shot of the simulated rig into a folder")
    render.add_argument("--cameras", type=_cameras, help="cameras on the arc, 8 to 48 (default 24)")
    render.add_argument("--out", type=Path, required=True, help="new folder for cam_NN.jpg and ground_truth.json")
    render.add_argument("--target", action="store_true", help="shoot the calibration target, not a participant")
    render.add_argument("--seed", type=_seed, help="seed of the rig's imperfections (default 1)")
    render.add_argument("--size", type=_size, help="frame size WxH (default 3000x2000, up to 6000x4000)")
    render.add_argument("--logo", type=Path, help="PNG logo printed on the participant's shirt (default: ORBITA's)")
    render.add_argument("--brand", help="the brand id of the --logo, written into ground_truth.json")
    render.add_argument("--facing", type=float, help="degrees around the body the logo faces (default 0: centre)")
    with_config(render)
    render.set_defaults(func=cmd_sim_render)

    cal = sub.add_parser("calibrate", help="make calibration.json from a shot of the target")
    cal.add_argument("frames", type=Path, help="folder of the target shot's frames, in rig order")
    cal.add_argument("--points", type=Path, help="points.json with the axis points clicked by hand")
    cal.add_argument("--out", type=Path, required=True, help="calibration.json to write")
    cal.add_argument("--rig-id", help="name of this rig set-up (default: rig.id of booth.toml)")
    with_config(cal)
    cal.set_defaults(func=cmd_calibrate)

    stitch = sub.add_parser("stitch", help="make a clip from a folder of frames")
    stitch.add_argument("frames", type=Path, help="folder of one shot's frames, in rig order")
    stitch.add_argument("--calibration", type=Path, help="calibration.json of this rig (default: calibration.file)")
    stitch.add_argument("--out", type=Path, required=True, help="folder in which the clip folder is made")
    stitch.add_argument("--profile", choices=PROFILE_NAMES, help="output frame (default: vertical)")
    stitch.add_argument("--overlay", type=Path, help="brand overlay PNG with transparency")
    stitch.add_argument("--end-card", type=Path, help="image shown after the orbit")
    stitch.add_argument("--shot-id", help="shot id recorded in clip.json")
    with_config(stitch)
    stitch.set_defaults(func=cmd_stitch)

    shoot_p = sub.add_parser("shoot", help="shoot once on a rig and make the clip")
    shoot_p.add_argument(
        "--rig", choices=["sim", "gphoto2"], help="the simulated rig, or the tethered cameras (default: rig.kind)"
    )
    shoot_p.add_argument("--out", type=Path, required=True, help="folder in which the clip folder is made")
    shoot_p.add_argument("--cameras", type=_cameras, help="cameras on the arc, 8 to 48")
    shoot_p.add_argument("--profile", choices=PROFILE_NAMES, help="output frame (default: vertical)")
    shoot_p.add_argument("--seed", type=_seed, help="seed of the simulated rig")
    shoot_p.add_argument("--calibration", type=Path, help="calibration.json (default: calibrate the sim rig first)")
    shoot_p.add_argument("--overlay", type=Path, help="brand overlay PNG with transparency")
    shoot_p.add_argument("--kit", type=Path, help="brand kit to tag the shot's logos with (default: tagging.kit)")
    with_config(shoot_p)
    shoot_p.set_defaults(func=cmd_shoot)
    kiosk = sub.add_parser("kiosk", help="the participants' touch screen and the staff panel, on a rig")
    kiosk.add_argument(
        "--rig",
        choices=["sim", "hardware"],
        help="the simulated rig or the cameras and trigger box (default: rig.kind)",
    )
    kiosk.add_argument("--windowed", action="store_true", help="a window instead of the full screen (for staff)")
    kiosk.add_argument(
        "--check-layout",
        action="store_true",
        help="walk every screen in every language (one test shot, left undecided), list what runs off the screen "
        "or is cut, and exit non-zero if anything does",
    )
    kiosk.add_argument("--screenshots", type=Path, help="with --check-layout: save each screen as a PNG in this folder")
    with_config(kiosk)
    kiosk.set_defaults(func=cmd_kiosk)
    add_rig_commands(sub, _Parser)
    add_consent_commands(sub, _Parser)
    add_collect_commands(sub, _Parser)
    add_delivery_commands(sub, _Parser)
    add_tagging_commands(sub, _Parser)
    return parser


def _setup_logging(verbose: bool) -> None:
    # OpenCV's own warnings would break the one-line messages; ours say what matters
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("booth: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return int(args.func(args))
    except BoothError as exc:
        print(f"booth: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except RigError as exc:
        print(f"booth: rig fault: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`| head -1`): nothing is wrong, and nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # disk full, permissions, a file where a folder should be
        where = exc.filename or "a file"
        print(f"booth: error: {where}: {exc.strerror or exc}; check the path and free space", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("booth: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line for people, the trace in a file
        with tempfile.NamedTemporaryFile("w", prefix="booth-crash-", suffix=".log", delete=False) as fh:
            traceback.print_exc(file=fh)
        first = (str(exc).splitlines() or [""])[0][:200]
        print(f"booth: internal error: {type(exc).__name__}: {first} (details in {fh.name})", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
