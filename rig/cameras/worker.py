"""One camera in its own process: libgphoto2 is opened there, so a camera that hangs or crashes takes only itself.

The parent talks to it over a pipe with CameraWorker; every call has a deadline, and a worker that misses one
is killed and reported, never waited on for ever."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from rig.cameras.faults import CameraFault, CameraFaultKind

SETTINGS = (
    "f-number",
    "shutterspeed",
    "iso",
    "whitebalance",
    "exposurecompensation",
    "imagequality",
    "imagesize",
    "capturetarget",
    "focusmode",
    "drivemode",
)
"""The capture settings the booth reads and applies, by libgphoto2's widget names (those a camera lacks are
skipped)."""


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    """How staff know this camera (its rig position, e.g. "cam 07")."""
    port: str | None = None
    """libgphoto2 port (usb:001,005); None: the only camera the worker can see."""
    vcamera_dir: str | None = None
    """Run libgphoto2's virtual camera on this folder of JPEGs instead of a USB camera (tests, demos)."""
    vcamera_serial: str | None = None
    """The serial number the virtual camera reports: every virtual camera says "0.1" and cannot be told
    otherwise, so a rig of them needs this to be mapped by serial like real cameras."""


def _open(spec: WorkerSpec) -> Any:
    if spec.vcamera_dir:
        os.environ["VCAMERADIR"] = spec.vcamera_dir
    import gphoto2 as gp  # imported here: the environment above must be set first

    if spec.vcamera_dir:  # the wheel's virtual USB port driver instead of the real ones
        os.environ["IOLIBS"] = os.environ["IOLIBS"].replace("iolibs", "vusb")
    camera = gp.Camera()
    if spec.port:
        ports = gp.PortInfoList()
        ports.load()
        camera.set_port_info(ports[ports.lookup_path(spec.port)])
    camera.init()
    return camera


def _widgets(config: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack = [config]
    while stack:
        widget = stack.pop()
        found[widget.get_name()] = widget
        stack.extend(widget.get_child(i) for i in range(widget.count_children()))
    return found


def _describe(camera: Any) -> dict[str, Any]:
    widgets = _widgets(camera.get_config())

    def value(name: str) -> str | None:
        w = widgets.get(name)
        return str(w.get_value()) if w is not None else None

    free_mb = None
    try:
        free_mb = sum(s.freekbytes for s in camera.get_storageinfo()) // 1024
    except Exception:  # not every camera reports storage; leave it unknown
        free_mb = None
    battery = value("batterylevel")
    return {
        "model": (value("cameramodel") or "").strip(),
        "serial": (value("serialnumber") or "").strip(),
        "battery_percent": int(battery.rstrip("%")) if battery and battery.rstrip("%").isdigit() else None,
        "card_free_mb": free_mb,
    }


def _read_settings(camera: Any) -> dict[str, str]:
    widgets = _widgets(camera.get_config())
    return {name: str(widgets[name].get_value()) for name in SETTINGS if name in widgets}


def _apply_settings(camera: Any, wanted: dict[str, str]) -> dict[str, str]:
    config = camera.get_config()
    widgets = _widgets(config)
    for name, value in wanted.items():
        if name in widgets:
            widgets[name].set_value(value)
    camera.set_config(config)
    return _read_settings(camera)


def _wait_file(camera: Any, timeout_s: float) -> tuple[str, bytes, float] | None:
    """The next file the camera adds, downloaded into memory; None if none came in time."""
    import gphoto2 as gp

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        kind, data = camera.wait_for_event(min(left_ms, 200))
        if kind == gp.GP_EVENT_FILE_ADDED:
            handle = camera.file_get(data.folder, data.name, gp.GP_FILE_TYPE_NORMAL)
            return data.name, bytes(memoryview(handle.get_data_and_size())), time.time()
    return None


def serve(conn: Connection, spec: WorkerSpec) -> None:
    """The worker's main loop: answers ("ok", result) or ("fault", code, message) to each request."""
    try:
        import gphoto2 as gp

        camera = _open(spec)
        description = _describe(camera)
        if spec.vcamera_dir and spec.vcamera_serial:
            description["serial"] = spec.vcamera_serial
        conn.send(("ok", description))
    except Exception as exc:
        conn.send(("fault", getattr(exc, "code", -1), str(exc)))
        return
    while True:
        try:
            request, *args = conn.recv()
        except (EOFError, KeyboardInterrupt):
            break
        if request == "exit":
            break
        try:
            conn.send(("ok", _handle(camera, request, args)))
        except gp.GPhoto2Error as exc:
            conn.send(("fault", exc.code, str(exc)))
        except (KeyError, IndexError, ValueError) as exc:
            conn.send(("fault", -2, f"bad request {request!r}: {exc}"))
    with contextlib.suppress(Exception):  # the camera may already be gone; the process ends either way
        camera.exit()


def _handle(camera: Any, request: str, args: list[Any]) -> Any:
    if request == "describe":
        return _describe(camera)
    if request == "read_settings":
        return _read_settings(camera)
    if request == "apply_settings":
        return _apply_settings(camera, args[0])
    if request == "trigger":
        camera.trigger_capture()
        return None
    if request == "wait_file":
        return _wait_file(camera, float(args[0]))
    raise KeyError(request)


class CameraWorker:
    """The parent's handle on one camera's worker process."""

    def __init__(self, spec: WorkerSpec, start_timeout_s: float = 15.0) -> None:
        self.spec = spec
        self.start_timeout_s = start_timeout_s
        self.description: dict[str, Any] = {}
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None

    def launch(self) -> None:
        """Start the worker process; ready() waits for its camera. Launch many, then wait: they open in parallel."""
        # spawn, not fork: each worker gets a clean libgphoto2 and its own environment (VCAMERADIR)
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=serve, args=(child, self.spec), name=f"camera {self.spec.name}", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def ready(self) -> dict[str, Any]:
        self.description = self._answer("start", self.start_timeout_s)
        return self.description

    def start(self) -> dict[str, Any]:
        self.launch()
        return self.ready()

    def _answer(self, request: str, timeout_s: float) -> Any:
        assert self._conn is not None
        try:
            if not self._conn.poll(timeout_s):
                self.kill()
                raise CameraFault(self.spec.name, CameraFaultKind.NO_ANSWER, f"{request} took over {timeout_s:g} s")
            reply = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            raise CameraFault(self.spec.name, CameraFaultKind.GONE, "its worker stopped") from None
        if reply[0] == "fault":
            raise CameraFault.from_code(self.spec.name, reply[1], reply[2])
        return reply[1]

    def call(self, request: str, *args: Any, timeout_s: float = 5.0) -> Any:
        """Ask the worker; raises CameraFault if the camera fails, or does not answer within timeout_s."""
        if self._conn is None or not self.alive():
            raise CameraFault(self.spec.name, CameraFaultKind.GONE, "not connected")
        try:
            self._conn.send((request, *args))
        except (OSError, BrokenPipeError):
            self.kill()
            raise CameraFault(self.spec.name, CameraFaultKind.GONE, "its worker stopped") from None
        return self._answer(request, timeout_s)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def kill(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def stop(self) -> None:
        """Ask the worker to close its camera; kill it if it does not end in time."""
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            with contextlib.suppress(OSError, BrokenPipeError):
                self._conn.send(("exit",))
                self._proc.join(3)
        self.kill()
