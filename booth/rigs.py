"""The rig booth.toml describes, opened: the tethered cameras with the trigger box, or gphoto2's trigger without one."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from booth.config import BoothConfig, CameraProfile
from booth.errors import ConfigError
from rig.base import CaptureSettings, RigError, Trigger
from rig.cameras.array import Discovery, GPhotoArray
from rig.cameras.bus import CameraBus, UsbBus, VirtualBus
from rig.cameras.usb_trigger import UsbTrigger
from rig.sim.camera import RigLayout
from rig.sim.look import EVENT, HELDOUT_EVENT, STUDIO
from rig.sim.rig import SimRig
from rig.sim.scene import TargetGeometry
from rig.trigger.protocol import CHANNELS
from rig.trigger.serial_box import BoxSettings, SerialTrigger

log = logging.getLogger(__name__)


def box_settings(config: BoothConfig) -> BoxSettings:
    t = config.rig.trigger
    return BoxSettings(
        channels=min(config.rig.cameras, CHANNELS),
        pulse_us=round(t.pulse_ms * 1000),
        focus_lead_us=round(t.focus_lead_ms * 1000),
        flash_delay_us=t.flash_delay_us,
        flash_pulse_us=round(t.flash_pulse_ms * 1000),
        max_assert_ms=t.max_assert_ms,
        delays_us=tuple(t.delays_us),
    )


def capture_settings(profile: CameraProfile) -> CaptureSettings:
    fields = profile.model_dump(exclude={"extra"})
    return CaptureSettings(**fields, extra=dict(profile.extra))


def camera_bus(config: BoothConfig) -> CameraBus:
    g = config.rig.gphoto2
    if g.virtual_dir is not None:
        edges = config.resolve(g.virtual_edges) if g.virtual_edges is not None else None
        return VirtualBus(config.resolve(g.virtual_dir), edges)
    return UsbBus()


def require_serials(config: BoothConfig) -> list[str]:
    serials = list(config.rig.gphoto2.serials)
    if not serials:
        raise ConfigError(
            "rig.gphoto2.serials is empty: run 'booth rig cameras list' and list each camera's serial in booth.toml,"
            " in order along the arc"
        )
    return serials


@contextlib.contextmanager
def open_cameras(
    config: BoothConfig, *, apply_profile: bool = True, watch: bool = False
) -> Iterator[tuple[GPhotoArray, Discovery]]:
    """The rig's cameras, placed by serial and given booth.toml's profile; closed (and their settings put back)
    on the way out. Fewer cameras than rig.min_cameras is a fault; fewer than all is a warning per camera.
    With watch, cameras that drop off are looked for every rig.gphoto2.reconnect_every_s (a running booth)."""
    g = config.rig.gphoto2
    serials = require_serials(config)
    array, found = GPhotoArray.open(camera_bus(config), serials, g.start_timeout_s)
    try:
        for problem in found.problems():
            log.warning(problem)
        need = config.rig.minimum_usable(len(serials))
        if len(found.placed) < need:
            first = f": {found.problems()[0]}" if found.problems() else ""
            raise RigError(
                f"{len(found.placed)} of {len(serials)} cameras found, fewer than the {need} a clip needs{first}"
            )
        profile = config.rig.profile()
        if apply_profile and profile is not None:
            array.apply(capture_settings(profile))
        if watch:
            array.watch(g.reconnect_every_s)
        yield array, found
    finally:
        array.close(restore=g.restore_settings)


@contextlib.contextmanager
def open_trigger(config: BoothConfig, array: GPhotoArray) -> Iterator[Trigger]:
    """The trigger box at rig.trigger.port; gphoto2's own trigger, with a warning, when no box is set or the box
    does not answer: a loose shot beats no shot."""
    port = config.rig.trigger.port
    if port and config.rig.cameras > CHANNELS:
        log.warning(
            "trigger box on %s drives %d cameras and the rig has %d; firing every camera over USB instead, so that"
            " none is left unfired (one box per 24 cameras is not supported yet)",
            port,
            CHANNELS,
            config.rig.cameras,
        )
    elif port:
        box = SerialTrigger(port, box_settings(config))
        try:
            box.connect()
        except RigError as exc:
            log.warning("trigger box on %s: %s; firing the cameras over USB instead", port, exc)
            box.close()
        else:
            try:
                yield box
            finally:
                box.close()
            return
    yield UsbTrigger(array)


@dataclass(frozen=True)
class CameraRig:
    """The opened hardware rig."""

    array: GPhotoArray
    trigger: Trigger
    discovery: Discovery


@contextlib.contextmanager
def open_camera_rig(config: BoothConfig, *, watch: bool = False) -> Iterator[CameraRig]:
    with open_cameras(config, watch=watch) as (array, found), open_trigger(config, array) as trigger:
        yield CameraRig(array, trigger, found)


LOOKS = {"studio": STUDIO, "event": EVENT, "heldout": HELDOUT_EVENT}


def sim_rig(
    config: BoothConfig, cameras: int | None = None, seed: int | None = None, size: tuple[int, int] | None = None
) -> SimRig:
    """The simulated rig booth.toml's [rig.sim] describes; cameras, seed and size given here win."""
    sim = config.rig.sim
    w, h = size or (sim.width, sim.height)
    layout = RigLayout(
        cameras=cameras or config.rig.cameras,
        radius_m=sim.radius_m,
        span_deg=sim.span_deg,
        camera_height_m=sim.camera_height_m,
        aim_height_m=sim.aim_height_m,
        width=w,
        height=h,
        vertical_fov_deg=sim.vertical_fov_deg,
    )
    t = config.calibration.target
    target = TargetGeometry(
        bottom_m=t.bottom_m, top_m=t.top_m, patch_bottom_m=t.patch_bottom_m, patch_top_m=t.patch_top_m
    )
    return SimRig(
        layout=layout,
        seed=sim.seed if seed is None else seed,
        jpeg_quality=sim.jpeg_quality,
        target=target,
        look=LOOKS[sim.look],
    )
