"""Fleets of cars: simulation at scale (one process or Ray) and fleet telemetry.

Layer: beside ``runtime`` and ``cloud``, above ``sim``; no lower package imports it.
"""

from __future__ import annotations

from evtwin.fleet._model import MAX_CAR_DAYS, MAX_CARS, MAX_DAYS, FleetConfig, assumptions
from evtwin.fleet._simulate import FleetResult, PartitionResult, partitions, simulate_fleet

__all__ = [
    "MAX_CARS",
    "MAX_CAR_DAYS",
    "MAX_DAYS",
    "FleetConfig",
    "FleetResult",
    "PartitionResult",
    "assumptions",
    "partitions",
    "simulate_fleet",
]
