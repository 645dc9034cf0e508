"""``evtwin drive SCENARIO``: run a scenario headless; print each step's signals, write the
trace (CSV) and a plot.

``--json`` prints ``{scenario, name, vehicle, seed, steps, charging_refusals,
climate_refusals, faults}``; each step is ``{index, label, action, start_s, end_s, signals,
leg}`` where ``signals`` maps VSS paths to values in their VSS units and ``leg`` (drive steps,
else null) is ``{distance_km, duration_s, energy_kwh, completed, followed_trace,
trace_miss_steps, max_speed_deficit_kph, max_speed_kph}``.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from rich.table import Table

from evtwin.cli._output import console, print_json
from evtwin.scenarios import (
    ScenarioResult,
    bundled_scenarios,
    load_scenario,
    plot_trace,
    run,
    write_trace_csv,
)
from evtwin.signals import paths as P

__all__ = ["register", "result_json", "run_cmd"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "drive",
        help="run a scenario headless (drive, park, charge, precondition) and write a trace",
        description=(
            "Run a scenario file (or a bundled scenario by name) on a simulated clock: the "
            "twin drives, parks, heats and charges as the steps say. Deterministic under the "
            f"scenario's seed. Bundled: {', '.join(bundled_scenarios())}."
        ),
    )
    p.add_argument("scenario", help="bundled scenario name or path to a .toml file")
    p.add_argument("--out", metavar="TRACE.csv", help="write the trace (one row per step)")
    p.add_argument("--plot", metavar="FILE.png", help="plot speed, SOC and temperatures")
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.set_defaults(func=run_cmd)


def result_json(result: ScenarioResult) -> dict[str, Any]:
    s = result.scenario
    return {
        "scenario": s.source,
        "name": s.name,
        "vehicle": s.vehicle,
        "seed": s.seed,
        "steps": [
            {
                "index": st.index,
                "label": st.label,
                "action": st.action,
                "start_s": round(st.start_s, 3),
                "end_s": round(st.end_s, 3),
                "signals": dict(st.signals),
                "leg": None if st.leg is None else dataclasses.asdict(st.leg),
            }
            for st in result.steps
        ],
        "charging_refusals": result.charging_refusals,
        "climate_refusals": result.climate_refusals,
        "faults": result.faults,
    }


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(result: ScenarioResult) -> Table:
    table = Table(title=f"{result.scenario.name} ({result.scenario.vehicle})")
    for col in (
        "step",
        "end (h)",
        "SOC %",
        "range km",
        "odo km",
        "cabin °C",
        "outside °C",
        "battery °C",
        "charging",
        "mode",
        "leg",
    ):
        table.add_column(col)
    for st in result.steps:
        sig = st.signals
        range_m = sig.get(P.RANGE_M)
        odo = sig.get(P.TRAVELED_DISTANCE_M)
        leg = ""
        if st.leg is not None:
            leg = f"{st.leg.distance_km:.2f} km, {st.leg.energy_kwh:.2f} kWh" + (
                "" if st.leg.completed else ", NOT COMPLETED"
            )
        table.add_row(
            f"{st.index} {st.label}",
            f"{st.end_s / 3600:.2f}",
            _fmt(sig.get(P.SOC_CURRENT_PCT)),
            _fmt(None if range_m is None else float(range_m) / 1000.0, 0),  # type: ignore[arg-type]
            _fmt(None if odo is None else float(odo) / 1000.0),  # type: ignore[arg-type]
            _fmt(sig.get(P.CABIN_AIR_C)),
            _fmt(sig.get(P.AMBIENT_AIR_C)),
            _fmt(sig.get(P.BATTERY_TEMP_C)),
            "yes" if sig.get(P.IS_CHARGING) else "no",
            _fmt(sig.get(P.TERRAIN_MODE)),
            leg,
        )
    return table


def run_cmd(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    result = run(scenario)
    if args.out:
        write_trace_csv(result, Path(args.out))
    if args.plot:
        plot_trace(result, Path(args.plot))
    if args.json:
        print_json(result_json(result))
        return 0
    console.print(_table(result))
    for reason in result.charging_refusals:
        console.print(f"charging refused: {reason}")
    for reason in result.climate_refusals:
        console.print(f"climate refused: {reason}")
    for fault in result.faults:
        console.print(f"[red]service fault[/]: {fault}")
    if args.out:
        console.print(f"trace written to {args.out} ({len(result.rows)} rows)")
    if args.plot:
        console.print(f"plot written to {args.plot}")
    console.print(
        "Charging: evtwin.charging session model; cabin: evtwin.climate; "
        "the Defender Sport profile is an estimate."
    )
    return 0
