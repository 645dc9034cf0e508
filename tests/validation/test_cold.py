"""Cold-weather physics: what a cold car loses, with global constants fitted leave-one-out."""

from __future__ import annotations

import itertools

import pytest

from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import simulate
from evtwin.sim.range import RangeQuery, cold_capacity_fraction, estimate_ranges
from evtwin.sim.traces import constant_speed, cycle
from evtwin.validation.cold import cold_report, load_winter_pairs
from evtwin.vehicles import derive_params, list_vehicles, load_vehicle


@pytest.mark.parametrize("vehicle", ["vw-id3-pro-s", "bmw-ix1-xdrive30", "mg4-long-range-64"])
def test_colder_never_costs_less_with_the_climate_off(vehicle: str) -> None:
    spec = load_vehicle(vehicle)
    temps = [25.0, 20.0, 10.0, 0.0, -10.0, -20.0]
    queries = [
        RangeQuery(spec, tr, Conditions(ambient_temp_c=t, initial_soc=1.0))
        for tr in (cycle("wltc"), constant_speed(110))
        for t in temps
    ]
    res = estimate_ranges(queries)
    for trace_res in (res[: len(temps)], res[len(temps) :]):
        wh = [r.consumption_wh_per_km for r in trace_res]
        km = [r.range_km for r in trace_res]
        assert all(b >= a - 1e-9 for a, b in itertools.pairwise(wh)), wh
        assert all(b <= a + 1e-9 for a, b in itertools.pairwise(km)), km


def test_cold_constants_do_nothing_at_or_above_their_reference_temperature() -> None:
    c = default_constants()
    p = derive_params(load_vehicle("kia-ev3-long-range"))
    warm = Conditions(ambient_temp_c=c.cold_reference_temp_c)
    assert cold_capacity_fraction(warm, c) == 1.0
    no_cold = c.replace(cold_rolling_per_k=0.0, cold_capacity_per_k=0.0)
    a = simulate(p, constant_speed(100), warm, constants=c)
    b = simulate(p, constant_speed(100), warm, constants=no_cold)
    assert a.energy_terminal_j == b.energy_terminal_j


def test_a_warm_pack_in_the_cold_keeps_its_capacity() -> None:
    c = default_constants()
    cold_air = Conditions(ambient_temp_c=-10.0, battery_temp_c=25.0)
    assert cold_capacity_fraction(cold_air, c) == 1.0
    assert cold_capacity_fraction(Conditions(ambient_temp_c=-10.0), c) < 1.0


def test_cold_answers_name_the_cold_effects() -> None:
    spec = load_vehicle("vw-id3-pro-s")
    est = estimate_ranges([RangeQuery(spec, cycle("wltc"), Conditions(ambient_temp_c=-7.0))])[0]
    assert "cold pack delivers" in est.assumptions["cold"]


def test_cold_report_holds_out_each_study_and_car_and_its_fit_is_the_shipped_constants() -> None:
    rep = cold_report()
    pairs = load_winter_pairs()
    assert len(rep.rows) == 2 + len(pairs)
    assert {r.key for r in rep.rows} >= {"AAA 2019"}
    c = default_constants()
    # constants.toml holds the full-sample fit (no hand tuning after the fit)
    assert rep.calibrated["cold_rolling_per_k"] == pytest.approx(c.cold_rolling_per_k)
    assert rep.calibrated["cold_capacity_per_k"] == pytest.approx(c.cold_capacity_per_k)
    # GTR 15 Annex 4's tyre correction bounds the rolling term
    assert 0.0 <= c.cold_rolling_per_k <= 0.0086 * 1.5


def test_winter_pairs_compare_each_run_with_the_warmest_of_the_same_car_and_speed() -> None:
    for p in load_winter_pairs():
        assert p.temp_c < p.warm_temp_c
        assert 90.0 < p.ratio_pct < 140.0
    assert len({p.vehicle for p in load_winter_pairs()}) >= 8
    assert [s for s in list_vehicles() if not s.is_estimate]
