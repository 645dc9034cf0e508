"""Each endpoint answers exactly the CLI's ``--json`` object for the same inputs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


def test_health_says_ok_and_the_version(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["api"] == "v1"


def test_vehicles_is_the_cli_catalogue_and_flags_estimates(
    client: TestClient, cli_json: Any
) -> None:
    r = client.get("/api/v1/vehicles")
    assert r.status_code == 200
    assert r.json() == cli_json("vehicles")
    profiles = {v["id"]: v["profile"] for v in r.json()}
    assert profiles["defender-sport"] == "estimate"
    assert profiles["bmw-ix1-edrive20"] == "published"


def test_range_defaults_to_wltp_and_equals_the_cli(client: TestClient, cli_json: Any) -> None:
    r = client.get("/api/v1/range/defender-sport")
    assert r.status_code == 200
    body = r.json()
    assert body == cli_json("range", "defender-sport")
    assert body["procedure"] == "wltp" and body["profile"] == "estimate"
    assert "assumption" in body["spec_sources"]["usable_battery_kwh"]


@pytest.mark.parametrize(
    ("query", "argv"),
    [
        (
            {"temp_c": -5, "hvac_w": 3000, "payload_kg": 150},
            ["--temp-c", "-5", "--hvac-w", "3000", "--payload-kg", "150"],
        ),
        ({"speed_kph": 120, "headwind_kph": 10}, ["--speed-kph", "120", "--headwind-kph", "10"]),
        ({"trailer_kg": 1200, "cycle": "hwfet"}, ["--trailer-kg", "1200", "--cycle", "hwfet"]),
        ({"road": "test", "speed_kph": 90}, ["--road", "test", "--speed-kph", "90"]),
    ],
)
def test_range_under_your_conditions_equals_the_cli(
    client: TestClient, cli_json: Any, query: dict[str, Any], argv: list[str]
) -> None:
    r = client.get("/api/v1/range/bmw-ix1-edrive20", params=query)
    assert r.status_code == 200
    assert r.json()["procedure"] == "custom"
    assert r.json() == cli_json("range", "bmw-ix1-edrive20", *argv)


def test_range_of_every_vehicle_equals_range_all(client: TestClient, cli_json: Any) -> None:
    r = client.get("/api/v1/range", params={"temp_c": 0})
    assert r.status_code == 200
    assert r.json() == cli_json("range", "--all", "--temp-c", "0")


def test_cost_equals_the_cli_and_keeps_every_estimate_flag(
    client: TestClient, cli_json: Any
) -> None:
    r = client.get(
        "/api/v1/cost/defender-sport",
        params={
            "vs": ["bmw-ix1-edrive20", "kia-ev3-long-range"],
            "registered": "2027-04-01",
            "years": 3,
            "miles_per_year": 8000,
            "home_share": 0.7,
            "hvac": "false",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body == cli_json(
        "cost", "defender-sport", "--vs", "bmw-ix1-edrive20", "kia-ev3-long-range",
        "--registered", "2027-04-01", "--years", "3", "--miles-per-year", "8000",
        "--home-share", "0.7", "--no-hvac",
    )  # fmt: skip
    defender, ix1, ev3 = body["vehicles"]
    assert defender["profile"] == "estimate" and defender["price"]["basis"] == "estimate"
    assert defender["grant"]["status"] == "unknown" and defender["grant_gbp"] is None
    assert defender["eved_proposal"]["status"] == "proposal"
    assert ix1["profile"] == "published" and ix1["price"]["basis"] == "secondary"
    assert ev3["price"]["basis"] == "unknown" and ev3["tco_gbp"] is None
    assert ev3["vehicle"] == "kia-ev3-long-range"


def test_cost_with_default_rivals_and_a_price_equals_the_cli(
    client: TestClient, cli_json: Any
) -> None:
    r = client.get("/api/v1/cost/defender-sport", params={"rivals": "true", "price_gbp": 41000})
    assert r.status_code == 200
    assert r.json() == cli_json("cost", "defender-sport", "--rivals", "--price-gbp", "41000")
    assert len(r.json()["vehicles"]) >= 6
    assert r.json()["vehicles"][0]["price"]["basis"] == "user"
