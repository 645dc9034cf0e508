from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evtwin.battery.thermal import (
    ThermalParams,
    advance_temperature,
    precondition_cost,
    thermal_loads,
)
from evtwin.errors import ChargingError

PARAMS = ThermalParams(
    heater_power_w=6000.0,
    heater_efficiency=0.95,
    chiller_heat_w=10000.0,
    chiller_cop=2.5,
    ua_w_per_k=25.0,
    heat_target_c=25.0,
    cool_on_c=35.0,
    band_k=2.0,
)


def test_cold_pack_gets_full_heater_and_no_chiller() -> None:
    loads = thermal_loads(np.array([-10.0]), np.array([True]), PARAMS)
    assert loads.heater_w[0] == pytest.approx(6000.0)
    assert loads.chiller_w[0] == 0.0


def test_heater_stays_off_when_heating_is_disabled() -> None:
    loads = thermal_loads(np.array([-10.0]), np.array([False]), PARAMS)
    assert loads.heater_w[0] == 0.0


def test_hot_pack_runs_the_chiller_at_its_cop() -> None:
    loads = thermal_loads(np.array([40.0]), np.array([True]), PARAMS)
    assert loads.chiller_heat_w[0] == pytest.approx(10000.0)
    assert loads.chiller_w[0] == pytest.approx(4000.0)


@given(
    t0=st.floats(-30.0, 50.0),
    joule=st.floats(0.0, 30000.0),
    dt=st.floats(0.1, 30.0),
)
def test_temperature_change_is_net_heat_over_heat_capacity(
    t0: float, joule: float, dt: float
) -> None:
    t = np.array([t0])
    loads = thermal_loads(t, np.array([True]), PARAMS)
    new, q = advance_temperature(
        temp_c=t,
        joule_heat_w=np.array([joule]),
        heater_w=loads.heater_w,
        chiller_heat_w=loads.chiller_heat_w,
        ambient_c=np.array([0.0]),
        heat_capacity_j_per_k=np.array([4e5]),
        params=PARAMS,
        dt_s=np.array([dt]),
    )
    assert (new[0] - t0) * 4e5 == pytest.approx(q[0] * dt, rel=1e-9, abs=1e-6)


def test_preconditioning_costs_heat_over_heater_power_and_nothing_when_warm() -> None:
    e, t = precondition_cost(
        temp_c=np.array([0.0, 30.0]),
        target_c=25.0,
        ambient_c=np.array([0.0, 30.0]),
        heat_capacity_j_per_k=np.array([4e5, 4e5]),
        params=PARAMS,
    )
    assert e[1] == 0.0 and t[1] == 0.0
    # 10 MJ of heat at ~5.7 kW net: about half an hour and a bit under 3 kWh
    assert 25 * 60 < t[0] < 35 * 60
    assert 2.8 < e[0] / 3.6e6 < 3.3


def test_preconditioning_that_cannot_win_against_losses_is_an_error() -> None:
    weak = ThermalParams(
        **{**{f: getattr(PARAMS, f) for f in PARAMS.__slots__}, "heater_power_w": 10.0}
    )
    with pytest.raises(ChargingError, match="preconditioning"):
        precondition_cost(
            temp_c=-20.0, target_c=25.0, ambient_c=-20.0, heat_capacity_j_per_k=4e5, params=weak
        )
