"""The running booth behind a kiosk: its rig, calibration, consent books, tagger and the services beside it."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from booth.calibration_files import calibration_path, existing_calibration
from booth.config import BoothConfig
from booth.consent.registry import open_outbox, open_store, texts_of
from booth.consent.store import ConsentStore
from booth.consent.texts import ConsentTexts
from booth.delivery.outbox import Outbox
from booth.errors import InputError
from booth.rigs import open_camera_rig, sim_rig
from booth.services import DeliveryService, KitPreparation, PhonePageServer, RetentionService
from booth.shoot import Rig, calibrate_rig
from booth.stitch.calibration import Calibration
from booth.tagging.clip_tags import open_tagger
from booth.tagging.tagger import Tagger
from rig.base import RigError
from rig.cameras.live_view import LiveView
from rig.priority import run_in_background
from rig.sim.live import sim_live_view
from rig.sim.rig import SimRig, VirtualTrigger
from rig.trigger.serial_box import SerialTrigger

log = logging.getLogger(__name__)

RigKind = Literal["sim", "hardware"]
T = TypeVar("T")


@dataclass
class Station:
    """Everything a kiosk drives. `store` and `outbox` are the GUI thread's own connection to booth.db; the
    phone page, the uploader and each shot open theirs."""

    config: BoothConfig
    kind: RigKind
    rig: Rig
    calibration: Calibration | None
    store: ConsentStore
    outbox: Outbox
    texts: ConsentTexts
    tagger: Tagger | None = None
    tagging_error: str = ""
    """Why the booth tags nothing although booth.toml names a kit."""
    preparation: KitPreparation | None = None
    live: LiveView | None = None
    phone_page: PhonePageServer | None = None
    delivery: DeliveryService | None = None
    retention: RetentionService | None = None
    sim: SimRig | None = None

    @property
    def clips_dir(self) -> Path:
        return self.config.data_dir / "clips"

    @property
    def calibration_path(self) -> Path:
        """Where a calibration made from the staff panel is saved (and where the kiosk looks for one first)."""
        return calibration_path(self.config, self.rig.rig_id)

    def phone_page_error(self) -> str:
        """Why the phone page cannot be opened from a QR code now, in one line; "" while it is served."""
        if self.phone_page is None:
            return "the phone page is not running: the booth was opened without its services"
        return self.phone_page.error

    def clock_sync(self) -> str:
        """The trigger box's clock against the host's, in words."""
        trigger = self.rig.trigger
        if isinstance(trigger, VirtualTrigger):
            return "simulated: every camera fires at the same instant of the computer's clock"
        if not isinstance(trigger, SerialTrigger):
            return "no trigger box: the cameras are fired by the computer"
        fit = trigger.clock
        if fit is None:
            return "not synced yet"
        drift_ppm = (fit.seconds_per_tick * fit.nominal_hz - 1.0) * 1e6
        return f"±{fit.uncertainty_s * 1e6:.0f} µs, drift {drift_ppm:+.1f} ppm ({fit.samples_used} samples)"


def preview_index(config: BoothConfig, cameras: int) -> int:
    """The camera whose live view the pose and countdown screens show: rig.gphoto2.live_view_camera."""
    k = config.rig.gphoto2.live_view_camera
    return min(k, cameras - 1) if k is not None else cameras // 2


def _load_for_rig(path: Path, rig_id: str, cameras: int, size: tuple[int, int] | None) -> Calibration:
    """The calibration in `path`, refused in one line when it cannot be read or was made for another rig: a clip
    stitched with another rig's calibration comes out torn, and recalibrating over a file staff named would
    throw away their work without a word."""
    calibration = Calibration.load(path)  # an unreadable file is an InputError that names it and what to do
    made = f"rig {calibration.rig_id}, {calibration.camera_count} cameras"
    this = f"rig {rig_id}, {cameras} cameras"
    mismatched = calibration.rig_id != rig_id or calibration.camera_count != cameras
    if size is not None:
        made += f", {calibration.image_size[0]}x{calibration.image_size[1]}"
        this += f", {size[0]}x{size[1]}"
        mismatched = mismatched or tuple(calibration.image_size) != size
    if mismatched:
        raise InputError(
            f"{path}: made for {made}, not this one ({this}); set calibration.file in booth.toml to this rig's "
            "calibration, or move the file away and calibrate on the staff panel"
        )
    return calibration


def _sim_calibration(config: BoothConfig, sim: SimRig, rig: Rig) -> Calibration:
    size = (sim.layout.width, sim.layout.height)
    found = existing_calibration(config, sim.rig_id)
    if found is not None:
        return _load_for_rig(found, sim.rig_id, sim.layout.cameras, size)
    path = calibration_path(config, sim.rig_id)
    log.warning("calibrating the simulated rig from its target (once; kept in %s)", path)
    sim.scene_name = "target"
    try:
        calibration, warnings = calibrate_rig(rig, config)
    finally:
        sim.scene_name = "participant"
    for w in warnings:
        log.warning(w)
    calibration.save(path)
    return calibration


def _hardware_calibration(config: BoothConfig, rig_id: str, cameras: int) -> Calibration | None:
    found = existing_calibration(config, rig_id)
    if found is not None:
        return _load_for_rig(found, rig_id, cameras, None)  # the frames' size is known at the first shot
    log.error("no calibration for the camera rig: open the staff panel, Calibration, and shoot the target")
    return None


def _below_the_screen(job: Callable[[], T]) -> T:
    """`job` on a thread below the screen's priority, waited for. The worker threads onnxruntime starts with each
    model take the priority of the thread that opens it, and a kit's preparation keeps them busy for minutes."""
    result: list[T] = []
    failure: list[Exception] = []

    def run() -> None:
        run_in_background()
        try:
            result.append(job())
        except Exception as exc:  # raised again on the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="open tagger")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


