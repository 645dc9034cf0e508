"""``evtwin fleet …``: fleets of cars.

``evtwin fleet simulate --cars N [--days D] [--seed S] [--workers K] [--vehicle ID]
[--cycle C] [--temp-c T] [--uniform] [--gpu] [--ray-address ADDR] [--telemetry-db FILE]
[--json]`` simulates a fleet (one batched engine run per day; ``--workers K`` > 1 partitions
the cars on Ray). ``evtwin fleet ingest`` stores cars' MQTT telemetry; ``evtwin fleet serve``
answers fleet questions over HTTP (see docs/fleet.md).

JSON output of ``simulate`` (stable; units in names)::

    {"cars", "days", "seed", "vehicle", "distance_km", "energy_kwh" (battery DC, driving),
     "consumption_wh_per_km",
     "per_car": {"consumption_wh_per_km"|"range_km"|"distance_km": {"p10","p50","p90","mean"}},
     "drive_days", "depleted_days", "charging_sessions",
     "charging": {"ac_sessions", "dc_sessions", "grid_energy_kwh"},
     "updates": {"target_version", "succeeded", "failed", "rolled_back", "pending"},
     "software_versions": {version: cars}, "vehicle_steps", "engine", "workers", "wall_s",
     "assumptions": {name: text}, "telemetry_db" (with --telemetry-db)}
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
    s.add_argument(
        "--telemetry-db",
        metavar="FILE",
        help="also store what each car would report as telemetry (SQLite), for 'evtwin fleet "
        "serve --db FILE' (needs --workers 1)",
    )
    s.add_argument("--json", action="store_true", help="print the documented JSON object")
    s.set_defaults(func=run_simulate)

    ing = fsub.add_parser(
        "ingest",
        help="telemetry ingest service: MQTT -> PostgreSQL/SQLite",
        description=(
            "Subscribe to every car's telemetry topic (QoS 1, persistent session) and store "
            "the batches; a message is acknowledged only after its transaction commits. The "
            "password comes from --password or EVTWIN_FLEET_INGEST_PASSWORD."
        ),
    )
    ing.add_argument("--broker", default="127.0.0.1:1883", metavar="HOST:PORT")
    ing.add_argument("--username", default="evtwin-ingest")
    ing.add_argument("--password", help="(default: $EVTWIN_FLEET_INGEST_PASSWORD)")
    ing.add_argument("--client-id", default="evtwin-ingest", help="MQTT client id (session)")
    _store_args(ing)
    ing.set_defaults(func=run_ingest)

    srv = fsub.add_parser("serve", help="the fleet HTTP API over stored telemetry")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8090)
    srv.add_argument(
        "--campaign",
        action="append",
        default=[],
        metavar="ID:TARGET[:PREFIX+...]",
        help="a software campaign to report on (repeatable): its id, target version and VIN "
        "prefixes of its group (default: the whole fleet)",
    )
    _store_args(srv)
    srv.set_defaults(func=run_serve)


def _store_args(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", metavar="FILE", help="SQLite file (the single-machine twin)")
    where.add_argument("--postgres", metavar="DSN", help="PostgreSQL connection string")
    p.add_argument("--schema", default="evtwin_telemetry", help="PostgreSQL schema")
    p.add_argument("--retention-days", type=float, default=30.0, metavar="N")
    p.add_argument(
        "--coarse-decimals",
        type=int,
        default=2,
        metavar="N",
        help="positions rounded to N decimals unless a car opts in (default 2: ~1 km)",
    )


def _open_store(args: argparse.Namespace) -> Any:
    from evtwin.fleet import TelemetryStore

    if args.db:
        return TelemetryStore.sqlite(
            args.db, retention_days=args.retention_days, coarse_decimals=args.coarse_decimals
        )
    return TelemetryStore.postgres(
        args.postgres,
        schema=args.schema,
        retention_days=args.retention_days,
        coarse_decimals=args.coarse_decimals,
    )


def _host_port(text: str) -> tuple[str, int]:
    from evtwin.errors import TelemetryError

    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise TelemetryError(f"--broker must be HOST:PORT, got {text!r}")
    return host, int(port)


def run_ingest(args: argparse.Namespace) -> int:
    import logging
    import os
    import signal

    from evtwin.errors import TelemetryError
    from evtwin.fleet import IngestService

    host, port = _host_port(args.broker)
    password = args.password or os.environ.get("EVTWIN_FLEET_INGEST_PASSWORD")
    if not password:
        raise TelemetryError("give --password or set EVTWIN_FLEET_INGEST_PASSWORD")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = _open_store(args)
    service = IngestService(
        store,
        host=host,
        port=port,
        username=args.username,
        password=password,
        client_id=args.client_id,
    )
    signal.signal(signal.SIGTERM, lambda *_: service.request_stop())
    print(f"evtwin fleet ingest: {args.broker} -> {store.kind}", flush=True)
    service.run_forever()
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from importlib import resources
    from pathlib import Path

    import uvicorn

    from evtwin.fleet import Campaign, create_fleet_app

    campaigns = [Campaign.parse(c) for c in args.campaign]
    page_dir = Path(str(resources.files("evtwin.hmi") / "static"))  # the built front end
    app = create_fleet_app(_open_store(args), campaigns=campaigns, page_dir=page_dir)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from evtwin.errors import FleetError
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
        store, on_day = None, None
        if args.telemetry_db:
            if args.workers != 1:
                raise FleetError("--telemetry-db needs --workers 1 (per-day records stay local)")
            store, on_day = _telemetry_sink(args.telemetry_db, config)
        result = simulate_fleet(
            config,
            workers=args.workers,
            gpu=args.gpu,
            progress=lambda n: progress.advance(task, n),
            ray_address=args.ray_address,
            on_day=on_day,
        )
        if store is not None:
            store.close()
    out = result.to_json()
    if args.telemetry_db:
        out["telemetry_db"] = args.telemetry_db
    if args.json:
        print_json(out)
        return 0
    _print(out)
    return 0


def _telemetry_sink(path: str, config: Any) -> tuple[Any, Any]:
    """A SQLite telemetry store and a per-day writer: day 1 starts ``days`` days before
    today (UTC), so the newest data is yesterday's."""
    import time

    from evtwin.errors import FleetError
    from evtwin.fleet import TelemetryStore, day_batches

    if config.cars > 100_000:
        raise FleetError("--telemetry-db stores 3-5 rows per car-day: at most 100,000 cars")
    now = time.time()
    start = (now // 86400 - config.days) * 86400
    store = TelemetryStore.sqlite(path, retention_days=max(30.0, config.days + 2.0))
    convert = day_batches(start, config.seed)
    return store, lambda rec: store.write(convert(rec), now_s=now)


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
