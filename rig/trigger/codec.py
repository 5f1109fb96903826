"""Frames and payloads of the trigger-box protocol, built from rig.trigger.protocol: CRC, encoder, stream parser."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from rig.trigger.protocol import FIELD_TYPES, MESSAGES, SYNC, Message

_BY_ID = {m.type_id: m for m in MESSAGES}
_BY_NAME = {m.name: m for m in MESSAGES}


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _layout(msg: Message) -> struct.Struct:
    fmt = "<" + "".join(f"{f.count}{FIELD_TYPES[f.kind][0]}" for f in msg.fields)
    return struct.Struct(fmt)


_STRUCTS = {m.type_id: _layout(m) for m in MESSAGES}


def encode_payload(msg: Message, values: dict[str, Any]) -> bytes:
    unknown = set(values) - {f.name for f in msg.fields}
    if unknown:
        raise ValueError(f"{msg.name} has no field(s) {', '.join(sorted(unknown))}")
    flat: list[int] = []
    for f in msg.fields:
        v = values.get(f.name, [0] * f.count if f.count > 1 else 0)
        if f.count > 1:
            items = list(v)
            if len(items) > f.count:
                raise ValueError(f"{msg.name}.{f.name} holds at most {f.count} values")
            flat.extend(items + [0] * (f.count - len(items)))
        else:
            flat.append(int(v))
    return _STRUCTS[msg.type_id].pack(*flat)


def decode_payload(msg: Message, payload: bytes) -> dict[str, Any]:
    layout = _STRUCTS[msg.type_id]
    if len(payload) != layout.size:
        raise ValueError(f"{msg.name} payload is {len(payload)} bytes, expected {layout.size}")
    flat = layout.unpack(payload)
    out: dict[str, Any] = {}
    k = 0
    for f in msg.fields:
        if f.count > 1:
            out[f.name] = list(flat[k : k + f.count])
        else:
            out[f.name] = flat[k]
        k += f.count
    return out


def encode_frame(seq: int, name: str, **values: Any) -> bytes:
    """A whole frame ready for the wire."""
    msg = _BY_NAME[name]
    body = bytes([len(encode_payload(msg, values)) + 2, seq & 0xFF, msg.type_id]) + encode_payload(msg, values)
    return bytes([SYNC]) + body + crc16(body).to_bytes(2, "big")


@dataclass(frozen=True)
class Packet:
    """A well-formed frame: its sequence number, message and decoded fields."""

    seq: int
    name: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class BadFrame:
    """Bytes that looked like a frame but were not one; the parser has moved on to the next sync byte."""

    reason: str  # "crc", "length", "unknown type", "payload"
    seq: int | None


class FrameParser:
    """Feed it bytes as they come; it returns the packets and bad frames found, keeping any partial frame.

    After a bad frame it resynchronises on the next sync byte after the one that began the bad frame, so a
    stray 0x7E inside noise costs at most that one frame."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Packet | BadFrame]:
        self._buf.extend(data)
        found: list[Packet | BadFrame] = []
        while True:
            start = self._buf.find(SYNC)
            if start < 0:
                self._buf.clear()
                return found
            del self._buf[:start]
            if len(self._buf) < 2:
                return found
            length = self._buf[1]
            if length < 2:
                found.append(BadFrame("length", None))
                del self._buf[:1]
                continue
            total = 1 + 1 + length + 2
            if len(self._buf) < total:
                return found
            frame = bytes(self._buf[:total])
            body, crc = frame[1:-2], int.from_bytes(frame[-2:], "big")
            if crc16(body) != crc:
                found.append(BadFrame("crc", None))
                del self._buf[:1]
                continue
            del self._buf[:total]
            seq, type_id, payload = body[1], body[2], body[3:]
            msg = _BY_ID.get(type_id)
            if msg is None:
                found.append(BadFrame("unknown type", seq))
                continue
            try:
                found.append(Packet(seq, msg.name, decode_payload(msg, payload)))
            except ValueError:
                found.append(BadFrame("payload", seq))

    def resync(self) -> list[Packet | BadFrame]:
        """Give up on the partial frame held (its sender went quiet mid-frame: the sync byte was noise or the
        rest was lost) and look for frames in what came after its sync byte."""
        if not self._buf:
            return []
        del self._buf[:1]
        return self.feed(b"")

    @property
    def pending(self) -> int:
        """Bytes held for a frame not yet complete (never more than one frame's worth plus noise)."""
        return len(self._buf)
