"""The gphoto2 camera array: cameras mapped to rig positions by serial, one profile for all, frames as they arrive."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rig.base import CameraHealth, CameraInfo, CaptureSettings, Frame, RigError
from rig.cameras.bus import CameraBus
from rig.cameras.faults import CameraFault, CameraFaultKind
from rig.cameras.live_view import LiveView
from rig.cameras.profile import label, wanted_settings
from rig.cameras.worker import CameraWorker, WorkerSpec

log = logging.getLogger(__name__)


SHOT_WINDOW_S = 120.0
"""Longest a shot can hold the cameras from prepare() to the end of collect()."""


def position(k: int) -> str:
    """How staff know a camera: by its place on the arc."""
    return f"cam {k:02d}"


RESTORE_WAIT_S = 25.0
"""How long restore waits for every camera: each camera's call is bounded at 10 s, and a busy machine starts
the calls late."""
READ_WAIT_S = 10.0
"""How long one camera may take to report its settings."""


@dataclass(frozen=True)
class Discovery:
    """What was found against what booth.toml expects, each problem by name."""

    placed: dict[int, CameraWorker]
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.missing + self.unknown + self.duplicated


def open_cameras(
    specs: Sequence[WorkerSpec], start_timeout_s: float
) -> tuple[dict[str, list[CameraWorker]], list[str]]:
    """Open every camera in parallel and read its serial: (workers by serial, cameras that would not open)."""
    workers = [CameraWorker(spec, start_timeout_s) for spec in specs]
    found: dict[str, list[CameraWorker]] = {}
    failed: list[str] = []
    try:
        for worker in workers:
            worker.launch()
        for worker in workers:
            try:
                description = worker.ready()
            except CameraFault as exc:
                failed.append(str(exc))
                continue
            found.setdefault(description["serial"], []).append(worker)
    except BaseException:  # no camera is left claimed by a process nobody holds
        for worker in workers:
            worker.kill()
        raise
    return found, failed


def discover(specs: Sequence[WorkerSpec], serials: Sequence[str], start_timeout_s: float = 15.0) -> Discovery:
    """Open every camera, read its serial, and place it at the rig position booth.toml gives that serial.

    Nothing is guessed: a camera whose serial is not listed, a listed serial with no camera, and a serial
    seen on two cameras are each reported by name."""
    where = {serial: k for k, serial in enumerate(serials)}
    found, unknown = open_cameras(specs, start_timeout_s)
    placed: dict[int, CameraWorker] = {}
    duplicated: list[str] = []
    for serial, same in found.items():
        if len(same) > 1:
            duplicated.append(
                f"serial {serial} is on {len(same)} cameras ({', '.join(w.spec.where for w in same)})"
                "; give each camera its own serial"
            )
            for w in same:
                w.stop()
        elif serial not in where:
            unknown.append(
                f"{same[0].description.get('model') or 'a camera'} on {same[0].spec.where} (serial {serial}) is not in "
                "booth.toml's rig.gphoto2.serials; add it at its place on the arc"
            )
            same[0].stop()
        else:
            placed[where[serial]] = same[0]
    missing = [
        f"{position(k)} (serial {s}) was not found; check that it is on and its USB cable is in"
        for k, s in enumerate(serials)
        if k not in placed and s not in found
    ]
    return Discovery(placed, missing, unknown, duplicated)


class GPhotoArray:
    """The rig's tethered cameras; frames come out of collect() as each camera's download completes.

    `serials` is the rig in order (booth.toml's rig.gphoto2.serials). A position whose worker died (a camera
    unplugged, switched off, crashed) is looked for again on `bus` by reconnect(), which watch() runs in the
    background, and gets the current profile again when it is found."""

    def __init__(
        self,
        placed: dict[int, CameraWorker],
        serials: Sequence[str] | None = None,
        bus: CameraBus | None = None,
        start_timeout_s: float = 15.0,
    ) -> None:
        self._workers = dict(sorted(placed.items()))
        self._serials = list(serials) if serials is not None else [w.description["serial"] for w in placed.values()]
        self._bus = bus
        self._start_timeout_s = start_timeout_s
        self._last_frame: dict[int, float] = {}
        self._last_error: dict[int, str] = {}
        self._profile: dict[str, str] = {}
        self._profile_on = False
        """The profile is on the cameras: set by apply(), cleared by restore(), so that a camera reconnecting after
        a restore keeps its own settings instead of taking the booth's again."""
        self._lock = threading.Lock()
        """Held while a reconnected camera takes its place, and by prepare() and close() to wait for that."""
        self._watcher: threading.Thread | None = None
        self._stop_watch = threading.Event()
        self._live: LiveView | None = None
        self._originals: dict[str, dict[str, Any]] = {}
        """What the booth changed on each camera, by serial: kept here, so that a camera that was reopened
        (reconnected, or its worker replaced) is still put back as staff left it."""
        self._late: set[int] = set()
        """Positions that missed the last shot's deadline: their frame may still come, and must not pass for
        the next shot's."""
        self._shot_began: float | None = None
        self._strangers: set[str] = set()
        """Ports of cameras that are not part of this rig: not opened again while they stay plugged in."""
        self._said: set[str] = set()

    @classmethod
    def open(
        cls, bus: CameraBus, serials: Sequence[str], start_timeout_s: float = 15.0
    ) -> tuple[GPhotoArray, Discovery]:
        """Find the rig's cameras on the bus; missing ones are looked for again by reconnect()."""
        found = discover(bus.scan(), serials, start_timeout_s)
        array = cls(found.placed, serials, bus, start_timeout_s)
        for k in set(range(len(serials))) - set(found.placed):
            array._last_error[k] = f"{position(k)}: not found on {bus.__class__.__name__.removesuffix('Bus')}"
        return array, found

    @property
    def size(self) -> int:
        return len(self._serials)

    def _note(self, k: int, exc: CameraFault) -> None:
        """Staff know cameras by rig position: the fault is filed under it, with the port it came from. A camera
        that is gone has its worker ended, so that reconnect() looks for it again."""
        self._last_error[k] = f"{position(k)}: {exc}"
        log.warning("%s: %s", position(k), exc)
        if exc.kind is CameraFaultKind.GONE and k in self._workers:
            self._workers[k].kill()

    def _live_workers(self) -> dict[int, CameraWorker]:
        return {k: w for k, w in self._workers.items() if w.alive()}

    def cameras(self) -> Sequence[CameraInfo]:
        return [
            CameraInfo(
                k,
                serial,
                self._workers[k].description.get("model", "") if k in self._workers else "",
                self._workers[k].spec.where if k in self._workers else "",
            )
            for k, serial in enumerate(self._serials)
        ]

    # settings

    def _apply_to(self, k: int, w: CameraWorker, wanted: dict[str, str]) -> list[str]:
        try:
            answer = w.call("apply_settings", wanted, timeout_s=15.0)
        except CameraFault as exc:
            self._note(k, exc)
            return [f"{position(k)}: {exc}"]
        kept = self._originals.setdefault(self._serials[k], {})
        for widget, value in answer["changed"].items():
            kept.setdefault(widget, value)
        return [f"{position(k)} {p}" if p.startswith("has no") else f"{position(k)}: {p}" for p in answer["problems"]]

    def apply(self, settings: CaptureSettings) -> None:
        """Apply one profile to every camera and read it back; raises naming every camera that did not take it,
        since one camera with a different exposure ruins the clip. The profile is applied again to a camera
        that reconnects."""
        wanted = wanted_settings(settings)
        self._profile = wanted
        self._profile_on = True
        if not wanted:
            return
        problems = [p for k, w in self._live_workers().items() for p in self._apply_to(k, w, wanted)]
        if problems:
            more = f" (and {len(problems) - 4} more)" if len(problems) > 4 else ""
            raise RigError(
                f"settings not taken: {'; '.join(problems[:4])}{more}; set those cameras to manual (M) and try again"
            )

    def settings_report(self) -> dict[int, dict[str, str]]:
        """Every connected camera's settings, by profile name, read from all cameras at once. Each read may take
        as long as a restore's: a camera that answers slowly on a busy host is slow, not gone (a read that times
        out closes its camera's worker)."""
        report: dict[int, dict[str, str]] = {}
        lock = threading.Lock()

        def read(k: int, w: CameraWorker) -> None:
            try:
                settings = w.call("read_settings", list(self._profile), timeout_s=READ_WAIT_S)
            except CameraFault as exc:
                self._note(k, exc)
                return
            with lock:
                report[k] = settings

        self._each(read, timeout_s=READ_WAIT_S + 5.0)
        return dict(sorted(report.items()))

    def odd_ones(self, report: dict[int, dict[str, str]] | None = None) -> list[str]:
        """Cameras whose settings differ from the profile, or from what most cameras have where the profile
        leaves a setting alone: one odd exposure ruins the clip."""
        report = self.settings_report() if report is None else report
        odd = []
        for name in sorted({n for settings in report.values() for n in settings}):
            values = [settings[name] for settings in report.values() if name in settings]
            wanted = self._profile.get(name)
            common = wanted if wanted is not None else max(sorted(set(values)), key=values.count)
            against = "the profile has" if wanted is not None else "the others have"
            odd += [
                f"{position(k)}: {label(name)} is {settings[name]!r} where {against} {common!r}"
                for k, settings in report.items()
                if name in settings and settings[name] != common
            ]
        return odd

    # shooting

    def trigger_all(self) -> dict[int, float]:
        """gphoto2's own trigger on every camera at once, one thread each: the fallback without a trigger box.
        Returns the host time each rig position took the command (sync is only as good as their spread)."""
        times: dict[int, float] = {}

        def press(k: int, w: CameraWorker) -> None:
            try:
                times[k] = w.call("trigger", timeout_s=5.0)
            except CameraFault as exc:
                self._note(k, exc)

        self._each(press, timeout_s=10.0)
        return times

    @property
    def shooting(self) -> bool:
        """From prepare() to the end of collect(): the watcher and refresh leave the cameras alone. A shot
        whose collect() never came (its fire failed) stops counting after SHOT_WINDOW_S."""
        began = self._shot_began
        return began is not None and time.monotonic() - began < SHOT_WINDOW_S

    def prepare(self, budget_s: float = 0.05, late_budget_s: float = 2.0) -> None:
        """Before the fire: hold live view and the watcher, and take each camera's late frames from an earlier
        shot off it and throw them away, all cameras at once, so that the next file each camera adds is this
        shot's. A camera that missed the last deadline is given up to late_budget_s for its frame to come."""
        with self._lock:  # a reconnect placing a camera finishes first
            self._shot_began = time.monotonic()
        if self._live is not None:
            self._live.pause()
        late, self._late = self._late, set()

        def drain(k: int, w: CameraWorker) -> None:
            owed = 1 if k in late else 0
            budget = late_budget_s if owed else budget_s
            try:
                stale = w.call("drain", budget, owed, timeout_s=budget + 5.0)
            except CameraFault as exc:
                self._note(k, exc)
                return
            if stale:
                log.warning("%s: %d late frame(s) from an earlier shot thrown away", position(k), len(stale))

        self._each(drain)

    def collect(self, deadline: float) -> Iterator[Frame]:
        """Each camera's next file, downloaded in memory, yielded the moment it arrives; cameras that miss the
        deadline, or are not connected, are left out and named in health()."""
        if self._shot_began is None:
            self._shot_began = time.monotonic()
        try:
            yield from self._collect(deadline)
        finally:
            self._shot_began = None
            if self._live is not None:
                self._live.resume()

    def _collect(self, deadline: float) -> Iterator[Frame]:
        arrived: queue.Queue[Frame | None] = queue.Queue()

        def fetch(k: int, w: CameraWorker) -> None:
            try:
                wait = max(0.0, deadline - time.time())
                got = w.call("wait_file", wait, timeout_s=wait + 5.0)
                if got is None:
                    self._late.add(k)
                    self._last_error[k] = f"{position(k)}: no frame within {wait:.1f} s of the fire"
                    log.warning("%s: no frame within %.1f s of the fire", position(k), wait)
                else:
                    _, data, at, exposure = got
                    self._last_frame[k] = at
                    self._last_error.pop(k, None)
                    arrived.put(
                        Frame(
                            k,
                            self._serials[k],
                            data,
                            captured_at=at,
                            arrived_at=at,
                            file_name=f"cam_{k:02d}.jpg",
                            exposure=exposure,
                        )
                    )
            except CameraFault as exc:
                self._note(k, exc)
            finally:
                arrived.put(None)

        workers = self._live_workers()
        for k in set(range(self.size)) - set(workers):
            self._last_error.setdefault(k, f"{position(k)}: not connected")
        threads = [threading.Thread(target=fetch, args=(k, w), daemon=True) for k, w in workers.items()]
        for t in threads:
            t.start()
        remaining = len(threads)
        while remaining:
            item = arrived.get()
            if item is None:
                remaining -= 1
            else:
                yield item

    # health and recovery

    def health(self) -> Sequence[CameraHealth]:
        out = []
        for k, serial in enumerate(self._serials):
            w = self._workers.get(k)
            about: dict[str, Any] = w.description if w is not None else {}
            out.append(
                CameraHealth(
                    index=k,
                    serial=serial,
                    connected=w is not None and w.alive(),
                    battery_percent=about.get("battery_percent"),
                    card_free_mb=about.get("card_free_mb"),
                    last_frame_at=self._last_frame.get(k),
                    last_error=self._last_error.get(k, ""),
                )
            )
        return out

    def refresh(self) -> None:
        """Read battery and card space again from every connected camera (not during a shot)."""
        for k, w in self._live_workers().items():
            if self.shooting:
                return
            try:
                w.description = w.call("describe")
            except CameraFault as exc:
                self._note(k, exc)

    def missing(self) -> list[int]:
        """Rig positions with no connected camera."""
        return [k for k in range(self.size) if k not in self._workers or not self._workers[k].alive()]

    def reconnect(self) -> list[str]:
        """Look on the bus for the cameras that are not connected, open them, and give them the profile;
        returns one line for each camera found again (or found but not wanted). Cameras are opened without
        holding the array, so a shot is never kept waiting by a camera that is slow to open; nothing is placed
        once a shot has begun or the array is closing."""
        if self._bus is None or not self.missing() or self.shooting or self._stop_watch.is_set():
            return []
        held = {w.spec.where for w in list(self._workers.values()) if w.alive()}
        try:
            on_bus = self._bus.scan()
        except RigError as exc:
            log.warning("reconnect: %s", exc)
            return []
        self._strangers &= {s.where for s in on_bus}  # a stranger unplugged may come back as someone else
        candidates = [s for s in on_bus if s.where not in held and s.where not in self._strangers]
        if not candidates:
            return []
        found, failed = open_cameras(candidates, self._start_timeout_s)
        lines = [f"could not open {f}" for f in failed]
        placed: list[tuple[int, CameraWorker]] = []
        with self._lock:
            lost = set(self.missing())
            closing = self.shooting or self._stop_watch.is_set()
            for serial, same in found.items():
                k = self._serials.index(serial) if serial in self._serials else None
                if closing or k is None or k not in lost or len(same) > 1:
                    for w in same:
                        w.stop()
                    if k is None:
                        self._strangers.update(w.spec.where for w in same)
                        lines.append(f"{same[0].spec.where} (serial {serial}) is not part of this rig; left alone")
                    continue
                old = self._workers.get(k)
                if old is not None:
                    old.kill()
                self._workers[k] = same[0]
                lost.discard(k)
                placed.append((k, same[0]))
        for k, worker in placed:
            serial = self._serials[k]
            problems = self._apply_to(k, worker, self._profile) if self._profile and self._profile_on else []
            if problems:
                self._last_error[k] = "; ".join(problems)
                lines.append(f"{position(k)} (serial {serial}) is back on {worker.spec.where}, but {problems[0]}")
            else:
                self._last_error.pop(k, None)
                lines.append(f"{position(k)} (serial {serial}) is back on {worker.spec.where}")
        for line in lines:
            if line not in self._said:  # a camera that fails to open every 2 s is said once, not every time
                log.warning("reconnect: %s", line)
        self._said = set(lines)
        return lines

    def watch(self, every_s: float = 2.0, refresh_every_s: float = 30.0) -> None:
        """In the background, look for lost cameras every `every_s` and refresh battery and card every
        `refresh_every_s`, never during a shot; stopped by close()."""
        if self._watcher is not None:
            return
        self._stop_watch.clear()

        def loop() -> None:
            last_refresh = time.monotonic()
            while not self._stop_watch.wait(every_s):
                if self.shooting:
                    continue
                try:
                    self.reconnect()
                    if time.monotonic() - last_refresh >= refresh_every_s:
                        last_refresh = time.monotonic()
                        self.refresh()
                except Exception:  # the watcher must outlive any one bad camera; the log has the details
                    log.exception("camera watch")

        self._watcher = threading.Thread(target=loop, name="camera watch", daemon=True)
        self._watcher.start()

    # live view

    def live_view(self, k: int, on_frame: Any = None) -> LiveView:
        """Start live view on the camera at rig position k (the others are not asked for anything)."""
        if self._live is not None:
            self._live.stop()
        worker = self._workers.get(k)
        if worker is None or not worker.alive():
            raise RigError(f"{position(k)} is not connected; choose another camera for live view")

        def frame() -> bytes:
            w = self._workers[k]  # a reconnected camera has a new worker
            data: bytes = w.call("preview", timeout_s=5.0)
            return data

        def end() -> None:
            self._workers[k].call("end_preview", timeout_s=5.0)

        callback: Any = on_frame
        self._live = LiveView(frame, position(k), on_frame=callback, end=end).start()
        return self._live

    def _each(self, job: Callable[[int, CameraWorker], None], timeout_s: float = 15.0) -> None:
        """Run job on every connected camera at once, one thread each, all released together once every thread
        is up (the USB trigger's spread depends on it); waits at most timeout_s."""
        go = threading.Event()

        def when_released(k: int, w: CameraWorker) -> None:
            go.wait(5)
            job(k, w)

        threads = [
            threading.Thread(target=when_released, args=(k, w), daemon=True) for k, w in self._live_workers().items()
        ]
        for t in threads:
            t.start()
        go.set()
        until = time.monotonic() + timeout_s
        for t in threads:
            t.join(max(0.0, until - time.monotonic()))

    def restore(self) -> list[str]:
        """Put back every setting the booth changed on every connected camera; returns what was refused, and each
        camera that did not answer in time (its settings kept, so a later restore tries again)."""
        refused: list[str] = []
        answered: set[int] = set()
        self._profile_on = False

        def put_back(k: int, w: CameraWorker) -> None:
            originals = self._originals.get(self._serials[k], {})
            try:
                refused.extend(
                    f"{position(k)}: {name} not put back" for name in w.call("restore", originals, timeout_s=10.0)
                )
            except CameraFault as exc:  # kept for the next restore, and said: staff must know the camera is as set
                self._note(k, exc)
                refused.append(f"{position(k)}: settings not put back ({exc})")
                return
            finally:
                answered.add(k)
            self._originals.pop(self._serials[k], None)

        asked = sorted(self._live_workers())
        self._each(put_back, timeout_s=RESTORE_WAIT_S)  # each call is bounded by its own 10 s; this waits them out
        refused.extend(f"{position(k)}: settings not put back (no answer in time)" for k in asked if k not in answered)
        for line in refused:
            log.warning(line)
        return refused

    def close(self, restore: bool = True) -> None:
        """Stop the watcher and live view, put back the settings the booth changed, and close every camera."""
        self._stop_watch.set()
        if self._watcher is not None:
            self._watcher.join(10)
            self._watcher = None
        if self._live is not None:
            self._live.stop()
            self._live = None
        with self._lock:  # a reconnect placing a camera now finishes first, and places no more after this
            pass
        if restore:
            self.restore()
        self._each(lambda _, w: w.stop())
        for w in list(self._workers.values()):
            w.kill()  # any that did not end in time

    def __enter__(self) -> GPhotoArray:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
