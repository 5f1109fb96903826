"""One MQTT 5 connection of the uploader: connect or say why not, publish at QoS 1 with few messages in flight,
and hand over the collectors' replies. Everything runs in the caller's thread, which drives paho's loop."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from booth.config import BoothConfig
from booth.delivery.link import BrokerRefused, connect_properties, make_client, refusal
from booth.delivery.protocol import ProtocolError, Reply, is_reply_topic, reply_topic, status_topic

log = logging.getLogger(__name__)

WINDOW = 8
"""Messages published and not yet acknowledged by the broker: a 200 MB clip never sits in paho's queue whole."""
CONNACK_TIMEOUT_S = 10.0
TICK_S = 0.1
MAILBOX = 16
"""Replies kept per (recipient, clip) until the uploader asks for them; older ones are dropped first."""
MAILBOXES = 64
"""Clips with replies kept at once: replies about a clip nobody asks for (late duplicates) cannot pile up."""


class LinkLost(Exception):
    """The broker could not be reached, or the connection dropped: worth another try after a wait."""


class Interrupted(Exception):
    """Asked to stop, or out of time: the outbox keeps what is left."""


@dataclass
class Until:
    """When to give up waiting: the stop event, and for `--once` a deadline."""

    stop: threading.Event
    deadline: float | None = None

    def check(self) -> None:
        if self.stop.is_set():
            raise Interrupted("stopped")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise Interrupted("out of time")

    def left(self, seconds: float) -> float:
        return seconds if self.deadline is None else max(0.0, min(seconds, self.deadline - time.monotonic()))

    def sleep(self, seconds: float) -> None:
        """Wait, waking at once on stop; Interrupted if the deadline comes first."""
        self.check()
        if self.deadline is not None and time.monotonic() + seconds >= self.deadline:
            self.stop.wait(self.left(seconds))
            raise Interrupted("out of time")
        self.stop.wait(seconds)
        self.check()


