"""The C heap of a booth that runs all day: what a shot freed goes back to the system after the shot, so the
booth holds one shot's memory, not the most that any mix of threads and frame sizes has ever left behind."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time
from collections.abc import Callable
from functools import cache
from typing import cast

log = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return cast(Callable[[int], int], trim)


def give_back_freed() -> float:
    """Return the heap's whole free pages to the system, in every thread's arena; the seconds it took.

    glibc keeps what a thread frees in that thread's arena for its next allocation and gives back only the top
    of each heap: a shot's frames, flows and encoder buffers, freed by the stitcher's and tagger's threads in
    whatever order, left 450 to 550 MB free but held by an 8-camera 720x480 booth (against 110 MB in use), more
    as the day went on. malloc_trim(0) releases the free pages wherever they lie (MADV_DONTNEED); the next shot
    maps them again, which costs page faults, not copies."""
    trim = _malloc_trim()
    if trim is None:
        return 0.0
    started = time.perf_counter()
    trim(0)
    took = time.perf_counter() - started
    log.debug("gave freed heap back to the system in %.1f ms", took * 1000)
    return took
