"""Time sources for the OTA client and repositories.

Uptane requires a secure source of time: metadata expiry is checked against it, never against
a clock an attacker can wind back. The twin injects a :class:`Clock`; tests use
:class:`ManualClock` so that "a car parked for six months" is one call, not a wait.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["AcceleratedClock", "Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """A wall clock in UTC (for metadata expiry) and a monotonic clock in seconds (watchdogs)."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    def monotonic_s(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""
        ...


class SystemClock:
    """The host's clock (used by ``evtwin-tuf-client``, as the conformance protocol asks)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic_s(self) -> float:
        return time.monotonic()


class AcceleratedClock:
    """The host's clock running ``factor`` times faster from the moment it is made (a demo
    server that keeps time with a car at ``evtwin up --speedup``; 1.0 = :class:`SystemClock`).

    Raises:
        ValueError: ``factor`` is not positive.
    """

    def __init__(self, factor: float) -> None:
        if not factor > 0:
            raise ValueError(f"clock speed-up factor must be positive, got {factor}")
        self.factor = factor
        self._start = datetime.now(UTC)
        self._t0_s = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic_s() - self._t0_s)

    def monotonic_s(self) -> float:
        return self._t0_s + (time.monotonic() - self._t0_s) * self.factor


class ManualClock:
    """A clock that moves only when told to: the in-memory twin of :class:`SystemClock`."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError(f"ManualClock needs a timezone-aware start, got {start!r}")
        self._now = start.astimezone(UTC)
        self._mono_s = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic_s(self) -> float:
        return self._mono_s

    def advance(self, delta: timedelta) -> None:
        """Move both clocks forward by ``delta`` (must not be negative)."""
        if delta < timedelta(0):
            raise ValueError(f"a clock cannot go backwards: advance by {delta}")
        self._now += delta
        self._mono_s += delta.total_seconds()
