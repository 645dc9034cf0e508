"""``--road test`` is the type-approval run: test mass, measured road load, 23 °C, HVAC off."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from evtwin.api import create_app
from evtwin.cli.main import main
from evtwin.sim.request import RangeRequest
from evtwin.vehicles import derive_params, load_vehicle, parse_spec


@pytest.mark.parametrize("vehicle", ["bmw-ix1-xdrive30", "vw-id3-pro-s", "defender-sport"])
def test_road_test_on_the_wltc_reproduces_the_wltp_answer(vehicle: str) -> None:
    spec = load_vehicle(vehicle)
    wltp = RangeRequest().answer([spec])[0]
    test = RangeRequest(road="test").answer([spec])[0]
    assert test.procedure == "custom"
    assert test.range_km == pytest.approx(wltp.range_km, rel=1e-9)
    assert test.consumption_wh_per_km == pytest.approx(wltp.consumption_wh_per_km, rel=1e-9)
    assert test.mass_driven_kg == pytest.approx(derive_params(spec).wltp_test_mass_kg)
    assert test.conditions["ambient_temp_c"] == 23.0 and test.conditions["hvac_w"] == 0.0
    assert test.assumptions["road"].startswith("type-approval run: test mass")


def test_a_stated_test_mass_is_the_mass_driven() -> None:
    spec = parse_spec(
        {
            "name": "Dyno car",
            "drivetrain": "fwd",
            "kerb_mass_kg": 1600,
            "test_mass_kg": 1755,
            "usable_battery_kwh": 60,
            "width_mm": 1800,
            "height_mm": 1550,
            "motor_power_kw": 150,
            "road_load_f0_n": 120.0,
            "road_load_f1_n_per_kph": 0.5,
            "road_load_f2_n_per_kph2": 0.028,
        },
        default_id="dyno-car",
        where="test",
    )
    est = RangeRequest(road="test", cycle="udds").answer([spec])[0]
    assert est.mass_driven_kg == pytest.approx(1755.0)


def test_a_stated_payload_or_cold_keeps_the_test_otherwise() -> None:
    spec = load_vehicle("kia-ev3-long-range")
    est = RangeRequest(road="test", payload_kg=100).answer([spec])[0]
    assert est.mass_driven_kg == pytest.approx(spec.kerb_mass_kg + 100)
    cold = RangeRequest(road="test", temp_c=-7).answer([spec])[0]
    assert cold.conditions["hvac_w"] == 0.0  # a dyno test runs with the HVAC off
    assert "HVAC off" in cold.assumptions["road"]


def test_cli_and_http_road_test_agree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["range", "vw-id3-pro-s", "--road", "test", "--cycle", "udds", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    with TestClient(create_app()) as client:
        http = client.get("/api/v1/range/vw-id3-pro-s", params={"road": "test", "cycle": "udds"})
    assert http.status_code == 200 and http.json() == cli


def test_the_kerb_mass_basis_is_in_the_answer_and_moves_the_mass_driven() -> None:
    base = {
        "name": "Basis car",
        "drivetrain": "fwd",
        "kerb_mass_kg": 1800,
        "usable_battery_kwh": 60,
        "width_mm": 1850,
        "height_mm": 1600,
        "motor_power_kw": 150,
    }
    unstated = parse_spec(base, default_id="basis-car", where="test")
    us = parse_spec({**base, "kerb_mass_basis": "without_driver"}, default_id="us", where="test")
    a, b = RangeRequest(temp_c=20.0, speed_kph=100.0).answer([unstated, us])
    assert a.assumptions["kerb_mass_basis"].startswith("default eu_incl_driver")
    assert b.assumptions["kerb_mass_basis"].startswith("spec: without_driver")
    assert b.mass_driven_kg == pytest.approx(a.mass_driven_kg + 75.0)
    assert b.range_km < a.range_km
