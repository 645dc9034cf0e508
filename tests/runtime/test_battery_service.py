"""The BMS: displayed SOC, net power, energy counters, pack temperature and range."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evtwin.runtime import DriveLeg, Twin, World
from evtwin.runtime._bms import STANDBY_W
from evtwin.signals import paths as P
from evtwin.sim.traces import constant_speed

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)


def test_range_starts_from_the_reference_consumption(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=60.0)  # reference 180 Wh/km in these tests
    assert twin.broker.get(P.RANGE_M).value == pytest.approx(0.6 * 75_000 / 180 * 1000, rel=1e-3)
    assert twin.broker.get(P.SOC_DISPLAYED_PCT).value == 60.0


def test_range_follows_what_fast_driving_actually_uses(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=80.0)
    start = twin.broker.get(P.RANGE_M).value
    twin.world.leg = DriveLeg(trace=constant_speed(130, 900), start_s=twin.clock.now_s())
    twin.advance(900, step_s=5)
    assert twin.bms.expected_wh_per_km is not None and twin.bms.expected_wh_per_km > 220.0
    used_pct = 80.0 - twin.broker.get(P.SOC_CURRENT_PCT).value
    assert twin.broker.get(P.RANGE_M).value < start * (1 - used_pct / 80.0) * 0.95


def test_a_parked_car_draws_only_its_standby_load(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=50.0)
    before = twin.broker.get(P.PACK_ENERGY_KWH).value
    twin.advance(10 * 3600, step_s=600)
    used_kwh = before - twin.broker.get(P.PACK_ENERGY_KWH).value
    assert used_kwh == pytest.approx(STANDBY_W * 10 / 1000, rel=1e-6)
    assert twin.broker.get(P.PACK_POWER_W).value == pytest.approx(-STANDBY_W)


def test_the_pack_cools_towards_the_outside_air_slowly(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=-10.0), battery_temp_c=20.0)
    twin.advance(3600, step_s=600)
    one_hour = twin.broker.get(P.BATTERY_TEMP_C).value
    twin.advance(23 * 3600, step_s=600)
    day = twin.broker.get(P.BATTERY_TEMP_C).value
    assert 10.0 < one_hour < 20.0
    assert -10.0 < day < -8.0


def test_the_pack_temperature_follows_the_battery_thermal_model(make_twin: MakeTwin) -> None:
    import numpy as np

    from evtwin.battery import advance_temperature

    twin = make_twin(World(ambient_temp_c=-5.0), battery_temp_c=15.0)
    twin.advance(6 * 3600, step_s=600)  # parked: the enclosure's loss (+ standby's Joule heat)
    t = np.array([15.0])
    for _ in range(6 * 3600 // 600):
        t, _ = advance_temperature(
            temp_c=t,
            joule_heat_w=np.zeros(1),
            heater_w=np.zeros(1),
            chiller_heat_w=np.zeros(1),
            ambient_c=np.array([-5.0]),
            heat_capacity_j_per_k=np.array([twin.bms.heat_capacity_j_per_k]),
            params=twin.bms.thermal,
            dt_s=np.array([600.0]),
        )
    got = twin.broker.get(P.BATTERY_TEMP_C).value
    assert got == pytest.approx(float(t[0]), abs=1e-3)  # 30 W standby: ~40 mA of Joule heat
    assert -5.0 < got < 5.0  # most of the way to the outside air in six hours


def test_driving_warms_the_pack_with_its_joule_heat(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=20.0), battery_temp_c=20.0, soc_percent=90.0)
    twin.world.leg = DriveLeg(trace=constant_speed(130, 1800), start_s=twin.clock.now_s())
    twin.advance(1800, step_s=5)
    assert twin.broker.get(P.BATTERY_TEMP_C).value > 20.5
