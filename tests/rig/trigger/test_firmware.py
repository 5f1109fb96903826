"""The real firmware in simavr, driven by the real host driver over a pseudo-terminal, judged by its pin edges."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from rig.base import FireSchedule
from rig.trigger.codec import FrameParser, Packet, encode_frame
from rig.trigger.protocol import BAUD, PROTOCOL_VERSION, SYNC, BoxFault, NakReason, ResetCause
from rig.trigger.serial_box import BoxSettings, FaultKind, SerialTrigger, TriggerFault
from rig.trigger.simbench import CPU_HZ, FLASH, FOCUS_PORTS, SHUTTER_PORTS, Edge, SimulatedBox, by_channel

US = CPU_HZ // 1_000_000  # cycles per microsecond


def rising(edges: list[Edge], ports: tuple[str, ...]) -> dict[int, list[int]]:
    return by_channel(edges, ports, 1)


def falling(edges: list[Edge], ports: tuple[str, ...]) -> dict[int, list[int]]:
    return by_channel(edges, ports, 0)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[SimulatedBox]:
    with SimulatedBox(tmp_path / "edges.csv") as simulated:
        yield simulated


def driver(box: SimulatedBox, **settings: object) -> SerialTrigger:
    trigger = SerialTrigger(box.pty, BoxSettings(**settings))  # type: ignore[arg-type]
    trigger.connect()
    return trigger


def test_handshake_names_the_firmware(box: SimulatedBox) -> None:
    trigger = driver(box)
    assert trigger.identity is not None
    assert trigger.identity.protocol_version == PROTOCOL_VERSION
    assert trigger.identity.channels == 24 and trigger.identity.clock_hz == 2_000_000
    assert trigger.identity.build_id != 0
    trigger.close()


def test_a_box_with_another_protocol_is_refused_with_the_fix(box: SimulatedBox) -> None:
    with pytest.raises(TriggerFault) as err:
        SerialTrigger(box.pty, expected_version=PROTOCOL_VERSION + 1).connect()
    assert err.value.kind is FaultKind.VERSION
    assert "reflash" in str(err.value)


def test_all_channels_fire_within_one_microsecond(box: SimulatedBox) -> None:
    trigger = driver(box, pulse_us=20_000, focus_lead_us=10_000)
    trigger.arm()
    report = trigger.fire(FireSchedule())
    trigger.close()
    up = rising(box.edges(), SHUTTER_PORTS)
    assert sorted(up) == list(range(24)), "every channel fired"
    firsts = [cycles[0] for cycles in up.values()]
    skew_cycles = max(firsts) - min(firsts)
    assert skew_cycles <= 1 * US, f"skew {skew_cycles} cycles"
    assert all(len(c) == 1 for c in up.values()), "each shutter fired once"
    assert report.skew_us <= 1.0


def test_channels_with_their_own_delay_fire_within_4_us(box: SimulatedBox) -> None:
    delays = [0] * 24
    delays[5], delays[9], delays[17] = 300, 1000, 2500
    trigger = driver(
        box, pulse_us=20_000, focus_lead_us=10_000, delays_us=tuple(delays), flash_delay_us=200, flash_pulse_us=2_000
    )
    trigger.arm()
    trigger.fire(FireSchedule())
    trigger.close()
    edges = box.edges()
    up = rising(edges, SHUTTER_PORTS)
    t0 = up[0][0]
    for ch in range(24):
        error_us = (up[ch][0] - t0) / US - delays[ch]
        assert abs(error_us) <= 4.0, f"channel {ch}: {error_us:+.2f} us off its delay"
    flash = [e.cycle for e in edges if (e.port, e.pin) == FLASH and e.value == 1]
    assert len(flash) == 1 and abs((flash[0] - t0) / US - 200) <= 4.0


@pytest.mark.parametrize(
    "plan",
    [
        {1: 3000, 2: 6000, 3: 9000, 4: 12000, 5: 12285, 6: 12288, 7: 12291},  # across the fire loop's clock resync
        {k: 2 * k for k in range(1, 24)},  # a dense ramp: 2 us steps
        {k: 997 * k for k in range(1, 24)},  # a long time-slice, past a 16-bit timer overflow
    ],
)
def test_hard_delay_plans_stay_within_4_us(box: SimulatedBox, plan: dict[int, int]) -> None:
    delays = [plan.get(ch, 0) for ch in range(24)]
    trigger = driver(box, pulse_us=30_000, focus_lead_us=5_000, max_assert_ms=1000, delays_us=tuple(delays))
    trigger.arm()
    trigger.fire(FireSchedule())
    trigger.close()
    up = rising(box.edges(), SHUTTER_PORTS)
    t0 = up[0][0]
    errors = {ch: (up[ch][0] - t0) / US - delays[ch] for ch in range(24)}
    worst = max(errors, key=lambda ch: abs(errors[ch]))
    assert abs(errors[worst]) <= 4.0, f"channel {worst} at {delays[worst]} us: {errors[worst]:+.2f} us off"


def test_pulse_width_and_focus_released_after_the_shutters(box: SimulatedBox) -> None:
    trigger = driver(box, pulse_us=30_000, focus_lead_us=20_000)
    trigger.arm()
    trigger.fire(FireSchedule())
    trigger.close()
    edges = box.edges()
    up, down = rising(edges, SHUTTER_PORTS), falling(edges, SHUTTER_PORTS)
    for ch in range(24):
        width_us = (down[ch][-1] - up[ch][0]) / US
        assert abs(width_us - 30_000) <= 4.0, f"channel {ch}: pulse {width_us:.1f} us"
    focus_up, focus_down = rising(edges, FOCUS_PORTS), falling(edges, FOCUS_PORTS)
    assert sorted(focus_up) == list(range(24))
    last_shutter_release = max(c[-1] for c in down.values())
    for ch in range(24):
        assert up[ch][0] - focus_up[ch][0] >= 20_000 * US, "the focus lead was kept"
        assert focus_down[ch][-1] >= last_shutter_release, "focus is released after the shutters"


def test_silent_host_gets_every_line_released(box: SimulatedBox) -> None:
    trigger = driver(box, max_assert_ms=5000)  # so that the silence, not the time limit, releases focus
    trigger.arm()
    armed_at = time.monotonic()
    time.sleep(2.6)  # the host says nothing
    status = trigger.box_status()
    edges = box.edges()
    trigger.close()
    assert time.monotonic() - armed_at >= 2.6
    focus_up, focus_down = rising(edges, FOCUS_PORTS), falling(edges, FOCUS_PORTS)
    assert sorted(focus_down) == list(range(24)), "every focus line was released"
    held_s = (max(c[-1] for c in focus_down.values()) - min(c[0] for c in focus_up.values())) / CPU_HZ
    assert 1.9 <= held_s <= 2.3, f"released after {held_s:.2f} s"
    assert BoxFault(status["fault"]) is BoxFault.HOST_SILENT
    assert status["asserted_mask"] == 0


def test_no_output_outlasts_its_maximum(box: SimulatedBox) -> None:
    trigger = driver(box, max_assert_ms=300, pulse_us=1_000)
    trigger.arm()
    for _ in range(6):  # the host keeps talking, but never fires
        time.sleep(0.1)
        status = trigger.box_status()
    trigger.close()
    focus_up, focus_down = rising(box.edges(), FOCUS_PORTS), falling(box.edges(), FOCUS_PORTS)
    held_ms = (max(c[-1] for c in focus_down.values()) - min(c[0] for c in focus_up.values())) / CPU_HZ * 1e3
    assert 295 <= held_ms <= 320, f"focus held {held_ms:.0f} ms"
    assert BoxFault(status["fault"]) is BoxFault.ASSERT_TIMEOUT
    with pytest.raises(TriggerFault, match="bad_config"):
        driver(box, max_assert_ms=300, pulse_us=400_000)


def raw_exchange(port: str, data: bytes, wait_s: float = 0.5) -> list[Packet]:
    """Bytes straight onto the wire, bypassing the driver, and whatever frames come back."""
    with serial.Serial(port, BAUD, timeout=0.05) as link:
        link.reset_input_buffer()
        link.write(data)
        parser, found, deadline = FrameParser(), [], time.monotonic() + wait_s
        while time.monotonic() < deadline:
            found += [p for p in parser.feed(link.read(256)) if isinstance(p, Packet)]
        return found


def test_a_corrupted_frame_is_answered_with_nak_and_the_next_works(box: SimulatedBox) -> None:
    bad = bytearray(encode_frame(7, "status"))
    bad[-1] ^= 0xFF  # a broken CRC
    replies = raw_exchange(box.pty, bytes(bad))
    assert [(p.name, NakReason(p.fields["reason"])) for p in replies] == [("nak", NakReason.BAD_CRC)]
    replies = raw_exchange(box.pty, encode_frame(8, "status"))
    assert [(p.seq, p.name) for p in replies] == [(8, "status_report")]
    replies = raw_exchange(box.pty, encode_frame(9, "fire", now=1))
    assert [(p.name, NakReason(p.fields["reason"])) for p in replies] == [("nak", NakReason.NOT_ARMED)]


def test_a_resent_fire_fires_once(box: SimulatedBox) -> None:
    trigger = driver(box, pulse_us=5_000, focus_lead_us=5_000)
    trigger.arm()
    trigger.close()
    fire = encode_frame(42, "fire", now=1)
    first = raw_exchange(box.pty, fire)
    again = raw_exchange(box.pty, fire)  # the host never saw the answer and sends it again
    assert [p.name for p in first] == ["fired"] and again == first
    up = rising(box.edges(), SHUTTER_PORTS)
    assert all(len(cycles) == 1 for cycles in up.values())


def fire_at_and_check(trigger: SerialTrigger, ahead_s: float, pulse_s: float) -> None:
    """Schedule a fire ahead_s from now; the FIRED reply comes only after the pulse and the focus release, so
    its arrival, on the host's own clock, bounds when the fire really happened."""
    trigger.arm()
    at = time.time() + ahead_s
    report = trigger.fire(FireSchedule(at=at))
    received = time.time()
    assert at + pulse_s <= received + 0.002, f"the reply came {at + pulse_s - received:.3f} s before the fire ended"
    assert received - (at + pulse_s) < 0.15, f"the fire went off {received - at - pulse_s:.3f} s late"
    assert abs(report.fired_at - at) < 0.005


