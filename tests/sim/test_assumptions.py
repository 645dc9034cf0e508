"""Every input a spec leaves out and the model fills in is named in the answer's
``assumptions``, with the value used and its basis (CLI ``--json`` and HTTP alike)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evtwin.api import create_app
from evtwin.cli.main import main

MINIMAL = """
name = "Minimal hatch"
drivetrain = "fwd"
kerb_mass_kg = 1600
usable_battery_kwh = 58
width_mm = 1800
height_mm = 1550
motor_power_kw = 150
"""

DEFAULTED = (
    "drag_coefficient",
    "frontal_area_m2",
    "battery_voltage_v",
    "dc_peak_power_kw",
    "heat_pump",
    "max_laden_mass_kg",
)


def _range_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["range", *argv, "--json"]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_a_minimal_spec_names_every_default_with_its_value_and_basis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "minimal.toml"
    f.write_text(MINIMAL, encoding="utf-8")
    for argv in ((), ("--temp-c", "10")):
        assumptions = _range_json(capsys, "--spec", str(f), *argv)["assumptions"]
        assert isinstance(assumptions, dict)
        for key in DEFAULTED:
            assert key in assumptions, key
            assert assumptions[key].startswith("default"), assumptions[key]
        assert "0.27" in assumptions["drag_coefficient"]
        assert "90 kW" in assumptions["dc_peak_power_kw"]  # 0.6 x 150 kW
        assert "400 V" in assumptions["battery_voltage_v"]


def test_stated_inputs_are_not_listed_as_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "full.toml"
    f.write_text(
        MINIMAL + "drag_coefficient = 0.25\nheat_pump = true\ndc_peak_power_kw = 120\n"
        "battery_voltage_v = 800\nfrontal_area_m2 = 2.3\nmax_laden_mass_kg = 2100\n",
        encoding="utf-8",
    )
    assumptions = _range_json(capsys, "--spec", str(f))["assumptions"]
    assert isinstance(assumptions, dict)
    for key in DEFAULTED:
        assert not str(assumptions.get(key, "spec")).startswith("default"), key


def test_http_answer_lists_the_same_defaults_as_the_cli(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli = _range_json(capsys, "bmw-ix1-xdrive30", "--temp-c", "-5")["assumptions"]
    with TestClient(create_app()) as client:
        r = client.get("/api/v1/range/bmw-ix1-xdrive30", params={"temp_c": -5})
    assert r.status_code == 200
    http = r.json()["assumptions"]
    assert http == cli
    # the iX1 spec states no pack voltage, frontal area or AWD split
    for key in ("battery_voltage_v", "frontal_area_m2", "awd_front_power_share"):
        assert http[key].startswith("default"), key
