"""Clock sync as pure arithmetic: known offset and drift are recovered, late replies are ignored, wraps unwound."""

from __future__ import annotations

import random

import pytest

from rig.trigger.clocksync import WRAP, ClockSample, ClockUnwrapper, fit

HZ = 2_000_000


def samples(
    offset: float, ppm: float, n: int, seed: int, late_every: int = 0, every_s: float = 0.5
) -> list[ClockSample]:
    """Round trips to a box whose clock started at host time `offset` and runs `ppm` fast."""
    rng = random.Random(seed)
    out, t = [], 1000.0
    for k in range(n):
        rtt = 0.0008 + rng.uniform(0, 0.0002)
        if late_every and k % late_every == 3:
            rtt += rng.uniform(0.005, 0.05)  # the OS was busy: a late reply
        reply_at = t + rng.uniform(0.2, 0.8) * rtt  # when the box read its clock
        clock = round((reply_at - offset) * HZ * (1 + ppm * 1e-6))
        out.append(ClockSample(t, t + rtt, clock))
        t += every_s
    return out


def test_offset_and_drift_are_recovered() -> None:
    # 60 round trips over 30 s: timing noise of a tenth of a millisecond leaves a few ppm of drift error
    result = fit(samples(offset=990.0, ppm=40.0, n=60, seed=1), HZ)
    assert result.drift_ppm == pytest.approx(40.0, abs=10.0)
    true_host = 990.0 + 2_000_000 / (HZ * (1 + 40e-6))
    assert abs(result.host_time(2_000_000 * 10 + 2_000_000) - (990.0 + 11 / (1 + 40e-6))) < 200e-6
    assert abs(result.host_time(2_000_000) - true_host) < 200e-6
    assert result.uncertainty_s < 1e-3


def test_late_replies_are_rejected() -> None:
    clean = fit(samples(offset=990.0, ppm=-25.0, n=60, seed=2), HZ)
    noisy = fit(samples(offset=990.0, ppm=-25.0, n=60, seed=2, late_every=4), HZ)
    assert noisy.samples_used < 60
    assert abs(noisy.host_time(123_456_789) - clean.host_time(123_456_789)) < 300e-6


def test_box_clock_and_host_time_are_inverse() -> None:
    result = fit(samples(offset=500.0, ppm=10.0, n=20, seed=3), HZ)
    for clock in (0, 1_000_000, 3_000_000_000):
        assert abs(result.box_clock(result.host_time(clock)) - clock) <= 1


def test_needs_two_samples() -> None:
    with pytest.raises(ValueError):
        fit(samples(offset=0.0, ppm=0.0, n=1, seed=4), HZ)


def test_unwrapper_counts_through_the_wrap() -> None:
    unwrap = ClockUnwrapper()
    assert unwrap(WRAP - 10) == WRAP - 10
    assert unwrap(5) == WRAP + 5
    assert unwrap(100) == WRAP + 100
    assert unwrap.wrap(WRAP + 100) == 100


def test_unwrapper_takes_readings_out_of_order() -> None:
    """A FIRED report's group clocks come after its fire clock in time but are read in any order."""
    unwrap = ClockUnwrapper()
    fire = unwrap(WRAP - 100)
    group = unwrap(50)  # 150 ticks after the fire, across the wrap
    earlier = unwrap(WRAP - 120)  # read after, but 20 ticks before the fire
    assert group - fire == 150 and fire - earlier == 20
    assert unwrap(60) == group + 10, "the reference did not move backwards"
