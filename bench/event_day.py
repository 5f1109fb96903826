"""A whole event day on the simulated rig, with its faults: the kiosk's shot path (capture, stitch, register),
the phone page, the uploader and the retention rules as the kiosk runs them, a `booth collect` for each of the
two recipients beside them, and a real Mosquitto between, for hundreds of shots.

Run: .venv/bin/python bench/event_day.py [--shots 500] [--every 25] [--cameras 8] [--size 720x480] [--keep-freed]

Participants decide on the phone page over HTTP, typing the code on the booth's screen: most allow the brand's
social posts, one in five walks away undecided, one in seven of those who allowed withdraws later. Faults: a
camera drops out for a shot every 40 shots, the broker restarts every 60, the agency's collector is SIGKILLed
and started again every 90 (the brand's runs throughout). Every `--every` shots it prints the booth process's
resident memory (and its anonymous and file-backed parts, and the C heap in use), open files and threads, the
agency collector's memory and open files, disk use, and delivery counts. At the end it waits for the
deliveries to settle and checks: every consented clip not withdrawn is stored at each recipient exactly once,
every withdrawn one erased, nothing unconsented sent, no stray folder; and that memory and open files stayed
flat, within 10 %: the median over the last fifth of the day against the median over its second fifth (after
warm-up). It exits 1 if any check fails. `--keep-freed` runs the baseline: the booth as it was before it gave
each shot's freed heap back to the system (booth/allocator.py)."""

from __future__ import annotations

import argparse
import ctypes
import getpass
import http.cookiejar
import json
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from booth import allocator, shot_runner
from booth.config import load_config
from booth.consent.registry import page_url
from booth.session import ClipReady, Event, Fire, StageFailed
from booth.shot_runner import ShotRunner
from booth.station import open_station

sys.path.insert(0, str(Path(__file__).resolve().parent))
from delivery import NODELAY, free_port

TRIMS: list[float] = []
"""Seconds each shot's malloc_trim took, for the verdict."""
RECIPIENT = "orbita-agency"
BRAND = "brand"
"""The recipients the booth's consent texts name for the brand's social posts: each runs its own collector."""
EVENT = "event-day"
BOOTH = "booth-01"


class Broker:
    """Mosquitto on a fixed port, restartable, as a venue's broker is."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\nallow_anonymous true\n{NODELAY}"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        until = time.monotonic() + 10
        while time.monotonic() < until:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class Collector:
    """`booth collect` in a process of its own, SIGKILLed and started again at will."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "booth.cli", "collect", "--config", str(self.config)], stdout=fh, stderr=fh
            )

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def status(pid: int | str, key: str) -> int:
    """A number from /proc/PID/status (VmRSS in KiB, Threads)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class MallInfo2(ctypes.Structure):
    """glibc's mallinfo2(): what the C heap holds, in bytes."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in [
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        ]
    ]


