"""``GET /api/v1/route`` over real HTTP returns the CLI's object; bad input is 4xx JSON."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from evtwin.api import start_api_server
from evtwin.cli.main import main


@pytest.fixture(scope="module")
def url() -> Any:
    with start_api_server(port=0) as server:
        yield server.url


def test_route_over_http_is_the_cli_object(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    q = {"from": "Oakham", "to": "Uppingham", "vehicle": "defender-sport", "samples": "20"}
    r = httpx2.get(f"{url}/api/v1/route", params=q, timeout=120)
    assert r.status_code == 200, r.text
    assert (
        main(
            [
                "route",
                "Oakham",
                "Uppingham",
                "--vehicle",
                "defender-sport",
                "--samples",
                "20",
                "--json",
            ]
        )
        == 0
    )
    assert r.json() == json.loads(capsys.readouterr().out)


def test_vias_and_options_pass_through(url: str) -> None:
    q = [
        ("from", "Oakham"),
        ("to", "Uppingham"),
        ("vehicle", "defender-sport"),
        ("via", "Manton"),
        ("samples", "5"),
        ("temp_c", "-5"),
        ("depart", "07:00"),
    ]
    r = httpx2.get(f"{url}/api/v1/route", params=q, timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [v["name"] for v in body["vias"]] == ["Manton"]
    assert body["eta"]["depart"] == "07:00"


@pytest.mark.parametrize(
    ("query", "status", "needle"),
    [
        (
            {"from": "Oakham", "to": "Uppingham", "vehicle": "defender-sport", "colour": "red"},
            422,
            "colour: unknown query parameter",
        ),
        (
            {"from": "Oakham", "to": "Uppingham", "vehicle": "defender-sport", "soc": "lots"},
            422,
            "soc",
        ),
        ({"from": "Oakhm", "to": "Uppingham", "vehicle": "defender-sport"}, 400, "Oakham"),
        ({"from": "Oakham", "to": "Uppingham", "vehicle": "no-such-car"}, 404, "no-such-car"),
        ({"from": "Oakham", "vehicle": "defender-sport"}, 422, "to"),
    ],
)
def test_bad_input_is_a_clear_4xx(
    url: str, query: dict[str, str], status: int, needle: str
) -> None:
    r = httpx2.get(f"{url}/api/v1/route", params=query, timeout=120)
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]["message"]
