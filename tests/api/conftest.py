from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evtwin.api import create_app
from evtwin.cli.main import main


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def cli_json(capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli_json("range", "defender-sport")``: the object ``evtwin ... --json`` prints."""

    def run(*argv: str) -> Any:
        assert main([*argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    return run
