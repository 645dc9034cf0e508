"""Time sources: one clock interface for the twin, the OTA stack and the servers.

Every clock answers three questions: :meth:`Clock.now_s` (seconds since the Unix epoch; the
twin's services and the signal broker stamp with it), :meth:`Clock.now` (the same instant,
timezone-aware UTC; Uptane checks metadata expiry against it, never against a clock an
attacker can wind back) and :meth:`Clock.monotonic_s` (seconds from an arbitrary origin that
never go backwards; watchdogs). Three kinds:

- :class:`SystemClock`: the host's clocks.
- :class:`ManualClock`: time that moves only when told to (deterministic tests, headless
  scenarios; "a car parked for six months" is one call, not a wait).
- :class:`ScaledClock`: the host's time running ``factor`` times faster from the moment it
  is made (``evtwin up --speedup``, a demo server keeping time with such a car).

``evtwin.runtime`` and ``evtwin.ota`` re-export these names; ``AcceleratedClock`` is the OTA
package's older name of :class:`ScaledClock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from evtwin.errors import ClockError

__all__ = ["AcceleratedClock", "Clock", "ManualClock", "ScaledClock", "SystemClock"]

DEFAULT_START = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
"""Where a :class:`ManualClock` starts unless told otherwise."""


class Clock(Protocol):
    """A wall clock (epoch seconds and UTC) and a monotonic clock in seconds."""

    def now_s(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def now(self) -> datetime:
        """The same instant, timezone-aware UTC."""
        ...

    def monotonic_s(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""
        ...


class SystemClock:
    """The host's clock (used by ``evtwin-tuf-client``, as the conformance protocol asks)."""

    def now_s(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic_s(self) -> float:
        return time.monotonic()


class ManualClock:
    """Time that moves only when told to.

    ``start``: a timezone-aware datetime or seconds since the Unix epoch (default
    2027-06-01 09:00 UTC). Raises :class:`~evtwin.errors.ClockError` for a naive datetime.
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        if start is None:
            start = DEFAULT_START
        if isinstance(start, datetime):
            if start.tzinfo is None:
                raise ClockError(f"ManualClock needs a timezone-aware start, got {start!r}")
            self._now = start.astimezone(UTC)
            self._now_s = self._now.timestamp()
        else:
            self._now_s = float(start)
            self._now = datetime.fromtimestamp(self._now_s, UTC)
        self._mono_s = 0.0

    def now_s(self) -> float:
        return self._now_s

    def now(self) -> datetime:
        return self._now

    def monotonic_s(self) -> float:
        return self._mono_s

    def advance(self, delta: timedelta | float) -> float:
        """Move forward by ``delta`` (a timedelta, or seconds; never backwards); returns the
        new :meth:`now_s`. Raises :class:`~evtwin.errors.ClockError` for a negative step."""
        if isinstance(delta, timedelta):
            if delta < timedelta(0):
                raise ClockError(f"a clock cannot go backwards: advance by {delta}")
            self._now += delta
            dt_s = delta.total_seconds()
            self._now_s += dt_s
        else:
            dt_s = float(delta)
            if dt_s < 0:
                raise ClockError(f"the twin clock cannot go backwards: dt_s = {delta} s")
            self._now_s += dt_s
            self._now += timedelta(seconds=dt_s)
        self._mono_s += dt_s
        return self._now_s


class ScaledClock:
    """The host's time running ``factor`` times faster (1.0 = real time, 60.0 = one twin
    minute per real second), from ``start_s`` (default: the host's time now).

    ``monotonic`` is the real-time source (``time.monotonic`` by default); pass a fake one
    for deterministic tests. Raises :class:`~evtwin.errors.ClockError` unless ``factor`` is
    positive.
    """

    def __init__(
        self,
        factor: float = 1.0,
        *,
        start_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not factor > 0:
            raise ClockError(f"clock speed-up factor must be positive, got {factor}")
        self.factor = factor
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._start_s = time.time() if start_s is None else start_s

    def _elapsed_s(self) -> float:
        return (self._monotonic() - self._t0) * self.factor

    def now_s(self) -> float:
        return self._start_s + self._elapsed_s()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_s(), UTC)

    def monotonic_s(self) -> float:
        return self._t0 + self._elapsed_s()


AcceleratedClock = ScaledClock
"""The OTA package's name of :class:`ScaledClock` (``evtwin.ota.AcceleratedClock``)."""
