"""One camera in its own process: libgphoto2 is opened there, so a camera that hangs or crashes takes only itself.

The parent talks to it over a pipe with CameraWorker; every call has a deadline, and a worker that misses one
is killed and reported, never waited on for ever."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from rig.base import Exposure
from rig.cameras.exif import exposure_of
from rig.cameras.faults import CameraFault, CameraFaultKind
from rig.cameras.profile import ALIASES, label
from rig.trigger.simbench import SHUTTER_PORTS

JPEG_SUFFIXES = (".jpg", ".jpeg")


def is_jpeg_name(name: str) -> bool:
    return name.lower().endswith(JPEG_SUFFIXES)


EXTRA_SETTINGS = ("exposurecompensation", "autofocus")
"""Widgets read beside the profile's own settings, so that a camera set apart from the others shows up."""


@dataclass(frozen=True)
class ShutterWire:
    """Stands in for the cable from a trigger-box channel to a virtual camera's shutter: libgphoto2's virtual
    camera has no shutter port, so its worker watches the simulated box's pin log and presses the shutter over
    USB when its channel fires."""

    edges: str
    """The simulated box's pin log (cycle,port,pin,value lines)."""
    channel: int


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    """How staff know this camera until its serial places it (its port, or its folder)."""
    port: str | None = None
    """libgphoto2 port (usb:001,005); None: the only camera the worker can see."""
    vcamera_dir: str | None = None
    """Run libgphoto2's virtual camera on this folder of JPEGs instead of a USB camera (tests, demos)."""
    vcamera_serial: str | None = None
    """The serial number the virtual camera reports: every virtual camera says "0.1" and cannot be told
    otherwise, so a rig of them needs this to be mapped by serial like real cameras."""
    shutter_wire: ShutterWire | None = None
    """Virtual cameras only: fire on this trigger-box channel of the simulated box."""

    @property
    def where(self) -> str:
        """The port the camera is on, as staff would read it."""
        return self.port or (f"virtual:{Path(self.vcamera_dir).name}" if self.vcamera_dir else "usb")


def _open(spec: WorkerSpec) -> Any:
    if spec.vcamera_dir:
        os.environ["VCAMERADIR"] = spec.vcamera_dir
    import gphoto2 as gp  # imported here: the environment above must be set first

    if spec.vcamera_dir:  # the wheel's virtual USB port driver instead of the real ones
        iolibs = os.environ.get("IOLIBS")
        if not iolibs:
            raise RuntimeError("virtual cameras need python-gphoto2's binary wheel from PyPI, which carries them")
        os.environ["IOLIBS"] = iolibs.replace("iolibs", "vusb")
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


def _typed(widget: Any, value: str) -> Any:
    """A setting's text as the widget takes it: toggles and dates are whole numbers, ranges are numbers."""
    import gphoto2 as gp

    kind = widget.get_type()
    if kind == gp.GP_WIDGET_TOGGLE:
        return int(value) if value.isdigit() else {"on": 1, "off": 0, "true": 1, "false": 0}.get(value.lower())
    if kind == gp.GP_WIDGET_RANGE:
        return float(value)
    if kind == gp.GP_WIDGET_DATE:
        return int(value)
    return value


def _same(widget: Any, value: str) -> bool:
    """Whether the widget holds the value, numerically for ranges ("0" is "0.0")."""
    import gphoto2 as gp

    current = widget.get_value()
    if widget.get_type() in (gp.GP_WIDGET_RANGE, gp.GP_WIDGET_TOGGLE, gp.GP_WIDGET_DATE):
        try:
            return float(current) == float(_typed(widget, value))
        except (TypeError, ValueError):
            return False
    return str(current) == value


def _choices(widget: Any) -> list[str] | None:
    import gphoto2 as gp

    if widget.get_type() not in (gp.GP_WIDGET_RADIO, gp.GP_WIDGET_MENU):
        return None
    return [str(widget.get_choice(i)) for i in range(widget.count_choices())]


