from __future__ import annotations

import pytest

from evtwin.climate import ClimateSetting, cabin_params
from evtwin.climate.parked import AWAKE_LOAD_W, keep_climate, precondition_cabin
from evtwin.errors import ClimateError
from evtwin.vehicles import load_vehicle

CABIN = cabin_params(load_vehicle("defender-sport"))


def test_dog_mode_drain_is_hvac_plus_the_awake_car_per_hour() -> None:
    k = keep_climate(
        CABIN, ClimateSetting(cabin_temp_c=22.0), ambient_c=-5.0, usable_battery_kwh=75.0
    )
    assert k.power_w > AWAKE_LOAD_W
    assert k.kwh_per_hour == pytest.approx(k.power_w / 1000)
    assert k.percent_per_hour == pytest.approx(k.kwh_per_hour / 75.0 * 100)
    assert k.hours_until_empty == pytest.approx(75.0 / k.kwh_per_hour)


def test_hot_sunny_day_costs_more_than_a_mild_one() -> None:
    s = ClimateSetting(cabin_temp_c=21.0)
    mild = keep_climate(CABIN, s, ambient_c=22.0, usable_battery_kwh=75.0)
    hot = keep_climate(CABIN, s, ambient_c=35.0, usable_battery_kwh=75.0, solar_w_per_m2=800.0)
    assert hot.power_w > mild.power_w + 500.0


def test_preconditioning_plugged_in_takes_grid_energy_not_range() -> None:
    s = ClimateSetting(cabin_temp_c=21.0)
    plugged = precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=True)
    battery = precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=False)
    assert plugged.battery_kwh == 0.0 and plugged.grid_kwh > plugged.energy_kwh
    assert battery.grid_kwh == 0.0 and battery.battery_kwh == pytest.approx(battery.energy_kwh)
    assert 2.0 < plugged.minutes < 45.0


def test_heat_pump_preconditions_for_less_energy() -> None:
    ptc = precondition_cabin(
        CABIN, ClimateSetting(heat_pump=False), ambient_c=-5.0, plugged_in=True
    )
    hp = precondition_cabin(CABIN, ClimateSetting(heat_pump=True), ambient_c=-5.0, plugged_in=True)
    assert hp.energy_kwh < ptc.energy_kwh


def test_parked_modes_need_a_set_point_and_a_sane_soc() -> None:
    with pytest.raises(ClimateError, match="set point"):
        keep_climate(CABIN, ClimateSetting(cabin_temp_c=None), ambient_c=0.0, usable_battery_kwh=75)
    with pytest.raises(ClimateError, match=r"SOC = -10 %"):
        keep_climate(CABIN, ClimateSetting(), ambient_c=0.0, usable_battery_kwh=75, soc=-0.1)


def test_scheduled_preconditioning_starts_its_warm_up_before_departure_across_midnight() -> None:
    from evtwin.climate.parked import precondition_schedule

    plan = precondition_schedule(
        CABIN,
        ClimateSetting(cabin_temp_c=21.0, heat_pump=True),
        ambient_c=-5.0,
        depart_min=10,
        plugged_in=True,
        usable_battery_kwh=75.0,
    )
    assert plan.start_min == (10 - plan.minutes) % 1440 and plan.start_min > 1400
    assert plan.battery_kwh == 0.0 and plan.grid_kwh > plan.hv_kwh


def test_no_preconditioning_is_needed_when_it_is_already_comfortable() -> None:
    from evtwin.climate.parked import precondition_schedule

    plan = precondition_schedule(
        CABIN,
        ClimateSetting(cabin_temp_c=21.0),
        ambient_c=21.0,
        depart_min=450,
        plugged_in=False,
        usable_battery_kwh=75.0,
    )
    assert plan.minutes == 0.0 and plan.hv_kwh == 0.0 and plan.start_min == 450


def test_an_unplugged_warm_up_the_battery_cannot_pay_for_is_refused() -> None:
    from evtwin.climate.parked import precondition_schedule

    with pytest.raises(ClimateError, match=r"only 0\.00 kWh left at 0 %"):
        precondition_schedule(
            CABIN,
            ClimateSetting(cabin_temp_c=21.0),
            ambient_c=-10.0,
            depart_min=450,
            plugged_in=False,
            usable_battery_kwh=75.0,
            soc=0.0,
        )


def test_keep_climate_is_one_hour_of_the_controller_run() -> None:
    """One cabin model: the per-hour summary is the time-stepped run's first hour."""
    from evtwin.climate.parked import keep_climate_run

    s = ClimateSetting(cabin_temp_c=22.0, heat_pump=True)
    k = keep_climate(CABIN, s, ambient_c=-10.0, usable_battery_kwh=75.0, soc=0.8)
    run = keep_climate_run(
        CABIN, s, ambient_c=-10.0, hours=1.0, usable_battery_kwh=75.0, soc=0.8, stop_at_soc=0.0
    )
    assert k.power_w == pytest.approx(run.mean_power_w, rel=1e-12)
    assert k.kwh_per_hour == pytest.approx(run.kwh_per_hour, rel=1e-12)
    assert k.hours_until_empty == pytest.approx(run.hours_until_stop, rel=1e-12)


def test_precondition_cabin_is_the_scheduled_warm_up() -> None:
    from evtwin.climate.parked import precondition_schedule

    s = ClimateSetting(cabin_temp_c=21.0, heat_pump=True)
    p = precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=True)
    plan = precondition_schedule(
        CABIN, s, ambient_c=-5.0, depart_min=450, plugged_in=True, usable_battery_kwh=75.0
    )
    assert p.minutes == plan.minutes and p.minutes == int(p.minutes)
    assert p.energy_kwh == pytest.approx(plan.hv_kwh, rel=1e-12)
    assert p.grid_kwh == pytest.approx(plan.grid_kwh, rel=1e-12)


def test_a_cabin_soaked_warmer_than_outside_warms_up_sooner() -> None:
    s = ClimateSetting(cabin_temp_c=21.0, heat_pump=True)
    cold = precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=True)
    warmer = precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=True, soak_c=10.0)
    assert warmer.minutes < cold.minutes and warmer.energy_kwh < cold.energy_kwh
    ready = precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=True, soak_c=21.0)
    assert ready.minutes == 0.0 and ready.energy_kwh == 0.0


def test_precondition_cabin_refuses_a_bad_charger_and_no_set_point() -> None:
    s = ClimateSetting(cabin_temp_c=21.0)
    with pytest.raises(ClimateError, match=r"outside 0\.5\.\.1"):
        precondition_cabin(CABIN, s, ambient_c=-5.0, plugged_in=True, obc_efficiency=1.5)
    with pytest.raises(ClimateError, match="set point"):
        precondition_cabin(CABIN, ClimateSetting(cabin_temp_c=None), ambient_c=0, plugged_in=True)
