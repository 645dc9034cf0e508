"""The running car: the twin clock (and, as they land, the services stepped by it)."""

from __future__ import annotations

from evtwin.runtime._clock import Clock, ManualClock, ScaledClock, SystemClock

__all__ = ["Clock", "ManualClock", "ScaledClock", "SystemClock"]
