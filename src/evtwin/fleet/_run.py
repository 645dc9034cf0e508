"""``simulate_fleet``: the whole fleet in this process or partitioned by car on Ray."""

from __future__ import annotations

import time
from collections.abc import Callable

from evtwin.errors import FleetError
from evtwin.fleet._model import FleetConfig
from evtwin.fleet._ray import run_on_ray
from evtwin.fleet._simulate import (
    DayRecord,
    FleetResult,
    Progress,
    merge,
    partitions,
    simulate_partition,
)
from evtwin.vehicles import load_vehicle

__all__ = ["simulate_fleet"]


def simulate_fleet(
    config: FleetConfig,
    *,
    workers: int = 1,
    gpu: bool = False,
    progress: Progress | None = None,
    ray_address: str | None = None,
    on_day: Callable[[DayRecord], None] | None = None,
) -> FleetResult:
    """The whole fleet: in this process (``workers`` 1) or partitioned by car on Ray.

    ``on_day`` (one process only) sees each simulated day's per-car record."""
    parts_spec = partitions(config, workers)
    if on_day is not None and workers != 1:
        raise FleetError("per-day records (telemetry output) need --workers 1")
    t0 = time.perf_counter()
    if workers == 1:
        parts = [
            simulate_partition(config, 0, config.blocks, gpu=gpu, progress=progress, on_day=on_day)
        ]
        backend = "one process"
    else:
        parts = run_on_ray(config, parts_spec, gpu=gpu, progress=progress, address=ray_address)
        backend = f"ray ({len(parts_spec)} partitions)"
    wall = time.perf_counter() - t0
    spec = load_vehicle(config.vehicle)
    return FleetResult(
        config=config,
        cars=merge(parts),
        usable_battery_kwh=spec.usable_battery_kwh,
        wall_s=wall,
        workers=workers,
        backend=backend + (", GPU" if gpu else ", CPU"),
    )
