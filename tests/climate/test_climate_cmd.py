"""``evtwin climate precondition|keep``: documented JSON, schedules and clear refusals."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from evtwin.cli.main import main

PRE = ["climate", "precondition", "defender-sport", "--ambient-c", "-5", "--depart", "07:30"]
KEEP = ["climate", "keep", "defender-sport", "--ambient-c", "30", "--hours", "2"]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_precondition_plugged_in_comes_from_the_grid_not_the_battery(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plugged = _json(capsys, PRE)
    battery = _json(capsys, [*PRE, "--unplugged"])
    for key in ("start", "depart", "minutes", "energy_grid_kwh", "energy_battery_kwh"):
        assert key in plugged
    assert plugged["depart"] == "07:30" and plugged["start"] < "07:30"
    assert plugged["energy_battery_kwh"] == 0.0
    # the onboard charger's loss makes the grid energy larger than the HV-bus energy
    assert plugged["energy_grid_kwh"] > plugged["energy_hv_kwh"] > 0.3
    assert battery["energy_grid_kwh"] == 0.0
    assert battery["energy_battery_kwh"] == pytest.approx(plugged["energy_hv_kwh"])
    assert abs(plugged["cabin_temp_at_departure_c"] - 21.0) <= 0.5


def test_heat_pump_preconditions_for_less_grid_energy(capsys: pytest.CaptureFixture[str]) -> None:
    hp = _json(capsys, [*PRE, "--heat-pump"])
    ptc = _json(capsys, [*PRE, "--no-heat-pump"])
    assert hp["energy_grid_kwh"] < ptc["energy_grid_kwh"]


def test_keep_climate_reports_drain_per_hour(capsys: pytest.CaptureFixture[str]) -> None:
    dog = _json(capsys, KEEP)
    camp = _json(capsys, [*KEEP, "--mode", "camp"])
    assert dog["kwh_per_hour"] == pytest.approx(dog["energy_kwh"] / 2.0)
    assert dog["percent_per_hour"] == pytest.approx(dog["kwh_per_hour"] / 75.0 * 100, abs=0.01)
    assert len(dog["hourly_kwh"]) == 2
    assert dog["soc_end_percent"] < dog["soc_start_percent"] == 80.0
    assert camp["kwh_per_hour"] > dog["kwh_per_hour"]
    assert abs(dog["cabin_temp_max_c"] - 22.0) < 0.5


def test_tables_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(PRE) == 0
    assert "07:30" in capsys.readouterr().out
    assert main(KEEP) == 0
    assert "kWh/h" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        ([*PRE, "--now", "07:20"], "impossible schedule: .* needs 20 min, only 10 min"),
        ([*KEEP[:-1], "60", "--ambient-c", "-20"], "it would stop after"),
        ([*KEEP, "--soc", "15"], "already at or below the 20 %"),
        ([*PRE[:-1], "7:75"], "departure = '7:75' is not a 24-hour HH:MM"),
        ([*PRE, "--cabin-temp-c", "40"], "cabin set point = 40 °C is outside 14..30 °C"),
        ([*KEEP, "--soc", "120"], "SOC = 120 % is outside 0..100 %"),
        ([*KEEP[:3], "--ambient-c", "80", "--hours", "1"], "ambient temperature = 80 °C"),
    ],
)
def test_impossible_requests_get_clear_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], match: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(match, err), err


def test_plots_are_written_and_a_bad_path_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    pre, keep = tmp_path / "pre.png", tmp_path / "keep.png"
    assert main([*PRE, "--plot", str(pre)]) == 0
    assert main([*KEEP, "--plot", str(keep)]) == 0
    assert pre.stat().st_size > 10_000 and keep.stat().st_size > 10_000
    assert main([*KEEP, "--plot", str(tmp_path / "missing" / "x.png")]) == 2
    assert "cannot write plot" in capsys.readouterr().err