def heap_in_use_mb() -> float:
    """What this process's C heap holds in use (MB), by glibc's mallinfo2(); its free count is not resident
    memory once the booth has given the free pages back, so it is not reported."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    return float(libc.mallinfo2().uordblks) / 1e6


def open_files(pid: int | str) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6 if folder.exists() else 0.0


class Phone:
    """A participant's phone on the page: opens the QR code's link, decides, and may withdraw later."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, url: str) -> str:
        with self.opener.open(url, timeout=60) as response:
            return str(response.read().decode())

    def post(self, url: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(urllib.request.Request(url, data=data), timeout=60) as response:
            return str(response.read().decode())

    def consent(self, url: str, screen_code: str) -> str:
        """Allow the brand's social posts as an adult; the withdrawal code the confirmation shows."""
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', self.open(url)))
        done = self.post(url, {**hidden, "purpose": "social", "age": "adult", "screen_code": screen_code})
        found = re.search(r'id="withdrawal-code">([0-9A-Z-]+)<', done)
        if found is None:
            raise RuntimeError("the phone page did not confirm the choice")
        return found[1]

    def withdraw(self, base: str, code: str) -> None:
        url = f"{base}/w/{code}"
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', self.open(url)))
        self.post(url, hidden)


@dataclass
class Day:
    consented: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    samples: list[dict[str, float]] = field(default_factory=list)


def stored(out: Path) -> dict[str, int]:
    """Clip id: how many folders hold it at the agency."""
    counts: dict[str, int] = {}
    for clip in (out / EVENT / BOOTH).glob("*"):
        if clip.is_dir() and not clip.name.startswith("."):
            counts[clip.name] = counts.get(clip.name, 0) + 1
    return counts


def write_configs(root: Path, args: argparse.Namespace, broker: Broker, web_port: int) -> tuple[Path, Path, Path]:
    width, height = (int(v) for v in args.size.split("x"))
    booth = root / "booth.toml"
    booth.write_text(
        f'[booth]\nid = "{BOOTH}"\nevent = "{EVENT}"\ndata_dir = "data"\n'
        f'[rig]\nkind = "sim"\ncameras = {args.cameras}\n[rig.sim]\nwidth = {width}\nheight = {height}\n'
        f'[stitch]\npreset = "ultrafast"\ninterpolation = "crossfade"\n'
        f'[delivery]\nurl = "mqtt://127.0.0.1:{broker.port}"\nchunk_kib = 256\nretry_min_s = 0.5\nretry_max_s = 5.0\n'
        "reply_timeout_s = 5.0\n"
        f'[web]\nhost = "127.0.0.1"\nport = {web_port}\nattempts_per_minute = 1000\n'
    )
    made = []
    for recipient, out in ((RECIPIENT, "agency"), (BRAND, "brand")):
        collector = root / f"collector-{recipient}.toml"
        collector.write_text(
            f'recipient = "{recipient}"\ngroup = "{recipient}"\nout = "{root / out}"\n'
            f'[broker]\nurl = "mqtt://127.0.0.1:{broker.port}"\n'
        )
        made.append(collector)
    return booth, made[0], made[1]


def run(args: argparse.Namespace, root: Path) -> int:
    broker = Broker(root)
    broker.start()
    booth_toml, agency_toml, brand_toml = write_configs(root, args, broker, free_port())
    config = load_config(booth_toml)
    agency, brand = root / "agency", root / "brand"
    collector = Collector(agency_toml, root / "collector.log")
    collector.start()
    brand_collector = Collector(brand_toml, root / "brand-collector.log")
    brand_collector.start()
    day = Day()
    events: queue.Queue[Event] = queue.Queue()
    started = time.monotonic()
    print(
        f"{'shots':>5} {'min':>5} {'rss MB':>7} {'anon':>5} {'file':>5} {'heap':>5}"
        f" {'files':>5} {'thr':>4} {'coll MB':>7} {'c.files':>7}"
        f" {'data MB':>8} {'agency MB':>9} {'stored':>6} {'erased':>6} {'failed':>6}",
        flush=True,
    )
    try:
        with open_station(config, "sim") as station:
            assert station.sim is not None and station.calibration is not None
            runner = ShotRunner(station.rig, station.calibration, config, station.clips_dir, events.put)
            base = page_url(config, "x").rsplit("/c/", 1)[0]
            for shot in range(1, args.shots + 1):
                station.sim.faults = {3: "missing"} if shot % 40 == 20 else {}
                if shot % 60 == 30:
                    broker.stop()
                    time.sleep(2.0)
                    broker.start()
                if shot % 90 == 45:
                    collector.kill()
                    collector.start()
                station.sim.scene_seed = shot  # another participant
                runner.fire(Fire(shot, 1))
                outcome = events.get(timeout=300)
                while not isinstance(outcome, ClipReady | StageFailed):
                    outcome = events.get(timeout=300)
                if isinstance(outcome, StageFailed):
                    day.failed.append(f"shot {shot}: {outcome.stage}: {outcome.detail}")
                else:
                    clip_id = outcome.clip_id
                    if shot % 5 == 0:
                        day.undecided.append(clip_id)
                    else:
                        phone = Phone()
                        url = page_url(config, station.store.token_for(clip_id))
                        code = phone.consent(url, station.store.screen_code_for(clip_id))
                        day.consented.append(clip_id)
                        if shot % 7 == 0:
                            phone.withdraw(base, code)
                            day.withdrawn.append(clip_id)
                if shot % args.every == 0 or shot == args.shots:
                    sample(day, shot, started, config.data_dir, agency, collector)
            settle(day, (agency, brand), deadline_s=args.settle_s)
    finally:
        collector.stop()
        brand_collector.stop()
        broker.stop()
    return verdict(day, agency, brand)


def sample(day: Day, shot: int, started: float, data: Path, agency: Path, collector: Collector) -> None:
    pid = collector.proc.pid if collector.proc is not None else 0
    held = stored(agency)
    row = {
        "shot": shot,
        "minutes": (time.monotonic() - started) / 60,
        "rss_mb": status("self", "VmRSS") / 1024,
        "files": open_files("self"),
        "anon_mb": status("self", "RssAnon") / 1024,
        "file_mb": status("self", "RssFile") / 1024,
        "heap_used_mb": heap_in_use_mb(),
        "threads": status("self", "Threads"),
        "collector_mb": status(pid, "VmRSS") / 1024 if pid else 0.0,
        "collector_files": open_files(pid) if pid else 0,
        "data_mb": disk_mb(data),
        "agency_mb": disk_mb(agency),
        "stored": len(held),
        "erased": sum(1 for c in day.withdrawn if c not in held),
    }
    day.samples.append(row)
    print(
        f"{shot:5d} {row['minutes']:5.1f} {row['rss_mb']:7.0f} {row['anon_mb']:5.0f} {row['file_mb']:5.0f}"
        f" {row['heap_used_mb']:5.0f} {row['files']:5.0f}"
        f" {row['threads']:4.0f}"
        f" {row['collector_mb']:7.0f} {row['collector_files']:7.0f} {row['data_mb']:8.1f} {row['agency_mb']:9.1f}"
        f" {row['stored']:6.0f} {row['erased']:6.0f} {len(day.failed):6d}",
        flush=True,
    )


def settle(day: Day, outs: tuple[Path, ...], deadline_s: float) -> None:
    """Wait until what should be at each recipient is, and what was withdrawn is not."""
    wanted = set(day.consented) - set(day.withdrawn)
    until = time.monotonic() + deadline_s
    while time.monotonic() < until:
        if all(set(stored(out)) == wanted for out in outs):
            return
        time.sleep(2.0)


def verdict(day: Day, *outs: Path) -> int:
    wanted = set(day.consented) - set(day.withdrawn)
    problems = []
    for out in outs:
        held = stored(out)
        strays = [p for p in out.rglob(".*.tmp")] if out.exists() else []
        for what, items in (
            ("lost", sorted(wanted - set(held))),
            ("stored twice", sorted(c for c, n in held.items() if n > 1)),
            ("withdrawn yet kept", sorted(set(held) & set(day.withdrawn))),
            ("unconsented yet sent", sorted(set(held) & set(day.undecided))),
            ("stray staged folders", strays),
        ):
            if items:
                problems.append(f"{out.name}: {len(items)} {what}: {items[:5]}")
    shots = day.samples[-1]["shot"]
    early = [s for s in day.samples if shots / 5 <= s["shot"] <= 2 * shots / 5] or day.samples[:1]
    late = [s for s in day.samples if s["shot"] > 4 * shots / 5] or day.samples[-1:]
    for key in ("rss_mb", "files", "threads", "collector_mb", "collector_files"):
        first, last = statistics.median(s[key] for s in early), statistics.median(s[key] for s in late)
        growth = (last - first) / first if first else 0.0
        line = f"{key}: {first:.0f} after warm-up, {last:.0f} at the end of the day ({growth * 100:+.1f} %)"
        print(line)
        if growth > 0.10:
            problems.append(line + ", over 10 %")
    print(
        f"shots {day.samples[-1]['shot']:.0f}, failed {len(day.failed)}, consented {len(day.consented)},"
        f" withdrawn {len(day.withdrawn)}, undecided {len(day.undecided)}; at the agency {len(stored(outs[0]))}"
        f" and the brand {len(stored(outs[-1]))} clips, expected {len(wanted)} each"
    )
    if TRIMS:
        print(
            f"freed heap given back after each shot in {statistics.median(TRIMS) * 1000:.1f} ms"
            f" (median of {len(TRIMS)}), at most {max(TRIMS) * 1000:.1f} ms"
        )
    for f in day.failed[:5]:
        print(f"  failed: {f}")
    if os.environ.get("EVENT_DAY_JSON"):
        print(json.dumps({"samples": day.samples}, separators=(",", ":")))
    if problems:
        for p in problems:
            print(f"FAIL {p}")
        return 1
    print("OK: nothing lost, nothing stored twice, withdrawn clips erased, memory and open files flat")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=500)
    parser.add_argument("--every", type=int, default=25, help="print a row every this many shots")
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--size", default="720x480", help="frame size of the simulated cameras, WxH")
    parser.add_argument("--settle-s", type=float, default=300.0, help="longest wait for deliveries at the end")
    parser.add_argument(
        "--keep-freed",
        action="store_true",
        help="baseline: leave what each shot freed to glibc's arenas, as the booth did before it trimmed the heap",
    )
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    if args.keep_freed:
        setattr(shot_runner, "give_back_freed", lambda: 0.0)  # noqa: B010 (the runner's own name for it)
    else:

        def timed() -> float:
            took = allocator.give_back_freed()
            TRIMS.append(took)
            return took

        setattr(shot_runner, "give_back_freed", timed)  # noqa: B010
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run(args, args.keep)
    with tempfile.TemporaryDirectory(prefix="event-day-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
