"""Electric Car Grant rules at their boundaries (rules/uk_ecg.toml)."""

from __future__ import annotations

import datetime as dt

import pytest

from evtwin.ownership import EcgListing, GrantInput, evaluate_grant, load_grant_rules

RULES = load_grant_rules()
BAND_1 = EcgListing(listing="band-1", source="test listing")
BAND_2 = EcgListing(listing="band-2", source="test listing")
AFTER_CAP_CHANGE = dt.date(2025, 8, 29)
BEFORE_CAP_CHANGE = dt.date(2025, 8, 28)


def grant_for(
    price: float | None,
    *,
    on: dt.date = dt.date(2027, 3, 1),
    listing: EcgListing = BAND_1,
    family_entry: float | None = None,
    range_miles: float = 250.0,
):
    return evaluate_grant(
        RULES,
        GrantInput(
            sale_date=on,
            price_gbp=price,
            wltp_range_miles=range_miles,
            range_basis="test",
            listing=listing,
            family_entry_price_gbp=family_entry,
        ),
    )


def test_a_band_1_car_priced_37000_gets_3750() -> None:
    g = grant_for(37_000, family_entry=37_000)
    assert g.status == "eligible"
    assert g.grant_gbp == 3750
    assert g.band == "band-1"


def test_the_cheapest_car_of_its_family_priced_37001_gets_nothing() -> None:
    g = grant_for(37_001, family_entry=37_001)
    assert g.status == "not_eligible"
    assert g.grant_gbp == 0
    assert any("37,000" in r for r in g.reasons)


def test_a_price_at_the_cap_warns_that_what_the_cap_includes_is_unknown() -> None:
    g = grant_for(37_000, family_entry=37_000)
    assert any("CONFLICT" in c for c in g.caveats)


def test_band_2_pays_1500() -> None:
    g = grant_for(35_000, listing=BAND_2, family_entry=35_000)
    assert (g.status, g.grant_gbp) == ("eligible", 1500)


def test_a_41000_variant_of_an_eligible_family_qualifies_before_29_aug_2025() -> None:
    g = grant_for(41_000, on=BEFORE_CAP_CHANGE, family_entry=36_000)
    assert (g.status, g.grant_gbp) == ("eligible", 3750)
    assert any("no upper price limit" in r for r in g.reasons)


def test_a_41000_variant_of_an_eligible_family_qualifies_after_29_aug_2025_under_the_42k_cap() -> (
    None
):
    g = grant_for(41_000, on=AFTER_CAP_CHANGE, family_entry=36_000)
    assert (g.status, g.grant_gbp) == ("eligible", 3750)
    assert any("up to £42,000" in r for r in g.reasons)


def test_a_43000_variant_qualified_before_29_aug_2025_but_not_from_that_day() -> None:
    before = grant_for(43_000, on=BEFORE_CAP_CHANGE, family_entry=36_000)
    after = grant_for(43_000, on=AFTER_CAP_CHANGE, family_entry=36_000)
    assert (before.status, before.grant_gbp) == ("eligible", 3750)
    assert (after.status, after.grant_gbp) == ("not_eligible", 0)


def test_a_42000_variant_is_at_the_cap_and_42001_is_over_it() -> None:
    assert grant_for(42_000, family_entry=36_000).grant_gbp == 3750
    assert grant_for(42_001, family_entry=36_000).grant_gbp == 0


def test_unknown_family_entry_price_returns_scenarios_not_a_pick() -> None:
    g = grant_for(40_000, family_entry=None)
    assert g.status == "unknown"
    assert g.grant_gbp is None
    assert g.grant_range_gbp == (0, 3750)


def test_unknown_band_returns_every_band_as_a_scenario() -> None:
    g = grant_for(36_000, listing=EcgListing(), family_entry=36_000)
    assert g.status == "unknown"
    assert g.grant_gbp is None
    assert sorted(s.grant_gbp for s in g.scenarios) == [0, 1500, 3750]


def test_unknown_price_cannot_be_checked_against_the_cap() -> None:
    g = grant_for(None)
    assert g.status == "unknown"
    assert g.grant_gbp is None
    assert any("price unknown" in r for r in g.reasons)


def test_a_model_not_on_the_dft_list_gets_nothing() -> None:
    g = grant_for(30_000, listing=EcgListing(listing="not-listed", source="x"), family_entry=30_000)
    assert (g.status, g.grant_gbp) == ("not_eligible", 0)


@pytest.mark.parametrize(("miles", "eligible"), [(99.9, False), (100.0, True)])
def test_the_wltp_range_must_be_at_least_100_miles(miles: float, eligible: bool) -> None:
    g = grant_for(30_000, family_entry=30_000, range_miles=miles)
    assert (g.status == "eligible") is eligible


def test_no_grant_before_the_scheme_opened_on_16_jul_2025() -> None:
    assert grant_for(30_000, on=dt.date(2025, 7, 15), family_entry=30_000).grant_gbp == 0
    assert grant_for(30_000, on=dt.date(2025, 7, 16), family_entry=30_000).grant_gbp == 3750


def test_no_grant_after_the_funded_end_of_2029_30() -> None:
    assert grant_for(30_000, on=dt.date(2030, 3, 31), family_entry=30_000).grant_gbp == 3750
    after = grant_for(30_000, on=dt.date(2030, 4, 1), family_entry=30_000)
    assert (after.status, after.grant_gbp) == ("not_eligible", 0)


def test_a_listing_applies_only_from_its_date() -> None:
    listing = EcgListing(listing="band-2", source="x", since=dt.date(2025, 9, 3))
    before = grant_for(30_000, on=dt.date(2025, 9, 2), listing=listing, family_entry=30_000)
    after = grant_for(30_000, on=dt.date(2025, 9, 3), listing=listing, family_entry=30_000)
    assert before.grant_gbp is None
    assert after.grant_gbp == 1500
