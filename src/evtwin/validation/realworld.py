"""Real-road validation: an independent tester's constant-speed consumption (90/120 km/h).

Bjørn Nyland drives each car at a steady 90 and 120 km/h on the same Norwegian road and
reports battery energy per km. These are real roads with real tyres, weather and cabin
climate: the check that the model's answers outside the regulatory test hold up, and the
data the real-road factors (``constants.toml`` ``[real_road]``) are calibrated on, with
leave-one-car-out error.

The tests ran with the cabin climate on. Until the climate model lands, their HVAC draw is
an assumption: ``TEST_HVAC_BASE_W`` plus ``TEST_HVAC_W_PER_K`` per kelvin below 20 °C.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from evtwin.errors import ValidationDataError
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.sim import layout as L
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import Case, run_batch
from evtwin.sim.range import (
    calibrated_consumption,
    calibration_factor,
    estimate_ranges,
    wltp_queries,
)
from evtwin.sim.traces import constant_speed
from evtwin.validation.loo import LooReport, LooRow, loo_pick
from evtwin.vehicles.catalogue import load_vehicle
from evtwin.vehicles.derive import derive_params

__all__ = ["RealWorldTest", "load_realworld_tests", "realworld_report"]

TEST_HVAC_BASE_W = 400.0
TEST_HVAC_W_PER_K = 120.0
ROLLING_FACTORS = tuple(np.round(np.arange(1.0, 2.21, 0.1), 2))
DRAG_FACTORS = tuple(np.round(np.arange(0.9, 1.31, 0.05), 2))


@dataclass(frozen=True, slots=True)
class RealWorldTest:
    vehicle_id: str
    tester_name: str
    speed_kph: float
    ambient_temp_c: float
    consumption_wh_per_km: float
    detail: str


def test_hvac_w(ambient_temp_c: float) -> float:
    """Assumed cabin-climate draw during the tester's runs (W)."""
    return TEST_HVAC_BASE_W + TEST_HVAC_W_PER_K * max(0.0, 20.0 - ambient_temp_c)


@cache
def load_realworld_tests() -> tuple[RealWorldTest, ...]:
    """Constant-speed tests of catalogue cars (exact name matches in ``matches.toml``)."""
    base = resources.files("evtwin") / "data" / "validation" / "realworld"
    try:
        matches = tomllib.loads((base / "matches.toml").read_text(encoding="utf-8"))["match"]
        text = (base / "highway_range_tests.csv").read_text(encoding="utf-8")
    except (OSError, KeyError, tomllib.TOMLDecodeError) as e:
        raise ValidationDataError(f"cannot read the real-world test data in {base}: {e}") from e
    by_name = {m["tester"]: m["vehicle"] for m in matches}
    tests: list[RealWorldTest] = []
    for row in csv.DictReader(io.StringIO(text)):
        vid = by_name.get(row["vehicle"])
        if vid is None or not row["speed_kmh"] or not row["consumption_wh_per_km"]:
            continue
        try:
            speed = float(row["speed_kmh"])
            temp = float(row["ambient_temp_c"])
            wh = float(row["consumption_wh_per_km"])
        except ValueError:
            continue
        load_vehicle(vid)  # a match must name a catalogue car
        detail = f"{speed:g} km/h, {temp:g} °C, {row['road_surface']}, {row['tyre_season']} tyres"
        tests.append(RealWorldTest(vid, row["vehicle"], speed, temp, wh, detail))
    if not tests:
        raise ValidationDataError(f"{base}: no tests of catalogue cars found")
    return tuple(tests)


def _calibration_factors(ids: list[str], c: ModelConstants) -> dict[str, float]:
    """Per car with an official WLTP range: the factor on motor + inverter losses that
    reproduces it (the calibrated twin, :func:`evtwin.sim.range.calibration_factor`)."""
    specs = [load_vehicle(i) for i in dict.fromkeys(ids)]
    specs = [s for s in specs if s.official.wltp_range_km is not None]
    wltp = estimate_ranges(wltp_queries(specs, c), constants=c)
    return {
        s.id: calibration_factor(w, s.official.wltp_range_km or 0.0)
        for s, w in zip(specs, wltp, strict=True)
    }


