"""Property: whatever the query, the API answers JSON with 200 or a named 4xx, never a 500.

(An ad-hoc schemathesis run over the OpenAPI spec found no 5xx either; see docs/api.md.)
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evtwin.api import create_app

_CLIENT = TestClient(create_app(), raise_server_exceptions=False)

numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.sampled_from(["nan", "inf", "-0", "1e400", "", "x", "12abc"]),
)
texts = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_ .%", max_size=20)


def _query(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=keys)


RANGE_QUERY = _query(
    {
        "cycle": st.one_of(st.sampled_from(["wltc", "udds", "us06", "hwfet"]), texts),
        "speed_kph": numbers,
        "temp_c": numbers,
        "payload_kg": numbers,
        "trailer_kg": numbers,
        "trailer_cda_m2": numbers,
        "hvac_w": numbers,
        "headwind_kph": numbers,
        "altitude_m": numbers,
    }
)
COST_QUERY = _query(
    {
        "vs": st.lists(
            st.sampled_from(["bmw-ix1-edrive20", "kia-ev3-long-range", "nope"]), max_size=2
        ),
        "registered": st.one_of(st.dates().map(str), texts),
        "years": st.one_of(st.integers(-3, 30), texts),
        "miles_per_year": numbers,
        "home_share": numbers,
        "price_gbp": numbers,
        "home_tariff": st.one_of(st.just("octopus-go"), texts),
        "hvac": st.sampled_from(["true", "false", "maybe"]),
    }
)


def _answers_cleanly(url: str, query: dict[str, Any]) -> None:
    r = _CLIENT.get(url, params=query)
    assert r.status_code in (200, 400, 404, 422), (query, r.status_code, r.text)
    body = r.json()
    if r.status_code != 200:
        assert body["error"]["type"] and body["error"]["message"], body


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vehicle=st.sampled_from(["defender-sport", "volvo-ex30-single-motor-er", "defender"]),
    query=RANGE_QUERY,
)
def test_any_range_query_gets_an_answer_or_a_named_error(
    vehicle: str, query: dict[str, Any]
) -> None:
    _answers_cleanly(f"/api/v1/range/{vehicle}", query)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=COST_QUERY)
def test_any_cost_query_gets_an_answer_or_a_named_error(query: dict[str, Any]) -> None:
    _answers_cleanly("/api/v1/cost/defender-sport", query)


CHARGE_QUERY = _query(
    {
        "from_percent": numbers,
        "to_percent": numbers,
        "charger_kw": numbers,
        "ac_kw": numbers,
        "charger": st.one_of(st.sampled_from(["dc50", "dc350", "ac7", "ac22"]), texts),
        "charger_voltage_v": st.one_of(st.sampled_from([400, 800, 600]), texts),
        "battery_temp_c": numbers,
        "ambient_temp_c": numbers,
        "precondition": st.sampled_from(["true", "false", "maybe"]),
        "depart": st.one_of(st.sampled_from(["07:00", "23:59", "24:00"]), texts),
        "tariff": st.one_of(st.sampled_from(["octopus-go", "price-cap"]), texts),
        "limit_percent": numbers,
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vehicle=st.sampled_from(["defender-sport", "kia-ev3-long-range"]), query=CHARGE_QUERY)
def test_any_charge_query_gets_an_answer_or_a_named_error(
    vehicle: str, query: dict[str, Any]
) -> None:
    _answers_cleanly(f"/api/v1/charge/{vehicle}", query)
