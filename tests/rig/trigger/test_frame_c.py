"""The firmware's own frame parser (frame.c, built for the host) against any bytes, and against the Python codec."""

from __future__ import annotations

import ctypes
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rig.trigger.codec import BadFrame, FrameParser, Packet, crc16, encode_frame
from rig.trigger.protocol import MESSAGES, SYNC
from rig.trigger.simbench import BUILD_DIR, build_firmware

STATUS = {1: "ok", 2: "crc", 3: "length", 4: "unknown type", 5: "payload"}
MAX_EVENTS = 4096


@pytest.fixture(scope="module")
def libframe() -> ctypes.CDLL:
    build_firmware()
    lib = ctypes.CDLL(str(BUILD_DIR / "libframe.so"))
    lib.frame_fuzz.restype = ctypes.c_size_t
    lib.frame_fuzz.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_uint8),
        ctypes.POINTER(ctypes.c_int16),
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_size_t),
    ]
    lib.frame_crc16.restype = ctypes.c_uint16
    lib.frame_crc16.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint16]
    return lib


def c_events(lib: ctypes.CDLL, data: bytes) -> tuple[list[tuple[str, int | None]], int]:
    status = (ctypes.c_uint8 * MAX_EVENTS)()
    seq = (ctypes.c_int16 * MAX_EVENTS)()
    pending = ctypes.c_size_t()
    n = lib.frame_fuzz(data, len(data), status, seq, MAX_EVENTS, ctypes.byref(pending))
    assert n <= MAX_EVENTS
    return [(STATUS[status[i]], None if seq[i] < 0 else seq[i]) for i in range(n)], pending.value


def py_events(data: bytes) -> tuple[list[tuple[str, int | None]], int]:
    parser = FrameParser()
    events: list[tuple[str, int | None]] = []
    for item in parser.feed(data):
        if isinstance(item, Packet):
            events.append(("ok", item.seq))
        else:
            assert isinstance(item, BadFrame)
            events.append((item.reason, item.seq))
    return events, parser.pending


def same(c: list[tuple[str, int | None]], py: list[tuple[str, int | None]]) -> bool:
    """Equal, except that on a bad CRC the C parser also reports the (unverified) SEQ byte it saw."""
    return len(c) == len(py) and all(
        cs == ps and (cq == pq or (cs == "crc" and pq is None)) for (cs, cq), (ps, pq) in zip(c, py, strict=True)
    )


def test_crc_matches_the_host(libframe: ctypes.CDLL) -> None:
    rng = random.Random(3)
    for n in (0, 1, 9, 200):
        data = bytes(rng.randrange(256) for _ in range(n))
        assert libframe.frame_crc16(data, len(data), 0xFFFF) == crc16(data)


def test_every_message_parses_in_c(libframe: ctypes.CDLL) -> None:
    data = b"".join(encode_frame(k + 1, m.name) for k, m in enumerate(MESSAGES))
    events, pending = c_events(libframe, data)
    assert events == [("ok", k + 1) for k in range(len(MESSAGES))]
    assert pending == 0


frames = st.sampled_from(
    [encode_frame(5, "status"), encode_frame(6, "fire", now=1), encode_frame(9, "clock_report", clock=77)]
)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=24), frames, st.just(bytes([SYNC])), frames.map(lambda f: f[:-1] + bytes([f[-1] ^ 1]))
        ),
        max_size=24,
    )
)
def test_any_bytes_c_and_python_agree(libframe: ctypes.CDLL, chunks: list[bytes]) -> None:
    """The firmware's parser and the host's see the same frames in the same bytes, and neither crashes,
    hangs or hoards: one definition of the protocol, two parsers that cannot drift apart unnoticed."""
    data = b"".join(chunks)
    c, c_pending = c_events(libframe, data)
    py, py_pending = py_events(data)
    assert same(c, py), (c, py)
    assert c_pending == py_pending
