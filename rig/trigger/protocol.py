"""The trigger box's messages, declared once: the host codec reads them here, the firmware's C header is made from them.

Framing on the UART (250000 baud, 8N1), every frame in both directions:

    SYNC 0x7E | LEN | SEQ | TYPE | PAYLOAD (LEN - 2 bytes) | CRC16 (big-endian)

LEN counts SEQ, TYPE and the payload (2 to 255). The CRC is CRC-16/CCITT-FALSE (polynomial 0x1021, initial
0xFFFF) over LEN .. end of payload. Multi-byte fields are little-endian. The box answers every host frame
with a frame of the same SEQ: the command's reply, ACK, or NAK with a reason; a repeated SEQ is answered
with the previous reply and not executed twice (a resend after a lost reply must not fire twice). A NAK is
not remembered: nothing was done, so a resend with the same SEQ is considered afresh. A NAK for a bad CRC
carries the SEQ byte as received (unverified); one for a bad length carries SEQ 0. IDENTIFY always runs and
forgets the remembered reply, so a restarted host may reuse SEQ numbers. Box events it sends of its own
accord (the push-button) carry SEQ 0.

The box is FAULT after a safety release (host silent, an output held to its maximum) or a watchdog reset,
with every line released; arm or release leave FAULT. Re-arming keeps the first arm time, so it cannot
stretch the time focus stays pressed.

Regenerate the header after any change here: python -m rig.trigger.gen_header
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

PROTOCOL_VERSION = 1
SYNC = 0x7E
MAX_LEN = 255
BAUD = 250_000
CHANNELS = 24
MAX_GROUPS = CHANNELS + 1  # every channel at its own delay, plus the flash
CLOCK_HZ = 2_000_000  # the box clock: Timer1 at 16 MHz / 8, extended to 32 bits (wraps every 35.8 min)


class NakReason(IntEnum):
    BAD_CRC = 1
    BAD_LENGTH = 2
    UNKNOWN_TYPE = 3
    BAD_PAYLOAD = 4
    NOT_ARMED = 5
    TOO_LATE = 6
    BAD_CONFIG = 7
    FOCUS_NOT_READY = 8
    NOT_CONFIGURED = 9
    PAST_MAX_ASSERT = 10
    """The fire would hold focus (pressed since arm) past max_assert_ms: fire sooner, or allow longer."""


class BoxState(IntEnum):
    IDLE = 0
    ARMED = 1
    FAULT = 2


class BoxFault(IntEnum):
    NONE = 0
    HOST_SILENT = 1
    """The host said nothing for 2 s while the box was armed: every line was released."""
    ASSERT_TIMEOUT = 2
    """An output stayed asserted for its maximum time: every line was released."""
    WATCHDOG_RESET = 3
    """The box restarted after its watchdog fired: every line was released."""


class ResetCause(IntEnum):
    """MCUSR bits of the ATmega2560."""

    POWER_ON = 1
    EXTERNAL = 2
    BROWN_OUT = 4
    WATCHDOG = 8
    JTAG = 16


FIELD_TYPES: dict[str, tuple[str, int, str]] = {
    # name: (struct format, size, C type)
    "u8": ("B", 1, "uint8_t"),
    "u16": ("H", 2, "uint16_t"),
    "u32": ("I", 4, "uint32_t"),
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    count: int = 1
    doc: str = ""

    @property
    def size(self) -> int:
        return FIELD_TYPES[self.kind][1] * self.count


@dataclass(frozen=True)
class Message:
    type_id: int
    name: str
    sender: str  # "host" or "box"
    fields: tuple[Field, ...] = ()
    doc: str = ""

    @property
    def payload_size(self) -> int:
        return sum(f.size for f in self.fields)


MESSAGES: tuple[Message, ...] = (
    Message(0x01, "identify", "host", doc="Ask the box who it is; the first message after connecting."),
    Message(
        0x02,
        "configure",
        "host",
        (
            Field("channel_mask", "u32", doc="bit n set: camera channel n is in use"),
            Field("pulse_us", "u32", doc="how long each shutter line is held"),
            Field("focus_lead_us", "u32", doc="least time between arm (focus pressed) and the first shutter edge"),
            Field("flash_delay_us", "u32", doc="flash output edge, after the fire time"),
            Field("flash_pulse_us", "u32", doc="how long the flash output is held; 0: no flash"),
            Field("max_assert_ms", "u16", doc="no output stays asserted longer than this (at most 5000)"),
            Field("delays_us", "u32", CHANNELS, doc="per-channel shutter delay after the fire time"),
        ),
        doc="Set the channels and timings; refused (BAD_CONFIG) while armed or if any time is out of range.",
    ),
    Message(0x03, "arm", "host", doc="Press focus on every channel in use (the cameras wake and meter)."),
    Message(
        0x04,
        "fire",
        "host",
        (
            Field("at_clock", "u32", doc="box clock of the fire time; ignored when now is set"),
            Field("now", "u8", doc="1: fire as soon as the focus lead allows"),
        ),
        doc="Fire the armed channels; answered by FIRED once every line is released again.",
    ),
    Message(0x05, "release", "host", doc="Release every line and disarm."),
    Message(0x06, "status", "host", doc="Ask for the box's state."),
    Message(0x07, "clock", "host", doc="Ask for the box clock (for host-box clock sync)."),
    Message(
        0x08,
        "test_watchdog",
        "host",
        doc="Service check: the box stops feeding its watchdog; it must restart"
        " within 250 ms with every line released (answered by ACK first).",
    ),
    Message(
        0x41,
        "identity",
        "box",
        (
            Field("protocol_version", "u16"),
            Field("build_id", "u32", doc="the firmware build's id; the host shows it"),
            Field("channels", "u8"),
            Field("clock_hz", "u32"),
            Field("reset_cause", "u8", doc="MCUSR at start: see ResetCause"),
        ),
    ),
    Message(0x42, "ack", "box", doc="The command with this SEQ was done."),
    Message(
        0x43,
        "nak",
        "box",
        (Field("reason", "u8", doc="see NakReason"),),
        doc="The frame with this SEQ was refused; the host may resend.",
    ),
    Message(
        0x44,
        "fired",
        "box",
        (
            Field("fire_clock", "u32", doc="the fire time the delays count from"),
            Field("group_count", "u8"),
            Field("group_mask", "u32", MAX_GROUPS, doc="channels of each edge group; bit 31: the flash"),
            Field("group_clock", "u32", MAX_GROUPS, doc="box clock right after the group's edges were written"),
        ),
        doc="The fire happened: one entry per delay group. Groups due within 2 us of each other go out in the"
        " same port writes and report the same clock.",
    ),
    Message(
        0x45,
        "status_report",
        "box",
        (
            Field("state", "u8", doc="see BoxState"),
            Field("fault", "u8", doc="the last fault, see BoxFault"),
            Field("channel_mask", "u32"),
            Field("clock", "u32"),
            Field("asserted_mask", "u32", doc="channels whose focus is pressed now"),
        ),
    ),
    Message(0x46, "clock_report", "box", (Field("clock", "u32"),)),
    Message(0x47, "button", "box", (Field("clock", "u32"),), doc="The push-button asked for a shot (SEQ 0)."),
)

FLASH_BIT = 1 << 31


def message(name: str) -> Message:
    for m in MESSAGES:
        if m.name == name:
            return m
    raise KeyError(name)


def _check() -> None:
    ids = [m.type_id for m in MESSAGES]
    assert len(set(ids)) == len(ids), "message ids must be unique"
    for m in MESSAGES:
        assert m.payload_size + 2 <= MAX_LEN, f"{m.name} does not fit one frame"


_check()
