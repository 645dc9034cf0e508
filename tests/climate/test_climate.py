from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evtwin.climate import (
    ClimateSetting,
    cabin_heat_load_w,
    cabin_params,
    default_climate_constants,
    effective_setpoint_c,
    envelope_ua_w_per_k,
    heat_pump_cop,
    hvac_power,
    mean_hvac_power_w,
    vehicle_hvac_w,
)
from evtwin.errors import ClimateError
from evtwin.vehicles import load_vehicle

SPEC = load_vehicle("defender-sport")
CABIN = cabin_params(SPEC)
K = default_climate_constants()


def test_a_moving_car_loses_more_heat_than_a_parked_one() -> None:
    assert envelope_ua_w_per_k(CABIN, 30.0) > 1.5 * envelope_ua_w_per_k(CABIN, 0.0)


def test_heat_load_grows_with_the_temperature_gap_and_sun_and_people_reduce_it() -> None:
    cold = cabin_heat_load_w(CABIN, ambient_c=-10.0, setpoint_c=21.0, speed_mps=15.0)
    mild = cabin_heat_load_w(CABIN, ambient_c=10.0, setpoint_c=21.0, speed_mps=15.0)
    sunny = cabin_heat_load_w(
        CABIN, ambient_c=10.0, setpoint_c=21.0, speed_mps=15.0, solar_w_per_m2=800.0
    )
    crowded = cabin_heat_load_w(CABIN, ambient_c=10.0, setpoint_c=21.0, occupants=4.0)
    parked = cabin_heat_load_w(CABIN, ambient_c=10.0, setpoint_c=21.0, occupants=1.0)
    assert cold > mild > sunny
    assert crowded < parked


def test_recirculation_cuts_the_ventilation_load() -> None:
    fresh = cabin_heat_load_w(CABIN, ambient_c=-5.0, setpoint_c=21.0, recirculation=0.0)
    recirc = cabin_heat_load_w(CABIN, ambient_c=-5.0, setpoint_c=21.0, recirculation=0.7)
    assert recirc < fresh


def test_heat_pump_cop_falls_with_ambient_and_hands_over_to_the_ptc_when_very_cold() -> None:
    cops = heat_pump_cop(np.array([-10.0, 0.0, 10.0]))
    assert cops[0] < cops[1] < cops[2]
    assert heat_pump_cop(-20.0) == 0.0
    hp = hvac_power(CABIN, ClimateSetting(heat_pump=True), ambient_c=-20.0, speed_mps=15.0)
    assert hp.heat_pump_w == 0.0 and hp.ptc_w > 0.0


@given(ambient=st.floats(-14.0, 15.0), speed=st.floats(0.0, 40.0), hp=st.booleans())
def test_heating_delivers_the_heat_the_cabin_needs(ambient: float, speed: float, hp: bool) -> None:
    setting = ClimateSetting(cabin_temp_c=21.0, heat_pump=hp)
    p = hvac_power(CABIN, setting, ambient_c=ambient, speed_mps=speed)
    g = envelope_ua_w_per_k(CABIN, speed) + CABIN.fresh_air_kg_per_s * CABIN.air_cp_j_per_kgk
    need = max(float(p.heat_load_w) - float(g) * K.dead_band_k, 0.0)
    cop = float(heat_pump_cop(ambient))
    delivered = float(p.heat_pump_w) * cop + float(p.ptc_w) * K.ptc_efficiency
    assert delivered == pytest.approx(need, rel=1e-9, abs=1e-6)
    assert p.total_w == pytest.approx(p.heat_pump_w + p.ptc_w + p.ac_w + p.blower_w + p.comfort_w)


def test_heat_pump_roughly_halves_heating_power_near_freezing() -> None:
    ptc = hvac_power(CABIN, ClimateSetting(heat_pump=False), ambient_c=0.0, speed_mps=15.0)
    hp = hvac_power(CABIN, ClimateSetting(heat_pump=True), ambient_c=0.0, speed_mps=15.0)
    assert float(hp.total_w) < 0.6 * float(ptc.total_w)


def test_ac_power_grows_with_heat_and_sun() -> None:
    s = ClimateSetting(cabin_temp_c=21.0)
    p30 = hvac_power(CABIN, s, ambient_c=30.0, speed_mps=15.0)
    p40 = hvac_power(CABIN, s, ambient_c=40.0, speed_mps=15.0)
    p40_sun = hvac_power(CABIN, s, ambient_c=40.0, speed_mps=15.0, solar_w_per_m2=900.0)
    assert 0.0 < p30.ac_w < p40.ac_w < p40_sun.ac_w
    assert p40.ptc_w == 0.0


def test_climate_off_draws_only_the_comfort_heaters() -> None:
    off = hvac_power(CABIN, ClimateSetting(cabin_temp_c=None), ambient_c=-5.0)
    assert off.total_w == 0.0
    seats = hvac_power(
        CABIN, ClimateSetting(cabin_temp_c=None, seat_heaters=2, wheel_heater=True), ambient_c=-5.0
    )
    assert seats.total_w == pytest.approx(2 * K.seat_heater_w + K.wheel_heater_w)


def test_cabin_warm_up_raises_the_trip_mean_and_fades_on_long_trips() -> None:
    s = ClimateSetting(cabin_temp_c=21.0)
    steady = float(hvac_power(CABIN, s, ambient_c=-5.0, speed_mps=15.0).total_w)
    short = float(mean_hvac_power_w(CABIN, s, ambient_c=-5.0, duration_s=900, speed_mps=15.0))
    long = float(mean_hvac_power_w(CABIN, s, ambient_c=-5.0, duration_s=36000, speed_mps=15.0))
    assert short > long > steady
    assert long == pytest.approx(steady, rel=0.05)


