"""The uploader against a real Mosquitto, with the collector's part played by a scripted responder written here:
whole clips, only the chunks asked for, resumption, refusals, withdrawals, erasures, TLS, passwords, last will."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from booth.config import BoothConfig, BrokerSection, DeliverySection
from booth.consent.decisions import withdraw
from booth.consent.store import Event
from booth.delivery.link import BrokerRefused, make_client
from booth.delivery.outbox import JobKind, JobState
from booth.delivery.protocol import (
    ErasureNotice,
    Manifest,
    Reply,
    collector_filter,
    parse_topic,
    reply_topic,
    status_topic,
)
from booth.delivery.uploader import DeliveryReport, Uploader, read_json
from booth.delivery_commands import DeliveryRefused, add_delivery_commands
from tests.booth.consent.helpers import Booth, make_booth
from tests.booth.delivery.broker import Certificates, Mosquitto, make_certificates

AGENCY, BRAND = "orbita-agency", "brand"
CHUNK = 16 * 1024
EXPECTED_FILES = ["clip.mp4", "poster.jpg", "preview.webp", "clip.json", "tags.json"]


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0, what: str = "the condition") -> None:
    until = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < until, f"timed out waiting for {what}"
        time.sleep(0.02)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Responder:
    """The collector's side of the protocol for one recipient, in memory: answers a manifest or a check with
    the chunks it lacks, or 'stored' once every file matches its hash; acknowledges erasure notices. Knobs:
    `lose` drops those (file, chunk) the first time they arrive, `refuse` refuses every manifest, `delay_s`
    makes it slow, `ignore_erasures` leaves that many notices unanswered."""

    def __init__(self, broker: BrokerSection, recipient: str = AGENCY) -> None:
        self.recipient = recipient
        self.client, where = make_client(broker, lambda p: p, f"responder-{recipient}-{os.getpid()}")
        self.where = where
        self.client.reconnect_delay_set(1, 1)
        self.lock = threading.Lock()
        self.manifests: list[Manifest] = []
        self.chunks: dict[tuple[str, int, int], bytes] = {}
        self.arrivals: Counter[tuple[int, int]] = Counter()
        self.replies: list[Reply] = []
        self.stored: dict[str, list[bytes]] = {}
        self.erasures: list[ErasureNotice] = []
        self.lose: set[tuple[int, int]] = set()
        self.refuse: str | None = None
        self.delay_s = 0.0
        self.ignore_erasures = 0
        self.subscribed = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_message = self._on_message

    def __enter__(self) -> Responder:
        self.client.connect(self.where.host, self.where.port)
        self.client.loop_start()
        assert self.subscribed.wait(10), "the responder did not subscribe"
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        client.subscribe(collector_filter(self.recipient, None), qos=1)  # again after the broker comes back

    def _reply(self, topic: str, reply: Reply) -> None:
        address = parse_topic(topic)
        self.replies.append(reply)
        self.client.publish(reply_topic(address.event, address.booth, address.recipient), reply.to_bytes(), qos=1)

    def _answer(self, topic: str, clip_id: str) -> None:
        manifest = next(m for m in reversed(self.manifests) if m.clip_id == clip_id)
        missing = {
            str(i): lacking
            for i, f in enumerate(manifest.files)
            if (lacking := [n for n in range(f.chunks(manifest.chunk_size)) if (clip_id, i, n) not in self.chunks])
        }
        if missing:
            self._reply(topic, Reply(clip_id, "missing", missing))
            return
        files = [
            b"".join(self.chunks[(clip_id, i, n)] for n in range(f.chunks(manifest.chunk_size)))
            for i, f in enumerate(manifest.files)
        ]
        assert [sha(data) for data in files] == [f.sha256 for f in manifest.files]
        self.stored[clip_id] = files
        self._reply(topic, Reply(clip_id, "stored"))

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic.endswith("/reply"):  # the filter's '#' matches the reply topic too: ours, not for us
            return
        address, payload = parse_topic(message.topic), bytes(message.payload)
        with self.lock:
            if address.kind == "manifest":
                manifest = Manifest.from_bytes(payload, max_file_bytes=1 << 30)
                self.manifests.append(manifest)
                if self.refuse:
                    self._reply(message.topic, Reply(address.clip_id, "refused", reason=self.refuse))
                else:
                    self._answer(message.topic, address.clip_id)
            elif address.kind == "chunk":
                assert address.file_index is not None and address.chunk is not None
                key = (address.file_index, address.chunk)
                self.arrivals[key] += 1
                time.sleep(self.delay_s)
                if key in self.lose:
                    self.lose.discard(key)
                else:
                    self.chunks[(address.clip_id, *key)] = payload
            elif address.kind == "check":
                assert json.loads(payload) == {"clip_id": address.clip_id}
                self._answer(message.topic, address.clip_id)
            elif address.kind == "erase":
                self.erasures.append(ErasureNotice.from_bytes(payload))
                if self.ignore_erasures:
                    self.ignore_erasures -= 1
                else:
                    self._reply(message.topic, Reply(address.clip_id, "erased"))

    def held(self) -> int:
        with self.lock:
            return len(self.chunks)


class Watcher:
    """A client subscribed to a filter ('#' to see everything), keeping what arrives, retained messages too."""

    def __init__(self, broker: BrokerSection, topic: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.client, where = make_client(broker, lambda p: p, f"watcher-{os.getpid()}-{time.monotonic_ns()}")
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_message = lambda c, u, m: self.messages.append((m.topic, bytes(m.payload)))
        self.client.connect(where.host, where.port)
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()
        assert subscribed.wait(10)

    def last(self) -> dict[str, Any] | None:
        return json.loads(self.messages[-1][1]) if self.messages else None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def booth(tmp_path: Path) -> Iterator[Booth]:
    b = make_booth(tmp_path)
    yield b
    b.store.close()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path / "broker") as running:
        yield running


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def plain(broker: Mosquitto) -> BrokerSection:
    return BrokerSection(url=broker.url)


def configured(booth: Booth, url: str, **more: Any) -> BoothConfig:
    settings: dict[str, Any] = {
        "url": url,
        "chunk_kib": 16,
        "retry_min_s": 0.2,
        "retry_max_s": 1.0,
        "reply_timeout_s": 2.0,
        **more,
    }
    return booth.config.model_copy(update={"delivery": DeliverySection(**settings)})


def uploader(booth: Booth, config: BoothConfig) -> Uploader:
    return Uploader(config, booth.store, booth.outbox)


def full_clip(booth: Booth, name: str, size: int = 200_000) -> tuple[str, list[bytes]]:
    """A clip folder as the stitcher leaves it, with tags; returns its id and its files' bytes in manifest order."""
    video = os.urandom(size)
    clip_id = booth.clip(name, video)
    entry = booth.store.clip(clip_id)
    assert entry is not None
    files = [
        video,
        os.urandom(5_000),
        os.urandom(CHUNK + 1),  # one byte into a second chunk
        json.dumps({"clip_id": clip_id, "duration_s": 3.2}).encode(),
        json.dumps({"tags": ["red-shoes"]}).encode(),
    ]
    for file_name, data in zip(EXPECTED_FILES[1:], files[1:], strict=True):
        (entry.directory / file_name).write_bytes(data)
    return clip_id, files