def realworld_report(
    constants: ModelConstants | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    calibrated: bool = False,
) -> LooReport:
    """Predicted vs measured consumption at 90/120 km/h, leave-one-car-out on the
    real-road rolling and drag factors. ``calibrated``: each car's answer calibrated to its
    official WLTP range first (the default answer of ``evtwin range``)."""
    c0 = constants if constants is not None else default_constants()
    tests = load_realworld_tests()
    cases = [
        Case(
            derive_params(load_vehicle(t.vehicle_id), c0),
            Conditions(ambient_temp_c=t.ambient_temp_c, hvac_w=test_hvac_w(t.ambient_temp_c)),
            constant_speed(t.speed_kph),
        )
        for t in tests
    ]
    obs = np.array([t.consumption_wh_per_km for t in tests])
    grid = [(r, d) for r in ROLLING_FACTORS for d in DRAG_FACTORS]
    pred = np.empty((len(grid), len(tests)))
    prefix = "calibrated_" if calibrated else ""
    k = _calibration_factors([t.vehicle_id for t in tests], c0) if calibrated else {}
    factors = np.array([k.get(t.vehicle_id, 1.0) for t in tests])
    for gi, (rf, df) in enumerate(grid):
        c = c0.replace(real_road_rolling_factor=float(rf), real_road_drag_factor=float(df))
        batch = run_batch(cases, constants=c)
        pred[gi] = batch.dc_wh_per_km
        if calibrated:
            # the calibrated twin's answer (evtwin.sim.range.calibrate): each car's motor +
            # inverter losses scaled by its factor
            loss_wh = batch.out[:, L.O_E_MOTOR_LOSS] / 3.6 / batch.out[:, L.O_DIST_M]
            pred[gi] = calibrated_consumption(pred[gi], loss_wh, factors)
        if progress is not None:
            progress(gi + 1, len(grid))
    log_ratio = np.log(pred) - np.log(obs)[None, :]

    def loss(train: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        return np.asarray(np.mean(log_ratio[:, train] ** 2, axis=1), dtype=np.float64)

    groups = [t.vehicle_id for t in tests]
    picks, best = loo_pick(loss, groups)
    rows = tuple(
        LooRow(
            t.vehicle_id,
            t.tester_name,
            t.detail,
            float(pred[picks[t.vehicle_id], i]),
            float(obs[i]),
        )
        for i, t in enumerate(tests)
    )
    return LooReport(
        title="Real-road consumption at 90/120 km/h vs an independent tester (B. Nyland)"
        + (", calibrated to official WLTP" if calibrated else ", from spec"),
        quantity="consumption",
        unit="Wh/km",
        rows=rows,
        calibrated={
            f"real_road_{prefix}rolling_factor": float(grid[best][0]),
            f"real_road_{prefix}drag_factor": float(grid[best][1]),
        },
        method=(
            "leave-one-car-out: real-road rolling and drag factors on a grid, refitted "
            "without the held-out car; "
            + (
                "each car calibrated to its official WLTP range (one factor on its motor + "
                "inverter losses, as evtwin range does); the factors are the calibrated "
                "answers' own ([real_road] calibrated_*); "
                if calibrated
                else "from the spec alone; "
            )
            + "test HVAC assumed "
            f"{TEST_HVAC_BASE_W:g} W + {TEST_HVAC_W_PER_K:g} W/K below 20 °C"
        ),
        goal_mae_pct=5.0,
        goal_max_pct=None,
        in_sample_mae_pct=float(np.mean(np.abs(pred[best] / obs - 1.0)) * 100.0),
        extra={"tests": len(tests), "cars": len(set(groups))},
    )
