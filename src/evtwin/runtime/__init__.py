"""The running car: the twin clock and the host that steps the car's services on it."""

from __future__ import annotations

from evtwin.runtime._clock import Clock, ManualClock, ScaledClock, SystemClock
from evtwin.runtime._services import ActuatorEcho, Service, ServiceFault, ServiceHost

__all__ = [
    "ActuatorEcho",
    "Clock",
    "ManualClock",
    "ScaledClock",
    "Service",
    "ServiceFault",
    "ServiceHost",
    "SystemClock",
]
