"""Before Qt opens the screen: the platform plugin's system libraries and the display, named in one line each."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from booth.errors import BoothError

PACKAGES: dict[str, str] = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}
"""Debian's package for each library Qt's screen plugins load whose package name is not its own name (the
libxcb-*.so.N family is: libxcb-icccm.so.4 is in libxcb-icccm4)."""

NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


class ScreenError(BoothError):
    """The kiosk cannot open the screen: a library is missing or no display answers."""

    exit_code = 3


def package_of(library: str) -> str:
    """The Debian package that ships a shared library, by the table above or by Debian's naming rule."""
    if library in PACKAGES:
        return PACKAGES[library]
    match = re.fullmatch(r"lib(.+)\.so\.(\d+)", library)
    if match is None:
        return library
    name, version = match.groups()
    return f"lib{name.lower()}{'-' if name[-1].isdigit() else ''}{version}"


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries `plugin` needs that the dynamic linker cannot find, by ldd (glibc's own)."""
    try:
        found = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []  # no ldd: Qt reports what it finds itself
    return list(dict.fromkeys(NOT_FOUND.findall(found.stdout)))


def platform_name(env: Mapping[str, str]) -> str:
    """The platform plugin Qt will load: QT_QPA_PLATFORM's first choice, else Wayland when only Wayland is there."""
    asked = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if asked:
        return asked
    return "wayland" if env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY") else "xcb"


def plugin_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where Qt looks for platform plugins: QT_QPA_PLATFORM_PLUGIN_PATH first, then PySide6's own."""
    dirs = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    import PySide6  # here, not at the top: the check runs before anything of Qt is loaded that need not be

    dirs.append(Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms")
    return dirs


def check_libraries(env: Mapping[str, str]) -> None:
    """Raise ScreenError naming the first missing library of the platform plugin and the command that installs
    every one missing, instead of Qt's abort (which blames libxcb-cursor0 whatever is missing)."""
    platform = platform_name(env)
    plugin = next((d / f"libq{platform}.so" for d in plugin_dirs(env) if (d / f"libq{platform}.so").exists()), None)
    if plugin is None:
        raise ScreenError(f"Qt has no '{platform}' screen plugin: set QT_QPA_PLATFORM to xcb, wayland or eglfs")
    missing = missing_libraries(plugin)
    if missing:
        packages = " ".join(dict.fromkeys(package_of(lib) for lib in missing))
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ScreenError(
            f"the kiosk cannot open the screen: {missing[0]}{more} is missing; "
            f"install it as root: apt-get install {packages}"
        )


def check_display(env: Mapping[str, str]) -> None:
    """Raise ScreenError when the X display named by DISPLAY does not answer (the xcb plugin only)."""
    if platform_name(env) != "xcb":
        return
    display = env.get("DISPLAY", "")
    if not display:
        raise ScreenError("no screen: DISPLAY is not set; start the kiosk in the X session of the booth's screen")
    name = ctypes.util.find_library("X11")
    if name is None:
        return  # check_libraries has said what is missing
    xlib = ctypes.CDLL(name)
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = xlib.XOpenDisplay(display.encode())
    if not handle:
        raise ScreenError(
            f"no screen: the X display {display} does not answer (not started, or this user may not use it: "
            "check DISPLAY and XAUTHORITY)"
        )
    xlib.XCloseDisplay(handle)


def check(env: Mapping[str, str] | None = None) -> None:
    """Everything the kiosk needs to open its screen, checked before Qt is asked to."""
    env = os.environ if env is None else env
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and "QT_QPA_PLATFORM" not in env:
        raise ScreenError("no screen: run the kiosk on the booth's display (or set QT_QPA_PLATFORM=offscreen)")
    check_libraries(env)
    check_display(env)
