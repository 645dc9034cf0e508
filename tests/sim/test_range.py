from __future__ import annotations

import pytest

from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeQuery, estimate_ranges, wltp_range
from evtwin.sim.traces import constant_speed, cycle
from evtwin.vehicles import derive_params, load_vehicle


def test_your_conditions_set_to_the_wltp_test_give_the_wltp_range() -> None:
    spec = load_vehicle("defender-sport")
    p = derive_params(spec)
    same = Conditions(
        ambient_temp_c=23.0,
        payload_kg=p.wltp_test_mass_kg - p.mass_kg,
        road="test",
        initial_soc=1.0,
    )
    (custom,) = estimate_ranges([RangeQuery(spec, cycle("wltc"), same, "custom")])
    assert custom.range_km == pytest.approx(wltp_range(spec).range_km, rel=1e-9)


def test_internal_losses_beyond_the_wltp_rate_shorten_a_cold_fast_range() -> None:
    spec = load_vehicle("bmw-ix1-edrive20")
    cold_fast = Conditions(ambient_temp_c=-10.0)
    (est,) = estimate_ranges([RangeQuery(spec, constant_speed(130), cold_fast, "custom")])
    dc_only_km = spec.usable_battery_kwh * 1000.0 / est.consumption_wh_per_km
    assert est.range_km < dc_only_km * 0.99  # the pack heats more than on the WLTP
    assert "internal losses" in est.assumptions["range"]
