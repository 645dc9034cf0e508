"""``evtwin validate``: model vs external data, leave-one-out cross-validated."""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

from rich.progress import Progress
from rich.table import Table

from evtwin.cli._output import console, print_json
from evtwin.validation import LooReport, cold_report, epa_report, realworld_report, wltp_report
from evtwin.validation.acceleration import acceleration_report
from evtwin.validation.charging import dc_10_80_report
from evtwin.validation.climate import StudyReport, climate_study_report
from evtwin.validation.mass import mass_report

__all__ = ["register"]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="model vs official WLTP, EPA dyno, real-road, charging and climate data",
        description=(
            "Predict each reference car with global constants fitted WITHOUT it "
            "(leave-one-out) and compare with official WLTP ranges, EPA dyno energy and an "
            "independent tester's real-road consumption at 90/120 km/h; also his scale "
            "weights and 0-100 km/h runs (nothing fitted)."
        ),
    )
    p.add_argument("--json", action="store_true", help="print both reports as JSON")
    p.add_argument("--all-rows", action="store_true", help="list every EPA test, not per car")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with Progress(console=console, transient=True, disable=args.json) as progress:
        t1 = progress.add_task("EPA dyno grid", total=None)
        epa = epa_report(progress=lambda i, n: progress.update(t1, completed=i, total=n))
        t2 = progress.add_task("WLTP grid", total=None)
        wltp = wltp_report(progress=lambda i, n: progress.update(t2, completed=i, total=n))
        t3 = progress.add_task("real-road grid", total=None)
        road = realworld_report(progress=lambda i, n: progress.update(t3, completed=i, total=n))
        road_cal = realworld_report(calibrated=True)
        t4 = progress.add_task("10-80 % charging grid", total=None)
        dc = dc_10_80_report(progress=lambda i, n: progress.update(t4, completed=i, total=n))
        t5 = progress.add_task("cold-weather grid", total=None)
        cold = cold_report(progress=lambda i, n: progress.update(t5, completed=i, total=n))
        progress.add_task("climate studies", total=None)
        climate = climate_study_report()
        progress.add_task("scale weights and 0-100 km/h runs", total=None)
        mass = mass_report()
        accel = acceleration_report()
    if args.json:
        print_json(
            {
                "wltp": wltp.to_json(),
                "epa": epa.to_json(),
                "real_road": road.to_json(),
                "real_road_calibrated": road_cal.to_json(),
                "dc_10_80": dc.to_json(),
                "cold": cold.to_json(),
                "climate": climate.to_json(),
                "mass": mass.to_json(),
                "acceleration": accel.to_json(),
            }
        )
        return 0
    _table(wltp, per_car=False)
    _summary(wltp)
    pc = wltp.extra["plug_consumption"]
    console.print(
        f"  plug consumption vs official WLTP (where published, {len(pc['rows'])} cars): "
        f"LOO MAE {pc['loo_mae_pct']:.1f} %\n"
    )
    _table(epa, per_car=not args.all_rows)
    _summary(epa)
    for row in epa.extra.get("excluded", []):
        console.print(
            f"  excluded as physically impossible: {row['label']} {row['cycle']}: plug "
            f"{row['plug_wh_per_km']} Wh/km is below its own road-load work "
            f"{row['road_load_work_wh_per_km']} Wh/km"
        )
    console.print()
    _table(road, per_car=False)
    _summary(road)
    console.print()
    _table(road_cal, per_car=False)
    _summary(road_cal)
    _default_mode(road, road_cal)
    console.print()
    _table(dc, per_car=False)
    _summary(dc)
    console.print()
    _table(cold, per_car=False)
    _summary(cold)
    console.print()
    _climate(climate)
    console.print()
    _table(mass, per_car=False)
    _summary(mass)
    by = mass.extra["by_kerb_basis"]
    for basis, v in by.items():
        console.print(
            f"  kerb_mass_basis {basis} ({v['cars']} cars): scales minus spec kerb "
            f"{v['mean_scale_minus_kerb_kg']} kg, minus the model's mass "
            f"{v['mean_scale_minus_model_mass_kg']} kg (means)"
        )
    fit = mass.extra["scales_fit"]
    console.print(
        f"  the scales' own fit of the unknown-basis rule: +{fit['unknown_basis_added_kg']:g} kg "
        f"(offset {fit['scales_offset_kg']:g} kg; held-out MAE {fit['loo_mae_pct']:.1f} %); "
        + ("shipped" if fit["shipped"] else "not shipped (see docs/energy-model.md)")
    )
    console.print()
    _table(accel, per_car=False, decimals=2)
    _summary(accel)
    ex = accel.extra
    console.print(
        f"  the engine vs the makers' 0-100 claims: MAE {ex['model_vs_maker_claim_mae_pct']:.1f} "
        f"%; the tester's runs vs the claims: mean {ex['tester_vs_maker_claim_mean_pct']:+.1f} %"
    )
    return 0