def test_vehicle_hvac_w_uses_the_spec_heat_pump_unless_told() -> None:
    with_hp = vehicle_hvac_w(SPEC, ambient_c=-5.0, cabin_temp_c=21.0, speed_mps=15.0)
    without = vehicle_hvac_w(
        SPEC, ambient_c=-5.0, cabin_temp_c=21.0, speed_mps=15.0, heat_pump=False
    )
    assert SPEC.heat_pump is True
    assert with_hp < without
    seat = vehicle_hvac_w(SPEC, ambient_c=-5.0, cabin_temp_c=21.0, speed_mps=15.0, seat_heat=True)
    assert seat == pytest.approx(with_hp + K.seat_heater_w + K.wheel_heater_w)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cabin_temp_c": 40.0}, r"cabin set point = 40 °C is outside 14\.\.30 °C"),
        ({"recirculation": 0.95}, r"recirculation = 0\.95 is outside"),
        ({"seat_heaters": 9}, r"seat heaters = 9 is outside 0\.\.5"),
        ({"occupants": 0}, r"occupants = 0 is outside"),
    ],
)
def test_bad_settings_name_value_and_unit(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ClimateError, match=match):
        ClimateSetting(**kwargs)  # type: ignore[arg-type]


def test_impossible_ambient_is_refused() -> None:
    with pytest.raises(ClimateError, match=r"outside -40\.\.55 °C"):
        hvac_power(CABIN, ClimateSetting(), ambient_c=80.0)


def test_eco_mode_saves_energy_in_winter_and_summer() -> None:
    for ambient in (-5.0, 35.0):
        normal = hvac_power(CABIN, ClimateSetting(cabin_temp_c=21.0), ambient_c=ambient)
        eco = hvac_power(CABIN, ClimateSetting(cabin_temp_c=21.0, eco=True), ambient_c=ambient)
        assert eco.total_w < normal.total_w


def test_eco_set_point_moves_towards_ambient_but_never_past_it() -> None:
    eco = ClimateSetting(cabin_temp_c=21.0, eco=True)
    assert effective_setpoint_c(eco, -5.0) == pytest.approx(21.0 - K.eco_setpoint_offset_k)
    assert effective_setpoint_c(eco, 35.0) == pytest.approx(21.0 + K.eco_setpoint_offset_k)
    assert effective_setpoint_c(eco, 20.7) == pytest.approx(20.7)


def test_dual_zone_holds_the_mean_and_pays_for_the_mixing() -> None:
    single = hvac_power(CABIN, ClimateSetting(cabin_temp_c=21.0, occupants=2), ambient_c=-5.0)
    split = hvac_power(
        CABIN,
        ClimateSetting(cabin_temp_c=23.0, passenger_temp_c=19.0, occupants=2),
        ambient_c=-5.0,
    )
    assert split.heat_load_w == pytest.approx(single.heat_load_w)
    assert split.total_w > single.total_w


def test_passenger_set_point_is_checked() -> None:
    with pytest.raises(ClimateError, match=r"passenger set point = 35 °C"):
        ClimateSetting(cabin_temp_c=21.0, passenger_temp_c=35.0)


def test_heat_pump_loses_capacity_and_cop_to_frost_and_defrost_in_the_ahri_band() -> None:
    """AHRI 210/240: between 17 °F and 45 °F capacity x 0.90 and power x 0.985."""
    from evtwin.climate import default_climate_constants, heat_pump_capacity_w, heat_pump_cop

    k = default_climate_constants()
    no_frost = k.replace(hp_frost_capacity_factor=1.0, hp_frost_power_factor=1.0)
    for t in (-5.0, 0.0, 5.0):
        assert float(heat_pump_capacity_w(t, k)) == pytest.approx(
            0.90 * float(heat_pump_capacity_w(t, no_frost))
        )
        assert float(heat_pump_cop(t, k)) == pytest.approx(
            0.90 / 0.985 * float(heat_pump_cop(t, no_frost))
        )
    for t in (-12.0, 10.0):  # too dry / too warm to frost
        assert float(heat_pump_cop(t, k)) == float(heat_pump_cop(t, no_frost))


def test_a_heat_pump_warm_up_needs_the_ptc_beyond_its_capacity() -> None:
    """Warming a soaked cabin runs at full output: the PTC supplies what the heat pump's
    spare capacity cannot, so a short trip gains less from the heat pump than the steady
    state suggests."""
    from evtwin.climate import hvac_power, mean_hvac_power_w

    cab = cabin_params(load_vehicle("defender-sport"))
    hp = ClimateSetting(cabin_temp_c=21.0, heat_pump=True)
    ptc = ClimateSetting(cabin_temp_c=21.0, heat_pump=False)
    args = {"ambient_c": -5.0, "speed_mps": 13.0}
    steady_ratio = float(hvac_power(cab, hp, **args).total_w) / float(
        hvac_power(cab, ptc, **args).total_w
    )
    short_ratio = float(mean_hvac_power_w(cab, hp, duration_s=900.0, **args)) / float(
        mean_hvac_power_w(cab, ptc, duration_s=900.0, **args)
    )
    assert steady_ratio < short_ratio < 1.0
