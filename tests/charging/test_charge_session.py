from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evtwin.charging.chargers import ac_supply, dc_charger, get_charger
from evtwin.charging.session import ChargeRequest, simulate_session, simulate_sessions
from evtwin.charging.vehicle import CarChargeParams, car_charge_params
from evtwin.errors import ChargingError
from evtwin.vehicles import load_vehicle

BASE = load_vehicle("skoda-enyaq-85")


@st.composite
def requests(draw: st.DrawFn) -> ChargeRequest:
    spec = BASE.replace(
        usable_battery_kwh=draw(st.floats(30.0, 120.0)),
        battery_voltage_v=draw(st.sampled_from([350.0, 400.0, 650.0, 800.0])),
        dc_peak_power_kw=draw(st.floats(40.0, 350.0)),
        ac_onboard_kw=draw(st.sampled_from([7.4, 11.0, 22.0])),
    )
    car = car_charge_params(spec)
    if draw(st.booleans()):
        charger = dc_charger(
            draw(st.sampled_from([50.0, 150.0, 350.0])), draw(st.sampled_from([400, 800]))
        )
    else:
        charger = ac_supply(draw(st.sampled_from([2.3, 7.4, 11.0])))
    a = draw(st.floats(0.0, 0.9))
    b = draw(st.floats(a + 0.05, 1.0))
    return ChargeRequest(
        car=car,
        charger=charger,
        from_soc=a,
        to_soc=b,
        battery_temp_c=draw(st.floats(-20.0, 40.0)),
        ambient_temp_c=draw(st.floats(-20.0, 40.0)),
        precondition=charger.kind == "dc" and draw(st.booleans()),
        price_gbp_per_kwh=0.5,
    )


@settings(max_examples=25, deadline=None)
@given(req=requests())
def test_energy_balance_closes_soc_stays_in_bounds_and_time_runs_forward(
    req: ChargeRequest,
) -> None:
    r = simulate_session(req)
    # grid = battery + every loss, to rounding
    assert r.energy_grid_kwh == pytest.approx(r.energy_battery_kwh + r.loss_total_kwh, rel=1e-9)
    assert all(v >= 0.0 for v in r.losses_kwh.values())
    # energy into the battery is exactly the SOC window of the usable energy
    usable_kwh = req.car.pack.energy_j / 3.6e6
    assert r.energy_battery_kwh == pytest.approx((req.to_soc - req.from_soc) * usable_kwh, rel=1e-6)
    assert r.energy_plug_kwh <= r.energy_grid_kwh + 1e-12
    tr = r.trace
    assert tr.soc[0] == pytest.approx(req.from_soc) and tr.soc[-1] == pytest.approx(req.to_soc)
    assert np.all(np.diff(tr.soc) >= 0.0) and np.all((tr.soc >= 0.0) & (tr.soc <= 1.0))
    assert np.all(np.diff(tr.time_s) > 0.0)
    assert r.minutes * 60 == pytest.approx(tr.time_s[-1])
    assert r.peak_kw * 1000 <= req.charger.max_power_w * (1 + 1e-9)
    assert r.max_temp_c < 58.0
    assert r.cost_gbp == pytest.approx(0.5 * r.energy_plug_kwh)


def test_batch_gives_the_same_answer_as_one_at_a_time(enyaq: CarChargeParams) -> None:
    reqs = [
        ChargeRequest(car=enyaq, charger=get_charger("dc150"), from_soc=0.1, to_soc=0.8),
        ChargeRequest(car=enyaq, charger=get_charger("ac7"), from_soc=0.2, to_soc=0.9),
    ]
    batch = simulate_sessions(reqs)
    for req, b in zip(reqs, batch, strict=True):
        assert simulate_session(req).minutes == pytest.approx(b.minutes)


def test_dc_fast_charge_10_to_80_is_about_half_an_hour_for_a_135_kw_car(
    enyaq: CarChargeParams,
) -> None:
    r = simulate_session(
        ChargeRequest(car=enyaq, charger=get_charger("dc350"), from_soc=0.1, to_soc=0.8)
    )
    assert 20.0 < r.minutes < 40.0
    # the envelope may hold the peak a little below the published 135 kW
    assert 110.0 < r.peak_kw <= 135.0 + 1e-9


def test_a_50_kw_charger_caps_the_power(enyaq: CarChargeParams) -> None:
    r = simulate_session(
        ChargeRequest(car=enyaq, charger=get_charger("dc50"), from_soc=0.1, to_soc=0.8)
    )
    assert r.peak_kw <= 50.0 + 1e-9
    assert r.minutes > 60.0