def test_scheduled_fire_happens_at_the_asked_host_time(box: SimulatedBox) -> None:
    trigger = driver(box, pulse_us=50_000, focus_lead_us=5_000)
    fire_at_and_check(trigger, 0.4, 0.05)
    with pytest.raises(TriggerFault, match="too_late"):
        trigger.arm()
        trigger.fire(FireSchedule(at=time.time() - 1.0))
    trigger.close()


def test_watchdog_reset_releases_every_line_and_is_reported(box: SimulatedBox) -> None:
    trigger = driver(box)
    trigger.arm()
    trigger.request("test_watchdog")
    time.sleep(0.6)
    released = falling(box.edges(), FOCUS_PORTS)
    assert sorted(released) == list(range(24)), "the restart itself released every line, before any host action"
    (report,) = raw_exchange(box.pty, encode_frame(3, "status"))
    assert report.fields["asserted_mask"] == 0 and BoxFault(report.fields["fault"]) is BoxFault.WATCHDOG_RESET
    trigger.connect()  # the host notices the box restarted and connects again
    assert trigger.identity is not None
    assert trigger.identity.reset_cause & ResetCause.WATCHDOG
    status = trigger.box_status()
    trigger.close()
    assert BoxFault(status["fault"]) is BoxFault.WATCHDOG_RESET
    assert status["asserted_mask"] == 0
    focus_up, focus_down = rising(box.edges(), FOCUS_PORTS), falling(box.edges(), FOCUS_PORTS)
    assert sorted(focus_down) == sorted(focus_up) == list(range(24))


