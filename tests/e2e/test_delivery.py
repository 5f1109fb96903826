"""Delivery end to end, through every fault at once: three booths' `booth deliver` and three `booth collect`
(two sharing a group) on a real Mosquitto that stops, comes back and flaps; an uploader and a collector
SIGKILLed mid-transfer and restarted. Every consented clip lands exactly once with the right hash, nothing
of an unconsented clip is ever published, and a withdrawal erases the clip at the agency."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from booth.atomic import file_sha256
from booth.config import load_config
from booth.consent.decisions import Choice, give
from booth.consent.records import Method
from booth.consent.registry import open_store, texts_of
from booth.consent.store import Event
from booth.delivery.outbox import Outbox
from tests.booth.delivery.broker import Mosquitto

EVENT = "launch-2026"
AGENCY, BRAND = "orbita-agency", "brand"


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    until = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < until, f"timed out waiting for {what}"
        time.sleep(0.2)


@dataclass
class BoothSite:
    """One booth: its booth.toml, data folder and the clips it made."""

    name: str
    config_path: Path
    consented: list[str]
    unconsented: list[str]
    codes: dict[str, str]
    hashes: dict[str, str]


def make_site(root: Path, name: str, broker_url: str, clips: int, seed: int) -> BoothSite:
    folder = root / name
    folder.mkdir()
    cfg = folder / "booth.toml"
    cfg.write_text(
        f'[booth]\nid = "{name}"\nevent = "{EVENT}"\ndata_dir = "data"\n'
        f'[delivery]\nurl = "{broker_url}"\nchunk_kib = 16\nretry_min_s = 0.2\nretry_max_s = 1.0\n'
        "reply_timeout_s = 2.0\nkeepalive_s = 5\n"
    )
    config = load_config(cfg)
    text = texts_of(config).get("en")
    site = BoothSite(name, cfg, [], [], {}, {})
    with open_store(config) as store:
        outbox = Outbox(store)
        for k in range(clips):
            clip_id = f"clip-{name}-{k:02d}"
            clip_dir = config.data_dir / "clips" / clip_id
            clip_dir.mkdir(parents=True)
            data = hashlib.sha256(f"{seed}-{k}".encode()).digest() * (7000 + 100 * k)  # about 220 KB, 14 chunks
            (clip_dir / "clip.mp4").write_bytes(data)
            (clip_dir / "poster.jpg").write_bytes(b"\xff\xd8" + data[:5000] + b"\xff\xd9")
            (clip_dir / "clip.json").write_text(json.dumps({"clip_id": clip_id, "duration_s": 3.5}))
            (clip_dir / "tags.json").write_text(json.dumps({"brands": ["Lumen"]}))
            store.register_clip(clip_id, file_sha256(clip_dir / "clip.mp4"), clip_dir, None, 7)
            site.hashes[clip_id] = file_sha256(clip_dir / "clip.mp4")
            if k % 4 == 3:  # no consent at all, or everything refused: nothing may leave
                if k % 8 == 7:
                    give(store, text, clip_id, Choice({}, "adult"), method=Method.PHONE, booth_id=name)
                site.unconsented.append(clip_id)
                continue
            _, code = give(store, text, clip_id, Choice({"social": True}, "adult"), method=Method.PHONE, booth_id=name)
            outbox.add_consented(clip_id)
            site.consented.append(clip_id)
            site.codes[clip_id] = code
    return site


class Spy:
    """A subscriber on '#' that keeps every topic it sees."""

    def __init__(self, broker: Mosquitto) -> None:
        self.topics: list[str] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="spy", protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, *_: c.subscribe("#", qos=0)
        self.client.on_message = self._seen
        self.client.reconnect_delay_set(1, 2)
        self.client.connect_async("127.0.0.1", broker.port)
        self.client.loop_start()

    def _seen(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.topics.append(message.topic)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@contextmanager
def running(args: list[str], log: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """A `booth ...` process, restartable: the list holds the current one."""
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        with log.open("ab") as fh:
            procs.append(subprocess.Popen([sys.executable, "-m", "booth.cli", *args], stdout=fh, stderr=fh))

    start()
    try:
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def restart(procs: list[subprocess.Popen[bytes]], args: list[str], log: Path) -> None:
    os.kill(procs[-1].pid, signal.SIGKILL)
    procs[-1].wait(10)
    with log.open("ab") as fh:
        procs.append(subprocess.Popen([sys.executable, "-m", "booth.cli", *args], stdout=fh, stderr=fh))


def collector_config(root: Path, name: str, broker_url: str, recipient: str, group: str, out: Path) -> Path:
    cfg = root / f"{name}.toml"
    cfg.write_text(f'recipient = "{recipient}"\ngroup = "{group}"\nout = "{out}"\n[broker]\nurl = "{broker_url}"\n')
    return cfg


def stored(out: Path, site: BoothSite) -> dict[str, list[Path]]:
    folder = out / EVENT / site.name
    found: dict[str, list[Path]] = {}
    if folder.is_dir():
        for clip in folder.iterdir():
            if not clip.name.startswith(".") and (clip / "clip.mp4").is_file():
                found.setdefault(clip.name, []).append(clip)
    return found


def test_twenty_clips_from_three_booths_through_outages_kills_and_a_withdrawal(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path / "broker").start()
    spy = Spy(broker)
    sites = [make_site(tmp_path, f"booth-{n}", broker.url, clips, seed=n) for n, clips in ((1, 9), (2, 9), (3, 8))]
    consented = [c for s in sites for c in s.consented]
    unconsented = [c for s in sites for c in s.unconsented]
    assert len(consented) == 20 and len(unconsented) == 6

    agency_out, brand_out = tmp_path / "agency", tmp_path / "brand"
    collectors = [
        ["collect", "--config", str(collector_config(tmp_path, "agency-a", broker.url, AGENCY, "agency", agency_out))],
        ["collect", "--config", str(collector_config(tmp_path, "agency-b", broker.url, AGENCY, "agency", agency_out))],
        ["collect", "--config", str(collector_config(tmp_path, "brand", broker.url, BRAND, "brand", brand_out))],
    ]
    uploaders = [["deliver", "--config", str(s.config_path)] for s in sites]
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        with (
            running(collectors[0], logs / "agency-a.log") as agency_a,
            running(collectors[1], logs / "agency-b.log"),
            running(collectors[2], logs / "brand.log"),
            running(uploaders[0], logs / "booth-1.log") as booth_1,
            running(uploaders[1], logs / "booth-2.log"),
            running(uploaders[2], logs / "booth-3.log"),
        ):

            def delivered() -> int:
                return sum(len(stored(out, s)) for s in sites for out in (agency_out, brand_out))

            wait_for(lambda: delivered() >= 4, 60, "the first clips to arrive")
            restart(booth_1, uploaders[0], logs / "booth-1.log")  # an uploader killed mid-transfer
            restart(agency_a, collectors[0], logs / "agency-a.log")  # and a collector
            broker.stop()  # the venue's uplink goes
            time.sleep(2)
            broker.start()
            for _ in range(3):  # then flaps
                time.sleep(1.5)
                broker.stop()
                time.sleep(0.5)
                broker.start()

            wait_for(lambda: delivered() == 40, 150, "every consented clip at both recipients")
            strays = [p for out in (agency_out, brand_out) for p in out.glob("*/*/.*")]
            assert strays == [], "a collector killed while assembling left a copy behind"
            for site in sites:
                for out in (agency_out, brand_out):
                    found = stored(out, site)
                    assert sorted(found) == sorted(site.consented), (out, site.name)
                    for clip_id, folders in found.items():
                        assert len(folders) == 1, f"{clip_id} is in {out} exactly once"
                        assert file_sha256(folders[0] / "clip.mp4") == site.hashes[clip_id]
                        consent = json.loads((folders[0] / "consent.json").read_text())
                        assert consent["purposes"] == ["social"]
            assert not [t for t in spy.topics for c in unconsented if c in t], "nothing of an unconsented clip left"

            # the participant of booth 2's first clip withdraws: the agency and the brand erase it
            site = sites[1]
            withdrawn = site.consented[0]
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "booth.cli",
                    "consent",
                    "withdraw",
                    site.codes[withdrawn],
                    "--config",
                    str(site.config_path),
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            assert "erasure requested from: brand, orbita-agency" in done.stdout
            wait_for(
                lambda: withdrawn not in stored(agency_out, site) and withdrawn not in stored(brand_out, site),
                60,
                "the erasure at both recipients",
            )
            config = load_config(site.config_path)

            def acknowledged() -> int:
                with open_store(config) as store:
                    return sum(e.event == Event.ERASURE_ACKNOWLEDGED.value for e in store.audit(clip_id=withdrawn))

            wait_for(lambda: acknowledged() == 2, 30, "both acknowledgements in the booth's audit log")
            with open_store(config) as store:
                assert store.verify() == []
            listed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "booth.cli",
                    "collect",
                    "list",
                    "--purpose",
                    "social",
                    "--config",
                    collectors[0][2],
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert listed.returncode == 0, listed.stderr
            assert sum(c in listed.stdout for c in consented) == 19 and withdrawn not in listed.stdout

            # the collectors witnessed each booth's audit head; the booth's log still holds it
            heads = subprocess.run(
                [sys.executable, "-m", "booth.cli", "collect", "heads", "--config", collectors[0][2]],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert heads.returncode == 0, heads.stderr
            seen = {line.split()[0]: line.split()[1] for line in heads.stdout.splitlines() if line.startswith(EVENT)}
            assert sorted(seen) == [f"{EVENT}/{s.name}" for s in sites]
            witnessed, cfg = seen[f"{EVENT}/{site.name}"], site.config_path
            verified = subprocess.run(
                [sys.executable, "-m", "booth.cli", "consent", "verify", "--head", witnessed, "--config", str(cfg)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert verified.returncode == 0 and "audit log intact" in verified.stdout, verified.stderr
    finally:
        spy.stop()
        broker.stop()
