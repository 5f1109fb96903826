"""The simulated rig: a virtual trigger and virtual cameras behind the same interfaces as the hardware."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rig.base import (
    CameraHealth,
    CameraInfo,
    CaptureSettings,
    FireReport,
    FireSchedule,
    Frame,
    RigError,
    TriggerState,
    TriggerStatus,
)
from rig.sim.camera import RigLayout, SimCamera, build_cameras
from rig.sim.look import STUDIO, Look
from rig.sim.render import TextureCache, camera_response, encode_jpeg, render_linear, sensor_noise, shifted
from rig.sim.scene import (
    SHIRT_BGR,
    SIM_SPONSOR,
    Scene,
    ShirtLogo,
    TargetGeometry,
    participant_scene,
    target_scene,
    turned,
    wear,
)
from rig.sim.truth import ground_truth

SceneName = Literal["participant", "target"]
Fault = Literal["missing", "truncated", "corrupt"]


def frame_name(index: int) -> str:
    return f"cam_{index:02d}.jpg"


@dataclass
class SimRig:
    """N virtual cameras on an arc. fire() starts every exposure; collect() yields frames as they finish."""

    layout: RigLayout = field(default_factory=RigLayout)
    seed: int = 1
    jpeg_quality: int = 92
    target: TargetGeometry = field(default_factory=TargetGeometry)
    scene_name: SceneName = "participant"
    faults: dict[int, Fault] = field(default_factory=dict)
    """Scripted camera faults by camera index, for showing how the booth copes."""
    workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    shots_taken: int = 0
    """Shots fired so far; each shot has its own sensor noise."""
    between: int = 1
    """With more than 1, this many - 1 extra cameras stand part-way between each pair of neighbours (see
    build_cameras): the rig's own cameras are every between-th one. For measuring view interpolation."""
    logo: ShirtLogo | Literal["orbita"] | None = SIM_SPONSOR
    """What the participant's shirt wears: the sim's own sponsor facing the centre camera, a given logo, or
    nothing. It may be changed between shots."""
    scene_seed: int | None = None
    """Seed of the participant's scene (its textures); None: the rig's seed. Changing it between shots gives
    another participant in front of the same cameras."""
    shirt_bgr: tuple[int, int, int] = SHIRT_BGR
    """The participant's shirt colour."""
    turn_deg: float = 0.0
    """How far the participant is turned from the centre camera, towards the cameras of higher azimuth."""
    look: Look = STUDIO
    """Textures, light, noise and props of the scenes (rig.sim.look): the plain studio or an event."""
    colour_errors: bool = True
    """False: every camera's colour gains and exposure are exact (the same rig and shot otherwise), the
    reference that colour matching is measured against."""

    def __post_init__(self) -> None:
        try:
            self._cameras = build_cameras(self.layout, self.seed, self.between, colour_errors=self.colour_errors)
        except ValueError as exc:
            raise RigError(f"simulated rig: {exc}") from exc
        self._scenes: dict[str, tuple[tuple[object, ...], Scene, TextureCache]] = {}
        self._plain: tuple[tuple[object, ...], Scene] | None = None
        self._lock = threading.Lock()
        self._state = TriggerState.IDLE
        self._pending: list[Future[Frame]] = []
        self._last_frame: dict[int, float] = {}
        self._noise: tuple[int, np.ndarray] | None = None
        self.trigger = VirtualTrigger(self)
        self.array = SimCameraArray(self)

    @property
    def rig_id(self) -> str:
        """Names this exact set-up: any change of geometry, optics or target gives another id, so a
        calibration kept for one is never used for another."""
        lay = self.layout
        key: tuple[object, ...] = (lay, self.target, self.seed)
        if self.between != 1:
            key += (self.between,)
        if not self.colour_errors:
            key += ("exact colour",)
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:8]
        return f"sim-s{self.seed}-n{len(self._cameras)}-{lay.width}x{lay.height}-{digest}"

    @property
    def sim_cameras(self) -> list[SimCamera]:
        return list(self._cameras)

    @property
    def participant_seed(self) -> int:
        return self.seed if self.scene_seed is None else self.scene_seed

    def scene(self) -> tuple[Scene, TextureCache]:
        """The scene in front of the cameras, built when first needed and again only when what it shows changed."""
        name = self.scene_name
        key: tuple[object, ...] = (
            (self.seed, self.target, self.look)
            if name == "target"
            else (self.participant_seed, self.shirt_bgr, self.logo, self.turn_deg, self.look)
        )
        cached = self._scenes.get(name)
        if cached is not None and cached[0] == key:  # a ShirtLogo equals only itself
            return cached[1], cached[2]
        scene = target_scene(self.seed, self.target, self.look) if name == "target" else self._participant()
        self._scenes[name] = (key, scene, TextureCache(scene))
        return scene, self._scenes[name][2]

    def _participant(self) -> Scene:
        if self.logo == SIM_SPONSOR:
            return participant_scene(self.participant_seed, SIM_SPONSOR, self.shirt_bgr, self.turn_deg, self.look)
        # the plain participant is kept, so that another logo or turn of the same participant costs a print and a
        # copy, not the seconds of a build
        plain_key = (self.participant_seed, self.shirt_bgr, self.look)
        if self._plain is None or self._plain[0] != plain_key:
            self._plain = None  # let the last one go before the next is built
            self._plain = (plain_key, participant_scene(self.participant_seed, None, self.shirt_bgr, look=self.look))
        scene = self._plain[1] if self.logo is None else wear(self._plain[1], self.logo)
        return turned(scene, self.turn_deg) if self.turn_deg else scene

    def _expose(self, camera: SimCamera, scene: Scene, textures: TextureCache, noise_seed: int, fired: float) -> Frame:
        noise = self._noise_view(camera, noise_seed)
        image = camera_response(render_linear(camera, scene, textures), camera, noise, self.look.iso)
        data = encode_jpeg(image, self.jpeg_quality)
        fault = self.faults.get(camera.index)
        if fault == "truncated":
            data = data[: len(data) * 2 // 3]
        elif fault == "corrupt":
            data = b"\x00" * 64 + data[64:]
        now = time.time()
        self._last_frame[camera.index] = now
        return Frame(
            camera.index, camera.serial, data, captured_at=fired, arrived_at=now, file_name=frame_name(camera.index)
        )

    def _noise_view(self, camera: SimCamera, noise_seed: int) -> np.ndarray:
        # one noise field per shot, generated once; each camera sees it shifted
        with self._lock:
            if self._noise is None or self._noise[0] != noise_seed:
                self._noise = (noise_seed, sensor_noise(camera.width, camera.height, noise_seed))
            field_ = self._noise[1]
        return shifted(field_, camera.index)

    def start_exposures(self, fired_at: float) -> None:
        scene, textures = self.scene()
        self.shots_taken += 1
        noise_seed = self.seed * 100_003 + self.shots_taken
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="simcam")
        self._pending = [
            pool.submit(self._expose, cam, scene, textures, noise_seed, fired_at)
            for cam in self._cameras
            if self.faults.get(cam.index) != "missing"
        ]
        pool.shutdown(wait=False)

    def take_pending(self) -> list[Future[Frame]]:
        pending, self._pending = self._pending, []
        return pending

    def render_to(self, out_dir: Path) -> dict[str, Any]:
        """Shoot once and write cam_NN.jpg files plus ground_truth.json into out_dir (which must exist)."""
        self.trigger.arm()
        self.trigger.fire(FireSchedule())
        self.trigger.release()
        frames = list(self.array.collect(deadline=time.time() + 600.0))
        for frame in frames:
            (out_dir / frame.file_name).write_bytes(frame.data)
        scene, _ = self.scene()
        truth = ground_truth(
            self._cameras, self.layout, self.seed, scene, self.target, [frame_name(c.index) for c in self._cameras]
        )
        truth["rig_id"] = self.rig_id
        truth["look"] = self.look.describe()
        truth["colour_errors"] = self.colour_errors
        if self.scene_name == "participant":
            truth["scene_seed"] = self.participant_seed
            truth["turn_deg"] = self.turn_deg
        (out_dir / "ground_truth.json").write_text(json.dumps(truth, indent=1))
        return truth


