from __future__ import annotations

import pytest

from evtwin.charging.chargers import get_charger
from evtwin.charging.smart import SmartRequest, format_clock, plan_charge
from evtwin.charging.tariffs import list_tariffs, load_tariff, parse_clock
from evtwin.charging.vehicle import CarChargeParams
from evtwin.errors import ChargingError

IOG = load_tariff("intelligent-octopus-go")


def _req(car: CarChargeParams, **kw: object) -> SmartRequest:
    args: dict[str, object] = {
        "car": car,
        "supply": get_charger("ac7"),
        "tariff": IOG,
        "from_soc": 0.4,
        "target_soc": 0.8,
        "charge_limit_soc": 0.8,
        "plug_in_min": parse_clock("18:00"),
        "depart_min": parse_clock("07:30"),
    }
    args.update(kw)
    return SmartRequest(**args)  # type: ignore[arg-type]


def test_bundled_tariffs_have_sources_and_dates() -> None:
    assert "intelligent-octopus-go" in list_tariffs()
    for tid in list_tariffs():
        t = load_tariff(tid)
        assert t.source and t.as_of
    assert IOG.rate_at(parse_clock("01:00")) == pytest.approx(0.07)
    assert IOG.rate_at(parse_clock("12:00")) == pytest.approx(0.2611)


def test_a_charge_that_fits_the_cheap_window_is_all_bought_there(
    enyaq: CarChargeParams,
) -> None:
    plan = plan_charge(_req(enyaq))
    assert all(s.rate_gbp_per_kwh == pytest.approx(0.07) for s in plan.slots)
    assert plan.slots[-1].end_min == parse_clock("05:30") + 24 * 60
    assert plan.cost_gbp == pytest.approx(0.07 * plan.energy_grid_kwh, rel=1e-6)
    assert plan.cost_immediate_gbp > plan.cost_gbp
    assert plan.slots[-1].soc_end == pytest.approx(0.8)
    assert "all charging goes there" in plan.why


def test_a_longer_charge_buys_the_rest_at_day_rate_and_says_why(
    defender: CarChargeParams,
) -> None:
    plan = plan_charge(_req(defender, from_soc=0.1, target_soc=0.9, charge_limit_soc=0.9))
    rates = {round(s.rate_gbp_per_kwh, 4) for s in plan.slots}
    assert rates == {0.07, 0.2611}
    assert sum(s.energy_grid_kwh for s in plan.slots) == pytest.approx(plan.energy_grid_kwh)
    assert "too little" in plan.why
    assert sum(s.end_min - s.start_min for s in plan.slots) == pytest.approx(plan.charging_minutes)


def test_impossible_schedule_is_a_clear_error(defender: CarChargeParams) -> None:
    with pytest.raises(ChargingError, match=r"impossible schedule: .* only 2\.0 h"):
        plan_charge(_req(defender, from_soc=0.1, depart_min=parse_clock("20:00")))


def test_target_above_the_charge_limit_is_refused(enyaq: CarChargeParams) -> None:
    with pytest.raises(ChargingError, match=r"target SOC = 90 % is above the charge limit of 80 %"):
        _req(enyaq, target_soc=0.9, charge_limit_soc=0.8)


def test_smart_charging_needs_an_ac_supply(enyaq: CarChargeParams) -> None:
    with pytest.raises(ChargingError, match="AC"):
        _req(enyaq, supply=get_charger("dc50"))


@pytest.mark.parametrize("text", ["25:00", "7.30", "noon", "12:60"])
def test_bad_clock_times_are_refused(text: str) -> None:
    with pytest.raises(ChargingError, match="HH:MM"):
        parse_clock(text)


def test_clock_format_wraps_past_midnight() -> None:
    assert format_clock(24 * 60 + 90) == "01:30"