def test_the_driver_recovers_after_the_box_is_reset(box: SimulatedBox, caplog: pytest.LogCaptureFixture) -> None:
    trigger = driver(box, pulse_us=50_000, focus_lead_us=5_000)
    time.sleep(1.5)  # the box clock has run on; after the reset it starts again from zero
    box.reset()
    time.sleep(0.3)
    fire_at_and_check(trigger, 0.4, 0.05)  # the box forgot its settings and its clock: both are renewed
    trigger.close()
    assert "restarted" in caplog.text
    assert len(rising(box.edges(), SHUTTER_PORTS)) == 24


def test_a_vanished_box_is_a_named_fault_within_seconds(box: SimulatedBox) -> None:
    trigger = driver(box)
    box.stop()  # the USB cable is pulled
    start = time.monotonic()
    with pytest.raises(TriggerFault) as err:
        trigger.arm()
    assert time.monotonic() - start < 10.0
    assert err.value.kind in {FaultKind.PORT, FaultKind.NO_ANSWER}
    assert "check" in str(err.value)
    assert not trigger.status().connected


def test_a_fire_that_would_hold_focus_too_long_is_refused(box: SimulatedBox) -> None:
    trigger = driver(box, max_assert_ms=300, pulse_us=200_000, focus_lead_us=1_000)
    trigger.arm()
    time.sleep(0.15)  # 150 ms pressed + a 200 ms pulse would pass the 300 ms limit
    with pytest.raises(TriggerFault, match="past_max_assert"):
        trigger.fire(FireSchedule())
    trigger.close()
    assert rising(box.edges(), SHUTTER_PORTS) == {}, "nothing fired"


