"""The in-process signal broker: the single place the car's services read and write signals.

Thread-safe (one lock; publishers never wait for subscribers, see ``_subscription``).
VSS semantics: sensors and attributes have a current value; actuators have a current value
(what the actuator does now) and a target value (what was requested). Setting a target on a
sensor or attribute raises :class:`~evtwin.errors.NotAnActuatorError`.

Timestamps come from an injected clock (seconds since the Unix epoch), so the twin's clock,
real-time or accelerated, stamps every datapoint; tests pass a manual clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Final

from evtwin.errors import NotAnActuatorError, SignalClaimedError, SignalPermissionError
from evtwin.signals._catalogue import Catalogue, load_catalogue
from evtwin.signals._subscription import Field, SignalUpdate, Subscription
from evtwin.signals._types import Datapoint, SignalMetadata, Value, check_value

__all__ = ["TWIN_PROVIDER", "Broker", "Change"]

TWIN_PROVIDER: Final = "evtwin"
"""Provider name of the twin itself (it claims every sensor it simulates)."""

DEFAULT_MAX_PENDING: Final = 1000
"""Distinct signals a subscriber may have pending before the oldest is dropped (KUKSA's
maximum subscription buffer is 1000 too)."""

Change = tuple[str, Field, object]
"""One requested change: (path, field, value)."""


class Broker:
    """Typed VSS signal store with current/target values and subscriptions."""

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        *,
        clock: Callable[[], float] = time.time,
        apply_defaults: bool = True,
    ) -> None:
        self._catalogue = catalogue if catalogue is not None else load_catalogue()
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[tuple[str, Field], Datapoint] = {}
        self._subscribers: dict[tuple[str, Field], set[Subscription]] = {}
        self._owners: dict[str, str] = {}
        self._held = threading.local()  # .queue: this thread's writes held by deferred()
        if apply_defaults:
            now = clock()
            for meta in self._catalogue.values():
                if meta.default is not None:
                    value = check_value(meta, meta.default)
                    self._values[(meta.path, Field.VALUE)] = Datapoint(value=value, timestamp_s=now)

    # -- metadata ------------------------------------------------------------------------------
    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    def metadata(self, path: str) -> SignalMetadata:
        """Metadata of one leaf (:class:`~evtwin.errors.UnknownSignalError` if none)."""
        return self._catalogue[path]

    def list_metadata(self, pattern: str = "Vehicle") -> list[SignalMetadata]:
        """Metadata of every leaf matching a leaf/branch path or ``*``/``**`` pattern."""
        return self._catalogue.match(pattern)

    def now_s(self) -> float:
        """The broker clock's time (seconds since the Unix epoch)."""
        return self._clock()

    # -- reading -------------------------------------------------------------------------------
    def get(self, path: str) -> Datapoint | None:
        """Current value of ``path``; ``None`` if nothing has been published yet."""
        self._catalogue[path]
        with self._lock:
            return self._values.get((path, Field.VALUE))

    def get_target(self, path: str) -> Datapoint | None:
        """Target value of actuator ``path``; ``None`` if none was requested yet."""
        meta = self._catalogue[path]
        if not meta.is_actuator:
            raise NotAnActuatorError(
                f"{path} is a {meta.entry_type.value}: only actuators have a target value"
            )
        with self._lock:
            return self._values.get((path, Field.TARGET))

    # -- providers (KUKSA's roles: clients actuate, providers publish) ---------------------------
    def claim(self, paths: Iterable[str], provider: str) -> None:
        """``provider`` becomes the only one allowed to publish the current value of
        ``paths`` from outside (checked by :meth:`check_provider`); all-or-nothing, and
        :class:`~evtwin.errors.SignalClaimedError` if another provider holds one."""
        wanted = [self._catalogue[p].path for p in paths]
        with self._lock:
            taken = sorted(p for p in wanted if self._owners.get(p, provider) != provider)
            if taken:
                shown = ", ".join(f"{p} (by {self._owners[p]})" for p in taken[:5])
                more = f" and {len(taken) - 5} more" if len(taken) > 5 else ""
                raise SignalClaimedError(f"already provided: {shown}{more}")
            for p in wanted:
                self._owners[p] = provider

    def release(self, provider: str) -> None:
        """Drop every claim of ``provider`` (its stream ended)."""
        with self._lock:
            for p in [p for p, owner in self._owners.items() if owner == provider]:
                del self._owners[p]

    def provider_of(self, path: str) -> str | None:
        """Who claimed ``path`` (``None``: unclaimed, any client may publish it)."""
        with self._lock:
            return self._owners.get(path)

    def check_provider(self, path: str, provider: str | None) -> None:
        """Raise :class:`~evtwin.errors.SignalPermissionError` unless ``provider`` (``None``:
        an ordinary client) may publish the current value of ``path``."""
        owner = self.provider_of(self._catalogue[path].path)
        if owner is not None and owner != provider:
            meta = self._catalogue[path]
            raise SignalPermissionError(
                f"{path} is a {meta.entry_type.value} provided by {owner}: clients may not "
                "write its value (clients actuate, providers publish)"
            )

    # -- writing -------------------------------------------------------------------------------
    def check(self, path: str, field: Field, value: object) -> Value:
        """Validate one change without applying it; returns the normalised value."""
        meta = self._catalogue[path]
        if field is Field.TARGET and not meta.is_actuator:
            raise NotAnActuatorError(
                f"cannot set a target value on {path}: it is a {meta.entry_type.value}, "
                f"and only actuators have a target value"
            )
        return check_value(meta, value)

    def set_current(
        self, path: str, value: object, *, timestamp_s: float | None = None
    ) -> Datapoint:
        """Publish the current value of a sensor, attribute or actuator."""
        return self.update([(path, Field.VALUE, value)], timestamp_s=timestamp_s)[0]

    def set_target(self, path: str, value: object) -> Datapoint:
        """Request actuator ``path`` to reach ``value`` (actuate)."""
        return self.update([(path, Field.TARGET, value)])[0]

    def update(
        self, changes: Sequence[Change], *, timestamp_s: float | None = None
    ) -> list[Datapoint]:
        """Apply several changes atomically: all are validated first, and if any is bad
        nothing is applied and its error is raised."""
        checked = [(path, field, self.check(path, field, value)) for path, field, value in changes]
        stamp = self._clock() if timestamp_s is None else timestamp_s
        queue: list[tuple[list[tuple[str, Field, Value]], float]] | None = getattr(
            self._held, "queue", None
        )
        if queue is not None:  # deferred(): applied when the block ends
            queue.append((checked, stamp))
            return [Datapoint(value=value, timestamp_s=stamp) for _, _, value in checked]
        return self._apply(checked, stamp)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold this thread's writes until the block ends, then apply them in order.

        Inside the block this thread reads the values as they were when it began (its own
        writes included: they wait too), so services stepped one after another inside it all
        see the same state, whatever their order. Other threads' writes are not held.
        """
        if getattr(self._held, "queue", None) is not None:
            yield  # nested: the outer block applies
            return
        queue: list[tuple[list[tuple[str, Field, Value]], float]] = []
        self._held.queue = queue
        try:
            yield
        finally:
            self._held.queue = None
            for checked, stamp in queue:
                self._apply(checked, stamp)

    def _apply(self, checked: list[tuple[str, Field, Value]], stamp: float) -> list[Datapoint]:
        out: list[Datapoint] = []
        with self._lock:
            for path, field, value in checked:
                key = (path, field)
                previous = self._values.get(key)
                dp = Datapoint(value=value, timestamp_s=stamp)
                self._values[key] = dp
                out.append(dp)
                # Current values notify on change; every actuation request is delivered.
                if field is Field.VALUE and previous is not None and previous.value == value:
                    continue
                update = SignalUpdate(path=path, field=field, datapoint=dp)
                for sub in self._subscribers.get(key, ()):
                    sub.offer(update)
        return out

    # -- subscribing ---------------------------------------------------------------------------
    def subscribe(
        self,
        patterns: str | Iterable[str],
        *,
        fields: Iterable[Field] = (Field.VALUE,),
        max_pending: int = DEFAULT_MAX_PENDING,
        initial: bool = True,
    ) -> Subscription:
        """Follow the signals matching ``patterns``.

        With ``initial`` the first batch holds every followed value as it is now (``None``
        datapoint if not known yet), as KUKSA's Subscribe does. Target fields are followed
        for actuators only.
        """
        return self.subscribe_keys(
            self.resolve(patterns, fields), max_pending=max_pending, initial=initial
        )

    def subscribe_keys(
        self,
        keys: frozenset[tuple[str, Field]],
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        initial: bool = True,
    ) -> Subscription:
        """Follow (path, field) keys already resolved by :meth:`resolve`."""
        sub = Subscription(keys, max_pending=max_pending, on_close=self._unsubscribe)
        with self._lock:
            for key in sorted(keys, key=self._order):
                self._subscribers.setdefault(key, set()).add(sub)
                if initial:
                    path, field = key
                    sub.offer(SignalUpdate(path=path, field=field, datapoint=self._values.get(key)))
        return sub

    def resolve(
        self, patterns: str | Iterable[str], fields: Iterable[Field] = (Field.VALUE,)
    ) -> frozenset[tuple[str, Field]]:
        """The (path, field) keys that ``patterns`` name (raises for unknown patterns)."""
        if isinstance(patterns, str):
            patterns = [patterns]
        wanted = tuple(fields)
        keys: set[tuple[str, Field]] = set()
        for pattern in patterns:
            for meta in self._catalogue.match(pattern):
                for field in wanted:
                    if field is Field.VALUE or meta.is_actuator:
                        keys.add((meta.path, field))
        return frozenset(keys)

    def _order(self, key: tuple[str, Field]) -> tuple[int, str]:
        return (self._catalogue[key[0]].id, key[1].value)

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            for key in sub.keys:
                subs = self._subscribers.get(key)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subscribers[key]

    def snapshot(self, paths: Iterable[str] | None = None) -> Mapping[str, Datapoint]:
        """Current values of ``paths`` (all known values if ``None``), for displays and tests."""
        with self._lock:
            if paths is None:
                return {p: dp for (p, f), dp in self._values.items() if f is Field.VALUE}
            return {p: dp for p in paths if (dp := self._values.get((p, Field.VALUE))) is not None}
