"""The time-stepped automatic climate controller: physics invariants and behaviour."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evtwin.climate import (
    CabinState,
    CabinTrace,
    ClimateControl,
    ClimateSetting,
    cabin_params,
    default_climate_constants,
    dew_point_c,
    humidity_ratio,
    simulate_cabin,
)
from evtwin.errors import ClimateError
from evtwin.vehicles import load_vehicle

CABIN = cabin_params(load_vehicle("defender-sport"))
K = default_climate_constants()


def _run(control: ClimateControl, **kw: Any) -> CabinTrace:
    """One hour at 10 s steps, -5 °C, 47 km/h unless overridden."""
    args: dict[str, Any] = {"ambient_c": -5.0, "dt_s": 10.0, "steps": 360, "speed_mps": 13.0}
    args.update(kw)
    return simulate_cabin(CABIN, control, **args)


def _auto(temp: float | None = 21.0, **kw: Any) -> ClimateControl:
    return ClimateControl(setting=ClimateSetting(cabin_temp_c=temp, **kw))


@settings(max_examples=40, deadline=None)
@given(
    ambient=st.floats(-25.0, 40.0),
    start=st.floats(-20.0, 60.0),
    setpoint=st.floats(16.0, 28.0),
    speed=st.floats(0.0, 35.0),
    sun=st.floats(0.0, 1000.0),
    heat_pump=st.booleans(),
    dt=st.sampled_from([1.0, 10.0, 60.0]),
)
def test_cabin_energy_balance_closes_every_run(
    ambient: float,
    start: float,
    setpoint: float,
    speed: float,
    sun: float,
    heat_pump: bool,
    dt: float,
) -> None:
    """Heat from the supply air + gains - envelope loss = cabin heat capacity x ΔT."""
    tr = simulate_cabin(
        CABIN,
        _auto(setpoint, heat_pump=heat_pump),
        ambient_c=ambient,
        dt_s=dt,
        steps=60,
        speed_mps=speed,
        solar_w_per_m2=sun,
        initial=CabinState(start, float(humidity_ratio(ambient, 0.7))),
    )
    net_j = float(np.sum((tr.supply_heat_w - tr.envelope_loss_w + tr.gains_w) * dt))
    stored_j = tr.heat_capacity_j_per_k * (tr.cabin_temp_c[-1] - start)
    assert net_j == pytest.approx(stored_j, rel=1e-9, abs=1e-3 * tr.heat_capacity_j_per_k)


@settings(max_examples=40, deadline=None)
@given(
    ambient=st.floats(-25.0, 40.0),
    start=st.floats(-20.0, 60.0),
    setpoint=st.floats(16.0, 28.0),
    fan=st.one_of(st.none(), st.integers(1, 7)),
)
def test_without_gains_the_cabin_stays_between_its_start_ambient_and_supply_air(
    ambient: float, start: float, setpoint: float, fan: int | None
) -> None:
    """No sun, no occupants' or electronics' heat: each step moves the cabin towards a mix
    of supply and outside air, never past it."""
    cabin = CABIN.__class__(
        **{
            **{f: getattr(CABIN, f) for f in CABIN.__slots__},
            "occupant_heat_w": 0.0,
            "internal_heat_w": 0.0,
        }
    )
    tr = simulate_cabin(
        cabin,
        ClimateControl(setting=ClimateSetting(cabin_temp_c=setpoint), fan_stage=fan),
        ambient_c=ambient,
        dt_s=10.0,
        steps=120,
        initial=CabinState(start, 0.002),
    )
    before = np.concatenate([[start], tr.cabin_temp_c[:-1]])
    lo = np.minimum.reduce([before, np.full_like(before, ambient), tr.supply_temp_c])
    hi = np.maximum.reduce([before, np.full_like(before, ambient), tr.supply_temp_c])
    assert np.all(tr.cabin_temp_c >= lo - 1e-9)
    assert np.all(tr.cabin_temp_c <= hi + 1e-9)
    assert np.all((tr.supply_temp_c >= K.supply_min_c - 1e-9) | (tr.fan_stage == 0))
    assert np.all(tr.supply_temp_c <= K.supply_max_c + 1e-9)


def test_auto_climate_warms_a_cold_soaked_cabin_to_the_set_point_and_settles() -> None:
    tr = _run(_auto(21.0, heat_pump=True))
    assert tr.cabin_temp_c[-1] == pytest.approx(21.0, abs=0.2)
    # full fan and full power at first, a low stage and ~1 kW once warm
    assert tr.fan_stage[0] == 7 and tr.fan_stage[-1] <= 3
    assert tr.total_w[0] > 5000.0 and tr.total_w[-1] < 2000.0


def test_heat_pump_warms_the_cabin_for_less_energy_than_ptc() -> None:
    hp = _run(_auto(21.0, heat_pump=True))
    ptc = _run(_auto(21.0, heat_pump=False))
    assert hp.energy_kwh < 0.7 * ptc.energy_kwh


def test_ac_cools_a_hot_soaked_cabin_towards_the_set_point() -> None:
    tr = _run(_auto(22.0), ambient_c=35.0, solar_w_per_m2=800.0, ambient_rh=0.4)
    assert tr.cabin_temp_c[-1] < 23.0
    assert np.all(tr.ac_w > 0.0) and np.all(tr.ptc_w == 0.0)


def test_recirculation_saves_heating_until_the_glass_would_fog() -> None:
    fresh = _run(ClimateControl(setting=ClimateSetting(cabin_temp_c=21.0), recirculation=0.0))
    auto = _run(_auto(21.0))
    assert auto.energy_kwh < fresh.energy_kwh
    # auto keeps the cabin air's dew point below the glass (with the margin, once settled)
    settled = slice(60, None)
    assert np.all(auto.dew_point_c[settled] <= auto.glass_temp_c[settled] - K.fog_margin_k + 0.3)


def test_forced_recirculation_is_reduced_and_reported_when_the_glass_would_fog() -> None:
    four = ClimateSetting(cabin_temp_c=21.0, occupants=4)
    tr = _run(ClimateControl(setting=four, recirculation=1.0), ambient_rh=0.9)
    assert tr.fog_limited.any()
    assert np.all(tr.recirculation < 1.0)


def test_defrost_runs_fresh_air_top_fan_and_dehumidifies_when_warm_enough() -> None:
    ctl = ClimateControl(setting=ClimateSetting(cabin_temp_c=21.0), defrost=True)
    mild = _run(ctl, ambient_c=5.0, steps=30, ambient_rh=0.95)
    cold = _run(ctl, ambient_c=-5.0, steps=30)
    assert np.all(mild.recirculation == 0.0) and np.all(mild.fan_stage == 7)
    assert np.all(mild.ac_w > 0.0)  # A/C dries the air
    assert np.all(cold.ac_w == 0.0)  # too cold for the compressor
    assert mild.dew_point_c[-1] < float(dew_point_c(humidity_ratio(5.0, 0.95)))


def test_eco_caps_the_fan_and_holds_the_cabin_nearer_ambient() -> None:
    eco = _run(_auto(21.0, eco=True))
    normal = _run(_auto(21.0))
    assert eco.fan_stage.max() <= K.eco_max_fan_stage
    assert eco.cabin_temp_c[-1] == pytest.approx(20.0, abs=0.3)
    assert eco.energy_kwh < normal.energy_kwh


def test_dual_zone_holds_each_zone_at_its_own_set_point() -> None:
    tr = _run(_auto(22.0, passenger_temp_c=19.0))
    assert tr.driver_temp_c[-1] == pytest.approx(22.0, abs=0.3)
    assert tr.passenger_temp_c[-1] == pytest.approx(19.0, abs=0.3)


def test_seat_and_wheel_heating_cost_a_tenth_of_cabin_heating() -> None:
    comfort = _run(
        ClimateControl(setting=ClimateSetting(cabin_temp_c=None, seat_heaters=1, wheel_heater=True))
    )
    cabin = _run(_auto(21.0))
    assert comfort.total_w[-1] == pytest.approx(K.seat_heater_w + K.wheel_heater_w)
    assert comfort.energy_kwh < 0.1 * cabin.energy_kwh


def test_climate_off_steps_draw_nothing_and_let_the_cabin_drift() -> None:
    on = np.r_[np.zeros(30), np.ones(30)]
    tr = _run(_auto(21.0), steps=60, climate_on=on)
    assert np.all(tr.total_w[:30] == 0.0) and np.all(tr.total_w[30:] > 0.0)
    assert abs(tr.cabin_temp_c[29] - -5.0) < 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dt_s": 0.0}, r"time step = 0 s"),
        ({"steps": 0}, r"steps = 0"),
        ({"ambient_c": 80.0}, r"ambient temperature = 80 °C is outside"),
        ({"ambient_c": np.zeros(3)}, r"ambient_c has 3 values; expected 1 or 360"),
        ({"ambient_rh": 1.5}, r"relative humidity"),
    ],
)
def test_bad_inputs_are_refused_with_the_value(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ClimateError, match=match):
        _run(_auto(21.0), **kwargs)


def test_bad_controls_are_refused() -> None:
    with pytest.raises(ClimateError, match="fan stage = 9"):
        ClimateControl(setting=ClimateSetting(), fan_stage=9)
    with pytest.raises(ClimateError, match=r"recirculation = 1\.5"):
        ClimateControl(setting=ClimateSetting(), recirculation=1.5)
    with pytest.raises(ClimateError, match="defrost needs"):
        ClimateControl(setting=ClimateSetting(cabin_temp_c=None), defrost=True)
