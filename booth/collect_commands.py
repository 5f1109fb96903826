"""The `booth collect ...` commands: the agency's collector, what it received as a table, CSV or JSON, the
booths' witnessed audit heads, and the broker's access rules for an event."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from booth.atomic import write_atomic
from booth.delivery.broker_roles import Recipient, dynsec_script
from booth.delivery.collector_config import CollectorConfig, load_collector_config
from booth.delivery.collector_index import INDEX_NAME, CollectorIndex, IndexedClip, export_csv, export_json
from booth.delivery.link import BrokerRefused
from booth.delivery.protocol import ProtocolError
from booth.errors import BoothError, InputError


class CollectorRefused(BoothError):
    """The broker will not let the collector in, for a reason another attempt cannot change."""


def cmd_collect(args: argparse.Namespace) -> int:
    from booth.delivery.collector import Collector  # paho loads only for the collector itself

    config = load_collector_config(args.config)
    progress = logging.getLogger("booth.delivery")
    if progress.getEffectiveLevel() > logging.INFO:  # one line per clip stored, erased or refused, even without -v
        progress.setLevel(logging.INFO)

    def ready() -> None:
        print(
            f"collecting clips for {config.recipient} from {config.broker.url} into {config.out_dir} (Ctrl-C stops)",
            flush=True,
        )

    collector = Collector(config, on_ready=ready)
    # Ctrl-C stops as SIGTERM does, by leaving the broker, through a handler of its own: started as a background
    # job of a script, the process inherits SIGINT ignored; and an interrupt raised wherever the loop happens to
    # be (inside a message being stored) would not leave the broker cleanly
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: collector.stop())
    try:
        collector.run()
    except BrokerRefused as exc:
        raise CollectorRefused(f"{config.broker.url}: {exc}") from None
    except KeyboardInterrupt:
        pass
    print("collector stopped; clips being received resume when it starts again", flush=True)
    return 0


def _clips(config: CollectorConfig, args: argparse.Namespace) -> list[IndexedClip] | None:
    """The index's rows the filters keep; None where nothing was ever collected into this output folder."""
    if not (config.out_dir / INDEX_NAME).exists():
        return None
    with CollectorIndex.in_folder(config.out_dir) as index:
        return index.clips(event=args.event, purpose=args.purpose)


def _table(clips: list[IndexedClip]) -> list[str]:
    header = ("CLIP", "EVENT", "BOOTH", "PURPOSES", "BRANDS", "RECEIVED", "ERASED")
    rows = [
        (
            c.clip_id,
            c.event,
            c.booth,
            ",".join(c.purposes) or "-",
            ",".join(c.brands) or "-",
            c.received_at or "-",
            c.erased_at or "-",
        )
        for c in clips
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]


def cmd_list(args: argparse.Namespace) -> int:
    config = load_collector_config(getattr(args, "config", None))
    clips = _clips(config, args)
    if clips is None:
        print(f"{config.out_dir}: nothing collected here yet (is this collector.toml's out folder?)")
        return 0
    if not clips:
        print("no clip matches" if args.event or args.purpose else "no clips yet")
        return 0
    for line in _table(clips):
        print(line)
    erased = sum(1 for c in clips if c.erased_at)
    print(f"{len(clips)} clip(s)" + (f", {erased} erased (kept on record, files deleted)" if erased else ""))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    config = load_collector_config(getattr(args, "config", None))
    clips = _clips(config, args) or []
    text = export_csv(clips) if args.format == "csv" else export_json(clips)
    if args.out:
        write_atomic(args.out, text.encode())
        print(f"{args.out}: {len(clips)} clip(s) as {args.format.upper()}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_heads(args: argparse.Namespace) -> int:
    config = load_collector_config(getattr(args, "config", None))
    if not (config.out_dir / INDEX_NAME).exists():
        print(f"{config.out_dir}: nothing collected here yet (is this collector.toml's out folder?)")
        return 0
    with CollectorIndex.in_folder(config.out_dir) as index:
        heads = index.heads()
    if not heads:
        print("no booth has sent its audit head yet")
        return 0
    for event, booth, seq, digest, seen in heads:
        print(f"{event}/{booth}  {seq}:{digest}  seen {seen}")
    print("on a booth: booth consent verify --head SEQ:HASH (its log must still hold the entry)")
    return 0


def cmd_broker_roles(args: argparse.Namespace) -> int:
    recipients = []
    for spec in args.recipient:
        name, _, group = spec.partition(":")
        recipients.append(Recipient(name, group or "collectors"))
    booths = [b for b in args.booths.split(",") if b]
    if not booths or not recipients:
        raise InputError("give --booths booth-01,booth-02,... and at least one --recipient NAME:GROUP")
    try:
        sys.stdout.write(dynsec_script(args.event, booths, recipients))
    except ProtocolError as exc:
        raise InputError(f"{exc}; use the names booth.toml and collector.toml give") from None
    return 0


def add_collect_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    collect = sub.add_parser(
        "collect",
        help="the agency's collector: receive clips from the booths until Ctrl-C; list or export what arrived",
    )
    collect.add_argument("--config", type=Path, help="collector.toml (default: built-in defaults)")
    collect.set_defaults(func=cmd_collect)
    actions = collect.add_subparsers(dest="action", parser_class=parser_class)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--event", help="only this event's clips")
        p.add_argument("--purpose", help="only clips, not erased, whose consent grants this purpose, e.g. social")
        # SUPPRESS: `booth collect --config c.toml list` keeps the --config given before the action
        p.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="collector.toml")

    p = actions.add_parser("list", help="the clips received: id, event, booth, purposes, brands, when")
    filters(p)
    p.set_defaults(func=cmd_list)
    p = actions.add_parser("export", help="the same rows as 'list', as CSV or JSON")
    p.add_argument("--format", choices=["csv", "json"], required=True)
    p.add_argument("--out", type=Path, help="write to this file instead of the terminal")
    filters(p)
    p.set_defaults(func=cmd_export)
    p = actions.add_parser(
        "broker-roles", help="the event's access rules for Mosquitto's dynamic security plugin, as a shell script"
    )
    p.add_argument("--event", required=True, help="the event's name, booth.event")
    p.add_argument("--booths", required=True, help="the booths' ids, comma-separated: booth-01,booth-02")
    p.add_argument(
        "--recipient", action="append", default=[], help="NAME:GROUP of a recipient's collectors; repeat for each"
    )
    p.set_defaults(func=cmd_broker_roles)
    p = actions.add_parser("heads", help="each booth's latest audit head, as its manifests carried it")
    p.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="collector.toml")
    p.set_defaults(func=cmd_heads)