def test_800_v_car_on_a_400_v_charger_goes_through_its_boost(defender: CarChargeParams) -> None:
    direct = simulate_session(
        ChargeRequest(car=defender, charger=dc_charger(350, 800), from_soc=0.1, to_soc=0.8)
    )
    boosted = simulate_session(
        ChargeRequest(car=defender, charger=dc_charger(350, 400), from_soc=0.1, to_soc=0.8)
    )
    assert boosted.peak_kw <= defender.boost_power_w / 1000 + 1e-6
    assert boosted.minutes > direct.minutes
    assert boosted.losses_kwh["car_conversion"] > 0.0 == direct.losses_kwh["car_conversion"]


def test_800_v_car_without_boost_cannot_use_a_400_v_charger(defender: CarChargeParams) -> None:
    from dataclasses import replace

    no_boost = replace(defender, boost_power_w=0.0)
    with pytest.raises(ChargingError, match=r"500 V .* no boost"):
        simulate_session(
            ChargeRequest(car=no_boost, charger=dc_charger(50, 400), from_soc=0.1, to_soc=0.8)
        )


def test_cold_soaked_pack_charges_slower_and_preconditioning_recovers_it(
    defender: CarChargeParams,
) -> None:
    charger = get_charger("dc350")
    warm, cold, pre = simulate_sessions(
        [
            ChargeRequest(car=defender, charger=charger, from_soc=0.1, to_soc=0.8),
            ChargeRequest(
                car=defender, charger=charger, from_soc=0.1, to_soc=0.8, battery_temp_c=-10.0
            ),
            ChargeRequest(
                car=defender,
                charger=charger,
                from_soc=0.1,
                to_soc=0.8,
                battery_temp_c=-10.0,
                precondition=True,
            ),
        ]
    )
    assert cold.minutes > 1.5 * warm.minutes
    assert cold.losses_kwh["pack_heating"] > 1.0
    assert pre.minutes == pytest.approx(warm.minutes, rel=0.02)
    assert pre.precondition_kwh > 3.0 and pre.precondition_min > 20.0


def test_ac_wall_energy_exceeds_battery_energy_by_the_onboard_charger_losses(
    enyaq: CarChargeParams,
) -> None:
    r = simulate_session(
        ChargeRequest(car=enyaq, charger=get_charger("ac7"), from_soc=0.2, to_soc=0.8)
    )
    assert r.peak_kw == pytest.approx(7.36, rel=0.01)
    assert 0.85 < r.energy_battery_kwh / r.energy_grid_kwh < 0.91
    assert r.energy_grid_kwh == r.energy_plug_kwh


def test_single_phase_supply_limits_an_11_kw_onboard_charger(enyaq: CarChargeParams) -> None:
    one, three = simulate_sessions(
        [
            ChargeRequest(car=enyaq, charger=ac_supply(7.4), from_soc=0.2, to_soc=0.8),
            ChargeRequest(car=enyaq, charger=ac_supply(22.0), from_soc=0.2, to_soc=0.8),
        ]
    )
    assert one.peak_kw == pytest.approx(7.4, rel=0.01)
    assert three.peak_kw == pytest.approx(enyaq.obc_power_w / 1000, rel=0.01)


def test_charging_to_100_percent_tapers_at_the_cell_voltage(enyaq: CarChargeParams) -> None:
    r = simulate_session(
        ChargeRequest(car=enyaq, charger=get_charger("dc150"), from_soc=0.8, to_soc=1.0)
    )
    assert "cell voltage ceiling (constant-voltage taper)" in r.limit_minutes
    assert r.trace.inlet_power_w[-1] < 0.5 * r.peak_kw * 1000


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"from_soc": -0.05, "to_soc": 0.8}, r"from SOC = -5 % is outside 0\.\.100 %"),
        ({"from_soc": 0.8, "to_soc": 0.5}, r"from SOC = 80 % must be below to SOC = 50 %"),
        ({"from_soc": 0.1, "to_soc": 1.2}, r"to SOC = 120 % is outside"),
        ({"from_soc": 0.1, "to_soc": 0.8, "battery_temp_c": -60.0}, r"-60 °C is outside"),
        ({"from_soc": 0.1, "to_soc": 0.8, "price_gbp_per_kwh": -0.1}, r"-10 p/kWh"),
        ({"from_soc": 0.1, "to_soc": 0.8, "precondition": True, "charger": "ac7"}, "AC supply"),
    ],
)
def test_bad_requests_name_the_value_and_unit(
    enyaq: CarChargeParams, kwargs: dict[str, object], match: str
) -> None:
    charger = get_charger(str(kwargs.pop("charger", "dc150")))
    with pytest.raises(ChargingError, match=match):
        ChargeRequest(car=enyaq, charger=charger, **kwargs)  # type: ignore[arg-type]
