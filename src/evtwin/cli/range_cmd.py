"""``evtwin range``: range and consumption of a vehicle under WLTP or your conditions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evtwin.cli import _output
from evtwin.cli._output import print_json
from evtwin.errors import ScenarioError
from evtwin.sim.range import RangeEstimate
from evtwin.sim.request import (
    CALIBRATE_TO_OFFICIAL_BY_DEFAULT,
    DEFAULT_TRAILER_CDA_M2,
    DEFAULT_TRAILER_KIND,
    TRAILER_KINDS,
    RangeRequest,
)
from evtwin.sim.traces import CYCLES, load_profile
from evtwin.vehicles import list_vehicles, resolve_vehicle

__all__ = ["register", "request_from_args"]


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
        "--trailer",
        choices=sorted(TRAILER_KINDS),
        default=None,
        help="trailer kind: its drag area, tyres and (without --trailer-kg) typical mass "
        f"(default {DEFAULT_TRAILER_KIND} when only --trailer-kg is given)",
    )
    p.add_argument(
        "--trailer-cda-m2",
        type=float,
        metavar="N",
        help="trailer extra drag area Cd*A, m², overriding the kind's (default "
        f"{DEFAULT_TRAILER_CDA_M2:g} m² for a {DEFAULT_TRAILER_KIND})",
    )
    p.add_argument("--hvac-w", type=float, metavar="N", help="constant HVAC electric load, W")
    p.add_argument("--headwind-kph", type=float, metavar="N", help="headwind, km/h (<0 tailwind)")
    p.add_argument("--altitude-m", type=float, metavar="N", help="altitude, m")
    p.add_argument(
        "--road",
        choices=("real", "test"),
        default=None,
        help="real: public-road rolling/drag factors (default); test: the type-approval run "
        "(test mass, type-approved road load, 23 °C, HVAC off)",
    )
    p.add_argument(
        "--cabin-temp-c",
        type=float,
        metavar="N",
        help="cabin set point, °C: the climate model computes the HVAC load per car",
    )
    p.add_argument(
        "--heat-pump",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="with --cabin-temp-c: force the heat pump on/off (default: the car's spec)",
    )
    p.add_argument(
        "--seat-heat",
        action="store_const",
        const=True,
        default=None,
        help="driver's seat and steering-wheel heating on (climate model)",
    )
    p.add_argument(
        "--no-hvac",
        action="store_const",
        const=True,
        default=None,
        help="cabin climate off (by default the cabin is heated/cooled to 21 °C when --temp-c "
        "is outside 15-25 °C)",
    )
    calib = p.add_mutually_exclusive_group()
    calib.add_argument(
        "--from-spec",
        action="store_const",
        const=True,
        default=None,
        help="the answer from the spec alone, not calibrated to the official WLTP range"
        + ("" if CALIBRATE_TO_OFFICIAL_BY_DEFAULT else " (the default)"),
    )
    calib.add_argument(
        "--calibrate",
        action="store_const",
        const=True,
        default=None,
        help="calibrate to the car's official WLTP range (one per-car factor on motor + "
        "inverter losses)"
        + (" (the default where the car has one)" if CALIBRATE_TO_OFFICIAL_BY_DEFAULT else ""),
    )
    calib.add_argument(
        "--calibrate-wltp-km",
        type=float,
        metavar="N",
        help="calibrate to this WLTP range, km (instead of the official figure)",
    )
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.add_argument(
        "--plot", metavar="FILE.png", help="also plot range vs speed at several temperatures"
    )
    p.set_defaults(func=run)


def request_from_args(args: argparse.Namespace) -> RangeRequest:
    """The range question the options ask (the same object the HTTP API builds)."""
    return RangeRequest(
        cycle=args.cycle,
        speed_kph=args.speed_kph,
        temp_c=args.temp_c,
        payload_kg=args.payload_kg,
        trailer_kg=args.trailer_kg,
        trailer_cda_m2=args.trailer_cda_m2,
        trailer=args.trailer,
        hvac_w=args.hvac_w,
        headwind_kph=args.headwind_kph,
        altitude_m=args.altitude_m,
        road=args.road,
        cabin_temp_c=args.cabin_temp_c,
        heat_pump=args.heat_pump,
        seat_heat=args.seat_heat,
        no_hvac=args.no_hvac,
        from_spec=args.from_spec,
        calibrate=args.calibrate,
        calibrate_wltp_km=args.calibrate_wltp_km,
    )


def run(args: argparse.Namespace) -> int:
    if args.all:
        if args.vehicle or args.spec:
            raise ScenarioError("--all lists every catalogue vehicle: drop VEHICLE/--spec")
        specs = list_vehicles()
    else:
        specs = [resolve_vehicle(args.vehicle, args.spec)]
    request = request_from_args(args)
    trace = load_profile(args.profile) if args.profile else None
    results = request.answer(specs, trace)
    if args.plot:
        from evtwin.sim.plots import plot_range_vs_speed

        plot_range_vs_speed(specs[0], request, Path(args.plot))
    if args.json:
        print_json(results[0].to_json() if len(results) == 1 else [r.to_json() for r in results])
        return 0
    _print_table(results)
    if args.plot:
        _output.console.print(f"plot written to {args.plot}")
    return 0


def _print_table(results: list[RangeEstimate]) -> None:
    from rich.table import Table  # people's output only: a --json answer never loads rich

    console = _output.console
    r0 = results[0]
    title = (
        "WLTP range (GTR 15 procedure, model prediction)"
        if r0.procedure == "wltp"
        else f"Range on {r0.trace}"
    )
    table = Table(title=title, title_justify="left")
    # Vehicle ids are what users copy into the next command: never wrapped or cut.
    table.add_column("vehicle", no_wrap=True, min_width=max(len(r.vehicle_id) for r in results))
    for col in (
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
            f"{c['trailer_kg']:g} kg, HVAC {c['hvac_w']:.0f} W, headwind "
            f"{c['headwind_mps'] * 3.6:g} km/h, altitude {c['altitude_m']:g} m, "
            f"{'public road' if c['road'] == 'real' else 'test road load'}"
        )
    for r in results:
        if r.calibration is not None:
            console.print(
                f"{r.vehicle_id}: calibrated to the {r.calibration['source']} WLTP range "
                f"{r.calibration['wltp_range_km']:g} km (--from-spec for the model alone)"
            )
        if r.range_km_band is not None:
            b = r.range_km_band
            console.print(
                f"{r.vehicle_id}: range P10-P90 {b['p10']:,.0f}-{b['p90']:,.0f} km (P50 "
                f"{b['p50']:,.0f}); the unknown that moves it most: {b['dominant_unknown']}"
            )
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
        "Climate: off within 15-25 °C unless --hvac-w or --cabin-temp-c; outside it the "
        "cabin is held at 21 °C unless --no-hvac."
    )
