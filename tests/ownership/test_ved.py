"""VED, the Expensive Car Supplement, the eVED proposal and BiK at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from evtwin.errors import OwnershipError
from evtwin.ownership import (
    bik_schedule,
    eved_schedule,
    licence_ved,
    load_bik_rules,
    load_eved_rules,
    load_ved_rules,
    tax_year_of,
    ved_schedule,
)

VED = load_ved_rules()


def totals(registered: dt.date, price: float | None, years: int = 4) -> list[float | None]:
    return [
        v.total_gbp
        for v in ved_schedule(VED, registered=registered, years=years, list_price_gbp=price)
    ]


def test_the_first_licence_of_an_electric_car_costs_10() -> None:
    assert totals(dt.date(2027, 3, 1), 39_500)[0] == 10


@pytest.mark.parametrize("registered", [dt.date(2026, 3, 31), dt.date(2026, 4, 1)])
def test_a_45k_ev_registered_either_side_of_1_apr_2026_pays_no_supplement(
    registered: dt.date,
) -> None:
    # Its first supplement-bearing licence (year 2) takes effect after 1 Apr 2026, when the
    # zero-emission threshold is £50,000: the registration day alone does not decide it.
    schedule = ved_schedule(VED, registered=registered, years=3, list_price_gbp=45_000)
    assert [v.ecs_gbp for v in schedule] == [0, 0, 0]
    assert [v.total_gbp for v in schedule] == [10, 200, 200]


def test_a_45k_ev_licence_taking_effect_31_mar_2026_pays_the_supplement_over_40k() -> None:
    v = licence_ved(
        VED,
        registered=dt.date(2025, 4, 1),
        licence_from=dt.date(2026, 3, 31),
        year=2,
        list_price_gbp=45_000,
    )
    assert (v.standard_gbp, v.ecs_gbp) == (195, 425)


def test_a_45k_ev_licence_taking_effect_1_apr_2026_is_under_the_50k_threshold() -> None:
    v = licence_ved(
        VED,
        registered=dt.date(2025, 4, 1),
        licence_from=dt.date(2026, 4, 1),
        year=2,
        list_price_gbp=45_000,
    )
    assert (v.standard_gbp, v.ecs_gbp) == (200, 0)


@pytest.mark.parametrize(("price", "ecs"), [(50_000, 0), (50_001, 440)])
def test_the_supplement_applies_over_50000_not_at_it(price: float, ecs: float) -> None:
    v = licence_ved(
        VED,
        registered=dt.date(2026, 4, 1),
        licence_from=dt.date(2026, 5, 1),
        year=2,
        list_price_gbp=price,
    )
    assert v.ecs_gbp == ecs


def test_the_supplement_is_paid_in_licence_years_2_to_6_only() -> None:
    schedule = ved_schedule(VED, registered=dt.date(2027, 3, 1), years=7, list_price_gbp=60_000)
    assert [v.ecs_gbp > 0 for v in schedule if v.ecs_gbp is not None] == [
        False,
        True,
        True,
        True,
        True,
        True,
        False,
    ]


def test_rates_past_the_newest_known_year_are_held_flat_and_say_so() -> None:
    v = ved_schedule(VED, registered=dt.date(2027, 3, 1), years=3, list_price_gbp=30_000)[2]
    assert v.standard_gbp == 200
    assert any("held flat" in n for n in v.notes)


def test_unknown_price_gives_a_ved_range_not_a_number() -> None:
    v = ved_schedule(VED, registered=dt.date(2027, 3, 1), years=2, list_price_gbp=None)[1]
    assert v.total_gbp is None
    assert v.range_gbp == (200, 640)


def test_registrations_before_the_ev_regime_of_1_apr_2025_are_refused() -> None:
    with pytest.raises(OwnershipError, match="2025-04-01"):
        ved_schedule(VED, registered=dt.date(2025, 3, 31), years=1, list_price_gbp=30_000)


def test_zero_years_is_an_error() -> None:
    with pytest.raises(OwnershipError, match="at least 1 year"):
        ved_schedule(VED, registered=dt.date(2027, 3, 1), years=0, list_price_gbp=30_000)


def test_eved_is_flagged_a_proposal_and_starts_with_licences_from_1_apr_2028() -> None:
    rules = load_eved_rules()
    assert rules.status == "proposal"
    years = eved_schedule(rules, registered=dt.date(2027, 3, 1), years=4, miles_per_year=9000)
    assert all(y.status == "proposal" for y in years)
    # licences from 1 Mar 2027 and 1 Mar 2028 start before 1 Apr 2028; 2029 and 2030 pay 3p/mi
    assert [round(y.eved_gbp, 2) for y in years] == [0, 0, 270, 270]


def test_eved_registered_on_1_apr_2027_pays_from_its_1_apr_2028_renewal() -> None:
    years = eved_schedule(
        load_eved_rules(), registered=dt.date(2027, 4, 1), years=2, miles_per_year=8000
    )
    assert [round(y.eved_gbp, 2) for y in years] == [0, 240]


def test_tax_years_start_on_6_april() -> None:
    assert tax_year_of(dt.date(2027, 4, 5)) == "2026-27"
    assert tax_year_of(dt.date(2027, 4, 6)) == "2027-28"


def test_bik_uses_the_published_rate_per_tax_year_and_unknown_beyond() -> None:
    bik = bik_schedule(
        load_bik_rules(), registered=dt.date(2027, 3, 1), years=4, list_price_gbp=40_000
    )
    assert [(b.tax_year, b.percent) for b in bik] == [
        ("2026-27", 4),
        ("2027-28", 5),
        ("2028-29", 7),
        ("2029-30", 9),
        ("2030-31", None),
    ]
    assert bik[1].benefit_gbp == pytest.approx(2000)
    assert bik[-1].benefit_gbp is None
