"""Issue 14 over real HTTP: crashes become 4xx, unknown parameters are refused (422)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx2
import pytest

from evtwin.api import ApiServer, start_api_server


@pytest.fixture(scope="module")
def server() -> Iterator[ApiServer]:
    with start_api_server(port=0) as s:
        yield s


def _get(server: ApiServer, path: str) -> httpx2.Response:
    return httpx2.get(f"{server.url}{path}", timeout=120)


def test_range_plot_with_seat_heat_is_a_png(server: ApiServer) -> None:
    r = _get(server, "/api/v1/range/defender-sport/plot.png?seat_heat=true")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"


def test_registration_in_year_9999_is_a_400_naming_the_bound(server: ApiServer) -> None:
    r = _get(server, "/api/v1/cost/defender-sport?registered=9999-12-31")
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["type"] == "OwnershipError"
    assert "2050-12-31" in err["message"] and "9999-12-31" in err["message"]


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        ("price_gbp=1e308", "£3,000,000"),
        ("price_gbp=0", "£1..£3,000,000"),
        ("insurance_gbp_per_year=1e300", "100,000"),
        ("servicing_gbp_per_year=1e300", "100,000"),
        ("miles_per_year=1e300", "100,000"),
    ],
)
def test_huge_numbers_are_a_400_that_says_the_bound(
    server: ApiServer, query: str, bound: str
) -> None:
    r = _get(server, f"/api/v1/cost/defender-sport?{query}")
    assert r.status_code == 400, r.text
    assert bound in r.json()["error"]["message"]


def test_large_but_sensible_price_gives_finite_json(server: ApiServer) -> None:
    r = _get(server, "/api/v1/cost/defender-sport?price_gbp=2999999")
    assert r.status_code == 200
    assert "Infinity" not in r.text and "NaN" not in r.text
    json.loads(r.text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


@pytest.mark.parametrize(
    ("path", "accepted"),
    [
        ("/api/v1/range/defender-sport?temp=-5&speed=120", "temp_c"),
        ("/api/v1/range?speed=120", "speed_kph"),
        ("/api/v1/range/defender-sport/plot.png?temperature=3", "hvac_w"),
        ("/api/v1/cost/defender-sport?price=40000", "price_gbp"),
        ("/api/v1/cost/defender-sport/plot.png?rival=kia-ev3-long-range", "rivals"),
        ("/api/v1/charge/defender-sport?limit=80", "limit_percent"),
        ("/api/v1/vehicles?sort=name", "no query parameters"),
        ("/api/v1/health?verbose=1", "no query parameters"),
    ],
)
def test_unknown_query_parameters_are_a_422_naming_the_accepted_ones(
    server: ApiServer, path: str, accepted: str
) -> None:
    r = _get(server, path)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["type"] == "RequestValidationError"
    unknown = {d["parameter"] for d in err["details"]}
    assert unknown and all(name in err["message"] for name in unknown)
    assert accepted in err["message"]


def test_known_parameters_still_answer(server: ApiServer) -> None:
    r = _get(server, "/api/v1/range/defender-sport?temp_c=-5&speed_kph=120")
    assert r.status_code == 200 and r.json()["inputs"]["ambient_temp_c"] == -5
    r = _get(server, "/api/v1/cost/defender-sport?vs=bmw-ix1-edrive20&vs=kia-ev3-long-range")
    assert r.status_code == 200


def test_charge_options_that_cannot_take_effect_are_a_400(server: ApiServer) -> None:
    r = _get(server, "/api/v1/charge/defender-sport?depart=07:30&charger_kw=350")
    assert r.status_code == 400
    assert "DC charger" in r.json()["error"]["message"]
    r = _get(server, "/api/v1/charge/defender-sport?to_percent=90&limit_percent=80")
    assert r.status_code == 400 and "above the charge limit" in r.json()["error"]["message"]
    assert r.json()["error"]["field"] == "to_percent"
    r = _get(server, "/api/v1/charge/defender-sport?limit_percent=-1")
    assert r.status_code == 400
