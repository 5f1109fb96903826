"""Child processes that end with the booth: stopped and reaped on the way out, killed by the kernel if it dies."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

PR_SET_PDEATHSIG = 1
"""<linux/prctl.h>: the signal the kernel sends a process when the thread that forked it ends."""
STOP_GRACE_S = 5.0
"""How long a child has to exit after SIGTERM before it is killed, and again to be reaped after SIGKILL."""


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl, resolved once in the parent; None where there is none (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


# Looked up here, not in the child: between fork and exec the child should do as little as it can.
_PRCTL = _load_prctl()


def _dies_with(parent: int, prctl: Callable[..., int]) -> Callable[[], None]:
    """The child's last step before exec: SIGKILL when its parent goes, and exit now if it has already gone."""

    def in_child() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        # the parent may have died between fork and prctl, and then no signal would ever come
        if os.getppid() != parent:
            os._exit(1)

    return in_child


def spawn_tied(argv: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
    """subprocess.Popen(argv, **popen), for a child that must not outlive this process.

    On Linux the kernel kills the child (SIGKILL) if this process dies without stopping it, SIGKILL included.
    Linux sends that signal when the *thread* that forked the child ends, not the process: call this from a
    thread that lives as long as the child should, such as the main thread, or the child is killed when that
    thread returns. Elsewhere it is plain Popen, and stop_child() on the way out is all there is."""
    if _PRCTL is None:
        return subprocess.Popen(argv, **popen)
    # preexec_fn runs Python in the forked child, where a lock another thread held at fork stays held; this one
    # calls only prctl and getppid (system calls, no locks), resolved before the fork
    tie = _dies_with(os.getpid(), _PRCTL)
    return subprocess.Popen(argv, preexec_fn=tie, **popen)  # noqa: PLW1509


def stop_child(proc: subprocess.Popen[Any], grace_s: float = STOP_GRACE_S) -> None:
    """Ask the child to stop (SIGTERM), kill it if it has not within `grace_s`, and reap it either way."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace_s)
