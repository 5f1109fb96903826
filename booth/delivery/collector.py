"""The agency's collector on MQTT 5: takes the booths' clips off the broker into the output folder, and answers them."""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from booth.delivery.collector_config import CollectorConfig
from booth.delivery.link import BrokerRefused, connect_properties, make_client, refusal
from booth.delivery.protocol import collector_filter, is_reply_topic
from booth.delivery.reassembly import MIB, Reassembly

log = logging.getLogger(__name__)


def client_id_for(recipient: str) -> str:
    """Each collector of a group needs its own client id, or the broker would keep only the last one connected."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]
    return f"collect-{recipient}-{host}-{os.getpid()}"


class Collector:
    """One member of a recipient's collector group: run() until stop() or Ctrl-C, reconnecting when the broker
    goes away; a refusal that retrying cannot fix raises BrokerRefused instead."""

    def __init__(
        self,
        config: CollectorConfig,
        *,
        client_id: str | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.topic_filter = collector_filter(config.recipient, config.group)
        self.client, self.endpoint = make_client(
            config.broker, config.resolve, client_id or client_id_for(config.recipient)
        )
        self.reassembly = Reassembly(
            config.out_dir,
            recipient=config.recipient,
            max_file_bytes=config.max_file_mb * MIB,
            max_clips_in_flight=config.max_clips_in_flight,
            booth_clips_in_flight=config.booth_clips_in_flight,
            booth_bytes_in_flight=config.booth_mb_in_flight * MIB,
            stall_s=config.stall_hours * 3600,
        )
        self.ready = threading.Event()
        """Set once the broker has confirmed the subscription: from then on nothing sent is missed."""
        self.handled = 0
        """Messages this member took: the group's members split them."""
        self._on_ready = on_ready
        self._refused: str | None = None
        self._stopping = False
        self._down = False
        self.client.on_connect = self._on_connect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def run(self) -> None:
        self.client.connect_async(
            self.endpoint.host,
            self.endpoint.port,
            keepalive=self.config.broker.keepalive_s,
            clean_start=True,
            properties=connect_properties(),
        )
        try:
            self.client.loop_forever(retry_first_connection=True)
        finally:
            self.reassembly.close()
        if self._refused is not None:
            raise BrokerRefused(self._refused)

    def stop(self) -> None:
        """Leave the broker; run() returns within a second. Safe from another thread or a signal handler."""
        self._stopping = True
        self.client.disconnect()

    def _give_up(self, why: str) -> None:
        self._refused = why
        self._stopping = True
        self.client.disconnect()

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Properties | None
    ) -> None:
        if reason.is_failure:
            why = refusal(reason)
            if why is not None:
                self._give_up(why)
            elif not self._down:
                self._down = True
                log.warning("%s refused the connection (%s); trying again", self.config.broker.url, reason)
            return
        if self._down:
            log.info("%s: connected again", self.config.broker.url)
        self._down = False
        client.subscribe(self.topic_filter, qos=1)

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        if not self._down:  # one line per outage, not one per attempt
            self._down = True
            log.warning("%s: cannot reach the broker; trying again, at most 30 s apart", self.config.broker.url)

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Properties | None
    ) -> None:
        if not self._stopping and not self._down:
            self._down = True
            log.warning("%s: lost the broker (%s); reconnecting", self.config.broker.url, reason)

    def _on_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[ReasonCode], _props: Properties | None
    ) -> None:
        if any(r.is_failure for r in reasons):
            self._give_up(
                f"the broker refused the subscription to {self.topic_filter} ({reasons[0]}); check the collector's"
                " user name and the broker's access rules"
            )
            return
        if not self.ready.is_set():
            self.ready.set()
            if self._on_ready is not None:
                self._on_ready()

    def _on_message(self, client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
            if is_reply_topic(topic):
                return
            self.handled += 1
            answer = self.reassembly.handle(topic, message.payload)
        except Exception as exc:  # one bad message must never stop the collector
            log.error("a message was not handled: %s: %s", type(exc).__name__, str(exc)[:200])
            log.debug("details", exc_info=True)
            return
        if answer is not None:
            client.publish(answer.topic, answer.reply.to_bytes(), qos=1)
