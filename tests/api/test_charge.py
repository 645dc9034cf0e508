"""``GET /api/v1/charge/{vehicle}`` answers exactly ``evtwin charge VEHICLE --json``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("vehicle", "query", "argv"),
    [
        ("defender-sport", {}, []),
        (
            "defender-sport",
            {"battery_temp_c": -5, "precondition": "true", "charger_kw": 350},
            ["--battery-temp-c", "-5", "--precondition", "--charger-kw", "350"],
        ),
        (
            "kia-ev3-long-range",
            {"charger": "dc50", "from_percent": 20, "to_percent": 90, "price_p_per_kwh": 60},
            ["--charger", "dc50", "--from", "20", "--to", "90", "--price-p-per-kwh", "60"],
        ),
        (
            "bmw-ix1-edrive20",
            {"ac_kw": 7.4, "battery_temp_c": 2, "ambient_temp_c": -3},
            ["--ac-kw", "7.4", "--battery-temp-c", "2", "--ambient-temp-c", "-3"],
        ),
        (
            "volvo-ex30-single-motor-er",
            {"charger_kw": 50, "charger_voltage_v": 400},
            ["--charger-kw", "50", "--charger-voltage-v", "400"],
        ),
        (
            "skoda-elroq-85",
            {"depart": "07:00", "plug_in": "19:30", "tariff": "octopus-go", "limit_percent": 90},
            ["--depart", "07:00", "--plug-in", "19:30", "--tariff", "octopus-go", "--limit", "90"],
        ),
    ],
)
def test_charge_equals_the_cli(
    client: TestClient, cli_json: Any, vehicle: str, query: dict[str, Any], argv: list[str]
) -> None:
    r = client.get(f"/api/v1/charge/{vehicle}", params=query)
    assert r.status_code == 200, r.text
    assert r.json() == cli_json("charge", vehicle, *argv)


def test_charge_keeps_the_estimate_flag_and_the_price_source(client: TestClient) -> None:
    body = client.get("/api/v1/charge/defender-sport").json()
    assert body["profile"] == "estimate" and body["kind"] == "dc"
    assert body["price_source"] and body["basis"]
    assert body["energy_grid_kwh"] > body["energy_battery_kwh"] > 0


@pytest.mark.parametrize(
    ("path", "query", "status", "type_", "words"),
    [
        ("defender-sprot", {}, 404, "UnknownVehicleError", "defender-sport"),
        ("defender-sport", {"from_percent": 80, "to_percent": 20}, 400, "ChargingError", "below"),
        ("defender-sport", {"to_percent": 120}, 400, "ChargingError", "to_percent = 120 %"),
        ("defender-sport", {"ac_kw": 7, "charger": "dc50"}, 400, "ChargingError", "at most one"),
        ("defender-sport", {"charger": "dc9000"}, 400, "ChargingError", "unknown charger"),
        ("defender-sport", {"charger_kw": 2000}, 400, "ChargingError", "2000 kW"),
        ("defender-sport", {"charger_voltage_v": 600}, 400, "ChargingError", "600 V"),
        ("defender-sport", {"battery_temp_c": -60}, 400, "ChargingError", "-60 °C"),
        ("defender-sport", {"depart": "7pm"}, 400, "ChargingError", "HH:MM"),
        ("defender-sport", {"depart": "18:30"}, 400, "ChargingError", "impossible schedule"),
        ("defender-sport", {"depart": "07:00", "tariff": "cheap"}, 400, "ChargingError", "cheap"),
        (
            "defender-sport",
            {"depart": "07:00", "precondition": "true"},
            400,
            "ChargingError",
            "precondition",
        ),
        ("defender-sport", {"from_percent": "ten"}, 422, "RequestValidationError", "from_percent"),
        ("defender-sport", {"battery_temp_c": "nan"}, 422, "RequestValidationError", "battery"),
    ],
)
def test_charge_errors_are_json_with_a_message(
    client: TestClient,
    path: str,
    query: dict[str, Any],
    status: int,
    type_: str,
    words: str,
) -> None:
    r = client.get(f"/api/v1/charge/{path}", params=query)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["type"] == type_
    assert words in err["message"]
