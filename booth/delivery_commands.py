"""The `booth deliver` command: empty the outbox to the agency's broker, until Ctrl-C or, with --once, until done."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from booth.config import load_config
from booth.consent.registry import open_outbox, open_store
from booth.delivery.link import BrokerRefused
from booth.delivery.uploader import Uploader
from booth.errors import BoothError, ConfigError

ONCE_TIMEOUT_S = 600.0


class DeliveryRefused(BoothError):
    """The broker refused the booth for a reason another try cannot change (password, id, certificate)."""


def cmd_deliver(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if config.delivery.url is None:
        raise ConfigError("no broker to deliver to: set delivery.url in booth.toml (e.g. mqtts://broker.example:8883)")
    with open_store(config) as store:
        uploader = Uploader(config, store, open_outbox(store))
        try:
            if args.once:
                return _once(uploader, args.timeout)
            return _until_stopped(uploader, config.delivery.url)
        except BrokerRefused as exc:
            raise DeliveryRefused(str(exc)) from None


def _once(uploader: Uploader, timeout_s: float) -> int:
    report = uploader.run_once(timeout_s)
    for line in report.lines():
        print(line, file=sys.stdout if not line.startswith(("left:", "refused")) else sys.stderr)
    if report.ok:
        print("outbox empty: everything was delivered")
        return 0
    left = f"{len(report.left)} job(s) left in the outbox" if report.left else "nothing left to send"
    refused = f", {len(report.refused)} refused" if report.refused else ""
    print(f"booth: deliver: {left}{refused}", file=sys.stderr)
    return 1


def _until_stopped(uploader: Uploader, url: str) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"delivering to {url} (Ctrl-C stops)", flush=True)
        uploader.run(stop)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    print(f"stopped; {uploader.outbox.count_pending()} job(s) wait in the outbox for the next 'booth deliver'")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 1 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{value:g} s is outside 1 s to one day")
    return value


def add_delivery_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("deliver", help="send consented clips and erasure notices to the agency's broker")
    p.add_argument("--config", type=Path, help="booth.toml")
    p.add_argument(
        "--once", action="store_true", help="empty the outbox and exit: 0 when done, 1 naming what is left and why"
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=ONCE_TIMEOUT_S,
        help=f"with --once, give up after this many seconds (default {ONCE_TIMEOUT_S:g})",
    )
    p.set_defaults(func=cmd_deliver)
