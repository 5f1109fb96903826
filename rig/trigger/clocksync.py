"""Host-box clock sync: the box clock's offset and drift against host time, from round trips, outliers rejected."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

WRAP = 1 << 32


class ClockUnwrapper:
    """Extends the box's 32-bit clock (wrapping every 35.8 min at 2 MHz) to a count that never wraps.

    Each reading is placed at the signed distance (within half a wrap) from the latest reading so far, so
    readings may arrive out of order (a FIRED report's groups after its fire time) without harm. The
    reference only moves forward. A box restart is not a wrap: the driver starts a new unwrapper then."""

    def __init__(self) -> None:
        self._latest: int | None = None

    def __call__(self, clock: int) -> int:
        if self._latest is None:
            self._latest = clock
            return clock
        delta = (clock - self._latest + WRAP // 2) % WRAP - WRAP // 2
        value = self._latest + delta
        self._latest = max(self._latest, value)
        return value

    def wrap(self, unwrapped: int) -> int:
        return unwrapped % WRAP


@dataclass(frozen=True)
class ClockSample:
    """One CLOCK round trip: host time before sending, after receiving, and the box clock it carried."""

    sent: float
    received: float
    box_clock: int

    @property
    def rtt(self) -> float:
        return self.received - self.sent

    @property
    def host_mid(self) -> float:
        return (self.sent + self.received) / 2.0


@dataclass(frozen=True)
class ClockFit:
    """host_time = base_host + (clock - base_clock) * seconds_per_tick, to within uncertainty_s."""

    base_clock: int
    base_host: float
    seconds_per_tick: float
    uncertainty_s: float
    samples_used: int
    nominal_hz: int

    def host_time(self, clock: int) -> float:
        return self.base_host + (clock - self.base_clock) * self.seconds_per_tick

    def box_clock(self, host_time: float) -> int:
        return self.base_clock + round((host_time - self.base_host) / self.seconds_per_tick)

    @property
    def drift_ppm(self) -> float:
        """How fast the box clock runs against the host's, in parts per million (crystal error, typically < 100)."""
        return (1.0 / (self.seconds_per_tick * self.nominal_hz) - 1.0) * 1e6


def fit(samples: Sequence[ClockSample], nominal_hz: int) -> ClockFit:
    """Least-squares line through the round trips with the shortest delays.

    A round trip's midpoint is the host time of the box's reading only to within half its RTT, and a late
    reply (the OS scheduler, a busy USB bus) is skewed, so only samples whose RTT is near the best seen are
    used: within 1.5x the minimum plus 100 us."""
    if len(samples) < 2:
        raise ValueError("clock sync needs at least two round trips")
    best = min(s.rtt for s in samples)
    kept = [s for s in samples if s.rtt <= 1.5 * best + 100e-6]
    if len(kept) < 2:
        kept = sorted(samples, key=lambda s: s.rtt)[:2]
    base = kept[0]
    xs = [s.box_clock - base.box_clock for s in kept]
    ys = [s.host_mid - base.host_mid for s in kept]
    if max(xs) == min(xs):
        slope = 1.0 / nominal_hz
    else:
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
        # a fit over a short span is noisy; a slope more than 1000 ppm off nominal is not a crystal
        if abs(slope * nominal_hz - 1.0) > 1e-3:
            slope = 1.0 / nominal_hz
    intercept = statistics.fmean(y - slope * x for x, y in zip(xs, ys, strict=True))
    residual = max(abs(y - (intercept + slope * x)) for x, y in zip(xs, ys, strict=True))
    return ClockFit(
        base_clock=base.box_clock,
        base_host=base.host_mid + intercept,
        seconds_per_tick=slope,
        uncertainty_s=max(s.rtt for s in kept) / 2.0 + residual,
        samples_used=len(kept),
        nominal_hz=nominal_hz,
    )
