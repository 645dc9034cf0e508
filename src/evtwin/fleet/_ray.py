"""Fleet partitions on Ray: one task per partition of whole car blocks.

Without ``address`` (or ``RAY_ADDRESS``) a local Ray instance is started for the run, with
as many CPUs as partitions (capped at this machine's), no dashboard, and shut down after.
With an address the tasks go to that cluster, whose workers need evtwin installed.
"""

from __future__ import annotations

import os
from typing import Any

from evtwin.errors import FleetError
from evtwin.fleet._model import CAR_BLOCK, FleetConfig
from evtwin.fleet._simulate import PartitionResult, Progress, simulate_partition

__all__ = ["run_on_ray"]


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - ray is in the dev and fleet extras
        raise FleetError(
            "--workers > 1 runs on Ray, which is not installed: pip install 'evtwin[fleet]'"
        ) from e
    return ray


def _partition_task(config: FleetConfig, lo: int, hi: int, gpu: bool) -> PartitionResult:
    return simulate_partition(config, lo, hi, gpu=gpu)


def _start_local(ray: Any, *, num_cpus: int, attempts: int = 2) -> None:
    """Start a local Ray instance; a start that times out is tried once more.

    Ray waits a fixed 30 s for its raylet to register; on a loaded two-core machine the
    first start can miss that while a second one (warm caches) does not.
    """
    for attempt in range(attempts):
        try:
            ray.init(
                num_cpus=num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
            return
        except Exception:
            ray.shutdown()
            if attempt == attempts - 1:
                raise


def run_on_ray(
    config: FleetConfig,
    parts: list[tuple[int, int]],
    *,
    gpu: bool = False,
    progress: Progress | None = None,
    address: str | None = None,
) -> list[PartitionResult]:
    ray = _import_ray()
    started = False
    address = address or os.environ.get("RAY_ADDRESS") or None
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                _start_local(ray, num_cpus=max(1, min(len(parts), os.cpu_count() or 1)))
        except Exception as e:  # ray raises ConnectionError, RuntimeError, ValueError, ...
            where = address or "a local Ray instance"
            raise FleetError(f"cannot start or reach {where}: {e}") from e
        started = True
    try:
        task = ray.remote(num_cpus=1, num_gpus=1 if gpu else 0)(_partition_task)
        pending = {task.remote(config, lo, hi, gpu): (hi - lo) * CAR_BLOCK for lo, hi in parts}
        results: list[PartitionResult] = []
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                results.append(ray.get(ref))
                cars = min(pending.pop(ref), config.cars)
                if progress is not None:
                    progress(cars * config.days)
        return results
    finally:
        if started:
            ray.shutdown()