def events(booth: Booth, clip_id: str) -> list[str]:
    return [e.event for e in booth.store.audit(clip_id=clip_id)]


def deliver(*argv: str) -> int:
    """`booth deliver ...` through the command's own parser, as booth/cli.py wires it."""
    parser = argparse.ArgumentParser(prog="booth")
    add_delivery_commands(parser.add_subparsers(dest="command", required=True), argparse.ArgumentParser)
    args = parser.parse_args(["deliver", *argv])
    return int(args.func(args))


def booth_toml(booth: Booth, path: Path, url: str, **more: Any) -> Path:
    delivery = {"url": url, "chunk_kib": 16, "retry_min_s": 0.2, "retry_max_s": 1.0, "reply_timeout_s": 2.0, **more}
    lines = ["[booth]", 'id = "booth-7"', f"data_dir = {json.dumps(str(booth.config.data_dir))}", "[delivery]"]
    lines += [f"{k} = {json.dumps(str(v) if isinstance(v, Path) else v)}" for k, v in delivery.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_clip_arrives_whole_and_the_email_only_where_send_me_covers_it(booth: Booth, broker: Mosquitto) -> None:
    clip_id, files = full_clip(booth, "a")
    booth.consent(clip_id, "send_me", "social", email="ana@example.org")
    jobs = {j.recipient: j for j in booth.outbox.add_consented(clip_id)}
    with Responder(plain(broker), AGENCY) as agency, Responder(plain(broker), BRAND) as brand:
        report = uploader(booth, configured(booth, broker.url)).run_once(30)
    assert report.ok, report.lines()
    assert sorted(j.recipient for j in report.delivered) == [BRAND, AGENCY]
    for responder in (agency, brand):
        assert responder.stored[clip_id] == files, "reassembled byte for byte"
        (manifest,) = responder.manifests
        assert [f.name for f in manifest.files] == EXPECTED_FILES
        assert [f.sha256 for f in manifest.files] == [sha(data) for data in files]
        assert manifest.chunk_size == CHUNK and manifest.clip["duration_s"] == 3.2
        assert manifest.tags == {"tags": ["red-shoes"]}
        assert set(responder.arrivals.values()) == {1}, "every chunk sent once"
    assert agency.manifests[0].consent["email"] == "ana@example.org"
    assert agency.manifests[0].purposes == ["send_me", "social"]
    assert brand.manifests[0].consent["email"] is None, "the brand is not a recipient of 'send me my clip'"
    assert brand.manifests[0].purposes == ["social"]
    assert {j.job_id: j.state for j in booth.outbox.jobs(clip_id)} == {j.job_id: JobState.DONE for j in jobs.values()}
    assert events(booth, clip_id).count("delivered") == 2 and booth.store.verify() == []
    status = Watcher(plain(broker), status_topic("demo-event", "booth-7"))
    wait_for(lambda: status.last() is not None, what="the retained status")
    last = status.last()
    assert last is not None and last["state"] == "offline" and last["pending"] == 0 and last["last_upload"]
    status.close()


def test_only_the_chunks_the_collector_lacks_are_sent_again(booth: Booth, broker: Mosquitto) -> None:
    clip_id, _ = full_clip(booth, "a", size=5 * CHUNK)
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)
    with Responder(plain(broker)) as agency:
        agency.lose = {(0, 1), (0, 4), (2, 1)}
        report = uploader(booth, configured(booth, broker.url)).run_once(30)
    assert report.ok, report.lines()
    missing = [r.missing for r in agency.replies if r.kind == "missing"]
    assert missing[1] == {"0": [1, 4], "2": [1]}, "after the first round it lacks just the lost chunks"
    assert len(missing) == 2
    total = sum(f.chunks(CHUNK) for f in agency.manifests[0].files)
    assert sum(agency.arrivals.values()) == total + 3
    assert {k for k, n in agency.arrivals.items() if n == 2} == {(0, 1), (0, 4), (2, 1)}


