"""The ownership data files: every value dated and sourced, every id in the catalogue."""

from __future__ import annotations

import pytest

from evtwin.ownership import (
    default_rivals,
    load_bik_rules,
    load_eved_rules,
    load_grant_rules,
    load_tariffs,
    load_uk_year,
    load_ved_rules,
    price_info,
)
from evtwin.ownership._data import load_toml
from evtwin.vehicles import list_vehicles, load_vehicle


def test_every_dated_rule_value_has_a_source() -> None:
    ved, ecg = load_ved_rules(), load_grant_rules()
    dated = [
        *ved.first_year,
        *ved.standard,
        *ved.ecs_amount,
        *ved.ecs_threshold,
        *load_eved_rules().rate_p_per_mile,
        *ecg.entry_cap,
        *(d for band in ecg.bands.values() for d in band),
        *(p for t in load_tariffs().values() for p in t.periods),
    ]
    assert dated
    for d in dated:
        assert d.source.strip()
        assert d.valid_to is None or d.valid_from <= d.valid_to


def test_the_eved_file_says_it_is_a_proposal() -> None:
    assert load_eved_rules().status == "proposal"
    assert "PROPOSAL" in load_eved_rules().status_text


def test_bik_rates_rise_year_on_year() -> None:
    rates = [p for p, _ in load_bik_rules().percent_by_tax_year.values()]
    assert rates == sorted(rates)


def test_the_uk_year_has_twelve_plausible_monthly_temperatures() -> None:
    temps = load_uk_year().monthly_mean_c
    assert len(temps) == 12
    assert all(-5 < t < 25 for t in temps)
    assert temps[0] < temps[6]  # January colder than July


def test_every_priced_vehicle_and_default_rival_is_in_the_catalogue() -> None:
    ids = set(load_toml("prices/uk_prices.toml")["vehicle"])
    catalogue = {s.id for s in list_vehicles()}
    assert ids <= catalogue
    assert set(default_rivals()) <= catalogue
    assert len(default_rivals()) >= 5


def test_every_catalogue_price_has_a_source_or_is_unknown() -> None:
    for spec in list_vehicles():
        p = price_info(spec)
        assert p.source.strip()
        assert (p.price_gbp is None) == (p.basis == "unknown")
        if spec.is_estimate and p.price_gbp is not None:
            assert p.basis == "estimate"


def test_the_defender_sport_price_is_an_estimate_with_seed_and_press_scenarios() -> None:
    p = price_info(load_vehicle("defender-sport"))
    assert p.basis == "estimate"
    names = {s.name for s in p.scenarios}
    assert {"expected low", "expected high", "press low", "press high"} <= names


def test_the_uk_temperatures_cite_the_met_office_series_they_were_derived_from() -> None:
    year = load_uk_year()
    assert year.temperature_status == "DERIVED"
    assert "metoffice.gov.uk" in year.temperature_source
    assert "1991-2020" in year.temperature_source
    assert sum(year.monthly_mean_c) / 12 == pytest.approx(9.1, abs=0.1)


def test_every_tariff_names_a_bundled_charger_and_why() -> None:
    from evtwin.charging import bundled_chargers

    for t in load_tariffs().values():
        assert t.charger in bundled_chargers(), t.id
        assert "assumption" in t.charger_source
