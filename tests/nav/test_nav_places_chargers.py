"""Places and chargers: names, coordinates, close matches, filters and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from evtwin.errors import NavigationError
from evtwin.nav import ChargerFilter, find_place, load_chargers


def test_lat_lon_always_works() -> None:
    p = find_place("52.67, -0.73")
    assert (p.lat, p.lon) == (52.67, -0.73)


def test_gb_cities_and_osm_places_are_found() -> None:
    assert find_place("Edinburgh").source == "GeoNames"
    assert find_place("edinburgh").lat == pytest.approx(55.95, abs=0.05)
    assert find_place("Uppingham").source == "OSM (rutland)"


def test_unknown_place_suggests_close_names() -> None:
    with pytest.raises(NavigationError, match="did you mean Edinburgh"):
        find_place("Edinbrugh")


def test_out_of_range_coordinates_are_an_error() -> None:
    with pytest.raises(NavigationError, match="latitude"):
        find_place("95,1")


def test_default_filter_is_open_ccs_rapid_in_service() -> None:
    sites = load_chargers(None, ChargerFilter())
    assert 100 < len(sites) < 583
    assert all(s.power_kw >= 50 and s.in_service and s.open_access for s in sites)
    assert all("Type 2 Combo (IEC62196) DC" in s.connectors for s in sites)
    fewer = load_chargers(None, ChargerFilter(network="ChargePlace Scotland"))
    assert 0 < len(fewer) < len(sites)
    assert all("chargeplace scotland" in s.network.lower() for s in fewer)


def test_a_corrupt_charger_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "chargers.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(NavigationError, match="not an NCR charger CSV"):
        load_chargers(bad, ChargerFilter())
    with pytest.raises(NavigationError, match="not found"):
        load_chargers(tmp_path / "missing.csv", ChargerFilter())