def test_resumes_where_it_was_after_the_broker_goes_away(booth: Booth, broker: Mosquitto) -> None:
    clip_id, files = full_clip(booth, "a", size=100 * CHUNK)
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)
    reports: list[DeliveryReport] = []
    with Responder(plain(broker)) as agency:
        agency.delay_s = 0.01
        worker = threading.Thread(
            target=lambda: reports.append(uploader(booth, configured(booth, broker.url)).run_once(40))
        )
        worker.start()
        wait_for(lambda: agency.held() >= 30, what="the transfer to be under way")
        broker.stop()
        held = agency.held()
        time.sleep(1.0)
        broker.start()
        worker.join(45)
    assert not worker.is_alive()
    assert reports[0].ok, reports[0].lines()
    assert agency.stored[clip_id] == files
    total = sum(f.chunks(CHUNK) for f in agency.manifests[0].files)
    assert held < total, "stopped mid-transfer"
    assert len(agency.manifests) >= 2, "the manifest again after reconnecting"
    assert sum(agency.arrivals.values()) <= total + 16, "carried on from what the collector had, not from scratch"
    assert events(booth, clip_id).count("delivered") == 1


def test_a_refused_clip_stops_with_the_reason(booth: Booth, broker: Mosquitto) -> None:
    clip_id, _ = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    job = booth.outbox.add_clip(clip_id, AGENCY)
    config = configured(booth, broker.url)
    with Responder(plain(broker)) as agency:
        agency.refuse = "clip.mp4 is over the agency's 200 MB limit"
        report = uploader(booth, config).run_once(30)
        assert [(j.job_id, why) for j, why in report.refused] == [(job.job_id, agency.refuse)]
        assert not report.ok and report.left == []
        refused = booth.outbox.job(job.job_id)
        attempt = booth.outbox.attempt(job.job_id)
        assert refused is not None and refused.state is JobState.REFUSED
        assert attempt is not None and attempt.note == agency.refuse
        again = uploader(booth, config).run_once(30)
        assert again.ok and again.refused == []
        assert len(agency.manifests) == 1, "a refused job is not sent again"
        assert sum(agency.arrivals.values()) == 0
    assert "delivered" not in events(booth, clip_id)


