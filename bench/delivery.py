"""Delivery throughput over loopback Mosquitto: 20 clips of 10 MB through the outbox to the collector, against
`mosquitto_pub -f` of the same bytes as one message each.

Run: .venv/bin/python bench/delivery.py [--clips 20] [--mb 10] [--chunk-kib 256]

Both runs go through the same broker in this script. The raw run sends each clip's bytes as one QoS 1
message, to a `mosquitto_sub` that counts them: no manifest, no chunks, no hashes, no consent and no
folder on disk. That is the most the broker and loopback give. The booth's run is `Uploader.run_once` to
`booth collect` in a process of its own, timed until every clip is stored in the collector's folder, hashed
and indexed."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from booth.atomic import file_sha256
from booth.config import BoothConfig
from booth.consent.decisions import Choice, give
from booth.consent.records import Method
from booth.consent.registry import open_store, texts_of
from booth.delivery.outbox import Outbox
from booth.delivery.uploader import Uploader

NODELAY = os.environ.get("BENCH_NODELAY", "set_tcp_nodelay true\n")
"""Mosquitto leaves Nagle's algorithm on unless told; small replies then wait for TCP's delayed ACK."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\nallow_anonymous true\n{NODELAY}")
    proc = subprocess.Popen(
        [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def clip_bytes(k: int, mb: int) -> bytes:
    """Bytes that do not compress, like H.264."""
    block = hashlib.sha256(str(k).encode()).digest()
    return (block * (mb * 1024 * 1024 // len(block) + 1))[: mb * 1024 * 1024]


def raw(port: int, files: list[Path]) -> float:
    sub = subprocess.Popen(
        ["mosquitto_sub", "-p", str(port), "-t", "bench/raw/#", "-q", "1", "-C", str(len(files)), "-N"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # subscribed
    start = time.perf_counter()
    for k, f in enumerate(files):
        subprocess.run(["mosquitto_pub", "-p", str(port), "-q", "1", "-t", f"bench/raw/{k}", "-f", str(f)], check=True)
    sub.wait(300)
    return time.perf_counter() - start


def booth(port: int, root: Path, files: list[Path], chunk_kib: int) -> float:
    config = BoothConfig.model_validate(
        {
            "booth": {"id": "bench-booth", "event": "bench", "data_dir": str(root / "data")},
            "delivery": {"url": f"mqtt://127.0.0.1:{port}", "chunk_kib": chunk_kib},
        }
    )
    text = texts_of(config).get("en")
    store = open_store(config)
    outbox = Outbox(store)
    for k, f in enumerate(files):
        clip_id = f"clip-bench-{k:02d}"
        folder = config.data_dir / "clips" / clip_id
        folder.mkdir(parents=True)
        os.link(f, folder / "clip.mp4")
        store.register_clip(clip_id, file_sha256(folder / "clip.mp4"), folder, None, 7)
        give(store, text, clip_id, Choice({"send_me": True}, "adult"), method=Method.KIOSK, booth_id="bench-booth")
        outbox.add_consented(clip_id)  # send_me names the agency alone: one job per clip
    collector_toml = root / "collector.toml"
    collector_toml.write_text(
        f'out = "{root / "received"}"\nmax_file_mb = 4096\n[broker]\nurl = "mqtt://127.0.0.1:{port}"\n'
    )
    # the collector in a process of its own, as at an agency: not sharing this process's interpreter lock
    collector = subprocess.Popen(
        [
            *os.environ.get("BENCH_COLLECTOR_WRAP", "").split(),
            sys.executable,
            "-m",
            "booth.cli",
            "collect",
            "--config",
            str(collector_toml),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert collector.stdout is not None
    for line in collector.stdout:  # a wrapper (a profiler) may print first
        if line.startswith("collecting clips"):
            break
    else:
        raise RuntimeError("the collector did not subscribe")
    start = time.perf_counter()
    report = Uploader(config, store, outbox).run_once(timeout_s=600)
    elapsed = time.perf_counter() - start
    collector.send_signal(signal.SIGINT)
    collector.wait(30)
    assert report.ok and len(report.delivered) == len(files), report.lines()
    stored = list((root / "received" / "bench" / "bench-booth").iterdir())
    assert len(stored) == len(files)
    store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--mb", type=int, default=10)
    parser.add_argument("--chunk-kib", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = []
        for k in range(args.clips):
            f = root / f"clip{k:02d}.mp4"
            f.write_bytes(clip_bytes(k, args.mb))
            files.append(f)
        total_mb = args.clips * args.mb
        broker, port = start_broker(root)
        try:
            raw_s = raw(port, files)
            booth_s = booth(port, root / "booth", files, args.chunk_kib)
        finally:
            broker.terminate()
            broker.wait(10)
    print(f"{args.clips} clips of {args.mb} MB ({total_mb} MB) over loopback Mosquitto, {os.cpu_count()} CPU cores")
    print(f"raw: mosquitto_pub -f, one QoS 1 message a clip:  {raw_s:6.2f} s  {total_mb / raw_s:7.1f} MB/s")
    print(
        f"booth: outbox -> chunks of {args.chunk_kib} KiB -> collector, stored and hashed:  {booth_s:6.2f} s"
        f"  {total_mb / booth_s:7.1f} MB/s"
    )
    print(f"booth / raw throughput: {raw_s / booth_s:.2f} (target: at least 0.5)")


if __name__ == "__main__":
    main()