class Session:
    """A connected client. Any publish or wait raises LinkLost when the connection drops, and Interrupted when
    `until` says stop; a new Session is made for the next connection (paho's own session is memory only)."""

    def __init__(self, client: mqtt.Client, until: Until, url: str) -> None:
        self.client = client
        self.until = until
        self.url = url
        self._connack: ReasonCode | None = None
        self._gone: str | None = None
        self._subscribed: list[ReasonCode] | None = None
        self._unacked: set[int] = set()
        self._mailboxes: dict[tuple[str, str], deque[Reply]] = {}
        self._arrived = 0
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_publish = self._on_publish
        client.on_message = self._on_message

    @classmethod
    def open(cls, config: BoothConfig, until: Until, will: bytes) -> Session:
        """Connect and subscribe to the replies. BrokerRefused for a refusal another try cannot change."""
        delivery, booth = config.delivery, config.booth
        client_id = f"booth-{booth.id}"
        client, where = make_client(
            delivery, config.resolve, client_id, will=(status_topic(booth.event, booth.id), will)
        )
        client.max_inflight_messages_set(WINDOW + 2)
        client.connect_timeout = CONNACK_TIMEOUT_S  # TCP and the TLS handshake, on a busy event network
        session = cls(client, until, delivery.url or "")
        try:
            client.connect(
                where.host,
                where.port,
                keepalive=delivery.keepalive_s,
                clean_start=True,
                properties=connect_properties(),
            )
        except OSError as exc:  # refused, unreachable, TLS: event Wi-Fi comes and goes
            raise LinkLost(f"cannot reach the broker at {session.url}: {exc.strerror or exc}") from None
        try:
            session._handshake(reply_topic(booth.event, booth.id, "+"))  # every recipient's
        except BaseException:
            session.abandon()
            raise
        log.info("connected to %s as %s", session.url, client_id)
        return session

    def _handshake(self, replies: str) -> None:
        """The CONNACK, then the subscription to the replies: each granted, or the refusal explained."""
        try:
            self._wait(lambda: self._connack is not None, CONNACK_TIMEOUT_S, "the broker's answer to connecting")
        except LinkLost:
            if self._connack is None:  # a refusal closes the connection right after saying why
                raise
        reason = self._connack
        assert reason is not None
        if reason.is_failure:
            message = refusal(reason)
            if message is not None:
                raise BrokerRefused(f"{self.url}: {message}")
            raise LinkLost(f"the broker at {self.url} turned the connection down for now ({reason.getName()})")
        rc, _ = self.client.subscribe(replies, qos=1)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise LinkLost(f"lost the connection to {self.url} ({mqtt.error_string(rc)})")
        self._wait(lambda: self._subscribed is not None, CONNACK_TIMEOUT_S, "the broker's subscription answer")
        if any(code.is_failure for code in self._subscribed or []):
            raise BrokerRefused(
                f"{self.url}: the broker does not let this booth read its replies ({replies}); ask the agency to"
                " allow it for this user"
            )

    # paho's callbacks: they run inside client.loop(), in the caller's thread

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any) -> None:
        self._connack = reason

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any) -> None:
        if self._gone is None:  # the broker's own reason first, not the closed socket that follows it
            self._gone = reason.getName() if isinstance(reason, ReasonCode) else str(reason)

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, codes: list[ReasonCode], props: Any) -> None:
        self._subscribed = codes

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode, props: Any) -> None:
        self._unacked.discard(mid)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if not is_reply_topic(message.topic):
            return
        parts = message.topic.split("/")
        try:
            reply = Reply.from_bytes(bytes(message.payload))
        except ProtocolError as exc:
            log.warning("ignored a reply from %s: %s", parts[4], exc)
            return
        key = (parts[4], reply.clip_id)
        box = self._mailboxes.get(key)
        if box is None:
            if len(self._mailboxes) >= MAILBOXES:
                dropped = next(iter(self._mailboxes))
                log.debug("dropped the unread replies from %s about %s", *dropped)
                del self._mailboxes[dropped]
            box = self._mailboxes[key] = deque(maxlen=MAILBOX)
        box.append(reply)
        self._arrived += 1

    # driving the connection

    def _pump(self, seconds: float, *, check: bool = True) -> None:
        if check:
            self.until.check()
        rc = self.client.loop(timeout=seconds)
        if self._gone == "Session taken over":
            self.abandon()
            raise BrokerRefused(
                f"{self.url}: another client connected as this booth and took its place; give each booth its own"
                " booth.id, and run one 'booth deliver' per booth"
            )
        if rc != mqtt.MQTT_ERR_SUCCESS or self._gone is not None:
            why = self._gone or mqtt.error_string(rc)
            self.abandon()
            raise LinkLost(f"lost the connection to {self.url} ({why})")

    def _wait(self, done: Callable[[], bool], timeout_s: float, what: str, *, check: bool = True) -> None:
        until = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() >= until:
                self.abandon()
                raise LinkLost(f"no answer from {self.url}: waited {timeout_s:g} s for {what}")
            self._pump(TICK_S, check=check)

    def idle(self, seconds: float) -> None:
        """Keep the connection alive (pings, replies) for a while."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self._pump(min(TICK_S * 5, max(0.0, until - time.monotonic())))

    def publish(self, topic: str, payload: bytes, *, retain: bool = False, check: bool = True) -> None:
        """At QoS 1, once fewer than WINDOW messages await the broker's acknowledgement."""
        while len(self._unacked) >= WINDOW:
            self._pump(TICK_S, check=check)
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self.abandon()
            raise LinkLost(f"lost the connection to {self.url} ({mqtt.error_string(info.rc)})")
        self._unacked.add(info.mid)

    def flush(self) -> None:
        """Until the broker has acknowledged everything published."""
        while self._unacked:
            self._pump(TICK_S)

    def take(self, recipient: str, clip_id: str) -> Reply | None:
        """The oldest reply from the recipient's collector about the clip that has arrived, if any; no waiting."""
        box = self._mailboxes.get((recipient, clip_id))
        if not box:
            return None
        reply = box.popleft()
        if not box:
            del self._mailboxes[(recipient, clip_id)]
        return reply

    def forget(self, recipient: str, clip_id: str) -> None:
        """Drop what arrived about the clip so far: replies to an earlier pass, not to what is sent next."""
        self._mailboxes.pop((recipient, clip_id), None)

    def reply(self, recipient: str, clip_id: str, timeout_s: float) -> Reply | None:
        """The next reply from the recipient's collector about the clip; None if none came in time. Replies about
        other clips wait in their own mailboxes."""
        until = time.monotonic() + timeout_s
        while (reply := self.take(recipient, clip_id)) is None:
            if time.monotonic() >= until:
                return None
            self._pump(min(TICK_S, max(0.0, until - time.monotonic())))
        return reply

    def wait(self, timeout_s: float) -> None:
        """Until any reply arrives, or timeout_s passes."""
        until, seen = time.monotonic() + timeout_s, self._arrived
        while self._arrived == seen and (left := until - time.monotonic()) > 0:
            self._pump(min(TICK_S, left))

    def close(self, offline: tuple[str, bytes] | None) -> None:
        """Leave cleanly: the retained status says offline (a clean disconnect sends no last will)."""
        try:
            if offline is not None:  # even when stopping: staff see the booth went offline on purpose
                self.publish(offline[0], offline[1], retain=True, check=False)
                self._wait(lambda: not self._unacked, 2.0, "the last status to be acknowledged", check=False)
            self.client.disconnect()
            self.client.loop(timeout=0.1)
        except (LinkLost, Interrupted, OSError):
            pass
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Drop the socket without a word: the broker publishes the last will. paho also holds a socket pair to
        wake its loop, which only its own reset closes: without it, every lost connection kept two files open,
        and a booth on a flapping uplink ran out of them."""
        with contextlib.suppress(OSError):
            self.client._reset_sockets()  # the socket and the pair