def test_a_clip_changed_after_consent_is_not_sent(booth: Booth, broker: Mosquitto) -> None:
    clip_id, _ = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    job = booth.outbox.add_clip(clip_id, AGENCY)
    entry = booth.store.clip(clip_id)
    assert entry is not None
    (entry.directory / "clip.mp4").write_bytes(b"another clip than the one the participant saw")
    with Responder(plain(broker)) as agency:
        report = uploader(booth, configured(booth, broker.url)).run_once(30)
    assert [(j.job_id, why) for j, why in report.refused] == [
        (
            job.job_id,
            "refused by the booth: clip.mp4 is not the clip the participant consented to (its SHA-256 changed)",
        )
    ]
    assert agency.manifests == []


def test_a_clip_stored_after_its_withdrawal_is_asked_back(booth: Booth) -> None:
    """The race the outbox settles: 'stored' arrives for a job that a withdrawal cancelled while the clip travelled."""
    clip_id, _ = full_clip(booth, "a")
    record, _ = booth.consent(clip_id, "social")
    job = booth.outbox.add_clip(clip_id, BRAND)
    assert withdraw(booth.store, booth.outbox, record, how="test").erasures == [], "the brand had nothing yet"
    erasure = booth.outbox.mark_stored(job.job_id)
    assert erasure is not None and (erasure.kind, erasure.recipient) == (JobKind.ERASURE, BRAND)
    assert events(booth, clip_id)[-2:] == ["delivered", "erasure requested"]
    assert booth.outbox.mark_stored(job.job_id) is None, "a second 'stored' changes nothing"
    assert [j.job_id for j in booth.outbox.pending()] == [erasure.job_id] and booth.store.verify() == []


def test_a_clip_withdrawn_after_it_was_queued_is_never_sent(booth: Booth, broker: Mosquitto) -> None:
    withdrawn, _ = full_clip(booth, "withdrawn")
    record, _ = booth.consent(withdrawn, "social")
    booth.outbox.add_clip(withdrawn, BRAND)
    withdraw(booth.store, booth.outbox, record, how="test")  # cancels the job in the same transaction
    raced, _ = full_clip(booth, "raced")
    record, _ = booth.consent(raced, "social")
    raced_job = booth.outbox.add_clip(raced, BRAND)
    with booth.store.transaction():  # withdrawn, its job still pending: the uploader must look for itself
        booth.store.append(Event.WITHDRAWN, record_id=record.record_id, clip_id=raced, detail={"how": "test"})
    kept, _ = full_clip(booth, "kept")
    booth.consent(kept, "social")
    booth.outbox.add_clip(kept, BRAND)
    spy = Watcher(plain(broker), "#")
    with Responder(plain(broker), BRAND):
        report = uploader(booth, configured(booth, broker.url)).run_once(30)
    assert [j.clip_id for j in report.delivered] == [kept]
    assert [(j.clip_id, why) for j, why in report.skipped] == [(raced, "its consent was withdrawn")]
    job = booth.outbox.job(raced_job.job_id)
    assert job is not None and job.state is JobState.CANCELLED
    wait_for(lambda: any(kept.encode() in payload for _, payload in spy.messages), what="the spy to see the kept clip")
    time.sleep(0.3)
    spy.close()
    for topic, payload in spy.messages:
        for clip_id in (withdrawn, raced):
            assert clip_id not in topic and clip_id.encode() not in payload, f"{topic} is about {clip_id}"