def test_the_push_button_asks_for_a_shot(box: SimulatedBox) -> None:
    trigger = driver(box)
    assert trigger.wait_button(0.3) is None
    pressed = time.time()
    box.press_button()
    at = trigger.wait_button(2.0)
    trigger.close()
    assert at is not None and abs(at - pressed) < 0.1, "the press is stamped in host time"


def test_random_bytes_leave_nothing_stuck(box: SimulatedBox) -> None:
    """Noise with real commands buried in it, on an armed box: it never crashes or hangs, and within its time
    limit it lets go of every line."""
    trigger = driver(box, max_assert_ms=400)
    trigger.arm()
    trigger.close()  # the box stays armed: focus pressed on every channel
    rng = random.Random(11)
    stream = bytearray()
    for k in range(300):
        stream += bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        if k % 30 == 0:
            stream += encode_frame(100 + k % 100, rng.choice(["arm", "status", "release", "clock"]))
    with serial.Serial(box.pty, BAUD, timeout=0.05) as link:
        for i in range(0, len(stream), 64):
            link.write(bytes(stream[i : i + 64]))
            time.sleep(0.002)
    time.sleep(0.6)  # longer than max_assert_ms: anything pressed is released by now
    replies = raw_exchange(box.pty, encode_frame(250, "status"))
    assert [p.name for p in replies] == ["status_report"], "the box still answers"
    assert replies[0].fields["asserted_mask"] == 0
    edges = box.edges()
    assert rising(edges, FOCUS_PORTS), "the box was armed during the noise"
    for ports in (SHUTTER_PORTS, FOCUS_PORTS):
        up, down = rising(edges, ports), falling(edges, ports)
        for ch, cycles in up.items():
            assert down.get(ch) and down[ch][-1] > cycles[-1], f"channel {ch} left asserted"


def test_a_fire_scheduled_seconds_ahead_still_fires_on_time(box: SimulatedBox) -> None:
    """Longer ahead than the box's 2 s silence limit: the driver keeps the box company until it is time."""
    trigger = driver(box, pulse_us=50_000, focus_lead_us=5_000, max_assert_ms=5000)
    fire_at_and_check(trigger, 3.0, 0.05)
    trigger.close()
    assert len(rising(box.edges(), SHUTTER_PORTS)) == 24


def test_a_flood_of_frame_starts_does_not_reset_the_box(box: SimulatedBox) -> None:
    """A second of sync-and-length bytes at line rate: the box keeps feeding its watchdog and answers after."""
    trigger = driver(box)
    trigger.close()
    with serial.Serial(box.pty, BAUD, timeout=0.05) as link:
        chunk = bytes([SYNC, 0x02]) * 256
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            link.write(chunk)
    time.sleep(0.3)
    trigger = driver(box)
    assert trigger.identity is not None
    assert not trigger.identity.reset_cause & ResetCause.WATCHDOG, "the flood did not starve the watchdog"
    trigger.close()
