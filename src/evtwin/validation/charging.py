"""Validation: predicted 10-80 % DC charging minutes vs the makers' official figures.

Every catalogue vehicle with ``[official] dc_10_80_min`` is charged from 10 % to 80 % on an
unconstrained high-power charger (350 kW, 500 A, 920 V) with the pack at 25 °C, the
conditions makers quote. The only calibrated constants are the two global numbers of the
charge envelope's shape (``[envelope] taper_start_soc``, ``power_at_80_rel`` in
``data/chargers/charging_model.toml``: the SOC where the plateau at the car's peak power ends
and the share of the peak left at 80 %); they are refitted on a grid *without* each held-out
car (leave-one-out; cars sharing the same pack and charging hardware, e.g. two trims of one
model, are held out together), and the held-out car is predicted with that fit.

The report is an :class:`evtwin.validation.LooReport`, the same shape ``evtwin validate``
prints for WLTP and EPA.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from evtwin.charging.chargers import get_charger
from evtwin.charging.constants import ChargingConstants, default_charging_constants
from evtwin.charging.session import ChargeRequest, simulate_sessions
from evtwin.charging.vehicle import car_charge_params
from evtwin.validation.loo import LooReport, LooRow
from evtwin.vehicles import VehicleSpec, list_vehicles

__all__ = ["ENVELOPE_GRID_AT_80", "ENVELOPE_GRID_KNEE", "dc_10_80_report"]

FloatArray = npt.NDArray[np.float64]

ENVELOPE_GRID_KNEE = tuple(float(x) for x in np.round(np.arange(0.1, 0.701, 0.05), 2))
ENVELOPE_GRID_AT_80 = tuple(float(x) for x in np.round(np.arange(0.05, 0.901, 0.05), 2))
REFERENCE_CHARGER = "dc350"
REFERENCE_TEMP_C = 25.0
GOAL_MAE_PCT = 10.0


def _group(spec: VehicleSpec) -> str:
    """Cars with the same pack and charging hardware form one leave-out group."""
    return f"{spec.usable_battery_kwh:g}kWh-{spec.dc_peak_power_kw}kW-{spec.battery_voltage_v}V"


def _predict(
    specs: list[VehicleSpec], grid: list[tuple[float, float]], c0: ChargingConstants
) -> FloatArray:
    """Minutes 10-80 % for every (grid point, car), in one batch: shape (grid, cars)."""
    charger = get_charger(REFERENCE_CHARGER)
    reqs = [
        ChargeRequest(
            car=car_charge_params(spec, constants=c0.replace(taper_start_soc=a, power_at_80_rel=b)),
            charger=charger,
            from_soc=0.10,
            to_soc=0.80,
            battery_temp_c=REFERENCE_TEMP_C,
        )
        for a, b in grid
        for spec in specs
    ]
    res = simulate_sessions(reqs, c0, record=False)
    return np.array([r.minutes for r in res]).reshape(len(grid), len(specs))


def dc_10_80_report(
    constants: ChargingConstants | None = None,
    *,
    calibrate: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LooReport:
    """Predicted vs official 10-80 % minutes; leave-one-out on the envelope when calibrating.

    With ``calibrate=False`` the bundled constants predict every car as they are (no fit).
    """
    c0 = constants if constants is not None else default_charging_constants()
    specs = [s for s in list_vehicles() if s.official.dc_10_80_min is not None]
    obs = np.array([s.official.dc_10_80_min or 0.0 for s in specs])
    if not calibrate:
        point = (c0.taper_start_soc, c0.power_at_80_rel)
        pred = _predict(specs, [point], c0)[0]
        rows = tuple(
            LooRow(s.id, s.name, "bundled constants", float(pred[i]), float(obs[i]))
            for i, s in enumerate(specs)
        )
        err = np.abs(pred / obs - 1.0) * 100.0
        return LooReport(
            title="DC 10-80 % charging time vs makers' figures (catalogue cars)",
            quantity="10-80 % time",
            unit="min",
            rows=rows,
            calibrated={
                "taper_start_soc": c0.taper_start_soc,
                "power_at_80_rel": c0.power_at_80_rel,
            },
            method="bundled constants, no fit (in-sample: they were fitted on these cars)",
            goal_mae_pct=GOAL_MAE_PCT,
            goal_max_pct=None,
            in_sample_mae_pct=float(np.mean(err)),
        )
    grid = [(a, b) for a in ENVELOPE_GRID_KNEE for b in ENVELOPE_GRID_AT_80]
    pred_grid = _predict(specs, grid, c0)
    if progress is not None:
        progress(1, 1)
    log_ratio = np.log(pred_grid) - np.log(obs)[None, :]
    groups = np.array([_group(s) for s in specs])

    def best(train: npt.NDArray[np.bool_]) -> int:
        return int(np.argmin(np.mean(log_ratio[:, train] ** 2, axis=1)))

    rows_l = []
    for i, s in enumerate(specs):
        gi = best(groups != groups[i])
        a, b = grid[gi]
        detail = f"fit plateau to {a:.0%}, {b:.0%} of peak at 80%"
        rows_l.append(LooRow(s.id, s.name, detail, float(pred_grid[gi, i]), obs[i]))
    full = best(np.ones(len(specs), dtype=bool))
    return LooReport(
        title="DC 10-80 % charging time vs makers' figures (catalogue cars)",
        quantity="10-80 % time",
        unit="min",
        rows=tuple(rows_l),
        calibrated={
            "taper_start_soc": grid[full][0],
            "power_at_80_rel": grid[full][1],
        },
        method=(
            "leave-one-out: the global envelope shape (plateau at the car's peak power up "
            "to a knee SOC, share of the peak left at 80 %) refitted on a grid without the "
            "held-out car (trims sharing a "
            f"pack held out together); {REFERENCE_CHARGER} charger, pack at "
            f"{REFERENCE_TEMP_C:g} °C, makers' claims as reference"
        ),
        goal_mae_pct=GOAL_MAE_PCT,
        goal_max_pct=None,
        in_sample_mae_pct=float(np.mean(np.abs(pred_grid[full] / obs - 1.0)) * 100.0),
        extra={"cars": len(specs), "groups": len(set(groups.tolist()))},
    )
