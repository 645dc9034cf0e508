"""Terrain: the wading-depth limit from the vehicle spec.

Publishes ``Vehicle.TerrainResponse.Wading.MaxDepth`` (the spec's ``wading_depth_mm``) and
``IsLimitExceeded`` when the measured ``Wading.Depth`` is above it. The dynamics plant will
not drive on while the limit is exceeded. A spec without ``wading_depth_mm`` has no known
limit: MaxDepth stays unpublished and IsLimitExceeded false (never a made-up depth).

Mode selection, hill descent and towing mode are set points (the actuator echo applies them);
the dynamics and climate services read them.
"""

from __future__ import annotations

from evtwin.runtime._signalio import read_float
from evtwin.signals import Broker, Field
from evtwin.signals import paths as P

__all__ = ["TerrainService"]


class TerrainService:
    name = "terrain"

    def __init__(self, broker: Broker, *, wading_depth_mm: float | None) -> None:
        self._broker = broker
        self.max_depth_mm = wading_depth_mm
        if wading_depth_mm is not None:
            broker.set_current(P.WADING_MAX_DEPTH_MM, round(wading_depth_mm))

    def step(self, now_s: float, dt_s: float) -> None:
        depth = read_float(self._broker, P.WADING_DEPTH_MM, 0.0)
        exceeded = self.max_depth_mm is not None and depth > self.max_depth_mm
        self._broker.update([(P.WADING_LIMIT_EXCEEDED, Field.VALUE, exceeded)])
