"""Charging through the broker: cable, StartStopCharging, charge limit, charge rate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evtwin.errors import ChargingError, SignalRangeError
from evtwin.runtime import Charger, Twin, World
from evtwin.signals import paths as P

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)

SOC = P.SOC_CURRENT_PCT


def soc(twin: object) -> float:
    return float(twin.broker.get(SOC).value)  # type: ignore[attr-defined]


def test_start_without_a_cable_is_refused_and_nothing_charges(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=50.0)
    twin.broker.set_target(P.CHARGE_START_STOP, "START")
    twin.advance(600, step_s=60)
    assert twin.broker.get(P.CHARGE_START_STOP).value == "STOP"
    assert twin.broker.get(P.IS_CHARGING).value is False
    assert [r.reason for r in twin.charging.refusals] == ["no charging cable connected"]
    assert soc(twin) < 50.0  # standby drain only


def test_plugging_in_starts_an_immediate_session_and_raises_soc(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=50.0)
    twin.world.charger = Charger(power_kw=7.4)
    twin.advance(3600, step_s=60)
    b = twin.broker
    assert b.get(P.CHARGING_CABLE_CONNECTED).value is True
    assert b.get(P.CHARGE_START_STOP).value == "START"
    assert b.get(P.IS_CHARGING).value is True
    # 7.4 kW AC x the wall-to-pack efficiency for an hour on a 75 kWh pack: ~8.7 %
    assert 7.0 < soc(twin) - 50.0 < 9.5
    assert b.get(P.CHARGE_RATE_KPH).value > 20.0
    assert b.get(P.CHARGE_TIME_TO_COMPLETE_S).value > 3600


def test_stop_ends_the_session_and_start_resumes_it_with_a_cable(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=50.0)
    twin.world.charger = Charger(power_kw=11.0)
    twin.advance(60)
    twin.broker.set_target(P.CHARGE_START_STOP, "STOP")
    twin.advance(60)
    stopped_at = soc(twin)
    twin.advance(600, step_s=60)
    assert twin.broker.get(P.IS_CHARGING).value is False
    assert soc(twin) <= stopped_at
    twin.broker.set_target(P.CHARGE_START_STOP, "START")
    twin.advance(600, step_s=60)
    assert twin.broker.get(P.IS_CHARGING).value is True
    assert soc(twin) > stopped_at + 1.0


def test_the_charge_limit_is_honoured(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=75.0)
    twin.broker.set_target(P.CHARGE_LIMIT_PCT, 80)
    twin.world.charger = Charger(power_kw=150.0, dc=True)
    highest = 0.0
    for _ in range(180):
        twin.advance(60, step_s=60)
        highest = max(highest, soc(twin))
    assert highest == pytest.approx(80.0, abs=1e-9)  # reached, never passed
    assert soc(twin) == pytest.approx(80.0, abs=1e-9)  # held there while plugged in
    assert twin.broker.get(P.IS_CHARGING).value is False  # complete: only maintaining
    assert twin.broker.get(P.CHARGE_TIME_TO_COMPLETE_S).value == 0


def test_a_charge_limit_above_100_percent_is_rejected_by_the_broker(make_twin: MakeTwin) -> None:
    twin = make_twin()
    with pytest.raises(SignalRangeError, match="above the maximum 100 percent"):
        twin.broker.set_target(P.CHARGE_LIMIT_PCT, 120)


def test_unplugging_ends_the_session(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=40.0)
    twin.world.charger = Charger(power_kw=50.0, dc=True)
    twin.advance(120)
    twin.world.charger = None
    twin.advance(5)
    b = twin.broker
    assert b.get(P.CHARGING_CABLE_CONNECTED).value is False
    assert b.get(P.IS_CHARGING).value is False
    assert b.get(P.CHARGE_START_STOP).value == "STOP"


def test_dc_power_stays_within_the_cars_peak_and_tapers_when_full(make_twin: MakeTwin) -> None:
    twin = make_twin(soc_percent=30.0, battery_temp_c=25.0)
    twin.world.charger = Charger(power_kw=350.0, dc=True)
    twin.advance(60)
    mid_kw = twin.broker.get(P.PACK_POWER_W).value / 1000.0
    peak_kw = twin.params.battery_charge_power_w / 1000.0  # spec dc_peak_power_kw 250
    assert 0.5 * peak_kw < mid_kw <= peak_kw
    full = twin.charging.model.pack_power_w(soc=0.95, charger_w=350e3, dc=True, battery_temp_c=25.0)
    assert full / 1000.0 < 0.5 * mid_kw


def test_a_cold_pack_charges_slower_on_dc(make_twin: MakeTwin) -> None:
    kw = {}
    for temp_c in (-5.0, 25.0):
        twin = make_twin(World(ambient_temp_c=temp_c), soc_percent=20.0)
        twin.world.charger = Charger(power_kw=150.0, dc=True)
        twin.advance(60)
        kw[temp_c] = twin.broker.get(P.PACK_POWER_W).value / 1000.0
    assert kw[-5.0] < 0.8 * kw[25.0]


def test_an_ac_charger_is_limited_by_the_onboard_charger(make_twin: MakeTwin) -> None:
    kw = {}
    for supply_kw in (11.0, 22.0):
        twin = make_twin(soc_percent=20.0)
        twin.world.charger = Charger(power_kw=supply_kw)  # Defender Sport: 11 kW onboard
        twin.advance(60)
        kw[supply_kw] = twin.broker.get(P.PACK_POWER_W).value / 1000.0
    assert 9.0 < kw[11.0] < 11.0
    assert kw[22.0] == pytest.approx(kw[11.0], rel=1e-6)


def test_impossible_chargers_are_rejected() -> None:
    with pytest.raises(ChargingError, match=r"outside 1\.\.22 kW"):
        Charger(power_kw=100.0)
    with pytest.raises(ChargingError, match=r"DC charger power 0\.5 kW"):
        Charger(power_kw=0.5, dc=True)


def test_the_car_will_not_drive_away_while_plugged_in(make_twin: MakeTwin) -> None:
    from evtwin.runtime import DriveLeg
    from evtwin.sim.traces import constant_speed

    twin = make_twin(World(charger=Charger(power_kw=7.4)))
    twin.world.leg = DriveLeg(trace=constant_speed(30, 60), start_s=twin.clock.now_s())
    twin.advance(30)
    assert twin.broker.get(P.SPEED_KPH).value == 0.0


def plug_in_with_a_plan(make_twin: MakeTwin, mode: str, ready_by: str) -> Twin:
    """At 2027-01-15T08:00Z (the fixture's clock), 50 %, limit 80 %, on a 7.4 kW wallbox."""
    twin = make_twin(soc_percent=50.0)
    b = twin.broker
    b.set_target(P.PLAN_MODE, mode)
    b.set_target(P.READY_BY_TIME, ready_by)
    b.set_target(P.CHARGE_LIMIT_PCT, 80)
    twin.advance(1)
    twin.world.charger = Charger(power_kw=7.4)
    twin.advance(60)
    return twin


def charging_times(twin: Twin, hours: float) -> list[float]:
    """Twin times (s) of the steps in which the car charged."""
    times = []
    for _ in range(int(hours * 60)):
        twin.advance(60, step_s=60)
        if twin.broker.get(P.IS_CHARGING).value:
            times.append(twin.clock.now_s())
    return times


def test_ready_by_charges_as_late_as_still_reaches_the_limit(make_twin: MakeTwin) -> None:
    from evtwin.runtime._climate import parse_utc

    twin = plug_in_with_a_plan(make_twin, "READY_BY", "2027-01-15T20:00:00Z")
    b = twin.broker
    assert b.get(P.IS_CHARGING).value is False  # waiting for its window
    start = parse_utc(b.get(P.PLANNED_START_TIME).value)
    assert b.get(P.PLANNED_END_TIME).value == "2027-01-15T20:00:00Z"
    assert b.get(P.PLANNED_ENERGY_KWH).value == pytest.approx(0.30 * 75, rel=0.01)
    times = charging_times(twin, 13)
    assert start is not None and min(times) >= start
    assert max(times) <= parse_utc("2027-01-15T20:00:00Z") + 60  # type: ignore[operator]
    assert soc(twin) == pytest.approx(80.0)


def test_cheapest_charges_inside_the_tariffs_cheap_window(make_twin: MakeTwin) -> None:
    from evtwin.runtime._climate import parse_utc

    twin = plug_in_with_a_plan(make_twin, "CHEAPEST", "2027-01-16T07:00:00Z")
    times = charging_times(twin, 23)
    cheap_from = parse_utc("2027-01-16T00:30:00Z")  # Octopus Go 00:30-05:30 (GMT in January)
    cheap_to = parse_utc("2027-01-16T05:30:00Z")
    assert cheap_from is not None and cheap_to is not None
    assert all(cheap_from < t <= cheap_to + 60 for t in times)
    assert soc(twin) == pytest.approx(80.0)


def test_an_impossible_plan_is_refused_and_the_car_charges_at_once(make_twin: MakeTwin) -> None:
    twin = plug_in_with_a_plan(make_twin, "READY_BY", "2027-01-15T09:00:00Z")
    assert twin.broker.get(P.IS_CHARGING).value is True
    assert "no READY_BY plan" in twin.charging.refusals[0].reason