def test_an_erasure_notice_is_sent_again_until_acknowledged(booth: Booth, broker: Mosquitto) -> None:
    clip_id, _ = full_clip(booth, "a")
    record, _ = booth.consent(clip_id, "social")
    delivered = booth.outbox.add_clip(clip_id, BRAND)
    booth.outbox.mark_delivered(delivered.job_id)
    (erasure,) = withdraw(booth.store, booth.outbox, record, how="test").erasures
    with Responder(plain(broker), BRAND) as brand:
        brand.ignore_erasures = 1  # the first notice gets no answer: the uploader asks again
        report = uploader(booth, configured(booth, broker.url, reply_timeout_s=1.0)).run_once(30)
    assert report.ok and [j.job_id for j in report.acknowledged] == [erasure.job_id]
    assert len(brand.erasures) == 2
    notice = brand.erasures[-1]
    assert (notice.clip_id, notice.recipient, notice.reason) == (clip_id, BRAND, "consent withdrawn")
    assert notice.requested_at == booth.outbox.requested_at(erasure.job_id)
    assert events(booth, clip_id)[-1] == "erasure acknowledged"
    job = booth.outbox.job(erasure.job_id)
    assert job is not None and job.kind is JobKind.ERASURE and job.state is JobState.DONE


def test_over_tls_with_a_password_file(booth: Booth, tmp_path: Path, certificates: Certificates) -> None:
    users = {"booth-7": "booth password", "collector": "collector password"}
    (tmp_path / "booth.pw").write_text("booth password\n")
    (tmp_path / "collector.pw").write_text("collector password\n")
    clip_id, files = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)
    with Mosquitto(tmp_path / "broker", tls=certificates, users=users) as broker:
        assert broker.url.startswith("mqtts://")
        collector = BrokerSection(
            url=broker.url, ca_file=certificates.ca, username="collector", password_file=tmp_path / "collector.pw"
        )
        config = configured(
            booth, broker.url, ca_file=certificates.ca, username="booth-7", password_file=tmp_path / "booth.pw"
        )
        with Responder(collector) as agency:
            report = uploader(booth, config).run_once(30)
    assert report.ok, report.lines()
    assert agency.stored[clip_id] == files


def test_a_wrong_password_is_refused_once_in_one_line(
    booth: Booth, tmp_path: Path, certificates: Certificates, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "booth.pw").write_text("not the password\n")
    clip_id, _ = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)
    with Mosquitto(tmp_path / "broker", tls=certificates, users={"booth-7": "booth password"}) as broker:
        config = configured(
            booth, broker.url, ca_file=certificates.ca, username="booth-7", password_file=tmp_path / "booth.pw"
        )
        started = time.monotonic()
        with pytest.raises(BrokerRefused, match=r"refused this client; check its user name, password"):
            uploader(booth, config).run_once(30)
        assert time.monotonic() - started < 5, "said at once, not after retrying"
        toml = booth_toml(
            booth, tmp_path / "booth.toml", broker.url, ca_file=certificates.ca, username="booth-7",
            password_file=tmp_path / "booth.pw",
        )  # fmt: skip
        with pytest.raises(DeliveryRefused) as refused:
            deliver("--config", str(toml), "--once")
        time.sleep(0.2)
    assert "\n" not in str(refused.value) and "password" in str(refused.value)
    attempts = broker.log.read_text().count("New connection from")
    # one each; on a loaded host a connection closed before its refusal was read is tried once more, as any
    # lost connection is; a retry storm would be one every 0.2 to 1 s for the 30 s given
    assert 2 <= attempts <= 4, f"one connection attempt each, not a retry storm ({attempts})"
    job = booth.outbox.jobs(clip_id)[0]
    assert job.state is JobState.PENDING, "still waiting for the right password"


def test_deliver_once_names_what_is_left_and_why(
    booth: Booth, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip_id, _ = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, BRAND)
    broker = Mosquitto(tmp_path / "broker")
    toml = booth_toml(booth, tmp_path / "booth.toml", broker.url)
    assert deliver("--config", str(toml), "--once", "--timeout", "2") == 1
    err = capsys.readouterr().err
    assert f"left: {clip_id} (clip) for {BRAND}: cannot reach the broker at {broker.url}" in err
    with broker, Responder(plain(broker), BRAND):
        assert deliver("--config", str(toml), "--once", "--timeout", "20") == 0
    out = capsys.readouterr().out
    assert f"delivered {clip_id} to {BRAND}" in out and "outbox empty" in out


