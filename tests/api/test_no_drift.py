"""Every CLI option of ``evtwin range`` / ``cost`` / ``charge`` is a query parameter of the API.

A new CLI option fails here until the API takes it too (and the parity tests in
test_endpoints.py say whether it gives the same object).
"""

from __future__ import annotations

import argparse
from dataclasses import fields

from fastapi.testclient import TestClient

from evtwin.api import ChargeQuestion, CostParams, RangeRequest
from evtwin.cli.main import build_parser

# Options that only make sense on a command line: files named by the user, output format.
CLI_ONLY = {"help", "vehicle", "spec", "all", "profile", "json", "plot"}
# CLI flag dest → API query parameter, where the names differ.
COST_RENAMED = {
    "no_hvac": "hvac",
    "insurance_gbp": "insurance_gbp_per_year",
    "servicing_gbp": "servicing_gbp_per_year",
}

CHARGE_RENAMED = {"from_pct": "from_percent", "to_pct": "to_percent", "limit": "limit_percent"}


def _options(command: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices[command]
    return {a.dest for a in parser._actions} - CLI_ONLY


def _query_names(client: TestClient, path: str) -> set[str]:
    op = client.get("/api/openapi.json").json()["paths"][path]["get"]
    return {p["name"] for p in op["parameters"] if p["in"] == "query"}


def test_every_range_option_is_a_range_query_parameter(client: TestClient) -> None:
    cli = _options("range")
    assert cli == {f.name for f in fields(RangeRequest)}
    assert cli == _query_names(client, "/api/v1/range/{vehicle}")


def test_every_cost_option_is_a_cost_query_parameter(client: TestClient) -> None:
    cli = {COST_RENAMED.get(d, d) for d in _options("cost")}
    assert cli == {f.name for f in fields(CostParams)}
    assert cli == _query_names(client, "/api/v1/cost/{vehicle}")


def test_every_charge_option_is_a_charge_query_parameter(client: TestClient) -> None:
    cli = {CHARGE_RENAMED.get(d, d) for d in _options("charge")}
    assert cli == {f.name for f in fields(ChargeQuestion)}
    assert cli == _query_names(client, "/api/v1/charge/{vehicle}")


def test_one_name_per_question_the_old_api_names_are_aliases() -> None:
    import evtwin.api as api
    from evtwin.charging.question import ChargeQuestion as ModelChargeQuestion
    from evtwin.sim.request import RangeRequest as ModelRangeRequest

    assert api.RangeRequest is api.RangeParams is ModelRangeRequest
    assert api.ChargeQuestion is api.ChargeParams is ModelChargeQuestion
