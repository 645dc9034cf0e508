"""``evtwin cost``: price, UK grant, taxes, running cost and TCO against rivals."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from evtwin.cli._output import console, print_json
from evtwin.ownership import (
    CostReport,
    VehicleCost,
    compare_costs,
    default_rivals,
    load_tariffs,
    plot_tco,
    request_from_mapping,
)

__all__ = ["register"]


def register(sub: Any) -> None:
    tariffs = load_tariffs()
    home = sorted(k for k, t in tariffs.items() if t.kind == "home")
    public = sorted(k for k, t in tariffs.items() if t.kind == "public")
    p: argparse.ArgumentParser = sub.add_parser(
        "cost",
        help="price, UK grant, VED, running cost and TCO against rivals",
        description=(
            "Owner's view of a catalogue VEHICLE against rivals: UK price (sourced, estimated "
            "or unknown), Electric Car Grant eligibility, VED by year (and the proposed "
            "pay-per-mile eVED, flagged), energy cost from the physics engine over a UK year, "
            "pence per mile and total cost of ownership. Rules, tariffs and prices are dated, "
            "sourced data files; unknown facts give ranges with their scenarios."
        ),
    )
    p.add_argument("vehicle", help="catalogue id (see 'evtwin vehicles')")
    p.add_argument(
        "--vs", nargs="+", action="extend", default=[], metavar="V", help="rival vehicle ids"
    )
    p.add_argument(
        "--rivals",
        action="store_true",
        help=f"compare with the default rivals ({', '.join(default_rivals())})",
    )
    p.add_argument("--registered", metavar="YYYY-MM-DD", help="first registration (2027-03-01)")
    p.add_argument("--years", metavar="N", help="ownership period, years (default 4)")
    p.add_argument("--miles-per-year", metavar="N", help="annual mileage, mi (default 9,000)")
    p.add_argument(
        "--home-share", metavar="F", help="share of energy charged at home, 0..1 (default 0.8)"
    )
    p.add_argument(
        "--motorway-share", metavar="F", help="share of miles on motorways, 0..1 (default 0.2)"
    )
    p.add_argument("--home-tariff", choices=home, help="home tariff (default price-cap)")
    p.add_argument("--public-tariff", choices=public, help="public tariff (default public-rapid)")
    p.add_argument(
        "--no-hvac",
        action="store_true",
        help="leave the cabin climate (climate model HVAC load) out",
    )
    p.add_argument("--price-gbp", metavar="N", help="price of VEHICLE, £ (overrides the data)")
    p.add_argument(
        "--residual-percent", metavar="P", help="residual value after the period, %% of price"
    )
    p.add_argument("--insurance-gbp", metavar="N", help="insurance, £ per year")
    p.add_argument("--servicing-gbp", metavar="N", help="servicing, £ per year")
    p.add_argument("--json", action="store_true", help="print the documented JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="also draw a TCO bar chart")
    p.set_defaults(func=run)


def _request_params(args: argparse.Namespace) -> dict[str, Any]:
    rivals = list(args.vs)
    if args.rivals:
        rivals.extend(r for r in default_rivals() if r not in rivals)
    return {
        "vehicle": args.vehicle,
        "rivals": rivals,
        "registered": args.registered,
        "years": args.years,
        "miles_per_year": args.miles_per_year,
        "home_share": args.home_share,
        "motorway_share": args.motorway_share,
        "home_tariff": args.home_tariff,
        "public_tariff": args.public_tariff,
        "hvac": False if args.no_hvac else None,
        "price_gbp": args.price_gbp,
        "residual_percent": args.residual_percent,
        "insurance_gbp_per_year": args.insurance_gbp,
        "servicing_gbp_per_year": args.servicing_gbp,
    }


def run(args: argparse.Namespace) -> int:
    report = compare_costs(request_from_mapping(_request_params(args)))
    if args.plot:
        plot_tco(report, Path(args.plot))
    if args.json:
        print_json(report.to_json())
        return 0
    _print(report)
    if args.plot:
        console.print(f"plot written to {args.plot}")
    return 0


def _money(lo: float | None, hi: float | None = None) -> str:
    if lo is None:
        return "unknown"
    if hi is None or abs(hi - lo) < 0.5:
        return f"£{lo:,.0f}"
    return f"£{lo:,.0f}–£{hi:,.0f}"


def _price_cell(v: VehicleCost) -> str:
    p = v.price
    if p.price_gbp is None:
        return "[yellow]unknown[/]"
    tag = {"estimate": " [bold yellow]EST[/]", "user": " (yours)"}.get(p.basis, "")
    if p.basis == "secondary":
        tag = f" [yellow]({p.date} figure, secondary)[/]"
    flag = f" [yellow]{p.status}[/]" if p.status else ""
    return f"{_money(p.price_gbp)}{tag}{flag}"


def _print(report: CostReport) -> None:
    r = report.request
    table = Table(
        title=(
            f"Cost of ownership: {r.years} years from {r.registered.isoformat()}, "
            f"{r.usage.miles_per_year:,.0f} mi/yr, {r.usage.home_share:.0%} home charging"
        ),
        title_justify="left",
    )
    cols = (
        "vehicle",
        "price",
        "grant",
        "VED total",
        "energy total",
        "p/mile",
        "TCO",
        "+ eVED (proposal)",
    )
    for c in cols:
        if c == "vehicle":  # ids are copied into the next command: never cut
            width = max(len(v.spec.id) for v in report.vehicles)
            table.add_column(c, no_wrap=True, min_width=width)
            continue
        table.add_column(c, justify="right")
    for v in report.vehicles:
        g = v.grant
        glo, ghi = g.grant_range_gbp
        grant = _money(glo, ghi) + ("" if g.status != "unknown" else " [yellow]?[/]")
        tco = v.tco_range_gbp
        e = v.eved_total_gbp
        table.add_row(
            v.spec.id + ("\n[bold yellow](ESTIMATE)[/]" if v.spec.is_estimate else ""),
            _price_cell(v),
            grant,
            _money(*v.ved_range_gbp),
            _money(sum(v.energy_gbp)),
            f"{v.pence_per_mile:.1f}p",
            "unknown (price)" if tco is None else _money(*tco),
            "-" if tco is None else _money(tco[0] + e, tco[1] + e),
        )
    console.print(table)
    for v in report.vehicles:
        if v.scenarios:
            st = Table(title=f"{v.spec.id}: price scenarios", title_justify="left")
            for c in ("scenario", "price", "grant", "VED total", "TCO", "source"):
                st.add_column(
                    c, justify="right" if c in ("price", "grant", "VED total", "TCO") else "left"
                )
            for s in v.scenarios:
                st.add_row(
                    s.name,
                    _money(s.price_gbp),
                    _money(*s.grant.grant_range_gbp),
                    _money(*s.ved_range_gbp),
                    _money(*s.tco_range_gbp),
                    s.source,
                )
            console.print(st)
    for v in report.vehicles:
        console.print(f"[bold]{v.spec.id}[/] grant {v.grant.summary}")
    blended, home, public = report.vehicles[0].tariffs[0]
    parts = []
    for t in (home, public):
        flags = [x for x in (t.held, t.period.note and f"CONFLICT: {t.period.note}") if x]
        extra = f" [{'; '.join(flags)}]" if flags else ""
        parts.append(f"{t.tariff.name} {t.pence_per_kwh:g}p/kWh{extra}")
    console.print(
        f"energy (year 1): {parts[0]}; {parts[1]}; blended {blended:.1f}p/kWh at "
        f"{r.usage.home_share:.0%} home charging"
    )
    ch = report.vehicles[0].energy.charging
    console.print(
        "energy billed per kWh into the battery (charging model, "
        f"{report.vehicles[0].spec.id}): home {ch['home']['kwh_billed_per_kwh_battery']:.3f} "
        f"kWh at the wall ({ch['home']['charger']}), public "
        f"{ch['public']['kwh_billed_per_kwh_battery']:.3f} kWh at the plug "
        f"({ch['public']['charger']}); cabin climate per month from the climate model"
        + ("" if r.usage.hvac else " (off: --no-hvac)")
    )
    for n in report.notes:
        console.print(f"note: {n}")
    console.print("Every number's source and assumption: 'evtwin cost ... --json'.")
