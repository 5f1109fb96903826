"""Where cameras are found: the USB ports libgphoto2 sees, or a folder of libgphoto2's virtual cameras."""

from __future__ import annotations

import json
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from rig.base import RigError
from rig.cameras.worker import ShutterWire, WorkerSpec

VIRTUAL_CAMERA_FILE = "camera.json"


class CameraBus(Protocol):
    """Lists the cameras plugged in now, each as a worker spec ready to open."""

    def scan(self) -> list[WorkerSpec]: ...


def _autodetect(conn: Connection) -> None:
    try:
        import gphoto2 as gp

        conn.send(("ok", [(str(model), str(port)) for model, port in gp.Camera.autodetect()]))
    except Exception as exc:
        conn.send(("fault", str(exc)))


class UsbBus:
    """Cameras on USB, as libgphoto2's autodetect lists them.

    Autodetect runs in a short-lived process of its own, as the cameras do: a crash or hang in libgphoto2
    while a camera is being plugged in must not take the booth with it."""

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s

    def scan(self) -> list[WorkerSpec]:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_autodetect, args=(child,), name="camera autodetect", daemon=True)
        proc.start()
        child.close()
        try:
            if not parent.poll(self.timeout_s):
                raise RigError(
                    f"looking for cameras on USB took over {self.timeout_s:g} s; unplug the USB hub and plug it in"
                )
            reply = parent.recv()
        except EOFError:
            raise RigError("looking for cameras on USB crashed; unplug the USB hub and plug it in again") from None
        finally:
            proc.kill()
            proc.join(5)
            parent.close()
        if reply[0] != "ok":
            raise RigError(f"looking for cameras on USB failed ({reply[1]}); check that libgphoto2 is installed")
        # usb: alone is what libgphoto2 lists when it cannot tell the port; a worker on it would open any camera
        return [WorkerSpec(f"{model} on {port}", port=port) for model, port in reply[1] if port != "usb:"]


class VirtualBus:
    """libgphoto2's virtual cameras, one per sub-folder of `folder` holding camera.json and one JPEG.

    The virtual camera hands out the first JPEG of its folder at every capture, through libgphoto2's real PTP
    driver. A sub-folder that disappears is a camera unplugged; one that comes back is plugged in again."""

    def __init__(self, folder: Path, edges: Path | None = None) -> None:
        self.folder = folder
        self.edges = edges
        """The simulated trigger box's pin log; with it each camera fires on its channel's shutter edge."""

    def scan(self) -> list[WorkerSpec]:
        if not self.folder.is_dir():
            raise RigError(
                f"{self.folder}: no such folder of virtual cameras; make one with 'booth rig cameras virtual'"
            )
        specs = []
        for sub in sorted(p for p in self.folder.iterdir() if (p / VIRTUAL_CAMERA_FILE).is_file()):
            try:
                about = json.loads((sub / VIRTUAL_CAMERA_FILE).read_text())
                serial, channel = str(about["serial"]), int(about.get("channel", 0))
            except (ValueError, KeyError, TypeError) as exc:
                raise RigError(f"{sub / VIRTUAL_CAMERA_FILE}: not a virtual camera description ({exc})") from None
            wire = ShutterWire(str(self.edges), channel) if self.edges is not None else None
            specs.append(WorkerSpec(sub.name, vcamera_dir=str(sub), vcamera_serial=serial, shutter_wire=wire))
        return specs
