"""A real X server for kiosk tests (Xvfb), with or without a kiosk window manager (matchbox), started and stopped
by the test; and the kiosk's window as the X server sees it (xwininfo)."""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

START_S = 60.0
"""A generous deadline for Xvfb and the window manager to come up on a busy machine."""


@dataclass(frozen=True)
class XWindow:
    name: str
    width: int
    height: int
    x: int
    y: int


def _wait(done: object, what: str, timeout_s: float = START_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout_s:.0f} s")
        time.sleep(0.1)


def _wm_running(display: str) -> bool:
    found = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        check=False,
    )
    return "window id" in found.stdout


@contextlib.contextmanager
def x_server(width: int, height: int, *, window_manager: bool) -> Iterator[str]:
    """An Xvfb screen of width x height; yields its DISPLAY. The window manager is matchbox, a kiosk's: one
    window at a time, fullscreen on request, no title bars."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    wm: subprocess.Popen[bytes] | None = None
    try:
        ready, _, _ = select.select([read], [], [], START_S)
        number = os.read(read, 64).decode().strip() if ready else ""
        if not number:
            raise TimeoutError(f"Xvfb did not start within {START_S:.0f} s")
        display = f":{number}"
        if window_manager:
            wm = subprocess.Popen(
                ["matchbox-window-manager", "-use_titlebar", "no"],
                env={**os.environ, "DISPLAY": display},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait(lambda: _wm_running(display), "matchbox did not start")
        yield display
    finally:
        os.close(read)
        for process in (wm, xvfb):
            if process is not None:
                process.terminate()
                process.wait(30)


def windows(display: str, name: str) -> list[XWindow]:
    """The mapped top-level windows whose title starts with `name`, and where they are on the screen."""
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = []
    for match in re.finditer(r'0x[0-9a-f]+ "([^"]*)".*?(\d+)x(\d+)\+(-?\d+)\+(-?\d+)\s+\+(-?\d+)\+(-?\d+)', tree):
        title, w, h, _, _, ax, ay = match.groups()
        if title.startswith(name):
            found.append(XWindow(title, int(w), int(h), int(ax), int(ay)))
    return found
