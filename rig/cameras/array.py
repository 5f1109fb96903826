"""The gphoto2 camera array: cameras mapped to rig positions by serial, one profile for all, frames as they arrive."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rig.base import CameraHealth, CameraInfo, CaptureSettings, Frame, RigError
from rig.cameras.faults import CameraFault
from rig.cameras.worker import CameraWorker, WorkerSpec

log = logging.getLogger(__name__)

PROFILE_WIDGETS = {
    "iso": "iso",
    "shutter": "shutterspeed",
    "aperture": "f-number",
    "white_balance": "whitebalance",
}
"""CaptureSettings fields and the libgphoto2 widgets they set."""


@dataclass(frozen=True)
class Discovery:
    """What was found against what booth.toml expects, each problem by name."""

    placed: dict[int, CameraWorker]
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.missing + self.unknown + self.duplicated


def profile_settings(settings: CaptureSettings) -> dict[str, str]:
    """The capture profile as libgphoto2 widget names and values."""
    wanted = {
        widget: str(getattr(settings, name))
        for name, widget in PROFILE_WIDGETS.items()
        if getattr(settings, name) is not None
    }
    wanted.update(settings.extra)
    return wanted


def discover(specs: Sequence[WorkerSpec], serials: Sequence[str]) -> Discovery:
    """Open every camera, read its serial, and place it at the rig position booth.toml gives that serial.

    Nothing is guessed: a camera whose serial is not listed, a listed serial with no camera, and a serial
    seen on two cameras are each reported by name."""
    position = {serial: k for k, serial in enumerate(serials)}
    found: dict[str, list[CameraWorker]] = {}
    unknown: list[str] = []
    workers = [CameraWorker(spec) for spec in specs]
    for worker in workers:
        worker.launch()
    for worker in workers:
        try:
            description = worker.ready()
        except CameraFault as exc:
            unknown.append(f"{worker.spec.name}: {exc}")
            continue
        found.setdefault(description["serial"], []).append(worker)
    placed: dict[int, CameraWorker] = {}
    duplicated: list[str] = []
    for serial, same in found.items():
        if len(same) > 1:
            duplicated.append(
                f"serial {serial} is on {len(same)} cameras ({', '.join(w.spec.name for w in same)})"
                "; give each camera its own serial"
            )
            for w in same:
                w.stop()
        elif serial not in position:
            unknown.append(f"{same[0].spec.name} (serial {serial}) is not in booth.toml's rig.cameras.serials")
            same[0].stop()
        else:
            placed[position[serial]] = same[0]
    missing = [
        f"cam {k:02d} (serial {s}) was not found" for k, s in enumerate(serials) if k not in placed and s not in found
    ]
    return Discovery(placed, missing, unknown, duplicated)


class GPhotoArray:
    """The rig's tethered cameras; frames come out of collect() as each camera's download completes."""

    def __init__(self, placed: dict[int, CameraWorker]) -> None:
        self._workers = dict(sorted(placed.items()))
        self._last_frame: dict[int, float] = {}
        self._last_error: dict[int, str] = {}

    def _note(self, k: int, exc: CameraFault) -> None:
        """Staff know cameras by rig position: the fault is filed under it, with the port it came from."""
        self._last_error[k] = f"cam {k:02d}: {exc}"
        log.warning("cam %02d: %s", k, exc)

    def cameras(self) -> Sequence[CameraInfo]:
        return [
            CameraInfo(k, w.description.get("serial", ""), w.description.get("model", ""), w.spec.port or "")
            for k, w in self._workers.items()
        ]

    def apply(self, settings: CaptureSettings) -> None:
        """Apply one profile to every camera and read it back: a camera that differs ruins the clip."""
        wanted = profile_settings(settings)
        readback: dict[int, dict[str, str]] = {}
        for k, w in self._workers.items():
            readback[k] = w.call("apply_settings", wanted)
        mismatched = [
            f"cam {k:02d}: {name} is {got.get(name)!r}, not {value!r}"
            for k, got in readback.items()
            for name, value in wanted.items()
            if got.get(name) != value
        ]
        if mismatched:
            raise RigError(
                f"settings not taken by {len(mismatched)} camera(s): {'; '.join(mismatched[:6])}; "
                "set those cameras to manual (M) mode and try again"
            )

    def settings_report(self) -> dict[int, dict[str, str]]:
        return {k: w.call("read_settings") for k, w in self._workers.items()}

    def odd_ones(self) -> list[str]:
        """Cameras whose settings differ from what most cameras have: one odd exposure ruins the clip."""
        report = self.settings_report()
        odd = []
        for name in sorted({n for settings in report.values() for n in settings}):
            values = [settings.get(name) for settings in report.values()]
            common = max(set(values), key=values.count)
            odd += [
                f"cam {k:02d}: {name} is {settings.get(name)!r} where the others have {common!r}"
                for k, settings in report.items()
                if settings.get(name) != common
            ]
        return odd

    def trigger_all(self) -> None:
        """gphoto2's own trigger, camera by camera: the fallback without a trigger box (sync will be loose)."""
        for k, w in self._workers.items():
            try:
                w.call("trigger")
            except CameraFault as exc:
                self._note(k, exc)

    def collect(self, deadline: float) -> Iterator[Frame]:
        """Each camera's next file, downloaded in memory, yielded the moment it arrives; cameras that miss the
        deadline are left out (and named in health)."""
        arrived: queue.Queue[Frame | None] = queue.Queue()

        def fetch(k: int, w: CameraWorker) -> None:
            try:
                wait = max(0.0, deadline - time.time())
                got = w.call("wait_file", wait, timeout_s=wait + 5.0)
                if got is None:
                    self._last_error[k] = f"no frame within {wait:.1f} s of the fire"
                else:
                    _, data, at = got
                    self._last_frame[k] = at
                    arrived.put(
                        Frame(
                            k,
                            w.description.get("serial", ""),
                            data,
                            captured_at=at,
                            arrived_at=at,
                            file_name=f"cam_{k:02d}.jpg",
                        )
                    )
            except CameraFault as exc:
                self._note(k, exc)
            finally:
                arrived.put(None)

        threads = [threading.Thread(target=fetch, args=(k, w), daemon=True) for k, w in self._workers.items()]
        for t in threads:
            t.start()
        remaining = len(threads)
        while remaining:
            item = arrived.get()
            if item is None:
                remaining -= 1
            else:
                yield item

    def health(self) -> Sequence[CameraHealth]:
        return [
            CameraHealth(
                index=k,
                serial=w.description.get("serial", ""),
                connected=w.alive(),
                battery_percent=w.description.get("battery_percent"),
                card_free_mb=w.description.get("card_free_mb"),
                last_frame_at=self._last_frame.get(k),
                last_error=self._last_error.get(k, ""),
            )
            for k, w in self._workers.items()
        ]

    def close(self) -> None:
        for w in self._workers.values():
            w.stop()
