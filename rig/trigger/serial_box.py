"""The trigger box over USB serial: the Trigger interface, with handshake, resends, reconnects and clock sync."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import serial

from rig.base import FireReport, FireSchedule, RigError, TriggerState, TriggerStatus
from rig.trigger.clocksync import ClockFit, ClockSample, ClockUnwrapper, fit
from rig.trigger.codec import BadFrame, FrameParser, Packet, encode_frame
from rig.trigger.protocol import (
    BAUD,
    CHANNELS,
    FLASH_BIT,
    PROTOCOL_VERSION,
    BoxFault,
    BoxState,
    NakReason,
    ResetCause,
)

log = logging.getLogger(__name__)

RESEND_REASONS = {NakReason.BAD_CRC, NakReason.BAD_LENGTH}
CLOCK_WINDOW = 64
CLOCK_ROUNDS = 8
RESYNC_AFTER_S = 10.0
"""Before a fire, the clock fit is refreshed if it is older than this: drift adds up, and a restart shows."""
RESTART_JUMP_S = 0.5
FIRE_LEAD_S = 1.0
"""A scheduled fire is sent this long before its time at the most (the box's silence limit is 2 s)."""


class _PortLost(Exception):
    """The serial port failed under a request; the public request() decides whether to reconnect."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


class FaultKind(Enum):
    PORT = "port"
    NO_ANSWER = "no answer"
    VERSION = "version"
    REFUSED = "refused"


_ADVICE = {
    FaultKind.PORT: "check the USB cable and the port name",
    FaultKind.NO_ANSWER: "check that the box is powered and runs the trigger firmware",
    FaultKind.VERSION: "reflash the box: make -C firmware flash PORT=...",
    FaultKind.REFUSED: "see the reason",
}


class TriggerFault(RigError):
    """A named trigger-box fault; its message says what happened and what to do."""

    def __init__(self, kind: FaultKind, detail: str) -> None:
        super().__init__(
            f"trigger box: {detail}; {_ADVICE[kind]}" if kind is not FaultKind.REFUSED else f"trigger box: {detail}"
        )
        self.kind = kind


@dataclass(frozen=True)
class BoxSettings:
    """What the box is told at connect: channels in use and the timings of a shot."""

    channels: int = CHANNELS
    pulse_us: int = 100_000
    focus_lead_us: int = 50_000
    flash_delay_us: int = 0
    flash_pulse_us: int = 0
    max_assert_ms: int = 500
    delays_us: tuple[int, ...] = ()

    def channel_mask(self) -> int:
        return (1 << self.channels) - 1

    def delay_us(self, channel: int) -> int:
        return self.delays_us[channel] if channel < len(self.delays_us) else 0

    def busy_s(self) -> float:
        """How long a fire keeps the box busy after its fire time: the latest edge plus its pulse."""
        return (max(self.delays_us, default=0) + self.pulse_us + self.flash_delay_us + self.flash_pulse_us) / 1e6

    def fields(self) -> dict[str, Any]:
        """The CONFIGURE message's fields (the codec fills unlisted channels' delays with 0)."""
        return {
            "channel_mask": self.channel_mask(),
            "pulse_us": self.pulse_us,
            "focus_lead_us": self.focus_lead_us,
            "flash_delay_us": self.flash_delay_us,
            "flash_pulse_us": self.flash_pulse_us,
            "max_assert_ms": self.max_assert_ms,
            "delays_us": list(self.delays_us),
        }


@dataclass(frozen=True)
class Identity:
    protocol_version: int
    build_id: int
    channels: int
    clock_hz: int
    reset_cause: int

    def describe(self) -> str:
        return f"protocol {self.protocol_version}, build {self.build_id:08x}, {self.channels} channels"


@dataclass(frozen=True)
class EdgeGroup:
    """Channels whose shutter edges the box wrote together, and when, on both clocks."""

    channels: tuple[int, ...]
    flash: bool
    scheduled_us: float
    """Delay after the fire time that was asked for."""
    actual_us: float
    """Delay after the fire time at which the box read its clock, right after writing the edges."""
    host_time: float


@dataclass
class SerialTrigger:
    """The trigger box on a serial port. Every wait has a deadline; every resend is bounded."""

    port: str
    settings: BoxSettings = field(default_factory=BoxSettings)
    reply_timeout_s: float = 0.25
    retries: int = 4
    reconnects: int = 3
    expected_version: int = PROTOCOL_VERSION
    open_port: Callable[[str], serial.Serial] = field(default=lambda p: serial.Serial(p, BAUD, timeout=0.02))

    def __post_init__(self) -> None:
        self._serial: serial.Serial | None = None
        self._parser = FrameParser()
        self._seq = 0
        self._inbox: deque[Packet] = deque()
        self.events: deque[Packet] = deque()
        self.identity: Identity | None = None
        self._unwrap = ClockUnwrapper()
        self._samples: deque[ClockSample] = deque(maxlen=CLOCK_WINDOW)
        self.clock: ClockFit | None = None
        self.last_error = ""
        self.last_groups: list[EdgeGroup] = []
        self._synced_at = 0.0

    # --- connection -------------------------------------------------------------------------------------

    def connect(self) -> Identity:
        """Open the port, check the firmware speaks our protocol, configure it and sync clocks."""
        self.close()
        try:
            self._serial = self.open_port(self.port)
            self._serial.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            self._serial = None
            raise TriggerFault(FaultKind.PORT, f"cannot open {self.port} ({exc})") from None
        self._parser = FrameParser()
        try:
            ident = Identity(**self._exchange("identify", None, {}).fields)
            if ident.protocol_version != self.expected_version:
                self.close()
                raise TriggerFault(
                    FaultKind.VERSION,
                    f"the box speaks protocol {ident.protocol_version}, this host speaks {self.expected_version}",
                )
            self.identity = ident
            if ident.reset_cause & ResetCause.WATCHDOG:
                log.warning("trigger box restarted after its watchdog fired; every line was released")
            # a new host session starts from a released box (a previous one may have left it armed)
            self._exchange("release", None, {})
            self._exchange("configure", None, self.settings.fields())
            self._new_clock()
        except _PortLost as lost:
            self.close()
            raise TriggerFault(FaultKind.PORT, f"lost {self.port} while connecting ({lost.cause})") from None
        return ident

    def __enter__(self) -> SerialTrigger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None

    def _reconnect(self, cause: Exception) -> None:
        """Reopen a lost port a bounded number of times, waiting twice as long each time."""
        delay = 0.2
        for attempt in range(1, self.reconnects + 1):
            log.warning("trigger box: port %s lost (%s); reconnecting, attempt %d", self.port, cause, attempt)
            time.sleep(delay)
            delay *= 2
            try:
                self.connect()
                return
            except TriggerFault as exc:
                if exc.kind is FaultKind.VERSION:
                    raise
                cause = exc
        self.last_error = f"port {self.port} lost"
        raise TriggerFault(FaultKind.PORT, f"lost {self.port} and could not reconnect ({cause})")

    # --- requests ---------------------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq = self._seq % 255 + 1  # 0 is for the box's own events
        return self._seq

    def _read_packets(self, deadline: float) -> None:
        assert self._serial is not None
        while not self._inbox and time.monotonic() < deadline:
            data = self._serial.read(max(1, self._serial.in_waiting))
            # a quiet line with a partial frame held: that frame's sync byte was noise or its tail was lost
            items = self._parser.feed(data) if data else (self._parser.resync() if self._parser.pending else [])
            for item in items:
                if isinstance(item, BadFrame):
                    log.info("trigger box: dropped a bad frame (%s)", item.reason)
                elif item.name == "button":
                    self.events.append(item)
                else:
                    self._inbox.append(item)

    def _await(self, seq: int, deadline: float) -> Packet | None:
        """The reply to seq, or None at the deadline. A NAK with SEQ 0 is the box saying it could not read
        the frame well enough to know its SEQ: it answers the request in flight."""
        while time.monotonic() < deadline:
            self._read_packets(deadline)
            while self._inbox:
                packet = self._inbox.popleft()
                if packet.seq == seq or (packet.seq == 0 and packet.name == "nak"):
                    return packet
        return None

    def request(self, name: str, *, timeout_s: float | None = None, **fields: Any) -> Packet:
        """Send a command and wait for its reply. A lost port is reopened (a bounded number of times) and the
        command sent again, except arm and fire: reconnecting releases the box, so the shot must start over."""
        if self._serial is None:
            raise TriggerFault(FaultKind.PORT, f"not connected to {self.port}")
        try:
            return self._exchange(name, timeout_s, fields)
        except _PortLost as lost:
            self._reconnect(lost.cause)
        if name in ("arm", "fire"):
            self.last_error = f"the link dropped during {name}"
            raise TriggerFault(
                FaultKind.PORT, f"the link to {self.port} dropped during {name} and the box was released; shoot again"
            )
        try:
            return self._exchange(name, timeout_s, fields)
        except _PortLost as lost:
            self.close()
            raise TriggerFault(FaultKind.PORT, f"lost {self.port} again ({lost.cause})") from None

    def _exchange(self, name: str, timeout_s: float | None, fields: dict[str, Any]) -> Packet:
        """One command: resent with the same SEQ on silence or a garbled frame (the box answers a repeat
        without acting twice), the wait doubling each time. Raises _PortLost if the port fails."""
        assert self._serial is not None
        seq = self._next_seq()
        frame = encode_frame(seq, name, **fields)
        wait = timeout_s or self.reply_timeout_s
        for _ in range(self.retries + 1):
            try:
                self._serial.write(frame)
                packet = self._await(seq, time.monotonic() + wait)
            except (serial.SerialException, OSError) as exc:
                raise _PortLost(exc) from None
            wait *= 2
            if packet is None:
                continue
            if packet.name != "nak":
                return packet
            reason = NakReason(packet.fields["reason"])
            if reason in RESEND_REASONS:
                continue
            if reason is NakReason.NOT_CONFIGURED and name != "configure":
                # the box restarted (power, reset, a USB reconnect): it forgot its settings and its clock
                log.warning("trigger box restarted; configuring it again")
                self._exchange("configure", None, self.settings.fields())
                self._new_clock()
                return self._exchange(name, timeout_s, fields)
            self.last_error = f"{name} refused: {reason.name.lower()}"
            raise TriggerFault(FaultKind.REFUSED, self.last_error)
        self.last_error = f"no answer to {name}"
        raise TriggerFault(FaultKind.NO_ANSWER, f"no answer to {name} from {self.port} after {self.retries + 1} tries")

    # --- clock ------------------------------------------------------------------------------------------

    def _forget_clock(self) -> None:
        """The box's clock started again: no old reading or fit still holds."""
        self._unwrap = ClockUnwrapper()
        self._samples.clear()
        self.clock = None

    def _new_clock(self) -> None:
        self._forget_clock()
        self._sync(CLOCK_ROUNDS)

    def _sync(self, rounds: int) -> ClockFit:
        assert self.identity is not None
        for _ in range(rounds):
            sent = time.time()
            raw = self._exchange("clock", None, {}).fields["clock"]
            received = time.time()
            if self.clock is not None:
                expected = self.clock.host_time(self._unwrap(raw))
                if abs(expected - (sent + received) / 2) > RESTART_JUMP_S:
                    # the box clock jumped: it restarted without our noticing; nothing old still holds
                    log.warning("trigger box clock jumped %.1f s; it restarted", expected - received)
                    self._forget_clock()
            self._samples.append(ClockSample(sent, received, self._unwrap(raw)))
            self._synced_at = received
        self.clock = fit(list(self._samples), self.identity.clock_hz)
        return self.clock

    def sync_clock(self, rounds: int = CLOCK_ROUNDS) -> ClockFit:
        """Add round trips to the rolling window and refit; the window spans minutes of use."""
        try:
            return self._sync(rounds)
        except _PortLost as lost:
            self._reconnect(lost.cause)
            assert self.clock is not None
            return self.clock

    def _host(self, clock: int) -> float:
        assert self.clock is not None
        return self.clock.host_time(self._unwrap(clock))

    # --- the Trigger interface --------------------------------------------------------------------------

    def arm(self) -> None:
        self.request("arm")

    def fire(self, schedule: FireSchedule) -> FireReport:
        """Fire the armed channels now or at a host time; the report is stamped in host time."""
        if self.clock is None or self.identity is None:
            raise TriggerFault(FaultKind.PORT, f"not connected to {self.port}")
        if time.time() - self._synced_at > RESYNC_AFTER_S:
            self.sync_clock(rounds=4)
        s = self.settings
        if schedule.channel_delays_us and tuple(schedule.channel_delays_us) != s.delays_us:
            raise TriggerFault(
                FaultKind.REFUSED, "per-shot delays differ from the box's configuration; configure them before arming"
            )
        fields: dict[str, Any] = {"now": 1, "at_clock": 0}
        lead = s.focus_lead_us / 1e6
        if schedule.at is not None:
            # the box aborts a fire whose host falls silent for 2 s while it waits: send the fire only about
            # a second ahead, and keep the box company until then
            while schedule.at - time.time() > FIRE_LEAD_S:
                self.request("status")
                time.sleep(min(0.5, max(0.0, schedule.at - time.time() - FIRE_LEAD_S)))
            lead = schedule.at - time.time()
            fields = {"now": 0, "at_clock": self._unwrap.wrap(self.clock.box_clock(schedule.at))}
        wait = self.reply_timeout_s + max(0.0, lead) + s.busy_s() + 0.5
        return self._report(self.request("fire", timeout_s=wait, **fields))

    def _report(self, reply: Packet) -> FireReport:
        assert self.identity is not None
        f = reply.fields
        hz = self.identity.clock_hz
        fire_clock = f["fire_clock"]
        groups: list[EdgeGroup] = []
        for mask, clock in zip(f["group_mask"][: f["group_count"]], f["group_clock"][: f["group_count"]], strict=True):
            chans = tuple(c for c in range(CHANNELS) if mask & (1 << c))
            flash = bool(mask & FLASH_BIT)
            scheduled = self.settings.delay_us(chans[0]) if chans else self.settings.flash_delay_us if flash else 0
            actual = ((clock - fire_clock) % (1 << 32)) / hz * 1e6
            groups.append(EdgeGroup(chans, flash, float(scheduled), actual, self._host(clock)))
        self.last_groups = groups
        times = [0.0] * self.settings.channels
        for g in groups:
            for c in g.channels:
                if c < len(times):
                    times[c] = g.host_time
        errors = [g.actual_us - g.scheduled_us for g in groups]
        skew = (max(errors) - min(errors)) if errors else 0.0
        return FireReport(fired_at=self._host(fire_clock), channel_times=times, skew_us=skew)

    def release(self) -> None:
        self.request("release")

    def status(self) -> TriggerStatus:
        try:
            reply = self.request("status")
        except TriggerFault as exc:
            return TriggerStatus(connected=False, state=TriggerState.FAULT, last_error=str(exc))
        state = BoxState(reply.fields["state"])
        fault = BoxFault(reply.fields["fault"])
        mapped = {BoxState.IDLE: TriggerState.IDLE, BoxState.ARMED: TriggerState.ARMED}.get(state, TriggerState.FAULT)
        return TriggerStatus(
            connected=True,
            state=mapped,
            firmware=self.identity.describe() if self.identity else "",
            last_error=self.last_error or ("" if fault is BoxFault.NONE else f"box fault: {fault.name.lower()}"),
        )

    def wait_button(self, timeout_s: float) -> float | None:
        """Host time of the next push-button press, or None if there was none within timeout_s."""
        if self._serial is None:
            raise TriggerFault(FaultKind.PORT, f"not connected to {self.port}")
        deadline = time.monotonic() + timeout_s
        while not self.events and time.monotonic() < deadline:
            try:
                self._read_packets(min(deadline, time.monotonic() + 0.05))
            except (serial.SerialException, OSError) as exc:
                self._reconnect(exc)
            self._inbox.clear()  # replies nobody waits for
        if not self.events:
            return None
        return self._host(self.events.popleft().fields["clock"])

    def box_status(self) -> dict[str, Any]:
        return dict(self.request("status").fields)


def describe_groups(groups: Sequence[EdgeGroup]) -> list[str]:
    """One line per edge group, for people: which channels, asked-for and measured delay."""
    lines = []
    for g in groups:
        who = (
            "flash"
            if g.flash and not g.channels
            else f"channels {','.join(str(c) for c in g.channels)}" + (" + flash" if g.flash else "")
        )
        lines.append(
            f"{who}: scheduled +{g.scheduled_us:.1f} us, written +{g.actual_us:.1f} us "
            f"(error {g.actual_us - g.scheduled_us:+.1f} us)"
        )
    return lines
