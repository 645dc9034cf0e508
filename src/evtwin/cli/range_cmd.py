"""``evtwin range``: range and consumption of a vehicle under WLTP or your conditions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from evtwin.cli._output import console, print_json, save_figure
from evtwin.errors import ScenarioError
from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges, wltp_queries
from evtwin.sim.traces import CYCLES, Trace, constant_speed, cycle, load_profile
from evtwin.vehicles import list_vehicles, resolve_vehicle
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["register"]

PLOT_SPEEDS_KPH = tuple(range(30, 151, 10))
PLOT_TEMPS_C = (-10.0, 0.0, 10.0, 23.0, 35.0)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "range",
        help="range and consumption (WLTP or your conditions)",
        description=(
            "Range and consumption of a catalogue VEHICLE or a --spec FILE. With no cycle, "
            "speed or condition options this is the WLTP procedure (GTR 15: WLTC class 3b, "
            "test mass, 23 °C). Any option switches to your conditions: kerb mass plus "
            "--payload-kg, on the chosen cycle (default WLTC), speed or profile."
        ),
    )
    p.add_argument("vehicle", nargs="?", help="catalogue id (see 'evtwin vehicles')")
    p.add_argument("--spec", metavar="FILE", help="a vehicle spec TOML file instead of an id")
    p.add_argument("--all", action="store_true", help="every catalogue vehicle (WLTP table)")
    drive = p.add_mutually_exclusive_group()
    drive.add_argument("--cycle", choices=sorted(CYCLES), help="drive cycle (default: wltc)")
    drive.add_argument("--speed-kph", type=float, metavar="N", help="constant speed, km/h")
    drive.add_argument(
        "--profile", metavar="CSV", help="speed/grade profile: time_s,speed_kph[,grade_percent]"
    )
    p.add_argument("--temp-c", type=float, metavar="N", help="ambient temperature, °C")
    p.add_argument("--payload-kg", type=float, metavar="N", help="load beyond the driver, kg")
    p.add_argument("--trailer-kg", type=float, metavar="N", help="trailer mass, kg")
    p.add_argument(
        "--trailer-cda-m2",
        type=float,
        metavar="N",
        help="trailer extra drag area Cd*A, m² (default 0.6 m² with a trailer; assumption)",
    )
    p.add_argument("--hvac-w", type=float, metavar="N", help="constant HVAC electric load, W")
    p.add_argument("--headwind-kph", type=float, metavar="N", help="headwind, km/h (<0 tailwind)")
    p.add_argument("--altitude-m", type=float, metavar="N", help="altitude, m")
    p.add_argument(
        "--road",
        choices=("real", "test"),
        default=None,
        help="real: public-road rolling/drag factors (default); test: type-approval road load",
    )
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.add_argument(
        "--plot", metavar="FILE.png", help="also plot range vs speed at several temperatures"
    )
    p.set_defaults(func=run)


_CONDITION_ARGS = (
    "road",
    "temp_c",
    "payload_kg",
    "trailer_kg",
    "trailer_cda_m2",
    "hvac_w",
    "headwind_kph",
    "altitude_m",
)


def _conditions(args: argparse.Namespace) -> Conditions:
    kw: dict[str, Any] = {"initial_soc": 1.0, "road": args.road or "real"}
    if args.temp_c is not None:
        kw["ambient_temp_c"] = args.temp_c
    if args.payload_kg is not None:
        kw["payload_kg"] = args.payload_kg
    if args.trailer_kg is not None:
        kw["trailer_kg"] = args.trailer_kg
        kw["trailer_cda_m2"] = 0.6 if args.trailer_cda_m2 is None else args.trailer_cda_m2
    elif args.trailer_cda_m2 is not None:
        raise ScenarioError("--trailer-cda-m2 needs --trailer-kg")
    if args.hvac_w is not None:
        kw["hvac_w"] = args.hvac_w
    if args.headwind_kph is not None:
        kw["headwind_mps"] = args.headwind_kph / 3.6
    if args.altitude_m is not None:
        kw["altitude_m"] = args.altitude_m
    return Conditions(**kw)


def _trace(args: argparse.Namespace) -> Trace:
    if args.speed_kph is not None:
        return constant_speed(args.speed_kph)
    if args.profile is not None:
        return load_profile(args.profile)
    return cycle(args.cycle or "wltc")


def _queries(args: argparse.Namespace, specs: list[VehicleSpec]) -> list[RangeQuery]:
    custom = (
        args.cycle is not None
        or args.speed_kph is not None
        or args.profile is not None
        or any(getattr(args, a) is not None for a in _CONDITION_ARGS)
    )
    if not custom:
        return wltp_queries(specs, default_constants())
    conditions, trace = _conditions(args), _trace(args)
    return [RangeQuery(s, trace, conditions, "custom") for s in specs]


def run(args: argparse.Namespace) -> int:
    if args.all:
        if args.vehicle or args.spec:
            raise ScenarioError("--all lists every catalogue vehicle: drop VEHICLE/--spec")
        specs = list_vehicles()
    else:
        specs = [resolve_vehicle(args.vehicle, args.spec)]
    results = estimate_ranges(_queries(args, specs))
    if args.plot:
        _plot(specs[0], Path(args.plot), args)
    if args.json:
        print_json(results[0].to_json() if len(results) == 1 else [r.to_json() for r in results])
        return 0
    _print_table(results)
    if args.plot:
        console.print(f"plot written to {args.plot}")
    return 0


def _print_table(results: list[RangeEstimate]) -> None:
    r0 = results[0]
    title = (
        "WLTP range (GTR 15 procedure, model prediction)"
        if r0.procedure == "wltp"
        else f"Range on {r0.trace}"
    )
    table = Table(title=title, title_justify="left")
    for col in (
        "vehicle",
        "profile",
        "range km",
        "range mi",
        "DC Wh/km",
        "plug Wh/km",
        "official WLTP km",
    ):
        table.add_column(col, justify="left" if col in ("vehicle", "profile") else "right")
    for r in sorted(results, key=lambda r: (not r.is_estimate, r.vehicle_id)):
        off = r.official.get("wltp_range_km")
        table.add_row(
            r.vehicle_id,
            "[bold yellow]ESTIMATE[/]" if r.is_estimate else "published",
            f"{r.range_km:,.0f}",
            f"{r.range_miles:,.0f}",
            f"{r.consumption_wh_per_km:.0f}",
            f"{r.consumption_ac_wh_per_km:.0f}",
            f"{off:g}" if off else "-",
        )
    console.print(table)
    if len(results) == 1:
        e = r0.energy_wh_per_km
        parts = [
            ("aero", e["aerodynamic_drag"]),
            ("rolling", e["rolling_resistance"]),
            ("climbing", e["climbing"]),
            ("motor+inverter", e["motor_inverter_loss"]),
            ("gear", e["gear_loss"]),
            ("battery", e["battery_internal_loss"]),
            ("friction brakes", e["friction_braking"]),
            ("12 V", e["auxiliary"]),
            ("HVAC", e["hvac"]),
        ]
        console.print(
            "where the energy goes (Wh/km): "
            + ", ".join(f"{name} {value:.0f}" for name, value in parts if abs(value) >= 0.5)
            + f"; regenerated at the wheel {e['regenerated_at_wheel']:.0f}"
        )
    if r0.procedure != "wltp":
        c = r0.conditions
        console.print(
            f"conditions: {c['ambient_temp_c']:g} °C, payload {c['payload_kg']:g} kg, trailer "
            f"{c['trailer_kg']:g} kg, HVAC {c['hvac_w']:g} W, headwind "
            f"{c['headwind_mps'] * 3.6:g} km/h, altitude {c['altitude_m']:g} m, "
            f"{'public road' if c['road'] == 'real' else 'test road load'}"
        )
    for r in results:
        if not r.followed_trace:
            console.print(
                f"[bold red]warning[/]: {r.vehicle_id} could not follow the trace "
                f"({r.trace_miss_steps} s outside ±2 km/h, up to {r.max_speed_deficit_kph:.1f} "
                "km/h behind); its figures are for the speed it managed."
            )
    if any(r.is_estimate for r in results):
        console.print(
            "ESTIMATE: the car's specs are not published; its figures follow from the "
            "assumptions in its spec file (\\[sources]). 'evtwin range VEHICLE --json' lists them."
        )
    console.print(
        "Model accuracy (leave-one-out vs official WLTP): see 'evtwin validate'. "
        "Climate (HVAC) is off unless --hvac-w is given."
    )


def _plot(spec: VehicleSpec, path: Path, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = _conditions(args)
    queries = [
        RangeQuery(spec, constant_speed(v), base.replace(ambient_temp_c=t), "custom")
        for t in PLOT_TEMPS_C
        for v in PLOT_SPEEDS_KPH
    ]
    res = estimate_ranges(queries)
    fig, ax = plt.subplots(figsize=(8, 5))
    n = len(PLOT_SPEEDS_KPH)
    for i, t in enumerate(PLOT_TEMPS_C):
        ranges = [r.range_km for r in res[i * n : (i + 1) * n]]
        ax.plot(PLOT_SPEEDS_KPH, ranges, marker="o", label=f"{t:g} °C")
    label = f"{spec.name}" + (" — ESTIMATED PROFILE" if spec.is_estimate else "")
    ax.set_title(f"Range at constant speed: {label}", fontsize=10)
    ax.set_xlabel("speed (km/h)")
    ax.set_ylabel("range (km)")
    hvac = f"HVAC {base.hvac_w:g} W" if base.hvac_w else "HVAC off"
    ax.text(
        0.99,
        0.98,
        f"{hvac}; battery at ambient; evtwin model",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        color="0.4",
    )
    ax.grid(alpha=0.3)
    ax.legend(title="ambient")
    save_figure(fig, path, ScenarioError)