KILLABLE = """
import sys, argparse
from booth.delivery_commands import add_delivery_commands
parser = argparse.ArgumentParser(prog="booth")
add_delivery_commands(parser.add_subparsers(dest="command", required=True), argparse.ArgumentParser)
args = parser.parse_args(["deliver", "--config", sys.argv[1]])
sys.exit(args.func(args))
"""


def booth_deliver_process(toml: Path, tmp_path: Path) -> subprocess.Popen[str]:
    with (tmp_path / "deliver.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", KILLABLE, str(toml)],
            cwd=Path(__file__).parents[3],
            stdout=log,
            stderr=log,
            text=True,
        )


def test_ctrl_c_stops_deliver_cleanly(booth: Booth, broker: Mosquitto, tmp_path: Path) -> None:
    status = Watcher(plain(broker), status_topic("demo-event", "booth-7"))
    child = booth_deliver_process(booth_toml(booth, tmp_path / "booth.toml", broker.url), tmp_path)
    try:
        wait_for(lambda: (status.last() or {}).get("state") == "online", 20, "the booth to say it is online")
        child.send_signal(signal.SIGINT)
        assert child.wait(60) == 0
    finally:
        child.kill()
    wait_for(lambda: (status.last() or {}).get("state") == "offline", 5, "the booth to say it is offline")
    status.close()
    assert "stopped; 0 job(s) wait in the outbox" in (tmp_path / "deliver.log").read_text()


def test_a_connection_that_keeps_dropping_backs_off_too(booth: Booth, broker: Mosquitto) -> None:
    clip_id, _ = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)  # no collector answers: the uploader waits on the connection
    config = configured(booth, broker.url, retry_max_s=4.0, reply_timeout_s=5.0)
    reports: list[DeliveryReport] = []
    worker = threading.Thread(target=lambda: reports.append(uploader(booth, config).run_once(6)))
    worker.start()
    twins = []
    while worker.is_alive():  # another client with this booth's id: the broker drops the older connection
        twin, where = make_client(plain(broker), lambda p: p, "booth-booth-7")
        twin.connect(where.host, where.port)  # sends CONNECT; no loop needed to take the id over
        twins.append(twin)
        time.sleep(0.3)
    for twin in twins:
        twin.disconnect()
    (left,) = reports[0].left
    assert left[1].startswith("lost the connection")
    connections = broker.log.read_text().count("as booth-booth-7 (p5, c1, k30)")
    assert 3 <= connections <= 6, f"waits of 0.2, 0.4, 0.8, 1.6, 3.2 s, not one every 0.2 s ({connections})"


def test_killed_mid_transfer_the_last_will_says_offline_and_nothing_is_lost(
    booth: Booth, broker: Mosquitto, tmp_path: Path
) -> None:
    clip_id, files = full_clip(booth, "a", size=100 * CHUNK)
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)
    toml = booth_toml(booth, tmp_path / "booth.toml", broker.url)
    status = Watcher(plain(broker), status_topic("demo-event", "booth-7"))
    with Responder(plain(broker)) as agency:
        agency.delay_s = 0.01
        child = booth_deliver_process(toml, tmp_path)
        try:
            wait_for(lambda: (status.last() or {}).get("state") == "online", 20, "the booth to say it is online")
            assert status.last() == {"state": "online", "pending": 1, "last_upload": None}
            wait_for(lambda: agency.held() >= 20, 20, "the transfer to be under way")
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(60)
        held = agency.held()
        wait_for(lambda: (status.last() or {}).get("state") == "offline", 10, "the last will")
        assert status.last() == {"state": "offline", "pending": 1, "last_upload": None}
        report = uploader(booth, configured(booth, broker.url)).run_once(30)
    status.close()
    assert report.ok, report.lines()
    assert agency.stored[clip_id] == files
    total = sum(f.chunks(CHUNK) for f in agency.manifests[0].files)
    assert held < total and sum(agency.arrivals.values()) <= total + 16, "resumed, not started again"
    assert events(booth, clip_id).count("delivered") == 1


