"""Background work below the kiosk's screen: a thread lowers its own priority, and the threads it starts inherit it."""

from __future__ import annotations

import contextlib
import os
import threading

BACKGROUND_NICENESS = 10
"""How much lower than the kiosk's screen the shot's and the simulated live view's threads run: on two cores
the stitcher, the encoder and the renders would otherwise leave the GUI thread waiting for a processor (the
kiosk's stall probe measured up to 200 ms without it)."""


def run_in_background(niceness: int = BACKGROUND_NICENESS) -> None:
    """Lower the calling thread's priority. On Linux each thread has its own, and the threads it starts inherit
    it (the stitcher's pool, the encoder's, the simulated cameras'); elsewhere nothing changes."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