class VirtualTrigger:
    """The simulated trigger box: every channel fires at the same host instant, so skew is zero."""

    def __init__(self, rig: SimRig) -> None:
        self._rig = rig

    def arm(self) -> None:
        self._rig._state = TriggerState.ARMED

    def fire(self, schedule: FireSchedule) -> FireReport:
        if self._rig._state is not TriggerState.ARMED:
            raise RigError("trigger not armed: arm it before firing")
        if schedule.at is not None:
            time.sleep(max(0.0, schedule.at - time.time()))
        fired = time.time()
        delays = list(schedule.channel_delays_us) or [0] * len(self._rig.sim_cameras)
        self._rig.start_exposures(fired)
        times = [fired + d / 1e6 for d in delays]
        return FireReport(fired_at=fired, channel_times=times, skew_us=(max(times) - min(times)) * 1e6)

    def release(self) -> None:
        self._rig._state = TriggerState.IDLE

    def status(self) -> TriggerStatus:
        return TriggerStatus(connected=True, state=self._rig._state, firmware="sim")


class SimCameraArray:
    """The simulated cameras: frames arrive as each render finishes, in arrival order."""

    def __init__(self, rig: SimRig) -> None:
        self._rig = rig

    def cameras(self) -> Sequence[CameraInfo]:
        return [CameraInfo(c.index, c.serial, "simulated", f"sim:{c.index}") for c in self._rig.sim_cameras]

    def apply(self, settings: CaptureSettings) -> None:
        if settings.jpeg_quality is not None:
            self._rig.jpeg_quality = settings.jpeg_quality

    def prepare(self) -> None:
        """Nothing to do: a simulated frame belongs to the fire that rendered it."""

    def collect(self, deadline: float) -> Iterator[Frame]:
        pending = set(self._rig.take_pending())
        while pending:
            remaining = deadline - time.time()
            if remaining <= 0:
                break
            done, pending = wait(pending, timeout=remaining, return_when="FIRST_COMPLETED")
            for fut in sorted(done, key=lambda f: f.result().arrived_at):
                yield fut.result()
        for fut in pending:
            fut.cancel()

    def health(self) -> Sequence[CameraHealth]:
        return [
            CameraHealth(
                index=c.index,
                serial=c.serial,
                connected=self._rig.faults.get(c.index) != "missing",
                battery_percent=100,
                card_free_mb=32_000,
                last_frame_at=self._rig._last_frame.get(c.index),
                last_error="no frame from camera" if self._rig.faults.get(c.index) == "missing" else "",
            )
            for c in self._rig.sim_cameras
        ]
