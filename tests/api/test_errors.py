"""Bad input answers a JSON error naming the problem: 404, 400 or 422, never a traceback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from evtwin.api import create_app


def _error(client: TestClient, url: str, status: int, **params: object) -> dict[str, str]:
    r = client.get(url, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert "Traceback" not in r.text
    error: dict[str, str] = r.json()["error"]
    assert error.keys() >= {"type", "message"}
    return error


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/range/defender-sprot",
        "/api/v1/range/defender-sprot/plot.png",
        "/api/v1/cost/defender-sprot",
    ],
)
def test_unknown_vehicle_is_404_with_the_close_match(client: TestClient, url: str) -> None:
    error = _error(client, url, 404)
    assert error["type"] == "UnknownVehicleError"
    assert (
        "defender-sprot" in error["message"] and "Did you mean: defender-sport" in error["message"]
    )


def test_unknown_rival_is_404_naming_it(client: TestClient) -> None:
    error = _error(client, "/api/v1/cost/defender-sport", 404, vs="bmw-ix1-edrive2")
    assert "bmw-ix1-edrive2" in error["message"] and "bmw-ix1-edrive20" in error["message"]


def test_malformed_date_is_422_naming_the_parameter_and_value(client: TestClient) -> None:
    error = _error(client, "/api/v1/cost/defender-sport", 422, registered="2027-02-30")
    assert error["type"] == "RequestValidationError"
    assert error["message"].startswith("registered:") and "2027-02-30" in error["message"]


def test_negative_miles_is_400_with_value_and_unit(client: TestClient) -> None:
    error = _error(client, "/api/v1/cost/defender-sport", 400, miles_per_year=-5)
    assert error["type"] == "OwnershipError"
    assert "miles per year" in error["message"] and "-5 mi" in error["message"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"years": 0}, "1..15 years"),
        ({"registered": "2024-01-01"}, "2025-04-01"),
        ({"home_share": 2}, "between 0 and 1"),
        ({"home_tariff": "no-such-tariff"}, "no-such-tariff"),
    ],
)
def test_cost_values_out_of_bounds_are_400(
    client: TestClient, params: dict[str, object], words: str
) -> None:
    assert words in _error(client, "/api/v1/cost/defender-sport", 400, **params)["message"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"temp_c": -60}, "ambient_temp_c = -60 °C is outside"),
        ({"speed_kph": 400}, "1..250 km/h"),
        ({"cycle": "nedc"}, "unknown cycle 'nedc'"),
        ({"cycle": "udds", "speed_kph": 50}, "not both"),
        ({"trailer_cda_m2": 1.0}, "trailer_cda_m2 needs trailer_kg"),
    ],
)
@pytest.mark.parametrize(
    "url", ["/api/v1/range/defender-sport", "/api/v1/range/defender-sport/plot.png"]
)
def test_range_conditions_out_of_bounds_are_400(
    client: TestClient, url: str, params: dict[str, object], words: str
) -> None:
    assert words in _error(client, url, 400, **params)["message"]


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        ("/api/v1/cost/defender-sport", {"years": "four"}, "years"),
        ("/api/v1/range/defender-sport", {"speed_kph": "nan"}, "speed_kph"),
        ("/api/v1/range/defender-sport", {"temp_c": "cold"}, "temp_c"),
    ],
)
def test_values_of_the_wrong_type_are_422_per_parameter(
    client: TestClient, url: str, params: dict[str, object], name: str
) -> None:
    error = _error(client, url, 422, **params)
    assert error["message"].startswith(f"{name}:")
    assert [d["parameter"] for d in error["details"]] == [name]  # type: ignore[index]


def test_unknown_path_is_a_json_404(client: TestClient) -> None:
    assert _error(client, "/api/v2/nothing", 404)["type"] == "NotFound"


def test_an_unexpected_failure_is_a_json_500_without_a_traceback() -> None:
    app = create_app()

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/boom")
    assert r.status_code == 500
    assert r.json()["error"]["type"] == "InternalError"
    assert "secret internals" not in r.text and "Traceback" not in r.text
