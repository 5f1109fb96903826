"""The trigger-box codec: CRC, every message both ways, partial frames, resynchronisation, and any bytes at all."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from rig.trigger import gen_header
from rig.trigger.codec import BadFrame, FrameParser, Packet, crc16, decode_payload, encode_frame, encode_payload
from rig.trigger.protocol import MAX_LEN, MESSAGES, SYNC, message


def test_crc_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1  # the standard check value of CRC-16/CCITT-FALSE
    assert crc16(b"") == 0xFFFF


def sample_values(name: str, rng: random.Random) -> dict:
    values: dict = {}
    for f in message(name).fields:
        top = {"u8": 0xFF, "u16": 0xFFFF, "u32": 0xFFFFFFFF}[f.kind]
        values[f.name] = [rng.randint(0, top) for _ in range(f.count)] if f.count > 1 else rng.randint(0, top)
    return values


def test_every_message_round_trips() -> None:
    rng = random.Random(7)
    parser = FrameParser()
    for seq, m in enumerate(MESSAGES):
        values = sample_values(m.name, rng)
        (packet,) = parser.feed(encode_frame(seq, m.name, **values))
        assert packet == Packet(seq, m.name, values)
        assert decode_payload(m, encode_payload(m, values)) == values


def test_frames_split_anywhere_still_parse() -> None:
    stream = b"".join(encode_frame(k, "clock_report", clock=k * 1000) for k in range(20))
    parser = FrameParser()
    got: list = []
    rng = random.Random(1)
    pos = 0
    while pos < len(stream):
        step = rng.randint(1, 9)
        got += parser.feed(stream[pos : pos + step])
        pos += step
    assert [p.fields["clock"] for p in got] == [k * 1000 for k in range(20)]
    assert parser.pending == 0


def test_a_corrupted_frame_is_reported_and_the_next_one_is_found() -> None:
    good = encode_frame(3, "status")
    bad = bytearray(encode_frame(4, "clock"))
    bad[3] ^= 0x40  # a flipped bit in the message type
    noise = bytes([0x00, SYNC, 0x13, 0x99])  # a stray sync byte among noise
    parser = FrameParser()
    found = parser.feed(noise + bytes(bad) + good)
    assert found == [], "the stray sync announced a 19-byte frame: the parser waits for it"
    found = parser.resync()  # the line went quiet: the reader gives up on that frame
    packets = [f for f in found if isinstance(f, Packet)]
    assert packets == [Packet(3, "status", {})]
    assert any(isinstance(f, BadFrame) and f.reason == "crc" for f in found)


def test_wrong_payload_size_and_unknown_type() -> None:
    body = bytes([2 + 3, 9, message("clock_report").type_id, 1, 2, 3])  # clock_report wants 4 bytes
    framed = bytes([SYNC]) + body + crc16(body).to_bytes(2, "big")
    body2 = bytes([2, 10, 0x3E])
    framed2 = bytes([SYNC]) + body2 + crc16(body2).to_bytes(2, "big")
    assert FrameParser().feed(framed + framed2) == [BadFrame("payload", 9), BadFrame("unknown type", 10)]


def test_the_committed_c_header_is_fresh() -> None:
    assert gen_header.HEADER.read_text() == gen_header.render(), "run: python -m rig.trigger.gen_header"


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.binary(max_size=40), st.sampled_from([encode_frame(1, "status"), bytes([SYNC])])), max_size=30
    )
)
def test_any_bytes_are_safe(chunks: list[bytes]) -> None:
    """Whatever arrives, the parser neither raises nor hoards: it holds at most one frame's worth."""
    parser = FrameParser()
    for chunk in chunks:
        for item in parser.feed(chunk):
            assert isinstance(item, Packet | BadFrame)
        assert parser.pending <= 1 + 1 + MAX_LEN + 2
