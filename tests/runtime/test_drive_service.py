"""Vehicle dynamics and energy through the broker: the engine moves the car, modes shape it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from evtwin.modes import load_mode
from evtwin.physics.constants import default_constants
from evtwin.runtime import DriveLeg, Twin, World, regen_decel_mps2
from evtwin.signals import paths as P
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import simulate
from evtwin.sim.traces import constant_speed, cycle
from evtwin.vehicles.catalogue import load_vehicle
from evtwin.vehicles.derive import VehicleParams, derive_params, regen_decel_for_year

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)


def test_driving_a_cycle_publishes_speed_odometer_and_falling_soc(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=90.0)
    wltc = cycle("wltc")
    twin.world.leg = DriveLeg(trace=wltc, start_s=twin.clock.now_s())
    speeds = []
    for _ in range(60):  # the first 10 minutes
        twin.advance(10, step_s=5)
        speeds.append(twin.broker.get(P.SPEED_KPH).value)
    b = twin.broker
    assert max(speeds) > 40.0
    assert b.get(P.POWER_STATE).value == "ON"
    assert b.get(P.TRAVELED_DISTANCE_M).value == round(twin.drive.odometer_m)
    assert twin.drive.odometer_m == pytest.approx(twin.drive.leg.distance_m)
    v, t = wltc.speed_mps[:601], wltc.time_s[:601]
    expected_m = float(sum(0.5 * (v[1:] + v[:-1]) * (t[1:] - t[:-1])))
    assert twin.drive.odometer_m == pytest.approx(expected_m, rel=0.01)  # it followed the cycle
    assert b.get(P.SOC_CURRENT_PCT).value < 90.0
    assert b.get(P.CONSUMED_ENERGY_KWH).value > 0.5


def test_the_car_switches_off_when_parked(make_twin: MakeTwin) -> None:
    twin = make_twin()
    twin.world.leg = DriveLeg(trace=constant_speed(30, 20), start_s=twin.clock.now_s())
    twin.advance(10)
    assert twin.broker.get(P.IS_MOVING).value is True
    twin.world.leg = None
    twin.advance(20)
    b = twin.broker
    assert b.get(P.SPEED_KPH).value == 0.0
    assert b.get(P.IS_MOVING).value is False
    assert b.get(P.POWER_STATE).value == "OFF"


def _car(model_year: str) -> VehicleParams:
    spec = dataclasses.replace(load_vehicle("vw-id3-pro-s"), model_year=model_year)
    return derive_params(spec)


def test_comfort_regenerates_at_the_cars_own_model_year_limit() -> None:
    c = default_constants()
    for year in ("2012", "2024"):
        car = _car(year)
        comfort = regen_decel_mps2(load_mode("COMFORT"), car, c)
        assert comfort == pytest.approx(car.regen_max_decel_mps2)  # the calibrated default
        assert comfort == pytest.approx(regen_decel_for_year(int(year), c))


def test_modes_keep_their_order_on_every_car() -> None:
    c = default_constants()
    for year in ("2010", "2012", "2016", "2024", "2030"):
        car = _car(year)
        eco, comfort, dynamic, sand = (
            regen_decel_mps2(load_mode(m), car, c) for m in ("ECO", "COMFORT", "DYNAMIC", "SAND")
        )
        assert eco >= comfort > dynamic > sand > 0.0
        assert eco <= max(c.regen_cap_mps2, car.regen_max_decel_mps2)


def test_a_current_car_in_eco_regenerates_more_than_a_2012_car_in_eco() -> None:
    c = default_constants()
    eco = load_mode("ECO")
    old, new = regen_decel_mps2(eco, _car("2012"), c), regen_decel_mps2(eco, _car("2024"), c)
    assert new > 2.0 * old
    # and Eco scales the car's own limit, not the 2010 base value
    assert old == pytest.approx(
        regen_decel_for_year(2012, c) * eco.regen_fraction / load_mode("COMFORT").regen_fraction
    )


def test_more_regeneration_saves_energy_on_a_city_cycle() -> None:
    c = default_constants()
    car = _car("2024")
    udds = cycle("udds")

    def kwh(mode: str) -> float:
        cond = Conditions(regen_max_decel_mps2=regen_decel_mps2(load_mode(mode), car, c))
        return simulate(car, udds, cond, constants=c).energy_terminal_j / 3.6e6

    eco, comfort, dynamic, sand = kwh("ECO"), kwh("COMFORT"), kwh("DYNAMIC"), kwh("SAND")
    assert eco < comfort < dynamic < sand
    # the per-car rule matters: Eco on this car saves energy against the old base-value rule
    old_eco = Conditions(regen_max_decel_mps2=c.regen_max_decel_mps2 * 0.7 / 0.5)
    assert eco < simulate(car, udds, old_eco, constants=c).energy_terminal_j / 3.6e6 * 0.99


def test_a_selected_mode_takes_effect_through_the_broker(make_twin: MakeTwin) -> None:
    twin = make_twin()
    twin.broker.set_target(P.TERRAIN_MODE, "ROCK_CRAWL")
    twin.world.leg = DriveLeg(trace=constant_speed(80, 60), start_s=twin.clock.now_s())
    twin.advance(40)
    assert twin.broker.get(P.TERRAIN_MODE).value == "ROCK_CRAWL"
    assert twin.broker.get(P.SPEED_KPH).value == pytest.approx(30.0)


def test_an_empty_battery_stops_the_car(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=0.2)
    twin.world.leg = DriveLeg(trace=constant_speed(100, 600), start_s=twin.clock.now_s())
    twin.advance(600, step_s=5)
    assert twin.drive.leg.depleted
    assert twin.broker.get(P.SPEED_KPH).value == 0.0
    assert twin.broker.get(P.SOC_CURRENT_PCT).value == pytest.approx(0.0, abs=1e-6)


def test_world_sensors_publish_what_the_car_measures(make_twin: MakeTwin) -> None:
    from evtwin.modes import load_surface
    from evtwin.runtime import Charger, Trailer

    world = World(
        ambient_temp_c=-3.0,
        surface=load_surface("snow"),
        water_depth_mm=120.0,
        trailer=Trailer(mass_kg=750.0),
        charger=Charger(power_kw=11.0),
    )
    twin = make_twin(world)
    b = twin.broker
    assert b.get(P.AMBIENT_AIR_C).value == -3.0
    assert b.get(P.SURFACE).value == "SNOW"
    assert b.get(P.WADING_DEPTH_MM).value == 120
    assert b.get(P.WADING_MAX_DEPTH_MM).value == 600  # the spec's wading_depth_mm
    assert b.get(P.WADING_LIMIT_EXCEEDED).value is False
    assert b.get(P.TRAILER_MASS_KG).value == 750
    assert b.get(P.CHARGING_CABLE_CONNECTED).value is True
    assert b.get(P.CHARGER_MAX_CURRENT_PHASE1_A).value == pytest.approx(11000 / 3 / 230)


def test_every_runtime_signal_path_is_in_the_catalogue() -> None:
    from evtwin.signals import load_catalogue
    from evtwin.signals import paths as _paths

    catalogue = load_catalogue()
    for name in _paths.__all__:
        catalogue[getattr(_paths, name)]  # raises UnknownSignalError if misspelt
