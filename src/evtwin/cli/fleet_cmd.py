"""``evtwin fleet …``: fleets of cars.

``evtwin fleet simulate --cars N [--days D] [--seed S] [--workers K] [--vehicle ID]
[--cycle C] [--temp-c T] [--uniform] [--gpu] [--ray-address ADDR] [--json]`` simulates a
fleet (one batched engine run per day; ``--workers K`` > 1 partitions the cars on Ray).

JSON output of ``simulate`` (stable; units in names)::

    {"cars", "days", "seed", "vehicle", "distance_km", "energy_kwh" (battery DC, driving),
     "consumption_wh_per_km",
     "per_car": {"consumption_wh_per_km"|"range_km"|"distance_km": {"p10","p50","p90","mean"}},
     "drive_days", "depleted_days", "charging_sessions",
     "charging": {"ac_sessions", "dc_sessions", "grid_energy_kwh"},
     "updates": {"target_version", "succeeded", "failed", "rolled_back", "pending"},
     "software_versions": {version: cars}, "vehicle_steps", "engine", "workers", "wall_s",
     "assumptions": {name: text}}
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from evtwin.cli._output import console, print_json

__all__ = ["register"]

_PROGRESS_MIN_CAR_DAYS = 20_000


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "fleet", help="fleets: simulate many cars, telemetry ingest and fleet questions"
    )
    fsub = p.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    s = fsub.add_parser(
        "simulate",
        help="simulate a fleet's energy, charging and software updates",
        description=(
            "Many cars with varied usage, weather, driving style and software versions, one "
            "batched engine run per day. Every modelling default is listed under "
            "'assumptions' in --json."
        ),
    )
    s.add_argument("--cars", type=int, required=True, metavar="N", help="fleet size")
    s.add_argument("--days", type=int, default=7, metavar="D", help="days (default 7)")
    s.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    s.add_argument(
        "--workers", type=int, default=1, metavar="K", help="Ray partitions (default 1: in process)"
    )
    s.add_argument("--vehicle", default="defender-sport", help="catalogue id of every car")
    s.add_argument("--cycle", metavar="NAME", help="pin every car's trip to this cycle")
    s.add_argument("--temp-c", type=float, metavar="T", help="pin every day's ambient, °C")
    s.add_argument(
        "--uniform",
        action="store_true",
        help="no per-car variety: no payload or HVAC, full every morning (evtwin range's "
        "conditions)",
    )
    s.add_argument("--gpu", action="store_true", help="run each day's batch on the CUDA driver")
    s.add_argument("--ray-address", metavar="ADDR", help="an existing Ray cluster")
    s.add_argument("--json", action="store_true", help="print the documented JSON object")
    s.set_defaults(func=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from evtwin.fleet import FleetConfig, simulate_fleet

    config = FleetConfig(
        cars=args.cars,
        days=args.days,
        seed=args.seed,
        vehicle=args.vehicle,
        cycle=args.cycle,
        temp_c=args.temp_c,
        uniform=args.uniform,
    )
    total = config.cars * config.days
    show = total >= _PROGRESS_MIN_CAR_DAYS
    err = Console(file=sys.stderr)
    with Progress(
        TextColumn("fleet"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} car-days"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task("simulate", total=total)
        result = simulate_fleet(
            config,
            workers=args.workers,
            gpu=args.gpu,
            progress=lambda n: progress.advance(task, n),
            ray_address=args.ray_address,
        )
    out = result.to_json()
    if args.json:
        print_json(out)
        return 0
    _print(out)
    return 0


def _print(out: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(title=f"fleet of {out['cars']:,} '{out['vehicle']}' over {out['days']} days")
    t.add_column("measure")
    t.add_column("value", justify="right")
    pc = out["per_car"]
    rows = [
        ("distance", f"{out['distance_km']:,.0f} km"),
        ("battery energy driving", f"{out['energy_kwh']:,.1f} kWh"),
        ("consumption (fleet)", f"{out['consumption_wh_per_km']} Wh/km"),
        (
            "range per car p10/p50/p90",
            "/".join(f"{pc['range_km'][k]}" for k in ("p10", "p50", "p90")) + " km",
        ),
        (
            "charging sessions (AC/DC)",
            f"{out['charging']['ac_sessions']:,}/{out['charging']['dc_sessions']:,}",
        ),
        ("grid energy", f"{out['charging']['grid_energy_kwh']:,.1f} kWh"),
        (
            f"updates to {out['updates']['target_version']}",
            f"{out['updates']['succeeded']:,} ok, {out['updates']['failed']:,} failed attempts, "
            f"{out['updates']['rolled_back']:,} rolled back, {out['updates']['pending']:,} pending",
        ),
        ("engine", f"{out['engine']}, {out['vehicle_steps']:,} vehicle-steps"),
        ("wall time", f"{out['wall_s']:.2f} s"),
    ]
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    console.print("assumptions (model defaults, not fleet data):")
    for k, v in out["assumptions"].items():
        console.print(f"  {k}: {v}")
