"""The whole comparison: Defender Sport against catalogue rivals, through the physics engine.

One engine run (module fixture) answers every test here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from evtwin.errors import OwnershipError, UnknownVehicleError
from evtwin.ownership import (
    CostRequest,
    Usage,
    blended_price,
    compare_costs,
    cost_report_json,
    default_rivals,
    load_tariffs,
    request_from_mapping,
)

REQUIRED_KEYS = (
    "price_gbp",
    "grant_gbp",
    "grant",
    "ved_gbp",
    "energy_gbp",
    "pence_per_mile",
    "tco_gbp",
    "tco_range_gbp",
    "eved_proposal",
    "assumptions",
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    req = CostRequest(
        vehicle="defender-sport",
        rivals=(*default_rivals(), "porsche-macan-4-electric"),
        registered=dt.date(2027, 3, 1),
        years=4,
        usage=Usage(miles_per_year=9000),
    )
    out = compare_costs(req).to_json()
    json.dumps(out)  # the documented object is plain JSON
    return out


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["vehicle"]: v for v in report["vehicles"]}


def test_defender_sport_is_compared_with_at_least_five_catalogue_rivals(
    report: dict[str, Any],
) -> None:
    ids = [v["vehicle"] for v in report["vehicles"]]
    assert ids[0] == "defender-sport"
    assert len(ids) - 1 >= 5
    for v in report["vehicles"]:
        for key in REQUIRED_KEYS:
            assert key in v, (v["vehicle"], key)
        assert len(v["ved_gbp"]) == 4
        assert len(v["energy_gbp"]) == 4


def test_the_defender_sport_is_marked_as_an_estimate_with_its_price_scenarios(
    report: dict[str, Any],
) -> None:
    d = by_id(report)["defender-sport"]
    assert d["profile"] == "estimate"
    assert d["price"]["basis"] == "estimate"
    prices = sorted(s["price_gbp"] for s in d["price_scenarios"])
    assert prices == [37_000, 40_000, 42_000, 50_000]


def test_the_defender_sport_grant_is_a_set_of_scenarios_because_its_band_is_unknown(
    report: dict[str, Any],
) -> None:
    d = by_id(report)["defender-sport"]
    assert d["grant"]["status"] == "unknown"
    assert d["grant_gbp"] is None
    assert d["grant"]["grant_range_gbp"] == [0, 3750]
    assert d["tco_gbp"] is None
    lo, hi = d["tco_range_gbp"]
    assert hi - lo == pytest.approx(3750)
    press_high = next(s for s in d["price_scenarios"] if s["price_gbp"] == 50_000)
    assert press_high["grant_gbp"] == 0  # over the £42k cap whatever the band


def test_an_unknown_price_stays_unknown_and_the_tco_is_not_invented(
    report: dict[str, Any],
) -> None:
    ev3 = by_id(report)["kia-ev3-long-range"]
    assert ev3["price_gbp"] is None
    assert ev3["price"]["basis"] == "unknown"
    assert ev3["tco_gbp"] is None
    assert ev3["tco_range_gbp"] is None
    assert ev3["ved_gbp"][1] is None  # the supplement depends on the unknown price
    assert ev3["running_range_gbp"][0] > 0  # running costs are still answered


def test_a_secondary_price_gives_a_tco_flagged_with_its_date_and_source(
    report: dict[str, Any],
) -> None:
    ix1 = by_id(report)["bmw-ix1-edrive20"]
    assert ix1["price"]["basis"] == "secondary"
    assert ix1["price"]["date"] == "2023" and "carenthusiast.com" in ix1["price"]["source"]
    assert ix1["tco_gbp"] is not None and ix1["tco_gbp"] > ix1["price_gbp"]


def test_a_car_over_50k_pays_the_supplement_in_years_2_to_4(report: dict[str, Any]) -> None:
    macan = by_id(report)["porsche-macan-4-electric"]
    assert macan["ved_gbp"] == [10, 640, 640, 640]
    assert macan["grant_gbp"] == 0


def test_pence_per_mile_is_first_year_energy_over_miles(report: dict[str, Any]) -> None:
    for v in report["vehicles"]:
        assert v["pence_per_mile"] == pytest.approx(v["energy_gbp"][0] * 100 / 9000, abs=0.01)
        assert 3 < v["pence_per_mile"] < 40


def test_winter_months_use_more_energy_than_summer(report: dict[str, Any]) -> None:
    for v in report["vehicles"]:
        months = v["energy_by_month"]
        assert months[0]["plug_wh_per_km"] > months[6]["plug_wh_per_km"]


def test_tco_is_price_minus_grant_plus_ved_plus_energy(report: dict[str, Any]) -> None:
    ex40 = by_id(report)["volvo-ex40-single-motor-er"]
    expected = (
        ex40["price_gbp"] - ex40["grant_gbp"] + sum(ex40["ved_gbp"]) + sum(ex40["energy_gbp"])
    )
    assert ex40["tco_gbp"] == pytest.approx(expected, abs=0.05)


def test_the_eved_proposal_is_beside_the_tco_never_inside_it(report: dict[str, Any]) -> None:
    ex40 = by_id(report)["volvo-ex40-single-motor-er"]
    eved = ex40["eved_proposal"]
    assert eved["status"] == "proposal"
    assert eved["total_gbp"] == pytest.approx(540)  # 2029 and 2030 licences x 9,000 mi x 3p
    assert ex40["tco_incl_proposed_eved_gbp"] == pytest.approx(ex40["tco_gbp"] + 540, abs=0.05)
    assert any("PROPOSAL" in n for n in report["notes"])


def test_every_price_and_tariff_carries_a_source(report: dict[str, Any]) -> None:
    for v in report["vehicles"]:
        assert v["price"]["source"]
        for t in v["tariffs_by_year"]:
            assert t["home"]["source"] and t["public"]["source"]
        assert "temperatures" in v["assumptions"] and "hvac" in v["assumptions"]


def test_future_tariffs_are_held_flat_and_labelled(report: dict[str, Any]) -> None:
    t = report["vehicles"][0]["tariffs_by_year"][0]
    assert t["home"]["held_flat"]


def test_the_blended_price_weights_home_and_public_charging() -> None:
    tariffs = load_tariffs()
    on = dt.date(2026, 8, 1)
    price, home, public = blended_price(
        Usage(miles_per_year=9000, home_share=0.8, home_tariff="intelligent-octopus-go"),
        on,
        tariffs,
    )
    assert home.pence_per_kwh == 7.0
    assert public.pence_per_kwh == 79.19
    assert price == pytest.approx(0.8 * 7.0 + 0.2 * 79.19)


def test_the_ofgem_cap_is_the_one_in_force_on_the_date() -> None:
    tariffs = load_tariffs()
    for on, p in ((dt.date(2026, 3, 31), 27.69), (dt.date(2026, 4, 1), 24.67)):
        _, home, _ = blended_price(Usage(miles_per_year=1), on, tariffs)
        assert home.pence_per_kwh == p
        assert not home.held


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"vehicle": "defender-sport", "miles_per_year": "-100"}, "above 0 mi"),
        ({"vehicle": "defender-sport", "years": "0"}, "1..15 years"),
        ({"vehicle": "defender-sport", "years": "-2"}, "1..15 years"),
        ({"vehicle": "defender-sport", "years": "four"}, "whole number"),
        ({"vehicle": "defender-sport", "registered": "2027-13-01"}, "YYYY-MM-DD"),
        ({"vehicle": "defender-sport", "registered": "01/03/2027"}, "YYYY-MM-DD"),
        ({"vehicle": "defender-sport", "home_share": "1.5"}, "between 0 and 1"),
        ({"vehicle": "defender-sport", "price_gbp": "-1"}, "£1..£3,000,000"),
        ({"vehicle": "defender-sport", "miles": "9000"}, "unknown cost parameter"),
        ({"vehicle": ""}, "vehicle id is required"),
    ],
)
def test_bad_input_is_a_clear_ownership_error(params: dict[str, str], message: str) -> None:
    with pytest.raises(OwnershipError, match=message):
        compare_costs(request_from_mapping(params))


def test_an_unknown_vehicle_is_refused_with_suggestions() -> None:
    with pytest.raises(UnknownVehicleError, match="defender-sport"):
        compare_costs(request_from_mapping({"vehicle": "defender-sprot"}))


def test_an_off_peak_ev_tariff_costs_less_than_the_price_cap(report: dict[str, Any]) -> None:
    for v in report["vehicles"]:
        by_tariff = v["energy_total_by_home_tariff_gbp"]
        assert by_tariff["intelligent-octopus-go"] < by_tariff["price-cap"]
        assert by_tariff["price-cap"] == pytest.approx(v["energy_total_gbp"], abs=0.05)


def test_the_http_facing_function_takes_query_strings() -> None:
    with pytest.raises(OwnershipError, match="years"):
        cost_report_json({"vehicle": "defender-sport", "years": "0"})


def test_a_defaulted_mileage_is_named_as_an_assumption_and_a_given_one_is_not() -> None:
    defaulted = cost_report_json({"vehicle": "mg4-long-range-64"})
    given = cost_report_json({"vehicle": "mg4-long-range-64", "miles_per_year": "9000"})
    assert any("assumption: 9,000" in n for n in defaulted["notes"])
    assert not any("assumption: 9,000" in n for n in given["notes"])
    assert defaulted["vehicles"][0]["tco_gbp"] == given["vehicles"][0]["tco_gbp"]


def test_an_ev_over_the_range_minimum_and_under_37k_with_unknown_band_shows_every_band() -> None:
    mg4 = cost_report_json({"vehicle": "mg4-long-range-64", "registered": "2026-06-01"})
    grant = mg4["vehicles"][0]["grant"]
    assert grant["status"] == "unknown"
    assert sorted(s["grant_gbp"] for s in grant["scenarios"]) == [0, 1500, 3750]