@contextlib.contextmanager
def open_station(config: BoothConfig, kind: RigKind, *, services: bool = True) -> Iterator[Station]:
    """Open the rig booth.toml describes (or the simulated one), its calibration, the consent books, the tagger
    (a kit not prepared for its models starts preparing at once, beside the kiosk), live view, and (with services)
    the phone page, the uploader and the retention rules; all closed on the way out."""
    with contextlib.ExitStack() as stack:
        sim: SimRig | None = None
        live: LiveView | None = None
        if kind == "sim":
            sim = sim_rig(config)
            rig = Rig(sim.rig_id, sim.trigger, sim.array, config.rig.collect_timeout_s)
            calibration: Calibration | None = _sim_calibration(config, sim, rig)
            live = sim_live_view(sim, preview_index(config, sim.layout.cameras))
            live.pause()  # held until a screen shows it
            live.start()
        else:
            hw = stack.enter_context(open_camera_rig(config, watch=True))
            rig = Rig(config.rig.id, hw.trigger, hw.array, config.rig.gphoto2.deadline_s)
            calibration = _hardware_calibration(config, config.rig.id, len(hw.array.cameras()))
            try:
                live = hw.array.live_view(preview_index(config, len(hw.array.cameras())))
                live.pause(0.0)
            except RigError as exc:
                log.warning("no live preview: %s", exc)
        if live is not None:
            stack.callback(live.stop)
        store = stack.enter_context(open_store(config))
        tagger = None
        tagging_error = ""
        if config.tagging.kit is not None:
            try:  # not prepared here: the attract screen must not wait minutes for it
                tagger = _below_the_screen(lambda: open_tagger(config, prepare=False))
            except Exception as exc:  # a bad kit must not stop the booth: clips go out untagged, staff are told
                tagging_error = (str(exc).splitlines() or [type(exc).__name__])[0]
                log.error("logo tagging is off: %s", exc)
        station = Station(
            config,
            kind,
            rig,
            calibration,
            store,
            open_outbox(store),
            texts_of(config),
            tagger,
            tagging_error,
            live=live,
            sim=sim,
        )
        if tagger is not None:
            station.preparation = KitPreparation(tagger, config.tagging.prepare_minutes)
            stack.callback(station.preparation.stop)
            if tagger.preparation is None:
                station.preparation.start()
        if services:
            station.phone_page = PhonePageServer(config).start()
            stack.callback(station.phone_page.stop)
            station.delivery = DeliveryService(config).start()
            stack.callback(station.delivery.stop)
            station.retention = RetentionService(config).start()
            stack.callback(station.retention.stop)
        yield station
