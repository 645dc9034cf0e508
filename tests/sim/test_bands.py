"""Estimates carry their uncertainty: a spec's [ranges] give P10/P50/P90 bands."""

from __future__ import annotations

import json

import pytest

from evtwin.cli.main import main
from evtwin.errors import SpecError
from evtwin.sim.request import RangeRequest
from evtwin.vehicles import load_vehicle, parse_spec


def test_defender_sport_range_carries_a_band_around_its_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["range", "defender-sport", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    band = out["range_km_band"]
    assert band["p10"] < band["p50"] < band["p90"]
    assert band["p10"] <= out["range_km"] <= band["p90"]
    assert band["dominant_unknown"] in load_vehicle("defender-sport").ranges


def test_narrowing_one_range_narrows_the_band() -> None:
    spec = load_vehicle("defender-sport")
    wide = RangeRequest().answer([spec])[0].range_km_band
    ranges = dict(spec.ranges)
    ranges["usable_battery_kwh"] = (74.5, 75.5)
    narrow = RangeRequest().answer([spec.replace(ranges=ranges)])[0].range_km_band
    assert wide is not None and narrow is not None
    assert narrow["p90"] - narrow["p10"] < wide["p90"] - wide["p10"]
    assert narrow["dominant_unknown"] != "usable_battery_kwh"


def test_the_band_applies_to_your_conditions_too() -> None:
    est = RangeRequest(speed_kph=110, temp_c=5).answer([load_vehicle("defender-sport")])[0]
    assert est.range_km_band is not None
    assert est.range_km_band["p10"] <= est.range_km <= est.range_km_band["p90"]


def test_a_car_without_ranges_has_no_band(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["range", "vw-id3-pro-s", "--json"]) == 0
    assert "range_km_band" not in json.loads(capsys.readouterr().out)


BASE = {
    "name": "x",
    "drivetrain": "fwd",
    "kerb_mass_kg": 1600,
    "usable_battery_kwh": 60,
    "width_mm": 1800,
    "height_mm": 1550,
    "motor_power_kw": 150,
}


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({"usable_battery_kwh": [70, 80]}, "must contain the spec's usable_battery_kwh"),
        ({"usable_battery_kwh": [65, 55]}, "low must be below high"),
        ({"name": [1, 2]}, "only numeric spec keys"),
        ({"usable_battery_kwh": 60}, r"must be \[low, high\]"),
        ({"kerb_mass_kg": [100, 2000]}, "outside the physical range"),
    ],
)
def test_bad_ranges_are_rejected(ranges: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec({**BASE, "ranges": ranges}, default_id="x", where="t")


def test_the_table_says_the_band_and_the_calibration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["range", "defender-sport"]) == 0
    assert "range P10-P90" in capsys.readouterr().out
    assert main(["range", "vw-id3-pro-s", "--calibrate"]) == 0
    assert "calibrated to the official WLTP range 553 km" in capsys.readouterr().out


def test_charge_minutes_carry_a_band_for_an_estimate_cli_and_http_alike(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fastapi.testclient import TestClient

    from evtwin.api import create_app

    argv = ["charge", "defender-sport", "--from", "10", "--to", "80", "--charger-kw", "350"]
    assert main([*argv, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    band = cli["minutes_band"]
    assert band["p10"] < band["p50"] < band["p90"]
    assert band["p10"] <= cli["minutes"] <= band["p90"]
    with TestClient(create_app()) as client:
        http = client.get(
            "/api/v1/charge/defender-sport",
            params={"from_percent": 10, "to_percent": 80, "charger_kw": 350},
        )
    assert http.status_code == 200, http.text
    assert http.json()["minutes_band"] == band
    assert main(["charge", "vw-id3-pro-s", "--json"]) == 0
    assert "minutes_band" not in json.loads(capsys.readouterr().out)


def test_cost_pence_per_mile_carries_a_band_for_an_estimate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cost", "defender-sport", "--vs", "vw-id3-pro-s", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    defender, id3 = out["vehicles"]
    band = defender["pence_per_mile_band"]
    assert band["p10"] < band["p50"] < band["p90"]
    assert band["p10"] <= defender["pence_per_mile"] <= band["p90"]
    assert "pence_per_mile_band" not in id3
