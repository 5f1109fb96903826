"""Writes firmware/src/protocol.h from rig.trigger.protocol, so the firmware and the host cannot drift apart.

Run: python -m rig.trigger.gen_header        (writes the header)
     python -m rig.trigger.gen_header --check (exit 1 if the committed header is stale)"""

from __future__ import annotations

import argparse
import sys
from enum import IntEnum
from pathlib import Path

from rig.trigger import protocol as p

HEADER = Path(__file__).resolve().parents[2] / "firmware" / "src" / "protocol.h"


def _enum(cls: type[IntEnum], prefix: str) -> list[str]:
    return [f"#define {prefix}_{m.name} {m.value}u" for m in cls]


def render() -> str:
    out = [
        "/* Trigger-box protocol: generated from rig/trigger/protocol.py by 'python -m rig.trigger.gen_header'.",
        " * Do not edit: change protocol.py and regenerate; a test fails when this file is stale. */",
        "#ifndef TRIGGER_PROTOCOL_H",
        "#define TRIGGER_PROTOCOL_H",
        "",
        "#include <stdint.h>",
        "",
        f"#define PROTOCOL_VERSION {p.PROTOCOL_VERSION}u",
        f"#define FRAME_SYNC 0x{p.SYNC:02X}u",
        f"#define FRAME_MAX_LEN {p.MAX_LEN}u",
        f"#define UART_BAUD {p.BAUD}UL",
        f"#define CHANNELS {p.CHANNELS}u",
        f"#define MAX_GROUPS {p.MAX_GROUPS}u",
        f"#define BOX_CLOCK_HZ {p.CLOCK_HZ}UL",
        f"#define FLASH_BIT 0x{p.FLASH_BIT:08X}UL",
        "",
        *_enum(p.NakReason, "NAK"),
        "",
        *_enum(p.BoxState, "STATE"),
        "",
        *_enum(p.BoxFault, "FAULT"),
        "",
        *_enum(p.ResetCause, "RESET"),
        "",
    ]
    for m in p.MESSAGES:
        upper = m.name.upper()
        route = f"{m.sender} -> {'box' if m.sender == 'host' else 'host'}"
        out.append(f"/* {route}: {m.doc} */" if m.doc else f"/* {route} */")
        out.append(f"#define MSG_{upper} 0x{m.type_id:02X}u")
        out.append(f"#define MSG_{upper}_SIZE {m.payload_size}u")
        if m.fields:
            out.append("typedef struct __attribute__((packed)) {")
            for f in m.fields:
                ctype = p.FIELD_TYPES[f.kind][2]
                dim = f"[{f.count}]" if f.count > 1 else ""
                note = f" /* {f.doc} */" if f.doc else ""
                out.append(f"    {ctype} {f.name}{dim};{note}")
            out.append(f"}} msg_{m.name}_t;")
            out.append(f'_Static_assert(sizeof(msg_{m.name}_t) == MSG_{upper}_SIZE, "{m.name} layout");')
        out.append("")
    out.append("#endif")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the header is not what would be written")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not HEADER.exists() or HEADER.read_text() != text:
            print(f"{HEADER} is stale: run python -m rig.trigger.gen_header", file=sys.stderr)
            return 1
        return 0
    HEADER.parent.mkdir(parents=True, exist_ok=True)
    HEADER.write_text(text)
    print(f"wrote {HEADER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
