"""Fleets of cars: simulation at scale (one process or Ray) and fleet telemetry.

Layer: beside ``runtime`` and ``cloud``, above ``sim``; no lower package imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evtwin.fleet._broker import write_mosquitto_config
from evtwin.fleet._ingest import IngestService, IngestStats
from evtwin.fleet._model import MAX_CAR_DAYS, MAX_CARS, MAX_DAYS, FleetConfig, assumptions
from evtwin.fleet._questions import Campaign
from evtwin.fleet._replay import day_batches, fleet_vin
from evtwin.fleet._run import simulate_fleet
from evtwin.fleet._simulate import DayRecord, FleetResult, PartitionResult, partitions
from evtwin.fleet._store import TelemetryStore

__all__ = [
    "MAX_CARS",
    "MAX_CAR_DAYS",
    "MAX_DAYS",
    "Campaign",
    "DayRecord",
    "FleetConfig",
    "FleetResult",
    "IngestService",
    "IngestStats",
    "PartitionResult",
    "TelemetryStore",
    "assumptions",
    "create_fleet_app",
    "day_batches",
    "fleet_vin",
    "partitions",
    "simulate_fleet",
    "write_mosquitto_config",
]


if TYPE_CHECKING:
    from evtwin.fleet._api import create_fleet_app


def __getattr__(name: str) -> Any:
    # FastAPI loads only when the HTTP API is wanted (`evtwin fleet simulate` starts faster)
    if name == "create_fleet_app":
        from evtwin.fleet._api import create_fleet_app

        return create_fleet_app
    raise AttributeError(f"module 'evtwin.fleet' has no attribute {name!r}")
