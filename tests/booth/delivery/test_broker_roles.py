"""The documented broker set-up against the intruders it must stop, on a real Mosquitto with its dynamic security
plugin, set up by the script `booth collect broker-roles` prints: an authenticated booth cannot join the
collectors' group, read another booth's traffic, take another booth's client id, or publish as another booth or
under another event; the booths and the collector it sets up still deliver."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from booth.delivery.protocol import check_topic, reply_topic
from tests.booth.delivery.broker import DYNSEC_PLUGIN, Mosquitto
from tests.booth.delivery.test_collector import RECIPIENT, collecting, write_config
from tests.conftest import run_booth

EVENT = "launch-2026"
ADMIN_PASSWORD = "admin-secret-1"

pytestmark = pytest.mark.skipif(DYNSEC_PLUGIN is None, reason="mosquitto's dynamic security plugin is not installed")


class Client:
    """A paho client that records what the broker answered it."""

    def __init__(self, port: int, user: str, password: str, client_id: str) -> None:
        self.connected = threading.Event()
        self.refused: str | None = None
        self.granted: list[str] = []
        self.messages: list[str] = []
        self.lost = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(user, password)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda _c, _u, _m, codes, _p: self.granted.extend(str(c) for c in codes)
        self.client.on_message = lambda _c, _u, m: self.messages.append(m.topic)
        self.client.on_disconnect = lambda *_: self.lost.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        if getattr(reason, "is_failure", False):
            self.refused = str(reason)
        self.connected.set()

    def subscribe(self, topic: str) -> str:
        before = len(self.granted)
        self.client.subscribe(topic, qos=1)
        until = time.monotonic() + 20
        while len(self.granted) == before:
            assert time.monotonic() < until, f"no answer to the subscription to {topic}"
            time.sleep(0.05)
        return self.granted[-1]

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    dynsec = tmp_path / "dynamic-security.json"
    subprocess.run(["mosquitto_ctrl", "dynsec", "init", str(dynsec), "admin", ADMIN_PASSWORD], check=True)
    with Mosquitto(tmp_path / "broker", dynsec=dynsec) as b:
        yield b


def set_up(tmp_path: Path, broker: Mosquitto) -> Path:
    """The script as the agency gets it, run as the agency would; returns the folder of passwords."""
    made = run_booth(
        "collect", "broker-roles", "--event", EVENT, "--booths", "booth-07,booth-08",
        "--recipient", f"{RECIPIENT}:collectors",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    script = tmp_path / "roles.sh"
    script.write_text(made.stdout)
    env = {"PATH": "/usr/bin:/bin:/usr/sbin", "ADMIN_PASSWORD": ADMIN_PASSWORD, "PORT": str(broker.port)}
    for _ in range(2):  # run twice: the second run finds everything there and changes nothing
        done = subprocess.run(
            ["sh", str(script)], check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    return tmp_path / "passwords"


def test_the_broker_roles_stop_a_booth_that_tries_to_be_more(tmp_path: Path, broker: Mosquitto) -> None:
    passwords = set_up(tmp_path, broker)

    def password(user: str) -> str:
        return (passwords / user).read_text().strip()

    (tmp_path / "collector-password").write_text(password(f"collector-{RECIPIENT}"))
    config = write_config(
        tmp_path,
        broker.url,
        group="collectors",
        broker={"username": f"collector-{RECIPIENT}", "password_file": str(tmp_path / "collector-password")},
    )
    booth_07 = Client(broker.port, "booth-07", password("booth-07"), "booth-booth-07")
    intruder = Client(broker.port, "booth-08", password("booth-08"), "booth-booth-08")
    try:
        for c in (booth_07, intruder):
            assert c.connected.wait(20) and c.refused is None
        with collecting(config, client_id="collect-a") as collector:
            # the intruder, authenticated as booth-08, tries to read what is not its own
            for topic in (
                f"$share/collectors/booth/v1/+/+/{RECIPIENT}/+/#",
                f"booth/v1/+/+/{RECIPIENT}/+/#",
                reply_topic(EVENT, "booth-07", RECIPIENT),
                "#",
            ):
                assert intruder.subscribe(topic) == "Not authorized", topic
            assert intruder.subscribe(reply_topic(EVENT, "booth-08", RECIPIENT)) == "Granted QoS 1"

            # and to publish as another booth or under another event: the collector never sees it
            intruder.publish(check_topic(EVENT, "booth-07", RECIPIENT, "clip-forged-1"), b"{}")
            intruder.publish(check_topic("other-event", "booth-08", RECIPIENT, "clip-forged-2"), b"{}")
            # booth-07's own messages go through, and its replies come back to it alone
            assert booth_07.subscribe(reply_topic(EVENT, "booth-07", RECIPIENT)) == "Granted QoS 1"
            handled = collector.handled
            booth_07.publish(check_topic(EVENT, "booth-07", RECIPIENT, "clip-20261121-150000-aaaaaa"), b"{}")
            until = time.monotonic() + 30
            while collector.handled == handled:
                assert time.monotonic() < until, "booth-07's message did not reach the collector"
                time.sleep(0.1)
            # the broker acknowledged the forged ones before booth-07 published: had they passed, they would have
            # reached the collector's one connection, in order, ahead of booth-07's
            assert collector.handled == handled + 1, "only booth-07's own message reached the collector"

        # the intruder takes booth-07's client id, to knock it off the broker
        thief = Client(broker.port, "booth-08", password("booth-08"), "booth-booth-07")
        assert thief.connected.wait(20) and thief.refused == "Not authorized"
        thief.close()
        assert not booth_07.lost.wait(2) and booth_07.client.is_connected(), "booth-07 stays connected"
    finally:
        booth_07.close()
        intruder.close()
