"""Keep-climate (KEEP/DOG/CAMP) and heat-pump state in the runtime's climate service."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evtwin.climate import (
    AWAKE_LOAD_W,
    CAMP_ACCESSORY_W,
    ClimateSetting,
    cabin_params,
    keep_climate,
)
from evtwin.errors import SignalNotAllowedError
from evtwin.runtime import Twin, World
from evtwin.signals import paths as P
from evtwin.vehicles import load_vehicle

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)


def value(twin: Twin, path: str) -> object:
    dp = twin.broker.get(path)
    return None if dp is None else dp.value


def test_keep_mode_holds_the_parked_cabin_and_reports_its_draw(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0), cabin_temp_c=21.0)
    assert value(twin, P.KEEP_CLIMATE_MODE) == "OFF"
    assert value(twin, P.KEEP_CLIMATE_ESTIMATED_W) == 0.0
    twin.broker.set_target(P.KEEP_CLIMATE_MODE, "KEEP")
    twin.advance(2 * 3600, step_s=30)
    assert value(twin, P.CABIN_AIR_C) == pytest.approx(21.0, abs=1.0)
    assert value(twin, P.KEEP_CLIMATE_ACTIVE) is True
    draw = float(value(twin, P.KEEP_CLIMATE_W))  # type: ignore[arg-type]
    assert draw == pytest.approx(twin.climate.hvac_w + AWAKE_LOAD_W)
    assert float(value(twin, P.FLOW_CLIMATE_W)) == pytest.approx(-draw)  # type: ignore[arg-type]
    # roughly two hours at about the draw (the cabin started at the set point)
    assert float(value(twin, P.KEEP_CLIMATE_ENERGY_KWH)) == pytest.approx(  # type: ignore[arg-type]
        2 * draw / 1000, rel=0.3
    )
    assert value(twin, P.KEEP_CLIMATE_MESSAGE) == ""


def test_the_estimate_is_the_climate_models_keep_climate(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0), soc_percent=80.0)
    spec = load_vehicle("defender-sport")
    expected = keep_climate(
        cabin_params(spec),
        ClimateSetting(cabin_temp_c=21.0, heat_pump=bool(spec.heat_pump)),
        ambient_c=-5.0,
        usable_battery_kwh=spec.usable_battery_kwh,
        soc=0.8,
    ).power_w
    for mode, extra in (("DOG", 0.0), ("CAMP", CAMP_ACCESSORY_W)):
        twin.broker.set_target(P.KEEP_CLIMATE_MODE, mode)
        twin.advance(60, step_s=30)
        estimate = float(value(twin, P.KEEP_CLIMATE_ESTIMATED_W))  # type: ignore[arg-type]
        assert estimate == pytest.approx(expected + extra)
        soc = float(value(twin, P.SOC_CURRENT_PCT))  # type: ignore[arg-type]
        left_s = (soc - 20.0) / 100 * spec.usable_battery_kwh * 3.6e6 / estimate
        assert value(twin, P.KEEP_CLIMATE_TIME_LEFT_S) == pytest.approx(left_s, rel=0.01)


def test_dog_mode_shows_a_message_and_camp_adds_the_cabin_loads(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0), cabin_temp_c=21.0)
    twin.broker.set_target(P.KEEP_CLIMATE_MODE, "DOG")
    twin.advance(600, step_s=30)
    message = str(value(twin, P.KEEP_CLIMATE_MESSAGE))
    assert "back soon" in message
    assert "heating" in message
    twin.broker.set_target(P.KEEP_CLIMATE_MODE, "CAMP")
    twin.advance(600, step_s=30)
    assert value(twin, P.KEEP_CLIMATE_MESSAGE) == ""
    assert float(value(twin, P.KEEP_CLIMATE_W)) == pytest.approx(  # type: ignore[arg-type]
        twin.climate.hvac_w + AWAKE_LOAD_W + CAMP_ACCESSORY_W
    )


def test_keep_climate_waits_while_the_car_moves(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0))
    twin.broker.set_target(P.KEEP_CLIMATE_MODE, "KEEP")
    twin.broker.update([(P.SPEED_KPH, "value", 50.0)])  # type: ignore[list-item]
    twin.climate.step(twin.clock.now_s(), 0.0)
    assert value(twin, P.KEEP_CLIMATE_MODE) == "KEEP"
    assert value(twin, P.KEEP_CLIMATE_ACTIVE) is False
    assert value(twin, P.KEEP_CLIMATE_W) == 0.0


def test_keep_climate_ends_at_the_minimum_charge(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0), soc_percent=20.5)
    assert value(twin, P.KEEP_CLIMATE_MIN_SOC_PCT) == 20.0
    twin.broker.set_target(P.KEEP_CLIMATE_MODE, "DOG")
    twin.advance(4 * 3600, step_s=60)
    assert value(twin, P.KEEP_CLIMATE_MODE) == "OFF"
    assert value(twin, P.KEEP_CLIMATE_ACTIVE) is False
    assert "ended" in str(value(twin, P.KEEP_CLIMATE_MESSAGE))
    assert twin.broker.get_target(P.KEEP_CLIMATE_MODE).value == "OFF"  # type: ignore[union-attr]
    twin.broker.set_target(P.KEEP_CLIMATE_MODE, "KEEP")  # refused below the floor
    twin.advance(60, step_s=30)
    assert value(twin, P.KEEP_CLIMATE_MODE) == "OFF"
    assert "needs more than 20 %" in str(value(twin, P.KEEP_CLIMATE_MESSAGE))


def test_an_unknown_mode_is_refused_by_the_broker(make_twin: MakeTwin) -> None:
    twin = make_twin()
    with pytest.raises(SignalNotAllowedError, match=r"KeepClimate\.Mode"):
        twin.broker.set_target(P.KEEP_CLIMATE_MODE, "PARTY")


def test_heat_pump_state_follows_the_hvac(make_twin: MakeTwin) -> None:
    assert load_vehicle("defender-sport").heat_pump  # the fitted case; the next test the other
    twin = make_twin(World(ambient_temp_c=-5.0))
    assert value(twin, P.HEAT_PUMP_STATE) == "OFF"
    assert value(twin, P.HEAT_PUMP_W) == 0.0
    twin.broker.set_target(P.PRECONDITION_REQUESTED, True)
    twin.advance(300, step_s=30)
    assert value(twin, P.HEAT_PUMP_STATE) == "HEATING"
    assert 0.0 < float(value(twin, P.HEAT_PUMP_W)) <= twin.climate.hvac_w  # type: ignore[arg-type]
    summer = make_twin(World(ambient_temp_c=35.0), cabin_temp_c=35.0)
    summer.broker.set_target(P.PRECONDITION_REQUESTED, True)
    summer.advance(300, step_s=30)
    assert value(summer, P.HEAT_PUMP_STATE) == "COOLING"


def test_a_car_without_a_heat_pump_says_so(make_twin: MakeTwin) -> None:
    from evtwin.runtime import ClimateCabin

    spec = load_vehicle("defender-sport")
    twin = make_twin(
        World(ambient_temp_c=-5.0),
        cabin_model=ClimateCabin(cabin=cabin_params(spec), heat_pump=False),
    )
    twin.broker.set_target(P.PRECONDITION_REQUESTED, True)
    twin.advance(300, step_s=30)
    assert value(twin, P.HEAT_PUMP_STATE) == "NOT_FITTED"
    assert value(twin, P.HEAT_PUMP_W) == 0.0


def test_the_comfort_actuators_start_with_values(make_twin: MakeTwin) -> None:
    twin = make_twin()
    assert value(twin, "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature") == 21.0
    assert value(twin, "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed") == 30
    assert value(twin, "Vehicle.Cabin.HVAC.IsRecirculationActive") is False
    twin.broker.set_target("Vehicle.Cabin.HVAC.IsRecirculationActive", True)
    twin.advance(1, step_s=1)
    assert value(twin, "Vehicle.Cabin.HVAC.IsRecirculationActive") is True  # echoed
