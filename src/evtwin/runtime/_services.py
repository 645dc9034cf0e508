"""A minimal service host: steps the car's services on the twin clock.

Services talk only through the signal broker (by VSS path). The host calls each service's
``step(now_s, dt_s)`` in turn, either a fixed number of times on a :class:`ManualClock`
(deterministic tests, headless scenarios) or continuously in a background thread following
a real-time or accelerated clock. A service that raises is reported and kept running: one
faulty service never stops the car.

A step has four phases (a service's ``step_phase`` attribute, default
:data:`PHASE_SERVICES`), so the order the services are listed in does not matter:

1. :data:`PHASE_INPUTS`: what comes from outside the car's software, the driver's requests
   (:class:`ActuatorEcho`) and the world's sensors;
2. :data:`PHASE_SERVICES`: the car's services (climate, drive, 12 V, terrain, OTA …), which
   publish, among the rest, their power flows out of (or into) the pack;
3. :data:`PHASE_SUPPLY`: the charging session, which sees the loads just published and
   covers them from the grid;
4. :data:`PHASE_INTEGRATE`: the BMS, the one owner of the charge, turns the flows just
   published into energy, state of charge and temperature.

Each phase runs inside :meth:`Broker.deferred` (with a broker): its services all read the car
as the previous phase left it, and their writes (each signal has one writer) are applied
together when the phase ends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Final, Protocol

from evtwin.clock import Clock, ManualClock
from evtwin.errors import ScenarioError
from evtwin.signals import Broker, Field, Subscription

__all__ = [
    "PHASE_INPUTS",
    "PHASE_INTEGRATE",
    "PHASE_SERVICES",
    "PHASE_SUPPLY",
    "ActuatorEcho",
    "Service",
    "ServiceFault",
    "ServiceHost",
]

PHASE_INPUTS: Final = 0
PHASE_SERVICES: Final = 1
PHASE_SUPPLY: Final = 2
PHASE_INTEGRATE: Final = 3

log = logging.getLogger(__name__)


class Service(Protocol):
    """A piece of the running car, stepped by the :class:`ServiceHost`."""

    @property
    def name(self) -> str: ...

    def step(self, now_s: float, dt_s: float) -> None:
        """Advance by ``dt_s`` seconds to twin time ``now_s``."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class ServiceFault:
    """A step that raised: which service, when (twin time) and what."""

    service: str
    time_s: float
    error: str


class ServiceHost:
    """Steps services every ``step_s`` seconds of twin time."""

    def __init__(
        self,
        clock: Clock,
        services: Iterable[Service],
        *,
        step_s: float = 0.1,
        broker: Broker | None = None,
    ) -> None:
        if not step_s > 0:
            raise ScenarioError(f"service step must be positive, got {step_s} s")
        self.clock = clock
        self.services: list[Service] = list(services)
        self.step_s = step_s
        self.broker = broker
        """With a broker, phase 1 of a step runs inside its :meth:`Broker.deferred`."""
        self.faults: list[ServiceFault] = []
        self._last_error: dict[str, str] = {}
        self._last_s = clock.now_s()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> None:
        """Step every service once, to the clock's current time."""
        now_s = self.clock.now_s()
        dt_s, self._last_s = now_s - self._last_s, now_s
        phases: dict[int, list[Service]] = {}
        for service in self.services:
            phases.setdefault(getattr(service, "step_phase", PHASE_SERVICES), []).append(service)
        for phase in sorted(phases):
            hold: AbstractContextManager[None] = (
                self.broker.deferred() if self.broker is not None else nullcontext()
            )
            with hold:
                for service in phases[phase]:
                    self._step_one(service, now_s, dt_s)

    def _step_one(self, service: Service, now_s: float, dt_s: float) -> None:
        try:
            service.step(now_s, dt_s)
        except Exception as e:  # a faulty service must not stop the car
            last = self._last_error.get(service.name)
            if last != str(e):  # log each new failure once, not every step
                log.exception("service %s failed at t=%.3f s", service.name, now_s)
            self._last_error[service.name] = str(e)
            self.faults.append(ServiceFault(service=service.name, time_s=now_s, error=str(e)))
        else:
            self._last_error.pop(service.name, None)

    def run_steps(self, clock: ManualClock, count: int) -> None:
        """Advance a manual clock ``count`` steps, stepping the services after each."""
        for _ in range(count):
            clock.advance(self.step_s)
            self.step()

    def start(self, real_step_s: float | None = None) -> ServiceHost:
        """Step in a background thread every ``real_step_s`` real seconds (default
        ``step_s``; pass ``step_s / factor`` for an accelerated clock)."""
        if self._thread is None:
            period_s = self.step_s if real_step_s is None else real_step_s
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, args=(period_s,), name="evtwin-services", daemon=True
            )
            self._thread.start()
        return self

    def _loop(self, period_s: float) -> None:
        while not self._stop.wait(period_s):
            self.step()

    @property
    def running(self) -> bool:
        """True while the background thread steps the services."""
        return self._thread is not None

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None


class ActuatorEcho:
    """Selector and set-point actuators take the requested value at once.

    For a mode switch, a charge limit or a temperature set point, VSS's current value is the
    setting in effect: once requested (target), it applies. Actuators with physics behind
    them (a window that moves, a seat that heats) belong to their own services instead.
    """

    name = "actuator-echo"
    step_phase = PHASE_INPUTS

    def __init__(self, broker: Broker, patterns: Sequence[str]) -> None:
        self._broker = broker
        self._sub: Subscription = broker.subscribe(patterns, fields=[Field.TARGET], initial=False)

    def step(self, now_s: float, dt_s: float) -> None:
        for update in self._sub.next_batch(timeout_s=0):
            if update.datapoint is not None:
                self._broker.set_current(update.path, update.datapoint.value)

    def close(self) -> None:
        self._sub.close()
