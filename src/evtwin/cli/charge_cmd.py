"""``evtwin charge``: a DC or AC charge session, or the cheapest overnight schedule."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from evtwin.charging.question import (
    DEFAULT_DC_KW,
    DEFAULT_PLUG_IN,
    DEFAULT_TARIFF,
    ChargeQuestion,
    answer_charge,
)
from evtwin.charging.session import LIMITS, SessionResult
from evtwin.charging.smart import ChargePlan, format_clock
from evtwin.charging.tariffs import list_tariffs, load_tariff
from evtwin.charging.vehicle import CarChargeParams, car_charge_params, load_spec_with_curve
from evtwin.cli._output import console, print_json
from evtwin.errors import ChargingError
from evtwin.plotting import save_figure
from evtwin.vehicles import resolve_vehicle

__all__ = ["question_from_args", "register"]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "charge",
        help="charge session time, energy and cost (DC/AC), or a smart overnight plan",
        description=(
            "Simulate a charge session of a catalogue VEHICLE or a --spec FILE (which may "
            "carry a measured [charge_curve]) from --from to --to percent: minutes, energy "
            "from the grid, at the plug and into the battery, losses and cost. DC by "
            "default (150 kW, 800 V class); --ac-kw N for AC. With --depart HH:MM it plans "
            "the cheapest AC schedule on a time-of-use --tariff instead."
        ),
    )
    p.add_argument("vehicle", nargs="?", help="catalogue id (see 'evtwin vehicles')")
    p.add_argument("--spec", metavar="FILE", help="a vehicle spec TOML file instead of an id")
    p.add_argument(
        "--from",
        dest="from_pct",
        type=float,
        default=10.0,
        metavar="PCT",
        help="start state of charge, %% (default 10)",
    )
    p.add_argument(
        "--to",
        dest="to_pct",
        type=float,
        default=80.0,
        metavar="PCT",
        help="end state of charge, %% (default 80)",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--charger-kw",
        type=float,
        metavar="N",
        help=f"DC charger power, kW (default {DEFAULT_DC_KW:g})",
    )
    src.add_argument(
        "--ac-kw",
        type=float,
        metavar="N",
        help="AC supply, kW (single-phase up to 7.4, three-phase above)",
    )
    src.add_argument(
        "--charger",
        metavar="ID",
        help="a bundled charger class: dc50 dc150 dc350 ac3 ac7 ac11 ac22",
    )
    p.add_argument(
        "--charger-voltage-v",
        type=int,
        choices=(400, 800),
        default=800,
        help="DC charger voltage class: 400 (500 V max) or 800 (920 V max)",
    )
    p.add_argument(
        "--battery-temp-c",
        type=float,
        default=25.0,
        metavar="N",
        help="pack temperature on arrival, °C (default 25; cold-soaked = ambient)",
    )
    p.add_argument(
        "--ambient-temp-c",
        type=float,
        metavar="N",
        help="ambient temperature, °C (default: the pack temperature)",
    )
    p.add_argument(
        "--precondition",
        action="store_true",
        help="heat the pack before arrival (DC), energy from the battery",
    )
    p.add_argument(
        "--price-p-per-kwh",
        type=float,
        metavar="N",
        help="price at the plug, p/kWh (default: UK average for the charger type)",
    )
    plan = p.add_argument_group("smart charging (AC, time-of-use tariff)")
    plan.add_argument(
        "--depart", metavar="HH:MM", help="departure time: plan the cheapest schedule"
    )
    plan.add_argument(
        "--plug-in",
        metavar="HH:MM",
        default=DEFAULT_PLUG_IN,
        help=f"plug-in time (default {DEFAULT_PLUG_IN})",
    )
    plan.add_argument(
        "--tariff",
        default=DEFAULT_TARIFF,
        choices=list_tariffs(),
        help=f"tariff (default {DEFAULT_TARIFF})",
    )
    plan.add_argument(
        "--limit",
        type=float,
        default=100.0,
        metavar="PCT",
        help="the car's charge limit, %% (default 100)",
    )
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="also plot the session")
    p.set_defaults(func=run)


_LABELS = {
    "from_percent": "--from",
    "to_percent": "--to",
    "limit_percent": "--limit",
    "charger_kw": "--charger-kw",
    "ac_kw": "--ac-kw",
    "charger": "--charger",
    "precondition": "--precondition",
    "depart": "--depart",
    "plug_in": "--plug-in",
    "tariff": "--tariff",
    "price_p_per_kwh": "--price-p-per-kwh",
    "ambient_temp_c": "--ambient-temp-c",
}


def question_from_args(args: argparse.Namespace) -> ChargeQuestion:
    """The charge question the flags ask (the same object the HTTP API builds)."""
    return ChargeQuestion(
        from_percent=args.from_pct,
        to_percent=args.to_pct,
        charger_kw=args.charger_kw,
        ac_kw=args.ac_kw,
        charger=args.charger,
        charger_voltage_v=args.charger_voltage_v,
        battery_temp_c=args.battery_temp_c,
        ambient_temp_c=args.ambient_temp_c,
        precondition=args.precondition,
        price_p_per_kwh=args.price_p_per_kwh,
        depart=args.depart,
        plug_in=args.plug_in,
        tariff=args.tariff,
        limit_percent=args.limit,
    )


def _car(args: argparse.Namespace) -> CarChargeParams:
    if args.spec is not None and args.vehicle is None:
        spec, curve = load_spec_with_curve(args.spec)
        return car_charge_params(spec, measured_curve=curve)
    return car_charge_params(resolve_vehicle(args.vehicle, args.spec))


def run(args: argparse.Namespace) -> int:
    answer = answer_charge(_car(args), question_from_args(args), _LABELS)
    if answer.plan is not None:
        if args.plot:
            _plot_plan(answer.plan, Path(args.plot), args.tariff)
        if args.json:
            print_json(answer.to_json())
            return 0
        _print_plan(answer.plan, args)
        if args.plot:
            console.print(f"plot written to {args.plot}")
        return 0
    if args.plot:
        _plot(answer.session, Path(args.plot))
    if args.json:
        print_json(answer.to_json())
        return 0
    _print_session(answer.session, answer.price_source)
    if args.plot:
        console.print(f"plot written to {args.plot}")
    return 0


def _print_session(r: SessionResult, price_src: str) -> None:
    table = Table(
        title=f"{r.name}: {r.from_soc * 100:g} → {r.to_soc * 100:g} % on {r.charger}",
        title_justify="left",
    )
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("time", f"{r.minutes:.1f} min"),
        ("energy from the grid", f"{r.energy_grid_kwh:.2f} kWh"),
        ("energy at the plug", f"{r.energy_plug_kwh:.2f} kWh"),
        ("energy into the battery", f"{r.energy_battery_kwh:.2f} kWh"),
        ("losses", f"{r.loss_total_kwh:.2f} kWh ({r.loss_total_kwh / r.energy_grid_kwh:.1%})"),
        ("peak / mean power at the plug", f"{r.peak_kw:.1f} / {r.mean_kw:.1f} kW"),
        ("cost", f"£{r.cost_gbp:.2f} at {r.price_gbp_per_kwh * 100:.2f}p/kWh"),
        (
            "pack temperature start → end (max)",
            f"{r.start_temp_c:.1f} → {r.end_temp_c:.1f} °C ({r.max_temp_c:.1f})",
        ),
    ]
    if r.precondition_kwh > 0.0:
        rows.append(
            (
                "preconditioning before arrival",
                f"{r.precondition_kwh:.2f} kWh from the battery, {r.precondition_min:.0f} min",
            )
        )
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    console.print("losses: " + ", ".join(f"{k} {v:.2f} kWh" for k, v in r.losses_kwh.items()))
    console.print(
        "limited by: "
        + "; ".join(f"{k} {v:.1f} min" for k, v in r.limit_minutes.items() if v >= 0.05)
    )
    console.print(f"price: {price_src}")
    if r.is_estimate:
        console.print(
            "ESTIMATE: this car's specs are not published; its charging follows from the "
            "assumptions in its spec file."
        )
    if "rule" in r.basis.get("charge_curve", ""):
        console.print(
            "Curve from the pack and the global charge-current envelope (no measured curve): "
            "10-80 % vs makers' figures in docs/charging.md."
        )


def _print_plan(plan: ChargePlan, args: argparse.Namespace) -> None:
    table = Table(
        title=(
            f"Cheapest schedule on {plan.tariff}: {args.from_pct:g} → {args.to_pct:g} % by "
            f"{args.depart} (plug-in {args.plug_in})"
        ),
        title_justify="left",
    )
    for col in ("from", "to", "p/kWh", "grid kWh", "cost £", "SOC at end %"):
        table.add_column(col, justify="right")
    for s in plan.slots:
        table.add_row(
            format_clock(s.start_min),
            format_clock(s.end_min),
            f"{s.rate_gbp_per_kwh * 100:.2f}",
            f"{s.energy_grid_kwh:.2f}",
            f"{s.cost_gbp:.2f}",
            f"{s.soc_end * 100:.0f}",
        )
    console.print(table)
    console.print(
        f"cost £{plan.cost_gbp:.2f} (charging at once on plug-in: £{plan.cost_immediate_gbp:.2f}, "
        f"saving £{plan.saving_gbp:.2f}); {plan.energy_grid_kwh:.1f} kWh from the grid for "
        f"{plan.energy_battery_kwh:.1f} kWh into the battery"
    )
    console.print(f"why: {plan.why}")
    t = load_tariff(args.tariff)
    console.print(f"tariff source ({t.as_of}): {t.source}")
    if t.notes:
        console.print(f"note: {t.notes}")


def _plot(r: SessionResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tr = r.trace
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax1.plot(tr.soc * 100, tr.inlet_power_w / 1000, label="at the plug")
    ax1.plot(tr.soc * 100, tr.battery_power_w / 1000, label="into the cells", alpha=0.8)
    ax1.set_xlabel("state of charge (%)")
    ax1.set_ylabel("power (kW)")
    ax1.set_title("charge curve", fontsize=10)
    ax1.grid(alpha=0.3)
    ax1.legend()
    minutes = tr.time_s / 60
    ax2.plot(minutes, tr.soc * 100, color="C2", label="SOC (%)")
    ax2.set_xlabel("time (min)")
    ax2.set_ylabel("state of charge (%)")
    ax3 = ax2.twinx()
    ax3.plot(minutes, tr.temp_c, color="C3", label="pack °C")
    ax3.set_ylabel("pack temperature (°C)")
    h2, l2 = ax2.get_legend_handles_labels()
    h3, l3 = ax3.get_legend_handles_labels()
    ax2.legend(h2 + h3, l2 + l3, loc="lower right")
    ax2.set_title(f"{r.minutes:.1f} min, {r.energy_grid_kwh:.1f} kWh from the grid", fontsize=10)
    ax2.grid(alpha=0.3)
    label = r.name + (" — ESTIMATED PROFILE" if r.is_estimate else "")
    fig.suptitle(f"{label}: {r.charger}", fontsize=10)
    fig.text(
        0.99,
        0.01,
        "evtwin model; limits: "
        + ", ".join(LIMITS[i].split(" (")[0] for i in sorted(set(tr.limit.tolist()))),
        ha="right",
        fontsize=7,
        color="0.4",
    )
    save_figure(fig, path, ChargingError)


def _plot_plan(plan: ChargePlan, path: Path, tariff_id: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tariff = load_tariff(tariff_id)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    n = int(plan.window_minutes // 15) + 1
    hours = [plan.plug_in_min + 15 * i for i in range(n)]
    rates = [tariff.rate_at(m) * 100 for m in hours]
    ax.step([h / 60 for h in hours], rates, where="post", color="0.5", label="tariff p/kWh")
    ax.set_ylabel("tariff (p/kWh)")
    ax.set_xlabel("hours after midnight of the plug-in day")
    ax2 = ax.twinx()
    for s in plan.slots:
        ax2.fill_between(
            [s.start_min / 60, s.end_min / 60], 0, s.soc_end * 100, alpha=0.35, color="C0"
        )
        ax2.text(
            (s.start_min + s.end_min) / 120,
            s.soc_end * 100 + 2,
            f"{format_clock(s.start_min)}-{format_clock(s.end_min)}",
            ha="center",
            fontsize=8,
        )
    ax2.set_ylabel("SOC at end of slot (%)")
    ax2.set_ylim(0, 110)
    ax.set_xlim(plan.plug_in_min / 60, (plan.plug_in_min + plan.window_minutes) / 60)
    ax.set_title(
        f"{plan.session.name}: cheapest plan on {plan.tariff}, £{plan.cost_gbp:.2f} "
        f"(at once: £{plan.cost_immediate_gbp:.2f})",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    save_figure(fig, path, ChargingError)
