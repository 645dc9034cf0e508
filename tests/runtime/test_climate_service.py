"""Climate through the broker: the set point changes the cabin and the energy draw."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evtwin.climate import cabin_params
from evtwin.errors import SignalRangeError
from evtwin.runtime import ClimateCabin, Twin, World
from evtwin.signals import paths as P
from evtwin.vehicles import load_vehicle

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)

SET = P.CABIN_SETPOINT_C


def precondition(twin: object) -> None:
    twin.broker.set_target(P.PRECONDITION_REQUESTED, True)  # type: ignore[attr-defined]


def cabin(twin: object) -> float:
    return float(twin.broker.get(P.CABIN_AIR_C).value)  # type: ignore[attr-defined]


def pack_kwh(twin: object) -> float:
    return float(twin.broker.get(P.PACK_ENERGY_KWH).value)  # type: ignore[attr-defined]


def test_a_parked_car_cools_to_the_outside_air(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0), cabin_temp_c=20.0)
    twin.advance(12 * 3600, step_s=300)
    assert cabin(twin) == pytest.approx(-5.0, abs=0.5)
    assert twin.climate.hvac_w == 0.0


def test_preconditioning_heats_the_cabin_to_the_set_point(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0))
    twin.broker.set_target(SET, 22.0)
    precondition(twin)
    twin.advance(30 * 60, step_s=30)
    assert twin.broker.get(SET).value == 22.0
    assert cabin(twin) == pytest.approx(22.0, abs=0.5)
    assert twin.climate.hvac_w > 0


def test_a_higher_set_point_costs_more_energy(make_twin: MakeTwin) -> None:
    used = {}
    for setpoint in (18.0, 24.0):
        twin = make_twin(World(ambient_temp_c=-5.0))
        twin.broker.set_target(SET, setpoint)
        precondition(twin)
        before = pack_kwh(twin)
        twin.advance(3600, step_s=30)
        used[setpoint] = before - pack_kwh(twin)
    assert used[24.0] > used[18.0] * 1.15


def test_without_a_request_the_hvac_stays_off_when_parked(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-5.0))
    twin.broker.set_target(SET, 22.0)
    twin.advance(1800, step_s=30)
    assert cabin(twin) < -4.0
    assert twin.climate.hvac_w == 0.0


def test_preconditioning_waits_for_the_ready_by_window(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=0.0))  # clock at 2027-01-15T08:00:00Z
    twin.broker.set_target(P.READY_BY_TIME, "2027-01-15T10:00:00Z")
    precondition(twin)
    twin.advance(60 * 60, step_s=60)  # 09:00: too early
    assert cabin(twin) < 1.0
    twin.advance(60 * 60, step_s=60)  # 10:00: ready
    assert cabin(twin) == pytest.approx(21.0, abs=0.7)


def test_an_impossible_set_point_is_refused_and_the_old_one_stays(make_twin: MakeTwin) -> None:
    twin = make_twin()
    # The limits are in the signal's metadata (overlay), so the broker refuses the request.
    with pytest.raises(SignalRangeError, match=r"above the maximum 28\.0 Celsius"):
        twin.broker.set_target(SET, 40.0)
    twin.advance(5)
    assert twin.broker.get(SET).value == 21.0
    assert twin.broker.metadata(SET).min == 15.0 and twin.broker.metadata(SET).max == 28.0


def test_in_summer_the_air_conditioning_cools(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=35.0))
    precondition(twin)
    twin.advance(20 * 60, step_s=30)
    assert cabin(twin) == pytest.approx(21.0, abs=1.0)
    assert twin.broker.get(P.HVAC_COOLING_ACTIVE).value is True


def test_a_heat_pump_needs_less_power_than_a_resistive_heater() -> None:
    # a warm-up both cars can heat (within the PTC-only car's capacity): the same heat
    kw = dict(cabin_temp_c=15.0, ambient_temp_c=0.0, setpoint_c=21.0, power_fraction=1.0, dt_s=60)
    cab = cabin_params(load_vehicle("defender-sport"))  # the runtime's cabin: the climate model
    pump = ClimateCabin(cabin=cab, heat_pump=True).step(**kw)  # type: ignore[arg-type]
    ptc = ClimateCabin(cabin=cab, heat_pump=False).step(**kw)  # type: ignore[arg-type]
    assert pump.cabin_temp_c == pytest.approx(ptc.cabin_temp_c)
    assert pump.hvac_electric_w < 0.7 * ptc.hvac_electric_w