def test_several_clips_travel_at_once_each_following_its_own_replies(booth: Booth, broker: Mosquitto) -> None:
    clips = {}
    for name in ("a", "b", "c", "d"):
        clip_id, files = full_clip(booth, name, size=20 * CHUNK)
        booth.consent(clip_id, "social")
        booth.outbox.add_clip(clip_id, AGENCY)
        clips[clip_id] = files
    spy = Watcher(plain(broker), "#")
    with Responder(plain(broker)) as agency:
        agency.lose = {(0, 3)}  # one clip's round of 'missing' goes on while the others travel
        report = uploader(booth, configured(booth, broker.url)).run_once(30)
    assert report.ok, report.lines()
    assert sorted(j.clip_id for j in report.delivered) == sorted(clips)
    assert agency.stored == clips
    first_stored = next(k for k, (topic, payload) in enumerate(spy.messages) if b'"stored"' in payload)
    manifests = [topic for topic, _ in spy.messages[:first_stored] if "/manifest/" in topic]
    assert len(manifests) >= 2, "the next clip's manifest went out before the first clip was stored"
    assert all(j.state is JobState.DONE for clip_id in clips for j in booth.outbox.jobs(clip_id))
    spy.close()


def test_a_clip_json_nested_beyond_reason_travels_as_a_file_only(tmp_path: Path) -> None:
    nested = tmp_path / "clip.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    assert read_json(nested) is None


def test_a_recipient_whose_collector_is_down_does_not_hold_back_the_others(booth: Booth, broker: Mosquitto) -> None:
    """On event day the brand's collector may not be running yet: its clips wait for the next pass after the
    first goes unanswered, and the slots go to the agency, whose collector answers."""
    clips = []
    for name in "abcdefgh":
        clip_id, _ = full_clip(booth, name, size=4 * CHUNK)
        booth.consent(clip_id, "social")
        booth.outbox.add_clip(clip_id, BRAND)  # queued first: the brand's jobs come first in every pass
        booth.outbox.add_clip(clip_id, AGENCY)
        clips.append(clip_id)
    spy = Watcher(plain(broker), "#")
    with Responder(plain(broker)) as agency:  # nobody answers for the brand
        report = uploader(booth, configured(booth, broker.url, reply_timeout_s=2.0)).run_once(20)
    spy.close()
    assert sorted(j.clip_id for j in report.delivered) == sorted(clips), report.lines()
    assert sorted(agency.stored) == sorted(clips)
    left = [why for job, why in report.left if job.recipient == BRAND]
    assert len(left) == len(clips) and all("collector" in why for why in left), left
    stored_at = [k for k, (topic, payload) in enumerate(spy.messages) if b'"stored"' in payload]
    assert len(stored_at) >= len(clips)
    tried = {
        topic.rsplit("/", 1)[1]
        for topic, _ in spy.messages[: stored_at[len(clips) - 1]]
        if f"/{BRAND}/manifest/" in topic
    }
    assert len(tried) <= 3, f"{len(tried)} brand clips were tried while the agency's waited for slots"


def test_a_broker_that_restarts_again_and_again_leaves_no_file_open(booth: Booth, broker: Mosquitto) -> None:
    """A venue's uplink flaps all day: each lost connection must give back every file it held."""
    clip_id, _ = full_clip(booth, "a")
    booth.consent(clip_id, "social")
    booth.outbox.add_clip(clip_id, AGENCY)  # no collector answers: the uploader stays connected, waiting
    config = configured(booth, broker.url, retry_max_s=1.0, reply_timeout_s=30.0)
    up = uploader(booth, config)
    stop = threading.Event()
    worker = threading.Thread(target=up.run, args=(stop,))

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    def connected() -> None:
        until = time.monotonic() + 60
        while not up.online:
            assert time.monotonic() < until, "the uploader did not connect"
            time.sleep(0.05)

    worker.start()
    try:
        connected()
        before = open_files()
        for _ in range(6):
            broker.stop()
            until = time.monotonic() + 60
            while up.online:
                assert time.monotonic() < until, "the uploader did not notice the broker going"
                time.sleep(0.05)
            broker.start()
            connected()
        assert open_files() <= before, f"{open_files() - before} more files open after six lost connections"
    finally:
        stop.set()
        worker.join(30)
