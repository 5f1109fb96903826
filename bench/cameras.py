"""A shot from libgphoto2's virtual cameras: time from fire to the last frame in memory, and the cost per camera.

Run: .venv/bin/python bench/cameras.py [--cameras 8 24 48] [--shots 5] [--size 6000x4000]

Every camera serves the same camera-sized JPEG through libgphoto2's real PTP driver. The booth's array (one
worker process per camera, all at once) is run beside a baseline in the same script: one camera driven by
libgphoto2 directly in one process, with no worker, pipe or thread, which is the least a shot can cost per
camera; 24 of those one after the other is what a single-process booth would take."""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

import cv2
import numpy as np

from rig.cameras.array import GPhotoArray
from rig.cameras.virtual import make_virtual_rig


def camera_jpeg(width: int, height: int) -> bytes:
    """A JPEG the size a camera writes: fine texture keeps it as large as a real frame (about 1.5 bits a pixel)."""
    rng = np.random.default_rng(1)
    small = rng.integers(0, 255, (height // 4, width // 4, 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


def _raw_shots(folder: str, shots: int, conn: Connection) -> None:
    """The baseline: libgphoto2 alone, in this process, on one virtual camera."""
    os.environ["VCAMERADIR"] = folder
    import gphoto2 as gp

    os.environ["IOLIBS"] = os.environ["IOLIBS"].replace("iolibs", "vusb")
    camera = gp.Camera()
    camera.init()
    times = []
    for _ in range(shots + 1):
        start = time.perf_counter()
        camera.trigger_capture()
        while True:
            kind, data = camera.wait_for_event(1000)
            if kind == gp.GP_EVENT_FILE_ADDED:
                handle = camera.file_get(data.folder, data.name, gp.GP_FILE_TYPE_NORMAL)
                jpeg = bytes(memoryview(handle.get_data_and_size()))
                break
        times.append(time.perf_counter() - start)
        assert jpeg[:2] == b"\xff\xd8"
    camera.exit()
    conn.send(times[1:])  # the first shot warms the caches


def raw_single_camera(folder: Path, shots: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_raw_shots, args=(str(folder), shots, child))
    proc.start()
    child.close()  # so that recv() ends in EOFError, not a hang, if the child dies
    times: list[float] = parent.recv()
    proc.join()
    return statistics.median(times)


def array_shots(root: Path, jpeg: bytes, cameras: int, shots: int) -> tuple[float, float, list[float]]:
    """(seconds to open the cameras, median seconds from fire to the last frame, every shot's time)."""
    serials = make_virtual_rig([(k, jpeg) for k in range(cameras)], root)
    from rig.cameras.bus import VirtualBus

    start = time.perf_counter()
    array, found = GPhotoArray.open(VirtualBus(root), serials)
    opened = time.perf_counter() - start
    assert not found.problems(), found.problems()
    times = []
    try:
        for _ in range(shots + 1):
            start = time.perf_counter()
            array.trigger_all()
            got = sum(1 for _ in array.collect(time.time() + 30.0))
            times.append(time.perf_counter() - start)
            assert got == cameras, f"{got} of {cameras} frames"
    finally:
        array.close(restore=False)
    return opened, statistics.median(times[1:]), times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, nargs="+", default=[8, 24, 48])
    parser.add_argument("--shots", type=int, default=5)
    parser.add_argument("--size", default="6000x4000")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    jpeg = camera_jpeg(w, h)
    print(f"frame: {w}x{h} JPEG, {len(jpeg) / 1e6:.1f} MB; {os.cpu_count()} CPU cores; median of {args.shots} shots")
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one"
        one.mkdir()
        (one / "frame.jpg").write_bytes(jpeg)
        raw = raw_single_camera(one, args.shots * 4)
        print(f"baseline: one camera, libgphoto2 alone in one process: {raw * 1000:.1f} ms a shot")
        print()
        print("cameras  open (s)  fire to last frame (ms)  per camera (ms)  serial baseline (ms)  booth/serial")
        results = []
        for n in args.cameras:
            opened, median, _ = array_shots(Path(tmp) / f"rig{n}", jpeg, n, args.shots)
            serial = raw * n
            results.append((n, median))
            print(
                f"{n:7d}  {opened:8.2f}  {median * 1000:23.0f}  {median / n * 1000:15.1f}  {serial * 1000:20.0f}"
                f"  {median / serial:12.2f}"
            )
        print()
        for (n0, t0), (n1, t1) in itertools.pairwise(results):
            print(f"from {n0} to {n1} cameras, each further camera adds {(t1 - t0) / (n1 - n0) * 1000:.1f} ms")
        for n, t in results:
            print(
                f"{n} cameras: {t / n * 1000:.1f} ms a camera against {raw * 1000:.1f} ms for libgphoto2 alone: "
                f"the workers cost {(t / n - raw) * 1000:+.1f} ms a camera on {os.cpu_count()} cores"
            )


if __name__ == "__main__":
    main()
