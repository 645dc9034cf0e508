"""``evtwin route``: an energy-aware route with charging stops and arrival-SOC bands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from evtwin.cli._output import console, print_json
from evtwin.nav import ChargerFilter, TripRequest, plan_trip
from evtwin.nav.plot import plot_trip
from evtwin.vehicles import resolve_vehicle

__all__ = ["register", "request_from_args"]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "route",
        help="route with charging stops and arrival charge (sat nav)",
        description=(
            "Plan a trip FROM -> TO (town, city, place in a bundled map, or 'lat,lon') with "
            "the fastest charging stops, arrival charge P10/P50/P90 and turn-by-turn steps. "
            "Roads: OSRM on bundled maps (© OpenStreetMap contributors) and the GB motorway "
            "network (Contains OS data © Crown copyright and database right 2024)."
        ),
    )
    p.add_argument("origin", metavar="FROM")
    p.add_argument("destination", metavar="TO")
    p.add_argument("--vehicle", help="catalogue id (see 'evtwin vehicles')")
    p.add_argument("--spec", metavar="FILE", help="a vehicle spec TOML file instead")
    p.add_argument("--soc", type=float, default=80.0, metavar="N", help="start SOC, %% (80)")
    p.add_argument(
        "--min-arrival-soc",
        type=float,
        default=10.0,
        metavar="N",
        help="minimum SOC at every stop and at the destination, %% (10)",
    )
    p.add_argument(
        "--max-charge",
        type=float,
        default=80.0,
        metavar="N",
        help="charge to at most N %% unless charging longer saves time (80)",
    )
    p.add_argument("--depart", metavar="HH:MM", help="departure time (for the ETA)")
    p.add_argument("--via", action="append", default=[], metavar="PLACE", help="a stop on the way")
    p.add_argument("--temp-c", type=float, default=23.0, metavar="N", help="ambient, °C (23)")
    p.add_argument("--cabin-temp-c", type=float, metavar="N", help="cabin set point, °C")
    p.add_argument("--payload-kg", type=float, default=0.0, metavar="N")
    p.add_argument("--trailer-kg", type=float, default=0.0, metavar="N")
    p.add_argument(
        "--confidence",
        type=float,
        default=0.5,
        metavar="P",
        help="plan to the minimum arrival SOC with this confidence (0.5..0.99)",
    )
    p.add_argument("--samples", type=int, default=1000, metavar="N", help="Monte Carlo samples")
    p.add_argument("--charger-min-kw", type=float, default=50.0, metavar="N")
    p.add_argument("--connector", default="ccs2", choices=("ccs2", "chademo", "type2"))
    p.add_argument("--network", metavar="NAME", help="only chargers of this network")
    p.add_argument("--chargers", metavar="FILE", help="charger list (NCR CSV format)")
    p.add_argument(
        "--dem",
        metavar="DIR",
        help="folder of SRTM .hgt tiles (e.g. N52W001.hgt): elevation along the route "
        "(flat without one)",
    )
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="route map and SOC trace with band")
    p.set_defaults(func=run)


def request_from_args(args: argparse.Namespace) -> TripRequest:
    return TripRequest(
        origin=args.origin,
        destination=args.destination,
        spec=resolve_vehicle(args.vehicle, args.spec),
        vias=tuple(args.via),
        soc_pct=args.soc,
        min_arrival_soc_pct=args.min_arrival_soc,
        max_charge_pct=args.max_charge,
        depart=args.depart,
        temp_c=args.temp_c,
        cabin_temp_c=args.cabin_temp_c,
        payload_kg=args.payload_kg,
        trailer_kg=args.trailer_kg,
        confidence=args.confidence,
        samples=args.samples,
        charger_filter=ChargerFilter(
            connector=args.connector, min_power_kw=args.charger_min_kw, network=args.network
        ),
        chargers_file=Path(args.chargers) if args.chargers else None,
        dem_dir=Path(args.dem) if args.dem else None,
    )


def run(args: argparse.Namespace) -> int:
    plan = plan_trip(request_from_args(args))
    if args.plot:
        plot_trip(plan, Path(args.plot))
    if args.json:
        print_json(plan)
        return 0
    t = plan["totals"]
    console.print(
        f"[bold]{plan['from']['name']} → {plan['to']['name']}[/] ({plan['vehicle']}): "
        f"{t['distance_km']:.0f} km, {t['total_min'] / 60:.1f} h "
        f"(drive {t['drive_min']:.0f} min, charge {t['charge_min']:.0f} min), "
        f"arrive with {plan['arrival_soc_pct']['p50']:.0f} % "
        f"(P10 {plan['arrival_soc_pct']['p10']:.0f} %, P90 {plan['arrival_soc_pct']['p90']:.0f} %)"
    )
    if plan["eta"]:
        console.print(f"depart {plan['eta']['depart']}, arrive {plan['eta']['arrive']}")
    table = Table(title="charging stops", title_justify="left")
    for col in ("#", "charger", "network", "kW", "arrive %", "leave %", "charge min", "detour km"):
        table.add_column(col, justify="left" if col in ("charger", "network") else "right")
    for i, s in enumerate(plan["stops"], start=1):
        table.add_row(
            str(i),
            s["name"],
            s["network"],
            f"{s['power_kw']:g}",
            f"{s['arrive_soc_pct']:.0f}",
            f"{s['depart_soc_pct']:.0f}",
            f"{s['charge_min']:.0f}",
            f"{s['detour_km']:.1f}",
        )
    if plan["stops"]:
        console.print(table)
    else:
        console.print("no charging stop needed")
    for part in plan["coarse_parts"]:
        console.print(f"coarse: {part['what']}: {part['distance_km']:.1f} km ({part['method']})")
    if plan["elevation"] is not None:
        console.print(f"elevation: {plan['assumptions']['elevation']}")
    for key in ("charger_data", "voltage", "max_charge"):
        if key in plan["assumptions"]:
            console.print(f"note: {plan['assumptions'][key]}")
    console.print("; ".join(plan["attribution"]))
    if args.plot:
        console.print(f"plot written to {args.plot}")
    return 0