def _default_mode(spec: LooReport, cal: LooReport) -> None:
    """Which answer ``evtwin range`` gives by default, and whether the two reports agree."""
    from evtwin.sim.request import CALIBRATE_TO_OFFICIAL_BY_DEFAULT

    better_calibrated = cal.mae_pct < spec.mae_pct
    mode = "calibrated to official WLTP" if CALIBRATE_TO_OFFICIAL_BY_DEFAULT else "from the spec"
    verdict = (
        "[green]the one that measures better here[/]"
        if CALIBRATE_TO_OFFICIAL_BY_DEFAULT is better_calibrated
        else "[red]NOT the one that measures better here: flip CALIBRATE_TO_OFFICIAL_BY_DEFAULT[/]"
    )
    console.print(
        f"  default answer of 'evtwin range': {mode} (LOO MAE {spec.mae_pct:.1f} % from the "
        f"spec vs {cal.mae_pct:.1f} % calibrated): {verdict}"
    )


def _climate(rep: StudyReport) -> None:
    table = Table(title=rep.title, title_justify="left")
    for col in ("study", "predicted %", "study %", "error (points)"):
        table.add_column(col, justify="left" if col == "study" else "right")
    for r in rep.rows:
        table.add_row(
            r.label, f"{r.predicted_pct:+.1f}", f"{r.reference_pct:+.1f}", f"{r.error_pp:+.1f}"
        )
    console.print(table)
    verdict = "[green]met[/]" if rep.goal_met else "[red]NOT met[/]"
    console.print(
        f"  climate rows: goal every error within {rep.goal_pp:g} points: {verdict} "
        f"(MAE {rep.mae_pp:.1f} points, max {rep.max_abs_pp:.1f})\n  method: {rep.method}"
    )


def _table(rep: LooReport, *, per_car: bool, decimals: int = 0) -> None:
    table = Table(title=rep.title, title_justify="left")
    for col in ("reference", "detail", f"predicted {rep.unit}", f"reference {rep.unit}", "error %"):
        table.add_column(col, justify="left" if col in ("reference", "detail") else "right")
    if per_car:
        groups: dict[str, list[float]] = defaultdict(list)
        preds: dict[str, list[float]] = defaultdict(list)
        refs: dict[str, list[float]] = defaultdict(list)
        for r in rep.rows:
            groups[r.key].append(r.error_pct)
            preds[r.key].append(r.predicted)
            refs[r.key].append(r.reference)
        for key in groups:
            n = len(groups[key])
            table.add_row(
                key,
                f"{n} tests (mean)",
                f"{sum(preds[key]) / n:.0f}",
                f"{sum(refs[key]) / n:.0f}",
                f"{sum(groups[key]) / n:+.1f}",
            )
    else:
        for r in rep.rows:
            table.add_row(
                r.label,
                r.detail,
                f"{r.predicted:.{decimals}f}",
                f"{r.reference:g}",
                f"{r.error_pct:+.1f}",
            )
    console.print(table)


def _summary(rep: LooReport) -> None:
    if rep.expectation:
        goal = f"expectation: {rep.expectation}"
    else:
        goal = f"Goal MAE <= {rep.goal_mae_pct:g} %"
        if rep.goal_max_pct is not None:
            goal += f", max <= {rep.goal_max_pct:g} %"
    verdict = "[green]met[/]" if rep.goal_met else "[red]NOT met[/]"
    console.print(
        f"  {rep.quantity}: {'leave-one-out ' if rep.calibrated else '(nothing fitted) '}"
        f"MAE {rep.mae_pct:.1f} %, max {rep.max_abs_pct:.1f} %, "
        f"bias {rep.bias_pct:+.1f} % over {len(rep.rows)} rows (in-sample MAE "
        f"{rep.in_sample_mae_pct:.1f} %). {goal}: {verdict}.\n"
        f"  method: {rep.method}\n"
        f"  full-sample fit: {rep.calibrated}"
    )
