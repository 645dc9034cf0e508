"""``evtwin vehicles``: the catalogue as a table (or JSON)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from evtwin.cli._output import console, print_json
from evtwin.vehicles import catalogue_json, list_vehicles

__all__ = ["register"]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "vehicles",
        help="list the vehicle catalogue",
        description="List catalogue vehicles. ESTIMATE marks unreleased cars' estimated profiles.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    specs = list_vehicles()
    if args.json:
        print_json(catalogue_json())
        return 0
    table = Table(title="evtwin vehicle catalogue", title_justify="left")
    # Ids are what users copy into the next command: never wrapped or cut.
    table.add_column("id", no_wrap=True, min_width=max(len(s.id) for s in specs))
    for col, just in [
        ("name", "left"),
        ("profile", "left"),
        ("drive", "left"),
        ("kerb kg", "right"),
        ("battery kWh", "right"),
        ("power kW", "right"),
        ("official WLTP km", "right"),
    ]:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for s in specs:
        table.add_row(
            s.id,
            s.name,
            "[bold yellow]ESTIMATE[/]" if s.is_estimate else "published",
            s.drivetrain,
            f"{s.kerb_mass_kg:,.0f}",
            f"{s.usable_battery_kwh:g}",
            f"{s.motor_power_kw:g}",
            f"{s.official.wltp_range_km:g}" if s.official.wltp_range_km else "-",
        )
    console.print(table)
    console.print(
        f"{len(specs)} vehicles. Published specs: sources in each vehicle's spec file. "
        "ESTIMATE: unreleased car, every number an assumption (see its \\[sources])."
    )
    return 0
