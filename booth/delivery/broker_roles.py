"""The broker's access rules for an event, as a script of mosquitto_ctrl commands for Mosquitto's dynamic security
plugin: one client, client id and role per booth, bound to its event; one client and role per recipient's collectors.

Mosquitto's acl_file checks only what a client may receive, never what it may subscribe to, so any booth could
join the collectors' shared group and swallow deliveries; the dynamic security plugin checks SUBSCRIBE too, and
binds each user to one client id. Its ACLs in Mosquitto 2.0 take no %u, so every booth gets a literal role."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from booth.delivery.protocol import PREFIX, collector_filter, safe_name

HEADER = """#!/bin/sh
# Access rules for event {event} on a Mosquitto 2 broker with the dynamic security plugin (docs/scaling.md).
# Run on the broker's host, where mosquitto_ctrl reaches it; passwords are made once, in ./passwords/.
set -eu
: "${{ADMIN_PASSWORD:?set ADMIN_PASSWORD to the dynamic security admin's password}}"
HOST="${{HOST:-127.0.0.1}}"
PORT="${{PORT:-1883}}"
ADMIN="${{ADMIN:-admin}}"
umask 077
mkdir -p passwords
ctrl() {{  # what is there already is left as it is; any other refusal stops the script
  if ! out=$(mosquitto_ctrl -h "$HOST" -p "$PORT" -u "$ADMIN" -P "$ADMIN_PASSWORD" dynsec "$@" 2>&1); then
    case "$out" in *"already"*) ;; *) echo "mosquitto_ctrl dynsec $1 $2: $out" >&2; exit 1 ;; esac
  fi
}}
password() {{ [ -s "passwords/$1" ] || openssl rand -base64 24 | tr -d '/+=\\n' > "passwords/$1"; cat "passwords/$1"; }}
"""


@dataclass(frozen=True)
class Recipient:
    """A recipient and the shared-subscription group its collectors join."""

    name: str
    group: str

    @property
    def user(self) -> str:
        return f"collector-{self.name}"


def booth_client_id(booth: str) -> str:
    """The MQTT client id a booth connects with (booth/delivery/sender.py): the broker binds it to the user."""
    return f"booth-{booth}"


def _ctrl(*args: str) -> str:
    return "ctrl " + " ".join(shlex.quote(a) for a in args)


def dynsec_script(event: str, booths: list[str], recipients: list[Recipient]) -> str:
    """The shell script that sets up (or adds to) an event's users, roles and rules; run again, it changes
    nothing that is there and adds what is new."""
    safe_name(event, "event")
    lines = [HEADER.format(event=event)]
    for booth in booths:
        safe_name(booth, "booth")
        mine = f"{PREFIX}/{event}/{booth}"
        lines += [
            f"# booth {booth}: publishes under its own event and name only, reads only its own replies",
            _ctrl("createRole", booth),
            _ctrl("addRoleACL", booth, "publishClientSend", f"{mine}/#", "allow"),
            _ctrl("addRoleACL", booth, "subscribePattern", f"{mine}/+/reply", "allow"),
            _ctrl("addRoleACL", booth, "unsubscribePattern", f"{mine}/+/reply", "allow"),
            f'ctrl createClient {shlex.quote(booth)} -c {shlex.quote(booth_client_id(booth))} -p "$(password '
            f'{shlex.quote(booth)})"',
            _ctrl("setClientId", booth, booth_client_id(booth)),
            _ctrl("addClientRole", booth, booth),
        ]
    for r in recipients:
        safe_name(r.name, "recipient")
        safe_name(r.group, "group")
        role = f"collectors-{r.name}"
        shared = collector_filter(r.name, r.group)
        lines += [
            f"# collectors of {r.name}: the group {r.group}'s share of every booth's messages to {r.name}",
            _ctrl("createRole", role),
            _ctrl("addRoleACL", role, "subscribePattern", shared, "allow"),
            _ctrl("addRoleACL", role, "publishClientSend", f"{PREFIX}/+/+/{r.name}/reply", "allow"),
        ]
        lines += [
            f'ctrl createClient {shlex.quote(r.user)} -p "$(password {shlex.quote(r.user)})"',
            _ctrl("addClientRole", r.user, role),
        ]
    lines.append(f'echo "event {event}: {len(booths)} booths, {len(recipients)} recipients; passwords in ./passwords/"')
    return "\n".join(lines) + "\n"
