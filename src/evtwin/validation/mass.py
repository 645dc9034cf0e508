"""Mass check: the model's on-road mass against cars weighed on scales.

The independent tester (Bjørn Nyland) weighs the cars he tests on axle scales
(``measured_weights.csv``). Makers state kerb masses by different definitions: the EU
"mass in running order" includes a 75 kg driver and 90 % fuel (here: the battery) and
standard equipment; a DIN/US kerb weight has no driver. The catalogue records which basis
each source gave (``[sources] kerb_mass_kg``). The model drives ``kerb_mass_kg`` as EU mass
in running order (driver included) plus any payload, so its mass for a car on the road with
one person aboard is the spec's kerb mass: that is what is compared. No constant is fitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evtwin.errors import ValidationDataError
from evtwin.validation._tester_data import matched_rows
from evtwin.validation.loo import LooReport, LooRow
from evtwin.vehicles.catalogue import load_vehicle
from evtwin.vehicles.derive import derive_params
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["MASS_GOAL_MAE_PCT", "kerb_basis", "mass_report"]

MASS_GOAL_MAE_PCT = 5.0
"""Goal (evtwin's own): the model's mass within 5 % of the scales on average; 5 % of mass
moves rolling resistance 5 % and constant-speed consumption ~1-2 %."""

EU_BASIS = "EU mass in running order (incl. 75 kg driver)"
OTHER_BASIS = "not stated (source gives a 'curb weight')"


def kerb_basis(spec: VehicleSpec) -> str:
    """Which definition the catalogue's kerb mass follows, from its ``[sources]`` note."""
    note = spec.sources.get("kerb_mass_kg", "").lower()
    return EU_BASIS if "eu" in note and "driver" in note else OTHER_BASIS


def mass_report() -> LooReport:
    """The model's mass (spec kerb, EU incl. driver) vs the tester's scales, per car."""
    rows: list[LooRow] = []
    offsets: dict[str, list[float]] = {EU_BASIS: [], OTHER_BASIS: []}
    for match, row in matched_rows("weight", "measured_weights.csv"):
        try:
            measured = float(row["Total"])
        except ValueError as e:
            raise ValidationDataError(f"measured_weights.csv: bad Total {row['Total']!r}") from e
        spec = load_vehicle(match.vehicle_id)
        model = derive_params(spec).mass_kg
        basis = kerb_basis(spec)
        offsets[basis].append(measured - spec.kerb_mass_kg)
        detail = f"front/rear {row['Front']}/{row['Rear']} kg; spec kerb: {basis}"
        if match.note:
            detail += f"; {match.note}"
        rows.append(LooRow(match.vehicle_id, match.tester, detail, model, measured))
    by_basis: dict[str, Any] = {
        b: {
            "cars": len(v),
            "mean_scale_minus_kerb_kg": round(float(np.mean(v)), 1) if v else None,
        }
        for b, v in offsets.items()
    }
    errors = np.array([r.error_pct for r in rows])
    return LooReport(
        title="Mass: the model's on-road mass vs cars weighed on scales (B. Nyland)",
        quantity="mass",
        unit="kg",
        rows=tuple(rows),
        calibrated={},
        method=(
            "no constant fitted: the model's mass for a car with its driver (spec kerb_mass_kg "
            "read as EU mass in running order, driver included; no payload) vs the tester's "
            "axle-scale total; mean offset by the catalogue source's kerb definition in "
            "extra.by_kerb_basis"
        ),
        goal_mae_pct=MASS_GOAL_MAE_PCT,
        goal_max_pct=None,
        in_sample_mae_pct=float(np.mean(np.abs(errors))),
        extra={
            "cars": len(rows),
            "mean_scale_minus_kerb_kg": round(
                float(np.mean([r.reference - r.predicted for r in rows])), 1
            ),
            "by_kerb_basis": by_basis,
        },
    )
