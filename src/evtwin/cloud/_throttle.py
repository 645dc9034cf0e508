"""Guessing limits for the server's shared secrets (admin and provisioning tokens).

Per client address: after ``max_failures`` wrong tokens within ``window_s`` the address is
answered 429 (with ``Retry-After``) until its oldest counted failure leaves the window. Other
addresses are never affected, so an attacker cannot lock the real admin out from elsewhere.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["AuthThrottle", "SharedAuthThrottle"]


class AuthThrottle:
    """Counts wrong tokens per address in a sliding window (thread-safe).

    Args:
        max_failures: wrong tokens an address may send per window before it is refused.
        window_s: the sliding window [s].
        monotonic_s: the time source (seconds, monotonic); injectable for tests.
        max_addresses: addresses tracked at once (the oldest are forgotten past this, so a
            flood from many addresses cannot grow memory without bound).
    """

    def __init__(
        self,
        max_failures: int = 10,
        window_s: float = 60.0,
        *,
        monotonic_s: Callable[[], float] = time.monotonic,
        max_addresses: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._now = monotonic_s
        self._max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times

    def retry_after_s(self, address: str) -> int | None:
        """Whole seconds until ``address`` may try again, or ``None`` if it may now."""
        with self._lock:
            now = self._now()
            times = self._recent(address, now)
            if times is None or len(times) < self.max_failures:
                return None
            return max(1, math.ceil(times[0] + self.window_s - now))

    def failed(self, address: str) -> None:
        """Count one wrong token from ``address``."""
        with self._lock:
            now = self._now()
            times = self._recent(address, now)
            if times is None:
                if len(self._failures) >= self._max_addresses:
                    self._failures.pop(next(iter(self._failures)))
                times = self._failures[address] = deque()
            times.append(now)
            while len(times) > self.max_failures:
                times.popleft()


class SharedAuthThrottle:
    """:class:`AuthThrottle` whose counts live in the OTA database, shared by every server
    process on it: ten wrong tokens from one address count the same whichever process
    answered them. Times are Unix seconds (``wall_s``; every process shares the clock).

    Args:
        db: an :class:`~evtwin.cloud.OtaDatabase` (its ``auth_failures`` table).
        max_failures, window_s: as :class:`AuthThrottle`.
    """

    def __init__(
        self,
        db: Any,
        max_failures: int = 10,
        window_s: float = 60.0,
        *,
        wall_s: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.max_failures = max_failures
        self.window_s = window_s
        self._now = wall_s

    def retry_after_s(self, address: str) -> int | None:
        """Whole seconds until ``address`` may try again, or ``None`` if it may now."""
        now = self._now()
        times: list[float] = self.db.auth_failure_times(address, now - self.window_s)
        if len(times) < self.max_failures:
            return None
        # allowed again once fewer than max_failures are left in the window
        leaving = times[len(times) - self.max_failures]
        return max(1, math.ceil(leaving + self.window_s - now))

    def failed(self, address: str) -> None:
        """Count one wrong token from ``address``."""
        now = self._now()
        self.db.add_auth_failure(address, now, now - self.window_s)
