"""`booth collect` against a real Mosquitto, with the booth's side played by hand in paho, message by message.

Clips arrive whole and once, resume after a kill, split between a group's collectors; hostile input is refused
without stopping the collector; erasure deletes; list and export show what arrived."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from booth.delivery.collector import Collector
from booth.delivery.collector_config import load_collector_config
from booth.delivery.collector_index import CollectorIndex, brands_of
from booth.delivery.protocol import (
    ErasureNotice,
    FileEntry,
    Manifest,
    Reply,
    check_topic,
    chunk_topic,
    erase_topic,
    manifest_topic,
    reply_topic,
)
from booth.delivery.reassembly import STALL_S, Reassembly
from tests.booth.delivery.broker import Mosquitto

RECIPIENT = "orbita-agency"
EVENT = "launch-2026"
BOOTH = "booth-07"
CHUNK = 1024


# --- the booth's side, played by hand


@dataclass
class Clip:
    clip_id: str
    files: dict[str, bytes]
    purposes: list[str] = field(default_factory=lambda: ["send_me", "social"])
    tags: dict[str, Any] | None = None
    event: str = EVENT
    booth: str = BOOTH

    def manifest(self, **changes: Any) -> Manifest:
        entries = [FileEntry(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in self.files.items()]
        fields: dict[str, Any] = {
            "clip_id": self.clip_id,
            "booth_id": self.booth,
            "event": self.event,
            "recipient": RECIPIENT,
            "chunk_size": CHUNK,
            "files": entries,
            "consent": self.record(),
            "purposes": self.purposes,
            "tags": self.tags,
            "clip": {"clip_id": self.clip_id, "duration_s": 3.5},
        }
        return Manifest(**{**fields, **changes})

    def record(self, **changes: Any) -> dict[str, Any]:
        """The consent record a booth sends with the clip: it grants the clip's purposes to this recipient."""
        return {
            "record_id": f"rec-{self.clip_id}",
            "clip_id": self.clip_id,
            "clip_sha256": hashlib.sha256(self.files["clip.mp4"]).hexdigest(),
            "purposes": {p: True for p in self.purposes},
            "recipients": {p: [RECIPIENT] for p in self.purposes},
            **changes,
        }

    def chunk(self, file_index: int, n: int) -> bytes:
        data = list(self.files.values())[file_index]
        return data[n * CHUNK : (n + 1) * CHUNK]

    def all_chunks(self) -> dict[str, list[int]]:
        return {str(i): list(range(max(1, -(-len(d) // CHUNK)))) for i, d in enumerate(self.files.values())}


def make_clip(clip_id: str, seed: int = 1, **kw: Any) -> Clip:
    rng = random.Random(seed)
    files = {"clip.mp4": rng.randbytes(10 * CHUNK + 37), "poster.jpg": rng.randbytes(3000), "preview.gif": b""}
    return Clip(clip_id, files, **kw)


class Booth:
    """A booth's MQTT client that sends protocol messages and collects the collector's replies."""

    def __init__(self, url: str, booth: str = BOOTH, event: str = EVENT) -> None:
        self.event, self.booth = event, booth
        self.replies: queue.Queue[Reply] = queue.Queue()
        self.pending: list[Reply] = []
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{event}-{booth}", protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, *_: c.subscribe(reply_topic(event, booth, RECIPIENT), qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = lambda _c, _u, m: self.replies.put(Reply.from_bytes(bytes(m.payload)))
        self.client.reconnect_delay_set(1, 2)
        host, port = url.removeprefix("mqtt://").split(":")
        self.client.connect(host, int(port))
        self.client.loop_start()
        assert self.subscribed.wait(10), "the test booth could not subscribe to its replies"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def reply(self, clip_id: str, timeout: float = 10.0) -> Reply | None:
        until = time.monotonic() + timeout
        while True:
            for r in self.pending:
                if r.clip_id == clip_id:
                    self.pending.remove(r)
                    return r
            left = until - time.monotonic()
            if left <= 0:
                return None
            try:
                self.pending.append(self.replies.get(timeout=left))
            except queue.Empty:
                return None

    def send_manifest(self, clip: Clip, payload: bytes | None = None, timeout: float = 10.0) -> Reply | None:
        topic = manifest_topic(clip.event, clip.booth, RECIPIENT, clip.clip_id)
        self.publish(topic, payload if payload is not None else clip.manifest().to_bytes())
        return self.reply(clip.clip_id, timeout)

    def send_chunks(self, clip: Clip, which: dict[str, list[int]], *, repeat: int = 1, reverse: bool = False) -> None:
        pairs = [(int(f), n) for f, ns in which.items() for n in ns] * repeat
        infos = [
            self.client.publish(
                chunk_topic(clip.event, clip.booth, RECIPIENT, clip.clip_id, f, n), clip.chunk(f, n), qos=1
            )
            for f, n in (reversed(pairs) if reverse else pairs)
        ]
        for info in infos:
            info.wait_for_publish(10)

    def check(self, clip: Clip, timeout: float = 10.0) -> Reply | None:
        self.publish(
            check_topic(clip.event, clip.booth, RECIPIENT, clip.clip_id), b'{"clip_id":"%s"}' % clip.clip_id.encode()
        )
        return self.reply(clip.clip_id, timeout)

    def erase(self, clip: Clip, reason: str = "consent withdrawn") -> Reply | None:
        notice = ErasureNotice(clip.clip_id, RECIPIENT, reason, "2026-11-21T14:30:00.000Z")
        self.publish(erase_topic(clip.event, clip.booth, RECIPIENT, clip.clip_id), notice.to_bytes())
        return self.reply(clip.clip_id)

    def deliver(self, clip: Clip, rounds: int = 12) -> Reply:
        """What the uploader does: manifest, the chunks it lacks, check, until the collector says something final."""
        r = self.send_manifest(clip, timeout=3)
        for _ in range(rounds):
            if r is None:  # lost, or the collector had no manifest: start again from the manifest
                r = self.send_manifest(clip, timeout=3)
                continue
            if r.kind != "missing":
                return r
            self.send_chunks(clip, r.missing)
            r = self.check(clip, timeout=3)
        raise AssertionError(f"{clip.clip_id} not delivered after {rounds} rounds; last reply {r}")


# --- the collector's side


def write_config(folder: Path, url: str, **keys: Any) -> Path:
    lines = [f'recipient = "{RECIPIENT}"', f'out = "{folder / "received"}"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in keys.items() if k != "broker"]
    lines += ["[broker]", f'url = "{url}"', *(f"{k} = {json.dumps(v)}" for k, v in keys.get("broker", {}).items())]
    path = folder / "collector.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def collecting(config: Path, client_id: str = "test-collector") -> Iterator[Collector]:
    collector = Collector(load_collector_config(config), client_id=client_id)
    thread = threading.Thread(target=collector.run, daemon=True)
    thread.start()
    assert collector.ready.wait(10), "the collector did not subscribe"
    try:
        yield collector
    finally:
        collector.stop()
        thread.join(10)
        assert not thread.is_alive()


def collect_argv(*args: str) -> list[str]:
    """`booth collect ...` as staff type it."""
    return [sys.executable, "-m", "booth.cli", "collect", *args]


def run_collect(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(collect_argv(*args), capture_output=True, text=True, timeout=60, check=False)


@dataclass
class CollectorProcess:
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def wait_ready(self, timeout: float = 15.0) -> None:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if "collecting clips" in self.stdout.read_text():
                return
            assert self.proc.poll() is None, self.stderr.read_text()
            time.sleep(0.05)
        raise AssertionError("booth collect did not start")


def start_collect(config: Path, logs: Path) -> CollectorProcess:
    out, err = logs.with_suffix(".out"), logs.with_suffix(".err")
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(collect_argv("--config", str(config)), stdout=o, stderr=e)
    return CollectorProcess(proc, out, err)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path / "broker") as b:
        yield b


@pytest.fixture
def booth(broker: Mosquitto) -> Iterator[Booth]:
    b = Booth(broker.url)
    yield b
    b.close()


def clip_folders(out: Path) -> list[Path]:
    return sorted(
        p for p in out.glob("*/*/*") if p.is_dir() and not p.name.startswith(".") and ".incoming" not in p.parts
    )


def chunks_in(chunks: Path) -> int:
    """Chunks a clip being received has in, by the marks the collector keeps for each of its files."""
    return sum(p.read_bytes().count(b"\x01") for p in chunks.glob("have.*"))


def incoming_clips(out: Path) -> list[Path]:
    return sorted(p.parent for p in (out / ".incoming").glob("*/*/*/manifest.json"))


# --- the tests


def test_a_clip_arrives_whole_with_its_consent_and_tags_and_is_indexed(
    tmp_path: Path, broker: Mosquitto, booth: Booth
) -> None:
    config = write_config(tmp_path, broker.url)
    out = tmp_path / "received"
    clip = make_clip("clip-20261121-142501-3f9a2c", tags={"brands": ["Lumen Drinks"], "frames": [1, 2]})
    with collecting(config):
        first = booth.send_manifest(clip)
        assert first == Reply(clip.clip_id, "missing", clip.all_chunks())
        booth.send_chunks(clip, clip.all_chunks())
        assert booth.check(clip) == Reply(clip.clip_id, "stored")

        folder = out / EVENT / BOOTH / clip.clip_id
        for name, data in clip.files.items():
            assert (folder / name).read_bytes() == data
        assert json.loads((folder / "clip.json").read_text()) == clip.manifest().clip
        consent = json.loads((folder / "consent.json").read_text())
        assert consent["purposes"] == ["send_me", "social"]
        assert consent["record"] == clip.manifest().consent
        assert json.loads((folder / "tags.json").read_text()) == clip.tags
        assert incoming_clips(out) == []

        # the whole clip sent again: answered at once, and still there exactly once
        assert booth.send_manifest(clip) == Reply(clip.clip_id, "stored")
        booth.send_chunks(clip, clip.all_chunks())
        assert booth.check(clip) == Reply(clip.clip_id, "stored")
        assert booth.deliver(clip).kind == "stored"
    assert clip_folders(out) == [folder]
    assert incoming_clips(out) == []
    with CollectorIndex.in_folder(out) as index:
        rows = index.clips()
    assert [(r.clip_id, r.event, r.booth, r.recipient) for r in rows] == [(clip.clip_id, EVENT, BOOTH, RECIPIENT)]
    assert rows[0].purposes == ("send_me", "social")
    assert rows[0].brands == ("Lumen Drinks",)
    assert rows[0].received_at and rows[0].erased_at is None


def test_chunks_sent_twice_and_out_of_order_make_one_clip(tmp_path: Path, broker: Mosquitto, booth: Booth) -> None:
    out = tmp_path / "received"
    tags = {"detections": [{"brand": "Lumen", "frame": 3}]}
    clip = make_clip("clip-20261121-142600-aaaaaa", seed=2, tags=tags)
    # as the uploader sends it: clip.json and tags.json travel as files too, and stay byte for byte as sent
    clip.files |= {"clip.json": b'{"clip_id":"clip-20261121-142600-aaaaaa"}', "tags.json": json.dumps(tags).encode()}
    with collecting(write_config(tmp_path, broker.url)):
        booth.send_manifest(clip)
        booth.send_chunks(clip, clip.all_chunks(), repeat=2, reverse=True)
        assert booth.check(clip) == Reply(clip.clip_id, "stored")
        booth.send_chunks(clip, {"0": [3, 1]})  # late duplicates after the clip is stored
        assert booth.check(clip) == Reply(clip.clip_id, "stored")
    folder = out / EVENT / BOOTH / clip.clip_id
    assert sorted(p.name for p in folder.iterdir()) == sorted([*clip.files, "consent.json"])
    assert all((folder / n).read_bytes() == d for n, d in clip.files.items())
    assert clip_folders(out) == [folder]
    with CollectorIndex.in_folder(out) as index:
        assert [r.brands for r in index.clips()] == [("Lumen",)]


def test_a_collector_killed_mid_clip_resumes_asking_only_for_what_it_lacks(
    tmp_path: Path, broker: Mosquitto, booth: Booth
) -> None:
    config = write_config(tmp_path, broker.url)
    out = tmp_path / "received"
    clip = make_clip("clip-20261121-142700-bbbbbb", seed=3)
    first = start_collect(config, tmp_path / "first")
    try:
        first.wait_ready()
        assert booth.send_manifest(clip) == Reply(clip.clip_id, "missing", clip.all_chunks())
        sent = {"0": [0, 2, 4, 6, 8, 10], "1": [1]}
        booth.send_chunks(clip, sent)
        chunks = out / ".incoming" / EVENT / BOOTH / clip.clip_id / "chunks"
        until = time.monotonic() + 10
        while chunks_in(chunks) < 7 and time.monotonic() < until:
            time.sleep(0.02)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(60)
    finally:
        if first.proc.poll() is None:
            first.proc.kill()
    lacking = {"0": [1, 3, 5, 7, 9], "1": [0, 2], "2": [0]}
    second = start_collect(config, tmp_path / "second")
    try:
        second.wait_ready()
        assert booth.check(clip) == Reply(clip.clip_id, "missing", lacking)
        assert booth.send_manifest(clip) == Reply(clip.clip_id, "missing", lacking)
        booth.send_chunks(clip, lacking)
        assert booth.check(clip) == Reply(clip.clip_id, "stored")
    finally:
        second.proc.send_signal(signal.SIGINT)
        assert second.proc.wait(60) == 0
    folder = out / EVENT / BOOTH / clip.clip_id
    assert all((folder / n).read_bytes() == d for n, d in clip.files.items())
    assert "collector stopped" in second.stdout.read_text()


def test_two_collectors_of_one_group_take_five_clips_between_them_each_once(tmp_path: Path, broker: Mosquitto) -> None:
    config = write_config(tmp_path, broker.url, group="collectors")
    out = tmp_path / "received"
    clips = [make_clip(f"clip-20261121-1430{i:02d}-cccccc", seed=10 + i, booth=f"booth-{i:02d}") for i in range(5)]
    booths = [Booth(broker.url, booth=c.booth) for c in clips]
    results: dict[str, str] = {}
    try:
        with collecting(config, "collector-a") as a, collecting(config, "collector-b") as b:
            threads = [
                threading.Thread(target=lambda bo=bo, c=c: results.update({c.clip_id: bo.deliver(c).kind}))
                for bo, c in zip(booths, clips, strict=True)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert a.handled > 0 and b.handled > 0, "the broker gave every message to one collector"
    finally:
        for bo in booths:
            bo.close()
    assert results == {c.clip_id: "stored" for c in clips}
    assert [p.name for p in clip_folders(out)] == [c.clip_id for c in clips]
    for c in clips:
        folder = out / EVENT / c.booth / c.clip_id
        assert all((folder / n).read_bytes() == d for n, d in c.files.items())
    with CollectorIndex.in_folder(out) as index:
        assert sorted(r.clip_id for r in index.clips()) == [c.clip_id for c in clips]
    assert incoming_clips(out) == []


def test_hostile_input_is_refused_and_logged_and_a_good_clip_still_arrives(
    tmp_path: Path, broker: Mosquitto, booth: Booth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="booth.delivery")
    config = write_config(tmp_path, broker.url, max_file_mb=1)
    out = tmp_path / "received"
    base = make_clip("clip-20261121-143100-dddddd", seed=4)
    good = base.manifest()

    def raw(**changes: Any) -> bytes:
        data = json.loads(good.to_bytes())
        data.update(changes)
        return json.dumps(data).encode()

    refusals = {
        b"{not json": "not JSON",
        raw(files=[{"name": "../evil", "size": 3, "sha256": "0" * 64}]): "not a plain name",
        raw(files=[{"name": "/etc/passwd", "size": 3, "sha256": "0" * 64}]): "not a plain name",
        raw(files=[{"name": "clip.mp4", "size": 2 * 1024 * 1024, "sha256": "0" * 64}]): "over the limit",
        raw(recipient="brand"): "addressed to brand",
        raw(event="other-event"): "came from",
        raw(clip_id="clip-other"): "came on the topic of clip",
        raw(files=[{"name": "consent.json", "size": 3, "sha256": "0" * 64}]): "collector's own record",
        raw(purposes=["social\nFAKE LOG LINE"]): "not a plain name",
        raw(files=[{"name": "clip.mp4\n", "size": 3, "sha256": "0" * 64}]): "not a plain name",
        raw(files=[{"name": "clip.mp4", "size": True, "sha256": "0" * 64}]): "size True",
        # the consent it carries must cover what it claims
        raw(consent={}): "carries no consent record",
        raw(consent=base.record(purposes={"send_me": False, "social": False})): "send_me is not granted",
        raw(consent=base.record(purposes={"send_me": True})): "social is not granted",
        raw(consent=base.record(recipients={"send_me": ["brand"], "social": ["brand"]})): "does not name orbita",
        raw(consent=base.record(clip_sha256="0" * 64)): "another SHA-256",
        raw(consent=base.record(clip_id="clip-other")): "is for clip 'clip-other'",
        raw(files=[f for f in json.loads(good.to_bytes())["files"] if f["name"] != "clip.mp4"]): "has no clip.mp4",
        b"[" * 100_000: "",
    }
    with collecting(config) as collector:
        for payload, reason in refusals.items():
            r = booth.send_manifest(base, payload)
            assert r is not None and r.kind == "refused" and reason in r.reason, (payload[:60], r)
        # no reply can go back for these; they are logged and dropped
        booth.publish(f"booth/v1/{EVENT}/{BOOTH}/{RECIPIENT}/manifest/..", good.to_bytes())
        booth.publish(f"booth/v1/{EVENT}/{BOOTH}/{RECIPIENT}/chunk/{base.clip_id}/0/²", b"x")
        booth.publish(chunk_topic(EVENT, BOOTH, RECIPIENT, "clip-unknown", 0, 0), b"x" * CHUNK)

        # a clip under way: chunks out of range, of the wrong length, and one corrupted
        assert booth.send_manifest(base) == Reply(base.clip_id, "missing", base.all_chunks())
        booth.publish(chunk_topic(EVENT, BOOTH, RECIPIENT, base.clip_id, 0, 11), b"x" * CHUNK)
        booth.publish(chunk_topic(EVENT, BOOTH, RECIPIENT, base.clip_id, 7, 0), b"x" * CHUNK)
        booth.publish(chunk_topic(EVENT, BOOTH, RECIPIENT, base.clip_id, 0, 0), b"x" * 10)
        bad = bytearray(base.chunk(0, 5))
        bad[7] ^= 0xFF
        booth.publish(chunk_topic(EVENT, BOOTH, RECIPIENT, base.clip_id, 0, 5), bytes(bad))
        booth.send_chunks(base, base.all_chunks())  # the good 0/5 comes too late: the collector has one already
        assert booth.check(base) == Reply(base.clip_id, "missing", {"0": base.all_chunks()["0"]})
        assert booth.deliver(base).kind == "stored"
        assert all((out / EVENT / BOOTH / base.clip_id / n).read_bytes() == d for n, d in base.files.items())
        assert collector.client.is_connected()

    log = caplog.text
    for expected in (
        "dropped a message on",
        "not a plain name",
        "dropped chunk 0/0 of clip clip-unknown",
        "the manifest has no such chunk",
        "10 bytes, the manifest says 1024",
        "does not match its SHA-256",
        "refused clip",
        "stored clip",
    ):
        assert expected in log, expected
    assert "FAKE LOG LINE\n" not in log
    assert not (tmp_path / "evil").exists() and not (out / "evil").exists()
    assert [p.name for p in clip_folders(out)] == [base.clip_id]


def test_manifests_past_the_clips_in_flight_limit_wait_for_a_free_slot(
    tmp_path: Path, broker: Mosquitto, booth: Booth
) -> None:
    clips = [make_clip(f"clip-20261121-1432{i:02d}-eeeeee", seed=20 + i) for i in range(3)]

    def kind(r: Reply | None) -> str:
        return r.kind if r else "no reply"

    with collecting(write_config(tmp_path, broker.url, max_clips_in_flight=2)):
        assert kind(booth.send_manifest(clips[0])) == "missing"
        assert kind(booth.send_manifest(clips[1])) == "missing"
        assert booth.send_manifest(clips[2], timeout=1.5) is None, "busy: no answer, so the booth asks again later"
        assert kind(booth.send_manifest(clips[0])) == "missing"  # a clip already in flight is not a new one
        assert kind(booth.deliver(clips[1])) == "stored"
        assert kind(booth.deliver(clips[2])) == "stored"  # a slot is free again


def test_an_erasure_deletes_the_folder_keeps_the_row_and_answers_erased(
    tmp_path: Path, broker: Mosquitto, booth: Booth
) -> None:
    out = tmp_path / "received"
    clip = make_clip("clip-20261121-143300-ffffff", seed=5)
    half = make_clip("clip-20261121-143301-ffffff", seed=6)
    never = make_clip("clip-20261121-143302-ffffff", seed=7)
    with collecting(write_config(tmp_path, broker.url)):
        assert booth.deliver(clip).kind == "stored"
        assert booth.erase(clip, "withdrawn by the participant") == Reply(clip.clip_id, "erased")
        assert not (out / EVENT / BOOTH / clip.clip_id).exists()

        booth.send_manifest(half)
        booth.send_chunks(half, {"0": [0, 1]})
        assert booth.erase(half) == Reply(half.clip_id, "erased")
        assert not (out / ".incoming" / EVENT / BOOTH / half.clip_id).exists()

        assert booth.erase(never) == Reply(never.clip_id, "erased")  # so the booth stops asking
        assert booth.erase(clip) == Reply(clip.clip_id, "erased")  # asked twice: the same answer

        r = booth.send_manifest(clip)  # a late copy of the clip is not taken back in
        assert r is not None and r.kind == "refused" and "erased" in r.reason
        assert booth.check(clip) == r
    assert clip_folders(out) == []
    with CollectorIndex.in_folder(out) as index:
        row = index.get(EVENT, BOOTH, clip.clip_id)
        assert row is not None and row.received_at and row.erased_at
        assert row.erase_reason == "withdrawn by the participant"
        assert row.folder is None and row.purposes == ("send_me", "social")
        assert [r.clip_id for r in index.clips() if r.erased_at] == [clip.clip_id, half.clip_id, never.clip_id]
        assert index.clips(purpose="social") == []


def test_list_and_export_show_what_arrived(tmp_path: Path, broker: Mosquitto, booth: Booth) -> None:
    config = write_config(tmp_path, broker.url)
    social = make_clip("clip-20261121-143400-aaaa01", seed=8, tags={"brands": ["Lumen"]})
    private = make_clip("clip-20261121-143401-aaaa02", seed=9, purposes=["send_me"])
    tagged = make_clip(
        "clip-20261121-143402-aaaa03",
        seed=10,
        purposes=["social", "advertising"],
        tags={"detections": [{"brand": "=Orbita", "box": [1, 2, 3, 4]}, {"brand": "Lumen"}]},
        event="other-event",
    )
    other_booth = Booth(broker.url, booth=BOOTH, event="other-event")
    try:
        with collecting(config):
            assert booth.deliver(social).kind == "stored"
            assert booth.deliver(private).kind == "stored"
            assert other_booth.deliver(tagged).kind == "stored"
    finally:
        other_booth.close()

    listed = run_collect("list", "--purpose", "social", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["CLIP", "EVENT", "BOOTH", "PURPOSES", "BRANDS", "RECEIVED", "ERASED"]
    assert [line.split()[:5] for line in lines[1:3]] == [
        [social.clip_id, EVENT, BOOTH, "send_me,social", "Lumen"],
        [tagged.clip_id, "other-event", BOOTH, "social,advertising", "=Orbita,Lumen"],
    ]
    assert lines[3] == "2 clip(s)"
    by_event = run_collect("--config", str(config), "list", "--event", "other-event")
    assert [line.split()[0] for line in by_event.stdout.splitlines()[1:-1]] == [tagged.clip_id]

    csv_file = tmp_path / "export" / "clips.csv"
    exported = run_collect("export", "--format", "csv", "--out", str(csv_file), "--config", str(config))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text())))
    assert [(r["clip_id"], r["event"], r["purposes"], r["brands"]) for r in rows] == [
        (social.clip_id, EVENT, "send_me;social", "Lumen"),
        (private.clip_id, EVENT, "send_me", ""),
        (tagged.clip_id, "other-event", "social;advertising", "'=Orbita;Lumen"),
    ]
    as_json = run_collect("export", "--format", "json", "--purpose", "social", "--config", str(config))
    assert [c["clip_id"] for c in json.loads(as_json.stdout)] == [social.clip_id, tagged.clip_id]


def test_a_wrong_password_is_one_line_and_exit_1_without_retrying(tmp_path: Path) -> None:
    with Mosquitto(tmp_path / "broker", users={"collector-orbita": "right horse battery"}) as broker:
        (tmp_path / "password").write_text("wrong\n")
        config = write_config(
            tmp_path, broker.url, broker={"username": "collector-orbita", "password_file": str(tmp_path / "password")}
        )
        started = time.monotonic()
        result = run_collect("--config", str(config))
        took = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "broker refused" in result.stderr and "password" in result.stderr
    assert took < 10


def test_the_collector_reconnects_when_the_broker_comes_back(tmp_path: Path, broker: Mosquitto, booth: Booth) -> None:
    clip = make_clip("clip-20261121-143500-abcdef", seed=11)
    with collecting(write_config(tmp_path, broker.url)) as collector:
        broker.stop()
        until = time.monotonic() + 10
        while collector.client.is_connected() and time.monotonic() < until:
            time.sleep(0.05)
        time.sleep(0.5)
        broker.start()
        until = time.monotonic() + 20
        while not (collector.client.is_connected() and booth.client.is_connected()) and time.monotonic() < until:
            time.sleep(0.05)
        time.sleep(0.3)  # both resubscribe on reconnecting
        assert booth.deliver(clip).kind == "stored"


# --- the rules, without a broker


def reassembly(out: Path) -> Reassembly:
    return Reassembly(out, recipient=RECIPIENT, max_file_bytes=1024 * 1024, max_clips_in_flight=10)


def feed(r: Reassembly, clip: Clip) -> Reply | None:
    """The whole clip straight into the reassembly, as a collector would take it off the broker."""
    where = (clip.event, clip.booth, RECIPIENT, clip.clip_id)
    answer = r.handle(manifest_topic(*where), clip.manifest().to_bytes())
    for f, ns in clip.all_chunks().items():
        for n in ns:
            r.handle(chunk_topic(*where, int(f), n), clip.chunk(int(f), n))
    answer = r.handle(check_topic(*where), b"{}")
    return answer.reply if answer else None


def test_a_clip_in_place_but_not_yet_indexed_when_the_collector_stopped_is_indexed_and_stored(tmp_path: Path) -> None:
    out = tmp_path / "received"
    clip = make_clip("clip-20261121-143600-aaaaaa", seed=12, tags={"brands": ["Lumen"]})
    r = reassembly(out)
    assert feed(r, clip) == Reply(clip.clip_id, "stored")
    r.index.db.execute("DELETE FROM clips")  # as if killed between the folder's rename and the index
    answer = r.handle(manifest_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), clip.manifest().to_bytes())
    assert answer is not None and answer.reply == Reply(clip.clip_id, "stored")
    assert answer.topic == reply_topic(EVENT, BOOTH, RECIPIENT)
    row = r.index.get(EVENT, BOOTH, clip.clip_id)
    assert row is not None and row.stored and row.brands == ("Lumen",)
    other = make_clip(clip.clip_id, seed=13)  # another clip under the same id is not mixed in
    refused = r.handle(manifest_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), other.manifest().to_bytes())
    assert refused is not None and refused.reply.kind == "refused"
    r.close()


def test_a_clip_that_makes_no_progress_for_hours_is_dropped_and_frees_its_booths_quota(tmp_path: Path) -> None:
    out = tmp_path / "received"
    clip = make_clip("clip-20261121-143700-aaaaaa", seed=14)
    r = reassembly(out)
    r.handle(manifest_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), clip.manifest().to_bytes())
    r.handle(chunk_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id, 0, 0), clip.chunk(0, 0))
    r.close()
    folder = out / ".incoming" / EVENT / BOOTH / clip.clip_id
    stalled = time.time() - STALL_S - 60
    for path in (folder / "manifest.json", folder / "chunks", *(folder / "chunks").iterdir()):
        os.utime(path, (stalled, stalled))
    reassembly(out).close()
    assert not folder.exists()


def test_one_booth_that_never_finishes_its_clips_blocks_only_itself(tmp_path: Path) -> None:
    r = Reassembly(
        tmp_path / "received",
        recipient=RECIPIENT,
        max_file_bytes=1 << 20,
        max_clips_in_flight=100,
        booth_clips_in_flight=3,
        booth_bytes_in_flight=1 << 20,
    )

    def start(clip: Clip) -> str:
        answer = r.handle(manifest_topic(clip.event, clip.booth, RECIPIENT, clip.clip_id), clip.manifest().to_bytes())
        return answer.reply.kind if answer else "no answer"

    hog = [make_clip(f"clip-20261121-1438{k:02d}-hhhhhh", seed=30 + k, booth="booth-hog") for k in range(5)]
    assert [start(c) for c in hog] == ["missing"] * 3 + ["no answer"] * 2, "its fourth clip waits"
    other = make_clip("clip-20261121-143900-oooooo", seed=40)
    assert feed(r, other) == Reply(other.clip_id, "stored"), "another booth's clips still go through"
    big = make_clip("clip-20261121-143901-bbbbbb", seed=41, booth="booth-big")
    big.files["clip.mp4"] = random.Random(5).randbytes(700 * 1024)
    second = make_clip("clip-20261121-143902-bbbbbb", seed=42, booth="booth-big")
    second.files["clip.mp4"] = random.Random(6).randbytes(400 * 1024)
    assert start(big) == "missing" and start(second) == "no answer", "over its quota of bytes under way"
    assert feed(r, big) == Reply(big.clip_id, "stored") and start(second) == "missing", "a freed quota is used"
    r.close()


def test_a_check_of_a_200_mb_clip_in_small_chunks_is_answered_from_a_byte_per_chunk(tmp_path: Path) -> None:
    r = Reassembly(tmp_path / "received", recipient=RECIPIENT, max_file_bytes=256 << 20, max_clips_in_flight=10)
    clip = make_clip("clip-20261121-144000-cccccc", seed=50)
    entries = [FileEntry("clip.mp4", 200 << 20, "a" * 64), FileEntry("poster.jpg", 3000, "b" * 64)]
    m = clip.manifest(files=entries, consent=clip.record(clip_sha256="a" * 64))
    answer = r.handle(manifest_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), m.to_bytes())
    assert answer is not None and answer.reply.kind == "missing"
    assert answer.reply.missing["0"][:3] == [0, 1, 2] and sum(map(len, answer.reply.missing.values())) == 10_000
    r.handle(chunk_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id, 0, 1), b"x" * CHUNK)
    again = r.handle(check_topic(EVENT, BOOTH, RECIPIENT, clip.clip_id), b"")
    assert again is not None and again.reply.missing["0"][:3] == [0, 2, 3]
    r.close()


def test_brands_are_read_leniently_from_tags() -> None:
    assert brands_of({"brands": ["Lumen", {"name": "Orbita"}, {"brand": "Kola"}, 3]}) == ["Kola", "Lumen", "Orbita"]
    assert brands_of({"detections": [{"brand": "Lumen", "score": 0.9}, {"label": "cup"}]}) == ["Lumen"]
    assert brands_of([{"frame": 1, "logos": [{"brand": "Lumen\x1b[2J"}]}]) == ["Lumen[2J"]
    assert brands_of({"brand": " Lumen  Drinks "}) == ["Lumen Drinks"]
    tags_json = {"frames": [{"file": "cam_03.jpg", "detections": []}], "brands": {"orbita": {"name": "Orbita"}}}
    assert brands_of(tags_json) == ["orbita"], "the booth's tags.json: brands by their kit folder name"
    assert brands_of(None) == brands_of("Lumen") == brands_of({}) == []
