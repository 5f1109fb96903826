"""A shot's freed memory goes back to the system: what a worker thread freed in the middle of its heap is not
kept resident by the allocator once the booth gives it back."""

from __future__ import annotations

import threading
from pathlib import Path

from booth.allocator import give_back_freed


def resident_anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no RssAnon in /proc/self/status")


def test_what_a_worker_thread_freed_is_no_longer_resident() -> None:
    kept: list[bytearray] = []

    def shot() -> None:  # as the stitcher's threads do: many mid-sized buffers, one outliving the rest
        buffers = [bytearray(100_000) for _ in range(3000)]
        for buffer in buffers:
            buffer[::4096] = b"\x01" * len(buffer[::4096])  # touched, so resident
        kept.append(bytearray(100_000))  # above them in the heap: glibc cannot trim the top
        del buffers

    worker = threading.Thread(target=shot)
    worker.start()
    worker.join()
    held = resident_anon_mb()
    give_back_freed()
    after = resident_anon_mb()
    assert held - after > 200, f"{held:.0f} MB resident before, {after:.0f} MB after: the 300 MB freed stayed"
