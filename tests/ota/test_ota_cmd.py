"""``evtwin ota demo``: the story end to end through the CLI."""

from __future__ import annotations

import json

import pytest

from evtwin.cli.main import main


def test_ota_demo_json_shows_commit_then_automatic_rollback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ota", "demo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)

    assert [s["outcomes"] for s in out["steps"]] == [
        {"bms-0001": "committed", "ivi-0001": "committed"},
        {"bms-0001": "rolled_back"},
    ]
    assert out["ecus"]["bms-0001"] == {"image": "bms-2.1.0.img", "release_counter": 21}
    assert out["ecus"]["inv-0001"] is None


def test_ota_demo_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ota", "demo"]) == 0
    out = capsys.readouterr().out

    assert "bms-0001   rolled_back" in out
    assert "bms-2.1.0.img" in out
