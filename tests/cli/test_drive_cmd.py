"""``evtwin drive SCENARIO``: headless run, trace CSV, plot, JSON, clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evtwin.cli.main import main
from evtwin.scenarios import TRACE_COLUMNS

SHORT = """
name = "short"
seed = 3
[initial]
soc_percent = 50
ambient_temp_c = 5
[[step]]
label = "pull away"
do = "drive"
speed_kph = 40
duration_s = 30
[[step]]
do = "plug_in"
charger_kw = 50
dc = true
[[step]]
label = "charge"
do = "wait"
minutes = 10
"""


@pytest.fixture
def short(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    return path


def test_drive_writes_a_trace_and_a_plot(
    short: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, plot = tmp_path / "trace.csv", tmp_path / "soc.png"
    assert main(["drive", str(short), "--out", str(out), "--plot", str(plot)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert tuple(rows[0]) == TRACE_COLUMNS
    assert max(float(r["speed_kph"]) for r in rows) == pytest.approx(40.0)
    assert float(rows[-1]["soc_percent"]) > 50.0  # charged after the drive
    assert {r["is_charging"] for r in rows} == {"true", "false"}
    assert plot.stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "pull away" in text and "trace written" in text


def test_drive_json_has_the_documented_keys(
    short: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drive", str(short), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert set(obj) == {
        "scenario",
        "name",
        "vehicle",
        "seed",
        "steps",
        "charging_refusals",
        "climate_refusals",
        "faults",
    }
    first = obj["steps"][0]
    assert set(first) == {"index", "label", "action", "start_s", "end_s", "signals", "leg"}
    assert set(first["leg"]) == {
        "distance_km",
        "duration_s",
        "energy_kwh",
        "completed",
        "followed_trace",
        "trace_miss_steps",
        "max_speed_deficit_kph",
        "max_speed_kph",
    }
    assert obj["steps"][2]["signals"]["Vehicle.Powertrain.TractionBattery.Charging.IsCharging"]


def test_an_unknown_scenario_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drive", "moon_landing"]) == 2
    assert "unknown scenario 'moon_landing'" in capsys.readouterr().err


def test_a_malformed_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[step]]\ndo = "park"\nhours = "long"\n')
    assert main(["drive", str(bad)]) == 2
    assert "hours must be a number" in capsys.readouterr().err


def test_an_unwritable_trace_path_exits_2(short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drive", str(short), "--out", "/nonexistent/dir/t.csv"]) == 2
    assert "cannot write trace" in capsys.readouterr().err
