"""The `booth serve` and `booth consent ...` commands: the phone page, and consent as staff and auditors see it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from booth.atomic import write_atomic
from booth.config import load_config
from booth.consent.chain import Head
from booth.consent.decisions import withdraw
from booth.consent.registry import open_outbox, open_store, page_url, texts_of
from booth.consent.retention import purge
from booth.consent.store import ClipEntry, ConsentStore, DamagedRow, shown_code
from booth.errors import InputError


def _clip_or_fail(store: ConsentStore, clip_id: str) -> ClipEntry:
    clip = store.clip(clip_id)
    if clip is None:
        raise InputError(
            f"{clip_id}: no such clip on this booth; 'booth consent show' takes a clip id like clip-2026..."
        )
    return clip


def cmd_serve(args: argparse.Namespace) -> int:
    from booth.consent.web import serve  # the web stack loads only for the page

    config = load_config(args.config)
    if args.port is not None:
        config = config.model_copy(update={"web": config.web.model_copy(update={"port": args.port})})
    texts_of(config)  # a broken consent text stops the page before it starts, not at the first phone
    print(f"participants' page on {config.web.host}:{config.web.port} (Ctrl-C stops it)", flush=True)
    serve(config)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_store(config) as store:
        clip = _clip_or_fail(store, args.clip_id)
        print(f"{clip.clip_id}: SHA-256 {clip.sha256}, made {clip.created_at}")
        if clip.deleted_at:
            print(f"deleted {clip.deleted_at}")
        else:
            left = (clip.token_expires - time.time()) / 86400
            print(f"phone page open for {left:.1f} more days" if left > 0 else "phone page closed (expired)")
        try:
            records = store.records_for(clip.clip_id)
        except DamagedRow as exc:
            print(f"consent: {exc}; nothing leaves the booth under it")
            records = []
        else:
            if not records:
                print("consent: none recorded; nothing leaves the booth, and the clip goes at the end of its day")
        for r in records:
            state = "WITHDRAWN" if store.withdrawn(r.record_id) else "in force"
            print(f"consent {r.record_id} ({state}): given {r.created_at} on the {r.method}, text {r.text_id}")
            print(f"  granted: {', '.join(r.granted()) or 'nothing'}")
            print(f"  refused: {', '.join(p for p, on in r.purposes.items() if not on) or 'nothing'}")
            guardian = "a guardian consented" if r.guardian else "no guardian"
            print(f"  age: {r.age_band.replace('_', ' ')}; {guardian}; e-mail {'given' if r.email else 'not given'}")
        for e in store.audit(clip_id=clip.clip_id):
            print(f"  {e.seq:6d} {e.at} {e.event}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_store(config) as store:
        clip = _clip_or_fail(store, args.clip_id)
        try:
            records = store.records_for(clip.clip_id)
            damaged = None
        except DamagedRow as exc:
            records, damaged = [], str(exc)
        texts = texts_of(config)
        out: dict[str, Any] = {
            "clip": {
                "clip_id": clip.clip_id,
                "sha256": clip.sha256,
                "created_at": clip.created_at,
                "deleted_at": clip.deleted_at,
            },
            "records": [
                {
                    **r.to_json(),
                    "withdrawn": store.withdrawn(r.record_id),
                    "text": t.as_json() if (t := texts.by_hash(r.text_sha256)) else None,
                }
                for r in records
            ],
            "audit": [e.to_json() for e in store.audit(clip_id=clip.clip_id)],
            "audit_intact": not store.verify(),
        }
        if damaged:
            out["damaged"] = damaged
    text = json.dumps(out, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        write_atomic(args.out, text.encode())
        print(f"{args.out}: consent record and {len(out['audit'])} audit entries of {args.clip_id}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    witnessed = None
    if args.head is not None:
        try:
            witnessed = Head.parse(args.head)
        except ValueError as exc:
            raise InputError(f"--head: {exc}; give the head a collector lists for this booth") from None
    config = load_config(args.config)
    with open_store(config) as store:
        problems = store.verify(witnessed)
        entries = len(store.audit())
        head = store.head()
    if problems:
        for p in problems:
            print(f"booth.db: {p}", file=sys.stderr)
        print(f"booth.db: the audit log was tampered with; first break: {problems[0]}", file=sys.stderr)
        return 1
    print(f"booth.db: audit log intact, {entries} entries" + (f", head {head}" if head else ""))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_store(config) as store:
        done = purge(config, store, open_outbox(store), time.time())
    for p in done:
        print(f"deleted {p.what}: {p.reason}")
    print(f"{len(done)} deleted" if done else "nothing to delete yet")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with open_store(config) as store:
        record = store.record_by_code(args.code)
        if record is None:
            raise InputError(f"no consent has the withdrawal code {args.code!r}; check it letter by letter")
        result = withdraw(store, open_outbox(store), record, how="booth staff")
    erased = ", ".join(j.recipient for j in result.erasures) or "no recipient had received it"
    print(
        f"withdrawn: {record.clip_id} deleted from the booth; {len(result.cancelled)} upload(s) cancelled;"
        f" erasure requested from: {erased}"
    )
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    from booth.consent.qr import qr_png

    config = load_config(args.config)
    with open_store(config) as store:
        _clip_or_fail(store, args.clip_id)
        url = page_url(config, store.token_for(args.clip_id))
        code = store.screen_code_for(args.clip_id) if config.web.screen_code else None
    write_atomic(args.out, qr_png(url))
    asks = f"; the page asks for the code {shown_code(code)}" if code else ""
    print(f"{args.out}: QR code of the clip's consent page{asks}")
    return 0


def add_consent_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    def config_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, help="booth.toml")

    serve = sub.add_parser("serve", help="the participants' phone page, on the event network")
    serve.add_argument("--port", type=int, help="port (default: web.port)")
    config_arg(serve)
    serve.set_defaults(func=cmd_serve)
    consent = sub.add_parser("consent", help="consent records, their audit log, withdrawal and retention")
    actions = consent.add_subparsers(dest="action", required=True, parser_class=parser_class)
    p = actions.add_parser("show", help="a clip's consent and its audit entries")
    p.add_argument("clip_id")
    config_arg(p)
    p.set_defaults(func=cmd_show)
    p = actions.add_parser("export", help="a clip's consent record, its text and its audit entries, as JSON")
    p.add_argument("clip_id")
    p.add_argument("--out", type=Path, help="write to this file instead of the terminal")
    config_arg(p)
    p.set_defaults(func=cmd_export)
    p = actions.add_parser(
        "verify", help="check the audit log's keyed chain, its anchor and the tables; names the first break"
    )
    p.add_argument("--head", help="a head SEQ:HASH a collector witnessed; the log must still hold it")
    config_arg(p)
    p.set_defaults(func=cmd_verify)
    p = actions.add_parser("purge", help="delete what may no longer be kept, and log each deletion")
    config_arg(p)
    p.set_defaults(func=cmd_purge)
    p = actions.add_parser("withdraw", help="withdraw a consent by the participant's withdrawal code")
    p.add_argument("code", help="the withdrawal code, e.g. 7K2M-QX4P-9TRD")
    config_arg(p)
    p.set_defaults(func=cmd_withdraw)
    p = actions.add_parser("qr", help="the QR code of a clip's consent page, as a PNG")
    p.add_argument("clip_id")
    p.add_argument("--out", type=Path, required=True, help="PNG file to write")
    config_arg(p)
    p.set_defaults(func=cmd_qr)
