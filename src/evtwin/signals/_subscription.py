"""Subscriptions with back-pressure: bounded, latest-value-coalescing, never blocking the car.

A publisher hands each update to :meth:`Subscription.offer`, which only takes the
subscription's own short lock: it replaces any pending update for the same (path, field)
with the newer one (coalescing), and if more than ``max_pending`` distinct signals are
pending it drops the oldest. A slow subscriber therefore sees the latest value of every
signal it follows, possibly skipping intermediate ones, and the publisher never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

from evtwin.signals._types import Datapoint

__all__ = ["Field", "SignalUpdate", "Subscription"]


class Field(StrEnum):
    """Which value of a signal an update carries."""

    VALUE = "value"
    """The current value (sensors, attributes, actuators)."""
    TARGET = "target"
    """The requested value of an actuator (an actuation request)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SignalUpdate:
    """A new value (or ``None``: not yet known) of one field of one signal."""

    path: str
    field: Field
    datapoint: Datapoint | None


class Subscription:
    """A subscriber's mailbox. Iterate it (or call :meth:`next_batch`) to receive batches."""

    def __init__(
        self,
        keys: frozenset[tuple[str, Field]],
        *,
        max_pending: int,
        on_close: Callable[[Subscription], None] | None = None,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self.keys = keys
        self.max_pending = max_pending
        self._pending: OrderedDict[tuple[str, Field], SignalUpdate] = OrderedDict()
        self._cond = threading.Condition()
        self._closed = False
        self._dropped = 0
        self._on_close = on_close
        self._wakers: list[Callable[[], None]] = []

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def dropped(self) -> int:
        """Updates this subscriber never saw (superseded by a newer value or overflowed)."""
        return self._dropped

    def offer(self, update: SignalUpdate) -> None:
        """Queue ``update``; called by the publisher. Never blocks beyond a short lock."""
        key = (update.path, update.field)
        with self._cond:
            if self._closed:
                return
            if key in self._pending:
                self._dropped += 1
            self._pending[key] = update
            while len(self._pending) > self.max_pending:
                self._pending.popitem(last=False)
                self._dropped += 1
            self._cond.notify_all()
            wakers = list(self._wakers)
        for wake in wakers:
            wake()

    def next_batch(self, timeout_s: float | None = None) -> list[SignalUpdate]:
        """Wait until updates are pending, then take them all (oldest first).

        Returns an empty list if ``timeout_s`` passes first or the subscription is closed.
        """
        with self._cond:
            if not self._pending and not self._closed:
                self._cond.wait(timeout_s)
            batch = list(self._pending.values())
            self._pending.clear()
            return batch

    def close(self) -> None:
        """Stop receiving; wakes a waiting :meth:`next_batch`. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
            wakers = list(self._wakers)
        for wake in wakers:
            wake()
        if self._on_close is not None:
            self._on_close(self)

    def __iter__(self) -> Iterator[list[SignalUpdate]]:
        """Yield non-empty batches until the subscription is closed."""
        while True:
            batch = self.next_batch()
            if batch:
                yield batch
            elif self._closed:
                return

    async def batches(self) -> AsyncIterator[list[SignalUpdate]]:
        """Async iteration for asyncio consumers (the central screen): yields non-empty
        batches until the subscription is closed, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the consumer's loop may be gone
                loop.call_soon_threadsafe(ready.set)

        with self._cond:
            self._wakers.append(wake)
        try:
            while True:
                ready.clear()
                batch = self.next_batch(timeout_s=0)
                if batch:
                    yield batch
                elif self._closed:
                    return
                else:
                    await ready.wait()
        finally:
            with self._cond:
                self._wakers.remove(wake)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
