"""Running cost from the models: climate per month, charging losses per charger, home share."""

from __future__ import annotations

import dataclasses

import pytest

from evtwin.ownership import (
    CostRequest,
    EnergyUse,
    Usage,
    compare_costs,
    load_tariffs,
    load_uk_year,
    simulate_year,
)
from evtwin.vehicles import load_vehicle


def _year(usage: Usage, *ids: str) -> dict[str, EnergyUse]:
    specs = [load_vehicle(i) for i in ids]
    return simulate_year(specs, usage, load_uk_year(), load_tariffs())[0]


@pytest.fixture(scope="module")
def defender_pair() -> tuple[EnergyUse, EnergyUse]:
    """The Defender Sport with its heat pump and the same car without one, one batch."""
    spec = load_vehicle("defender-sport")
    assert spec.heat_pump
    ptc = dataclasses.replace(spec, id="defender-sport-ptc", heat_pump=False)
    out, _ = simulate_year([spec, ptc], Usage(miles_per_year=9000), load_uk_year(), load_tariffs())
    return out["defender-sport"], out["defender-sport-ptc"]


def test_a_colder_month_costs_more_per_mile(defender_pair: tuple[EnergyUse, EnergyUse]) -> None:
    for use in defender_pair:
        months = sorted(use.monthly, key=lambda m: m["ambient_temp_c"])
        wh = [m["plug_wh_per_km"] for m in months]
        assert wh == sorted(wh, reverse=True)  # colder -> more energy billed per km
        assert months[0]["hvac_w"] > months[-1]["hvac_w"] > 0
        assert months[0]["plug_wh_per_km"] > 1.1 * months[-1]["plug_wh_per_km"]


def test_a_heat_pump_cars_winter_premium_is_smaller(
    defender_pair: tuple[EnergyUse, EnergyUse],
) -> None:
    def winter_premium(use: EnergyUse) -> float:
        jan, jul = use.monthly[0], use.monthly[6]
        return float(jan["plug_wh_per_km"] / jul["plug_wh_per_km"] - 1.0)

    hp, ptc = defender_pair
    assert winter_premium(hp) < winter_premium(ptc)
    assert hp.monthly[0]["hvac_w"] < 0.7 * ptc.monthly[0]["hvac_w"]
    assert hp.kwh_per_year < ptc.kwh_per_year


def test_the_cabin_warm_up_of_a_short_trip_costs_more_than_a_long_motorway_run(
    defender_pair: tuple[EnergyUse, EnergyUse],
) -> None:
    jan = defender_pair[0].monthly[0]
    assert jan["hvac_w"] > jan["hvac_w_motorway"] > 0


def test_home_share_one_is_cheaper_than_all_public_charging() -> None:
    home = _year(Usage(miles_per_year=9000, home_share=1.0), "bmw-ix1-edrive20")
    public = _year(Usage(miles_per_year=9000, home_share=0.0), "bmw-ix1-edrive20")
    h, p = home["bmw-ix1-edrive20"], public["bmw-ix1-edrive20"]
    assert h.battery_kwh_per_year == pytest.approx(p.battery_kwh_per_year)  # same driving
    assert h.public_kwh_per_year == 0 and p.home_kwh_per_year == 0
    cap, rapid = 26.11, 79.19  # Ofgem cap Jul-Sep 2026, RAC rapid Nov 2024 (held)
    assert h.cost_pence(cap, rapid) < p.cost_pence(cap, rapid)
    assert h.cost_pence(cap, rapid) == pytest.approx(h.home_kwh_per_year * cap)


def test_charging_losses_come_from_the_charging_model() -> None:
    use = _year(Usage(miles_per_year=9000, home_share=0.5), "kia-ev3-long-range")[
        "kia-ev3-long-range"
    ]
    home, public = use.charging["home"], use.charging["public"]
    assert home["kind"] == "ac" and home["billed_at"].startswith("wall")
    assert public["kind"] == "dc" and public["billed_at"] == "plug"
    # wall-to-battery on 7.4 kW AC and plug-to-battery on DC both lose energy, AC more
    assert 1.0 < public["kwh_billed_per_kwh_battery"] < home["kwh_billed_per_kwh_battery"] < 1.3
    assert home["source"] and public["source"]
    assert use.kwh_per_year > use.battery_kwh_per_year
    assert "charging model" in use.assumptions["charging"]
    assert "climate model" in use.assumptions["hvac"]


def test_no_hvac_drops_the_climate_load() -> None:
    use = _year(Usage(miles_per_year=9000, hvac=False), "skoda-elroq-85")["skoda-elroq-85"]
    assert all(m["hvac_w"] == 0 and m["hvac_w_motorway"] == 0 for m in use.monthly)
    assert "left out" in use.assumptions["hvac"]


def test_the_report_prices_home_and_public_energy_separately() -> None:
    rep = compare_costs(
        CostRequest(vehicle="volvo-ex30-single-motor-er", usage=Usage(miles_per_year=8000))
    ).to_json()
    v = rep["vehicles"][0]
    t = v["tariffs_by_year"][0]
    expected = (
        v["home_wall_kwh_per_year"] * t["home"]["pence_per_kwh"]
        + v["public_plug_kwh_per_year"] * t["public"]["pence_per_kwh"]
    ) / 100
    assert v["energy_gbp"][0] == pytest.approx(expected, abs=0.05)
    assert v["energy_kwh_per_year"] == pytest.approx(
        v["home_wall_kwh_per_year"] + v["public_plug_kwh_per_year"], abs=0.2
    )
    assert t["blended_pence_per_kwh"] * v["energy_kwh_per_year"] / 100 == pytest.approx(
        v["energy_gbp"][0], rel=1e-3
    )
