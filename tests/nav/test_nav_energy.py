"""Leg energy comes from the drive engine and follows its temperature, climate and load."""

from __future__ import annotations

import numpy as np
import pytest

from evtwin.nav.energy import (
    MODEL_ERROR_BIAS,
    MODEL_ERROR_SD,
    DriveConditions,
    consumption_table,
    draw_samples,
    speed_bin,
)
from evtwin.sim.request import RangeRequest
from evtwin.vehicles import load_vehicle

SPEC = load_vehicle("defender-sport")


def _wh_per_km(cond: DriveConditions, speed_kph: float) -> float:
    k = int(speed_bin(np.array([speed_kph]))[0])
    table = consumption_table(SPEC, cond, draw_samples(1, cond.temp_c), [k])
    return float(table.nominal[k]) / 3.6


@pytest.mark.parametrize("speed_kph", [90.0, 110.0])
def test_cold_raises_energy_by_the_same_ratio_as_evtwin_range(speed_kph: float) -> None:
    """Fast-road classes (junctions every 15 km) match constant-speed answers; urban classes
    stop every 0.5 km, whose acceleration energy does not depend on temperature."""
    plan_ratio = _wh_per_km(DriveConditions(temp_c=-5.0), speed_kph) / _wh_per_km(
        DriveConditions(), speed_kph
    )
    cold = RangeRequest(speed_kph=speed_kph, temp_c=-5.0).answer([SPEC])[0]
    mild = RangeRequest(speed_kph=speed_kph).answer([SPEC])[0]
    range_ratio = cold.consumption_wh_per_km / mild.consumption_wh_per_km
    assert plan_ratio > 1.0
    assert plan_ratio == pytest.approx(range_ratio, rel=0.01)


def test_climate_payload_and_trailer_cost_energy() -> None:
    base = _wh_per_km(DriveConditions(temp_c=0.0), 110.0)
    assert _wh_per_km(DriveConditions(temp_c=0.0, cabin_temp_c=21.0), 110.0) > base * 1.03
    assert _wh_per_km(DriveConditions(temp_c=0.0, payload_kg=400.0), 110.0) > base
    assert _wh_per_km(DriveConditions(temp_c=0.0, trailer_kg=1000.0), 110.0) > base * 1.2


def test_faster_roads_cost_more_per_km() -> None:
    assert _wh_per_km(DriveConditions(), 110.0) > _wh_per_km(DriveConditions(), 70.0)


def test_samples_start_with_the_nominal_case_and_spread_around_it() -> None:
    s = draw_samples(1000, 5.0)
    assert s.temp_c[0] == 5.0 and s.model[0] == 1.0 and s.traffic[0] == 1.0
    assert abs(float(np.mean(s.model)) - 1.0 - MODEL_ERROR_BIAS) < 0.01
    assert float(np.std(s.model)) == pytest.approx(MODEL_ERROR_SD, rel=0.15)


@pytest.mark.slow
def test_model_spread_is_the_validation_error() -> None:
    """MODEL_ERROR_SD/BIAS are the real-road leave-one-out errors of evtwin validate."""
    from evtwin.validation import realworld_report

    errors = realworld_report().errors_pct / 100.0
    assert float(np.std(errors, ddof=1)) == pytest.approx(MODEL_ERROR_SD, abs=0.005)
    assert float(np.mean(errors)) == pytest.approx(MODEL_ERROR_BIAS, abs=0.005)
