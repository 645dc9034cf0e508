"""``evtwin climate``: scheduled cabin preconditioning and keep-climate (dog/camp) drain."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from evtwin.charging.constants import default_charging_constants
from evtwin.cli._output import console, print_json
from evtwin.climate.cabin import cabin_params
from evtwin.climate.controller import CabinTrace
from evtwin.climate.hvac import ClimateSetting
from evtwin.climate.parked import (
    KeepClimateRun,
    PreconditionPlan,
    keep_climate_run,
    precondition_schedule,
)
from evtwin.errors import ClimateError
from evtwin.plotting import save_figure
from evtwin.vehicles import VehicleSpec, resolve_vehicle

__all__ = ["register"]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _vehicle_args(p: argparse.ArgumentParser, default_temp: float) -> None:
    p.add_argument("vehicle", nargs="?", help="catalogue id (see 'evtwin vehicles')")
    p.add_argument("--spec", metavar="FILE", help="a vehicle spec TOML file instead of an id")
    p.add_argument(
        "--ambient-c", type=float, required=True, metavar="N", help="outside temperature, °C"
    )
    p.add_argument(
        "--cabin-temp-c",
        type=float,
        default=default_temp,
        metavar="N",
        help=f"cabin set point, °C (default {default_temp:g})",
    )
    p.add_argument(
        "--heat-pump",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force the heat pump on/off (default: the car's spec; missing: none)",
    )
    p.add_argument("--eco", action="store_true", help="eco climate (set point 1 K nearer ambient)")
    p.add_argument(
        "--solar-w-m2", type=float, default=0.0, metavar="N", help="sunshine, W/m² (default 0)"
    )
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.add_argument(
        "--plot", metavar="FILE.png", help="also plot cabin temperature and power over time"
    )


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "climate",
        help="cabin preconditioning before departure; keep-climate (dog/camp) drain",
        description=(
            "Parked-car climate from the time-stepped automatic climate controller: when to "
            "start preconditioning so the cabin is ready at departure and what it costs "
            "(grid energy when plugged in, battery when not), or what holding the cabin "
            "for some hours (dog/camp mode) drains from the battery."
        ),
    )
    csub = p.add_subparsers(dest="climate_command", metavar="ACTION", required=True)
    pre = csub.add_parser(
        "precondition",
        help="warm/cool the cabin for a departure time",
        description=(
            "Start time, minutes and energy to bring a cabin soaked at --ambient-c to the "
            "set point by --depart. Plugged in (default) the energy comes from the grid "
            "through the onboard charger, not from the battery."
        ),
    )
    _vehicle_args(pre, 21.0)
    pre.add_argument("--depart", required=True, metavar="HH:MM", help="departure time")
    pre.add_argument(
        "--now", metavar="HH:MM", help="time now: refuse a schedule that cannot be met"
    )
    plug = pre.add_mutually_exclusive_group()
    plug.add_argument(
        "--plugged", dest="plugged", action="store_true", default=True, help="plugged in"
    )
    plug.add_argument(
        "--unplugged", dest="plugged", action="store_false", help="on battery (costs range)"
    )
    pre.add_argument(
        "--soc", type=float, metavar="PCT", help="state of charge, %% (checked when unplugged)"
    )
    pre.set_defaults(func=run_precondition)

    keep = csub.add_parser(
        "keep",
        help="hold the cabin while parked (dog/camp mode): drain per hour",
        description=(
            "Hold the cabin at the set point for --hours with the car parked: energy, "
            "drain per hour and % of the battery per hour, SOC at the end. A run the "
            "battery cannot carry above --stop-at (where the car ends keep-climate) is "
            "refused, saying when it would stop."
        ),
    )
    _vehicle_args(keep, 22.0)
    keep.add_argument("--hours", type=float, required=True, metavar="N", help="how long, h")
    keep.add_argument(
        "--mode",
        choices=("dog", "camp"),
        default="dog",
        help="dog (default) or camp (screen and 12 V outlets on too)",
    )
    keep.add_argument(
        "--soc", type=float, default=80.0, metavar="PCT", help="SOC at the start, %% (80)"
    )
    keep.add_argument(
        "--stop-at",
        type=float,
        default=20.0,
        metavar="PCT",
        help="SOC where the car ends keep-climate, %% (default 20)",
    )
    keep.set_defaults(func=run_keep)


def _clock(text: str, what: str) -> int:
    m = _CLOCK.match(text.strip())
    if not m:
        raise ClimateError(f"{what} = {text!r} is not a 24-hour HH:MM clock time")
    return int(m.group(1)) * 60 + int(m.group(2))


def _pct(name: str, value: float) -> float:
    if not math.isfinite(value) or not 0.0 <= value <= 100.0:
        raise ClimateError(f"{name} = {value:g} % is outside 0..100 %")
    return value / 100.0


def _common(args: argparse.Namespace) -> tuple[VehicleSpec, ClimateSetting]:
    spec = resolve_vehicle(args.vehicle, args.spec)
    if not math.isfinite(args.ambient_c) or not -40.0 <= args.ambient_c <= 55.0:
        raise ClimateError(f"ambient temperature = {args.ambient_c:g} °C is outside -40..55 °C")
    if not math.isfinite(args.solar_w_m2) or not 0.0 <= args.solar_w_m2 <= 1200.0:
        raise ClimateError(f"sunshine = {args.solar_w_m2:g} W/m² is outside 0..1200 W/m²")
    setting = ClimateSetting(
        cabin_temp_c=args.cabin_temp_c,
        heat_pump=bool(spec.heat_pump) if args.heat_pump is None else args.heat_pump,
        eco=args.eco,
    )
    return spec, setting


def _fmt(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def precondition_json(spec: VehicleSpec, plan: PreconditionPlan) -> dict[str, Any]:
    """The documented ``evtwin climate precondition --json`` object."""
    return {
        "vehicle": spec.id,
        "name": spec.name,
        "profile": "estimate" if spec.is_estimate else "published",
        "ambient_c": plan.ambient_c,
        "setpoint_c": round(plan.setpoint_c, 2),
        "depart": _fmt(plan.depart_min),
        "start": _fmt(plan.start_min),
        "minutes": plan.minutes,
        "cabin_temp_at_departure_c": round(plan.cabin_temp_at_departure_c, 2),
        "plugged_in": plan.plugged_in,
        "energy_hv_kwh": round(plan.hv_kwh, 3),
        "energy_grid_kwh": round(plan.grid_kwh, 3),
        "energy_battery_kwh": round(plan.battery_kwh, 3),
        "battery_percent": round(plan.battery_percent, 2),
        "peak_power_kw": round(plan.peak_power_w / 1000.0, 2),
        "parts_kwh": {k: round(v, 3) for k, v in plan.parts_kwh.items()},
    }


def keep_json(spec: VehicleSpec, run: KeepClimateRun) -> dict[str, Any]:
    """The documented ``evtwin climate keep --json`` object."""
    return {
        "vehicle": spec.id,
        "name": spec.name,
        "profile": "estimate" if spec.is_estimate else "published",
        "mode": run.mode,
        "ambient_c": run.ambient_c,
        "setpoint_c": round(run.setpoint_c, 2),
        "hours": round(run.hours, 3),
        "energy_kwh": round(run.energy_kwh, 3),
        "mean_power_kw": round(run.mean_power_w / 1000.0, 3),
        "kwh_per_hour": round(run.kwh_per_hour, 3),
        "percent_per_hour": round(run.percent_per_hour, 2),
        "hourly_kwh": [round(x, 3) for x in run.hourly_kwh],
        "soc_start_percent": round(run.soc_start * 100.0, 2),
        "soc_end_percent": round(run.soc_end * 100.0, 2),
        "stop_at_percent": round(run.stop_at_soc * 100.0, 2),
        "hours_until_stop": round(run.hours_until_stop, 2),
        "cabin_temp_min_c": round(run.cabin_temp_min_c, 2),
        "cabin_temp_max_c": round(run.cabin_temp_max_c, 2),
        "parts_kwh": {k: round(v, 3) for k, v in run.parts_kwh.items()},
    }


def run_precondition(args: argparse.Namespace) -> int:
    spec, setting = _common(args)
    plan = precondition_schedule(
        cabin_params(spec),
        setting,
        ambient_c=args.ambient_c,
        depart_min=_clock(args.depart, "departure"),
        now_min=None if args.now is None else _clock(args.now, "now"),
        plugged_in=args.plugged,
        usable_battery_kwh=spec.usable_battery_kwh,
        soc=None if args.soc is None else _pct("SOC", args.soc),
        obc_efficiency=default_charging_constants().obc_efficiency,
        solar_w_per_m2=args.solar_w_m2,
    )
    if args.plot:
        if plan.trace is None:
            raise ClimateError("nothing to plot: the cabin is already at its set point")
        n = round(plan.minutes * 60 / float(plan.trace.time_s[0]))
        _plot(
            plan.trace,
            n,
            Path(args.plot),
            f"{spec.name}: precondition {plan.ambient_c:g} → {plan.setpoint_c:g} °C, "
            f"{_fmt(plan.start_min)}–{_fmt(plan.depart_min)}",
            start_min=plan.start_min,
        )
    if args.json:
        print_json(precondition_json(spec, plan))
        return 0
    t = Table(title=f"Cabin preconditioning: {spec.name}")
    t.add_column("")
    t.add_column("value", justify="right")
    src = "grid (plugged in)" if plan.plugged_in else "battery"
    for k, v in (
        ("outside / set point", f"{plan.ambient_c:g} °C → {plan.setpoint_c:g} °C"),
        ("start → departure", f"{_fmt(plan.start_min)} → {_fmt(plan.depart_min)}"),
        ("minutes", f"{plan.minutes:.0f}"),
        ("energy from", src),
        ("energy at HV bus", f"{plan.hv_kwh:.2f} kWh"),
        ("energy from grid", f"{plan.grid_kwh:.2f} kWh"),
        ("energy from battery", f"{plan.battery_kwh:.2f} kWh ({plan.battery_percent:.1f} %)"),
        ("peak power", f"{plan.peak_power_w / 1000:.1f} kW"),
    ):
        t.add_row(k, v)
    console.print(t)
    if args.plot:
        console.print(f"plot written to {args.plot}")
    return 0


def run_keep(args: argparse.Namespace) -> int:
    spec, setting = _common(args)
    run = keep_climate_run(
        cabin_params(spec),
        setting,
        ambient_c=args.ambient_c,
        hours=args.hours,
        usable_battery_kwh=spec.usable_battery_kwh,
        soc=_pct("SOC", args.soc),
        stop_at_soc=_pct("stop-at SOC", args.stop_at),
        mode=args.mode,
        solar_w_per_m2=args.solar_w_m2,
    )
    if args.plot:
        _plot(
            run.trace,
            len(run.trace.time_s),
            Path(args.plot),
            f"{spec.name}: keep {run.setpoint_c:g} °C ({run.mode}) at {run.ambient_c:g} °C",
        )
    if args.json:
        print_json(keep_json(spec, run))
        return 0
    t = Table(title=f"Keep climate ({run.mode} mode): {spec.name}")
    t.add_column("")
    t.add_column("value", justify="right")
    for k, v in (
        ("outside / set point", f"{run.ambient_c:g} °C → {run.setpoint_c:g} °C"),
        ("hours", f"{run.hours:g}"),
        ("energy", f"{run.energy_kwh:.2f} kWh"),
        ("drain", f"{run.kwh_per_hour:.2f} kWh/h ({run.percent_per_hour:.1f} %/h)"),
        ("SOC", f"{run.soc_start * 100:.0f} % → {run.soc_end * 100:.1f} %"),
        ("hours until stop", f"{run.hours_until_stop:.1f} h (at {run.stop_at_soc * 100:g} %)"),
    ):
        t.add_row(k, v)
    console.print(t)
    return 0
    if args.plot:
        console.print(f"plot written to {args.plot}")
    return 0


def _plot(tr: CabinTrace, n: int, path: Path, title: str, start_min: int | None = None) -> None:
    """Cabin temperature and electric power over time (first ``n`` steps)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = np.concatenate([[0.0], tr.time_s[:n]]) / 60.0
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax1.plot(minutes[1:], tr.cabin_temp_c[:n], label="cabin air")
    ax1.plot(minutes[1:], tr.supply_temp_c[:n], label="supply air", alpha=0.6)
    ax1.plot(minutes[1:], tr.glass_temp_c[:n], label="inner glass", alpha=0.6)
    ax1.plot(minutes[1:], tr.dew_point_c[:n], label="cabin dew point", ls="--", alpha=0.6)
    ax1.set_ylabel("°C")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    parts = [
        (tr.heat_pump_w, "heat pump"),
        (tr.ptc_w, "PTC"),
        (tr.ac_w, "A/C"),
        (tr.blower_w, "blower"),
        (tr.comfort_w, "seat/wheel"),
    ]
    ax2.stackplot(
        minutes[1:],
        *[p[:n] / 1000.0 for p, _ in parts],
        labels=[label for _, label in parts],
        alpha=0.8,
    )
    ax2.set_ylabel("electric power (kW)")
    ax2.legend(fontsize=8, loc="upper right")
    ax2.grid(alpha=0.3)
    for ax in (ax1, ax2):
        ax.set_xlabel("minutes" if start_min is None else f"minutes after {_fmt(start_min)}")
    fig.suptitle(title + " — evtwin model", fontsize=10)
    save_figure(fig, path, ClimateError)