class Camera:
    """One opened camera, with what the booth changed on it so that it can be put back."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.camera = _open(spec)
        self.originals: dict[str, Any] = {}
        self._wire_offset = 0
        if spec.shutter_wire is not None:
            edges = Path(spec.shutter_wire.edges)
            self._wire_offset = edges.stat().st_size if edges.exists() else 0

    def widgets(self) -> dict[str, Any]:
        return _widgets(self.camera.get_config())

    def describe(self) -> dict[str, Any]:
        widgets = self.widgets()

        def value(name: str) -> str | None:
            w = widgets.get(name)
            return str(w.get_value()) if w is not None else None

        try:
            free_mb: int | None = sum(s.freekbytes for s in self.camera.get_storageinfo()) // 1024
        except Exception:  # not every camera reports storage; leave it unknown
            free_mb = None
        battery = (value("batterylevel") or "").rstrip("%")
        serial = (value("serialnumber") or "").strip()
        if self.spec.vcamera_dir and self.spec.vcamera_serial:
            serial = self.spec.vcamera_serial
        return {
            "model": (value("cameramodel") or value("model") or "").strip(),
            "serial": serial,
            "port": self.spec.where,
            "battery_percent": int(battery) if battery.isdigit() else None,
            "card_free_mb": free_mb,
        }

    @staticmethod
    def resolve(name: str, widgets: dict[str, Any]) -> str | None:
        """The widget that holds a profile setting on this camera (or a widget named directly)."""
        return next((w for w in ALIASES.get(name, (name,)) if w in widgets), None)

    def read_settings(self, names: list[str] | None = None, widgets: dict[str, Any] | None = None) -> dict[str, str]:
        """The camera's settings by profile name (and any widget asked for by name), from `widgets` when the
        caller has just read them (each read is a round trip to the camera)."""
        widgets = self.widgets() if widgets is None else widgets
        out = {}
        for name in [*ALIASES, *EXTRA_SETTINGS, *(names or [])]:
            widget = self.resolve(name, widgets)
            if widget is not None:
                out[name] = str(widgets[widget].get_value())
        return out

    def apply_settings(self, wanted: dict[str, str]) -> dict[str, Any]:
        """Set each wanted value one widget at a time (one refused setting must not block the rest), then
        read every one back. Returns the read-back, for each setting not taken why, and the value each changed
        widget had before (the parent keeps those, so that a camera reopened can still be put back)."""
        widgets = self.widgets()
        problems: list[str] = []
        said: set[str] = set()
        """Settings already explained in problems: not reported again as read back wrong."""
        changed: dict[str, Any] = {}
        for name, value in wanted.items():
            widget_name = self.resolve(name, widgets)
            if widget_name is None:
                problems.append(f"has no {label(name)} setting over USB; set it on the camera by hand")
                said.add(name)
                continue
            widget = widgets[widget_name]
            current = str(widget.get_value())
            if _same(widget, value):
                continue
            if widget.get_readonly():
                problems.append(f"{label(name)} is {current!r} and cannot be changed over USB; set it on the camera")
                said.add(name)
                continue
            choices = _choices(widget)
            if choices is not None and value not in choices:
                offered = ", ".join(repr(c) for c in choices[:12]) + (", ..." if len(choices) > 12 else "")
                problems.append(f"{label(name)} has no choice {value!r} (it offers {offered})")
                said.add(name)
                continue
            original = widget.get_value()
            try:
                typed = _typed(widget, value)
                if typed is None:
                    raise ValueError("not on or off")
                widget.set_value(typed)
                self.camera.set_single_config(widget_name, widget)
            except Exception as exc:  # libgphoto2's refusal, or a value of the wrong kind for this widget
                problems.append(f"{label(name)} {value!r} was refused ({exc})")
                said.add(name)
                continue
            self.originals.setdefault(widget_name, original)
            changed.setdefault(widget_name, original)
        widgets = self.widgets()
        settings = self.read_settings(list(wanted), widgets)
        for name, value in wanted.items():
            widget_name = self.resolve(name, widgets)
            if widget_name is None or name in said:
                continue
            if not _same(widgets[widget_name], value):
                problems.append(f"{label(name)} reads back {settings.get(name)!r}, not {value!r}")
        return {"settings": settings, "problems": problems, "changed": changed}

    def restore(self, originals: dict[str, Any] | None = None) -> list[str]:
        """Put back every setting the booth changed (or the given originals, which the parent kept for this
        camera across reopening); returns the ones the camera refused. Each is tried, whatever the others do."""
        refused = []
        widgets = self.widgets()
        for name, value in {**self.originals, **(originals or {})}.items():
            try:
                widgets[name].set_value(value)
                self.camera.set_single_config(name, widgets[name])
            except Exception as exc:  # a widget gone, or refused: say so and go on with the rest
                refused.append(f"{name} ({exc})")
        self.originals.clear()
        return refused

    def _wire_pressed(self) -> bool:
        """Whether this camera's trigger-box channel asserted its shutter line since the last look."""
        wire = self.spec.shutter_wire
        if wire is None:
            return False
        try:
            with open(wire.edges, "rb") as fh:
                fh.seek(self._wire_offset)
                chunk = fh.read()
        except FileNotFoundError:
            return False
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._wire_offset += len(complete)
        if wire.channel >= len(SHUTTER_PORTS) * 8:
            return False  # past the box's channels: nothing is wired to it
        port, pin = SHUTTER_PORTS[wire.channel // 8], wire.channel % 8
        return any(line.split(b",")[1:] == [port.encode(), str(pin).encode(), b"1"] for line in complete.split(b"\n"))

    def wait_file(self, timeout_s: float) -> tuple[str, bytes, float, Exposure | None] | None:
        """The next JPEG the camera adds, downloaded into memory; None if none came in time. The camera is
        asked at least once, however little time is left. Other files (a RAW beside the JPEG) are passed over:
        the profile should ask for JPEG only."""
        import gphoto2 as gp

        deadline = time.monotonic() + timeout_s
        slice_ms = 10 if self.spec.shutter_wire else 200
        while True:
            if self._wire_pressed():
                self.camera.trigger_capture()
            left_ms = max(1, int((deadline - time.monotonic()) * 1000))
            kind, data = self.camera.wait_for_event(min(left_ms, slice_ms))
            if kind == gp.GP_EVENT_FILE_ADDED and is_jpeg_name(data.name):
                handle = self.camera.file_get(data.folder, data.name, gp.GP_FILE_TYPE_NORMAL)
                jpeg = bytes(memoryview(handle.get_data_and_size()))  # copied while handle still owns the buffer
                return data.name, jpeg, time.time(), exposure_of(jpeg)
            if time.monotonic() >= deadline:
                return None

    def drain(self, budget_s: float, owed: int = 0) -> list[str]:
        """Take every event the camera queued since the last shot; a JPEG among them (a frame that came after
        its shot's deadline) is downloaded, so it leaves the camera's buffer, and thrown away. With `owed`
        (the camera missed its last deadline), wait up to budget_s for that many late files to come. Returns
        their names. Always bounded by budget_s: some cameras report property changes without end."""
        import gphoto2 as gp

        stale: list[str] = []
        deadline = time.monotonic() + budget_s
        while time.monotonic() < deadline:
            kind, data = self.camera.wait_for_event(1 if len(stale) >= owed else 50)
            if kind == gp.GP_EVENT_TIMEOUT and len(stale) >= owed:
                break
            if kind == gp.GP_EVENT_FILE_ADDED and is_jpeg_name(data.name):
                self.camera.file_get(data.folder, data.name, gp.GP_FILE_TYPE_NORMAL)
                stale.append(data.name)
        self._wire_pressed()  # edges from before this shot are not this shot's fire
        return stale

    def preview(self) -> bytes:
        """One live-view frame (JPEG)."""
        handle = self.camera.capture_preview()
        return bytes(memoryview(handle.get_data_and_size()))

    def end_preview(self) -> None:
        """Leave live view, where the camera has a switch for it (Nikon and Canon keep the mirror up)."""
        widgets = self.widgets()
        if "viewfinder" in widgets:
            widgets["viewfinder"].set_value(0)
            self.camera.set_single_config("viewfinder", widgets["viewfinder"])

    def handle(self, request: str, args: list[Any]) -> Any:
        if request == "describe":
            return self.describe()
        if request == "read_settings":
            return self.read_settings(*args)
        if request == "apply_settings":
            return self.apply_settings(args[0])
        if request == "restore":
            return self.restore(*args)
        if request == "trigger":
            self.camera.trigger_capture()
            return time.time()
        if request == "wait_file":
            return self.wait_file(float(args[0]))
        if request == "drain":
            return self.drain(float(args[0]), int(args[1]) if len(args) > 1 else 0)
        if request == "preview":
            return self.preview()
        if request == "end_preview":
            self.end_preview()
            return None
        raise KeyError(request)


def serve(conn: Connection, spec: WorkerSpec) -> None:
    """The worker's main loop: answers ("ok", result) or ("fault", code, message) to each request."""
    # Ctrl-C reaches the whole process group: the booth decides when its cameras close (and puts their
    # settings back first), not the keyboard
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import gphoto2 as gp

        camera = Camera(spec)
        conn.send(("ok", camera.describe()))
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
            result = camera.handle(request, args)
            if request == "wait_file" and result is not None:
                # the JPEG goes as raw bytes after its metadata: pickling 10 MB would copy it twice more
                name, jpeg, at, exposure = result
                conn.send(("ok+bytes", (name, at, exposure)))
                conn.send_bytes(jpeg)
            else:
                conn.send(("ok", result))
        except gp.GPhoto2Error as exc:
            conn.send(("fault", exc.code, str(exc)))
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            conn.send(("fault", -2, f"bad request {request!r}: {exc}"))
        except Exception as exc:  # anything else is this camera's fault to report, not a reason to die
            conn.send(("fault", -1, f"{request}: {type(exc).__name__}: {exc}"))
    with contextlib.suppress(Exception):  # the camera may already be gone; the process ends either way
        camera.camera.exit()


class CameraWorker:
    """The parent's handle on one camera's worker process."""

    def __init__(self, spec: WorkerSpec, start_timeout_s: float = 15.0) -> None:
        self.spec = spec
        self.start_timeout_s = start_timeout_s
        self.description: dict[str, Any] = {}
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._lock = threading.Lock()
        """One request at a time on the pipe: the shot's threads and the live view share a worker."""

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
        assert self._conn is not None, "launch() first"
        self.description = self._answer(self._conn, "start", self.start_timeout_s)
        return self.description

    def start(self) -> dict[str, Any]:
        self.launch()
        return self.ready()

    def _answer(self, conn: Connection, request: str, timeout_s: float) -> Any:
        try:
            if not conn.poll(timeout_s):
                self.kill()
                raise CameraFault(self.spec.name, CameraFaultKind.NO_ANSWER, f"{request} took over {timeout_s:g} s")
            reply = conn.recv()
            if reply[0] == "ok+bytes":
                name, at, exposure = reply[1]
                return name, conn.recv_bytes(), at, exposure
        except CameraFault:
            raise
        except Exception:  # a pipe closed under it, or a reply cut short: the worker is no more
            self.kill()
            raise CameraFault(self.spec.name, CameraFaultKind.GONE, "its worker stopped") from None
        if reply[0] == "fault":
            raise CameraFault.from_code(self.spec.name, reply[1], reply[2])
        return reply[1]

    def call(self, request: str, *args: Any, timeout_s: float = 5.0) -> Any:
        """Ask the worker; raises CameraFault if the camera fails, does not answer within timeout_s, or is
        still busy with another request for as long."""
        if not self._lock.acquire(timeout=timeout_s):
            raise CameraFault(
                self.spec.name, CameraFaultKind.BUSY, f"still answering another request after {timeout_s:g} s"
            )
        try:
            conn = self._conn
            if conn is None or not self.alive():
                raise CameraFault(self.spec.name, CameraFaultKind.GONE, "not connected")
            try:
                conn.send((request, *args))
                return self._answer(conn, request, timeout_s)
            except CameraFault:
                raise
            except Exception:  # the pipe broke as the request went out
                self.kill()
                raise CameraFault(self.spec.name, CameraFaultKind.GONE, "its worker stopped") from None
            except BaseException:
                # sent but not answered (Ctrl-C): its reply would be read as the next request's
                self.kill()
                raise
        finally:
            self._lock.release()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def kill(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        conn, self._conn = self._conn, None  # two threads may find it gone at once
        if conn is not None:
            conn.close()

    def stop(self) -> None:
        """Ask the worker to close its camera; kill it if it does not end in time, or if a request still holds
        the pipe after a few seconds."""
        if self._lock.acquire(timeout=5.0):
            try:
                if self._conn is not None and self._proc is not None and self._proc.is_alive():
                    with contextlib.suppress(OSError, BrokenPipeError):
                        self._conn.send(("exit",))
                        self._proc.join(5)
            finally:
                self._lock.release()
        self.kill()
