from __future__ import annotations

import numpy as np
import pytest

from evtwin.validation import (
    epa_report,
    load_epa_tests,
    load_realworld_tests,
    realworld_report,
    wltp_report,
)
from evtwin.validation.loo import LooReport, LooRow
from evtwin.vehicles import OfficialFigures, list_vehicles


def test_epa_set_holds_battery_evs_only_with_both_cycles() -> None:
    tests = load_epa_tests()
    assert len(tests) > 80  # 91 distinct tests once carried-over duplicates are dropped
    assert {t.cycle for t in tests} == {"udds", "hwfet"}
    assert not any("XC90 T8" in t.label for t in tests)
    assert all(40 < t.plug_wh_per_km < 400 for t in tests)


def test_leave_one_out_predictions_never_use_the_held_out_car() -> None:
    # Corrupt one car's official figure: its own prediction must not move (the fit that
    # predicts it never sees it), while the fits for the other cars may.
    specs = [s for s in list_vehicles() if s.official.wltp_range_km]
    base = {r.key: r.predicted for r in wltp_report(specs=specs).rows}
    victim = specs[0]
    bogus = victim.replace(
        official=OfficialFigures(wltp_range_km=3 * victim.official.wltp_range_km)
    )
    rep = wltp_report(specs=[bogus, *specs[1:]])
    moved = {r.key: r.predicted for r in rep.rows}
    assert moved[victim.id] == pytest.approx(base[victim.id], rel=1e-12)
    assert any(abs(moved[k] - base[k]) > 1e-9 for k in base if k != victim.id)


def test_wltp_report_covers_the_published_catalogue_only() -> None:
    rep = wltp_report()
    assert isinstance(rep, LooReport)
    assert len(rep.rows) >= 15
    keys = {r.key for r in rep.rows}
    assert "defender-sport" not in keys  # estimates have no official figure to validate


def test_epa_report_is_cross_validated_by_car() -> None:
    rep = epa_report()
    assert rep.extra["cars"] < rep.extra["tests"]
    assert 0.80 <= rep.calibrated["ac_charging_efficiency"] <= 0.92
    assert np.isfinite(rep.errors_pct).all()
    # rows below their own road-load work are impossible and left out, and only those
    assert rep.extra["excluded"], "the mis-recorded CODA highway test should be excluded"
    for row in rep.extra["excluded"]:
        assert row["plug_wh_per_km"] < row["road_load_work_wh_per_km"]


def test_carried_over_tests_count_once_as_the_first_years_car() -> None:
    # EPA repeats an unchanged car's test under later model years: one physical test
    tests = load_epa_tests()
    seen = [
        (
            t.vehicle_key,
            t.cycle,
            t.spec.test_mass_kg,
            t.spec.road_load_f0_n,
            t.spec.road_load_f1_n_per_kph,
            t.spec.road_load_f2_n_per_kph2,
            round(t.plug_wh_per_km, 6),
        )
        for t in tests
    ]
    assert len(seen) == len(set(seen))
    leaf_years = {t.spec.model_year for t in tests if t.vehicle_key == "NISSAN LEAF"}
    assert "2013" in leaf_years and "2014" not in leaf_years  # 2014-15 carried 2013's tests


def test_report_statistics() -> None:
    rows = (LooRow("a", "A", "", 110.0, 100.0), LooRow("b", "B", "", 95.0, 100.0))
    rep = LooReport("t", "q", "km", rows, {}, "m", 3.0, 7.0, 0.0)
    assert rep.mae_pct == pytest.approx(7.5)
    assert rep.max_abs_pct == pytest.approx(10.0)
    assert rep.bias_pct == pytest.approx(2.5)
    assert not rep.goal_met


def test_real_road_report_holds_out_each_car_and_uses_only_matched_cars() -> None:
    tests = load_realworld_tests()
    assert {t.speed_kph for t in tests} == {90.0, 120.0}
    ids = {s.id for s in list_vehicles()}
    assert {t.vehicle_id for t in tests} <= ids
    rep = realworld_report()
    assert len(rep.rows) == len(tests)
    assert rep.calibrated["real_road_rolling_factor"] >= 1.0  # real roads never beat the test


def test_real_road_answers_cost_more_than_the_type_approval_test() -> None:
    from evtwin.sim.conditions import Conditions
    from evtwin.sim.engine import simulate
    from evtwin.sim.traces import constant_speed
    from evtwin.vehicles import derive_params, load_vehicle

    p = derive_params(load_vehicle("kia-ev3-long-range"))
    real = simulate(p, constant_speed(110), Conditions(road="real"))
    test = simulate(p, constant_speed(110), Conditions(road="test"))
    assert real.dc_wh_per_km > test.dc_wh_per_km * 1.1


def test_real_road_report_in_calibrated_mode_scales_each_car_to_its_official_wltp() -> None:
    raw = realworld_report()
    cal = realworld_report(calibrated=True)
    assert len(cal.rows) == len(raw.rows)
    assert "calibrated" in cal.title and "from spec" in raw.title
    moved = [abs(a.predicted - b.predicted) > 1e-6 for a, b in zip(raw.rows, cal.rows, strict=True)]
    assert any(moved)
