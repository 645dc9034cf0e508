"""The twin's clock: real time, accelerated, or stepped by hand (tests, scenarios).

Every clock answers :meth:`Clock.now_s`, seconds since the Unix epoch in twin time; the signal
broker stamps datapoints with it (``Broker(clock=clock.now_s)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from evtwin.errors import ScenarioError

__all__ = ["Clock", "ManualClock", "ScaledClock", "SystemClock"]


class Clock(Protocol):
    """Twin time source."""

    def now_s(self) -> float:
        """Twin time, seconds since the Unix epoch."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now_s(self) -> float:
        return time.time()


class ManualClock:
    """Time that moves only when told to: deterministic tests and headless scenarios."""

    def __init__(self, start_s: float = 0.0) -> None:
        self._now_s = start_s

    def now_s(self) -> float:
        return self._now_s

    def advance(self, dt_s: float) -> float:
        """Move forward by ``dt_s`` seconds (never backwards); returns the new time."""
        if dt_s < 0:
            raise ScenarioError(f"the twin clock cannot go backwards: dt_s = {dt_s} s")
        self._now_s += dt_s
        return self._now_s


class ScaledClock:
    """Twin time running ``factor`` times faster than real time (1.0 = real time, 60.0 =
    one twin minute per real second), starting at ``start_s``.

    ``monotonic`` is the real-time source (``time.monotonic`` by default); pass a fake one
    for deterministic tests.
    """

    def __init__(
        self,
        factor: float = 1.0,
        *,
        start_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not factor > 0:
            raise ScenarioError(f"clock speed-up factor must be positive, got {factor}")
        self.factor = factor
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._start_s = time.time() if start_s is None else start_s

    def now_s(self) -> float:
        return self._start_s + (self._monotonic() - self._t0) * self.factor
