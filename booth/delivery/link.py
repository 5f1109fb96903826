"""The MQTT 5 connection both the booth and the collector use: TLS, credentials, and refusals named, not retried."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from booth.config import BrokerSection
from booth.errors import ConfigError

REFUSED_FOR_GOOD = {
    "Bad user name or password": "the broker refused the user name or password; check delivery.username and"
    " the password file",
    "Not authorized": "the broker refused this client; check its user name, password or certificate",
    "Client identifier not valid": "the broker refused this client's id; give each booth its own booth.id",
    "Banned": "the broker has banned this client; ask the agency",
    "Bad authentication method": "the broker wants another way of logging in; ask the agency",
    "Unsupported Protocol Version": "the broker does not speak MQTT 5; ask the agency for an MQTT 5 broker",
}
"""CONNACK reasons that another attempt cannot change: staff are told once, instead of a storm of retries."""


class BrokerRefused(Exception):
    """The broker said no for a reason retrying will not fix; the message says what to check."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    tls: bool


def endpoint(url: str) -> Endpoint:
    parsed = urlparse(url)
    tls = parsed.scheme == "mqtts"
    if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
        raise ConfigError(f"{url}: not a broker address like mqtt://host:1883 or mqtts://host:8883")
    return Endpoint(parsed.hostname, parsed.port or (8883 if tls else 1883), tls)


def refusal(reason: ReasonCode | int | str) -> str | None:
    """The staff message for a CONNACK refusal that retrying cannot fix; None for one worth retrying."""
    name = getattr(reason, "getName", lambda: str(reason))()
    return REFUSED_FOR_GOOD.get(str(name))


def make_client(
    broker: BrokerSection,
    resolve: Callable[[Path], Path],
    client_id: str,
    *,
    will: tuple[str, bytes] | None = None,
) -> tuple[mqtt.Client, Endpoint]:
    """A paho client for MQTT 5 with booth.toml's TLS and credentials, not yet connected. `will` is a retained
    last will (topic, payload). paho keeps its session in memory only, so a clean start is asked for: what must
    survive a restart is kept by the booth and the collector themselves."""
    if broker.url is None:
        raise ConfigError("no broker: set delivery.url (or broker.url in collector.toml)")
    where = endpoint(broker.url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if where.tls:
        context = ssl.create_default_context(cafile=str(resolve(broker.ca_file)) if broker.ca_file else None)
        if broker.client_cert is not None and broker.client_key is not None:
            context.load_cert_chain(str(resolve(broker.client_cert)), str(resolve(broker.client_key)))
        client.tls_set_context(context)
    if broker.username is not None:
        password = None
        if broker.password_file is not None:
            path = resolve(broker.password_file)
            try:
                password = path.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read the broker password ({exc.strerror})") from None
        client.username_pw_set(broker.username, password)
    if will is not None:
        client.will_set(will[0], will[1], qos=1, retain=True)
    client.reconnect_delay_set(1, 30)
    return client, where


def connect_properties() -> Properties:
    """A session that ends with the connection: what must survive is kept on disk by each side."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0
    return props
