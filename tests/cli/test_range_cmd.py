from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evtwin.cli.main import main

REQUIRED_JSON_KEYS = {
    "range_km",
    "range_miles",
    "consumption_wh_per_km",
    "consumption_ac_wh_per_km",
    "inputs",
    "assumptions",
    "procedure",
    "profile",
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_defender_sport_wltp_range_is_in_the_seed_band_and_lists_assumptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run_json(capsys, "range", "defender-sport", "--json")
    assert out.keys() >= REQUIRED_JSON_KEYS
    assert out["procedure"] == "wltp" and out["cycle"] == "wltc"
    assert out["profile"] == "estimate"
    assert 250 <= out["range_miles"] <= 300
    assert out["consumption_ac_wh_per_km"] > out["consumption_wh_per_km"]
    assert "assumption" in out["assumptions"]["awd_disconnect"]
    assert "assumption" in out["spec_sources"]["usable_battery_kwh"]
    assert out["inputs"]["ambient_temp_c"] == 23.0


def test_conditions_switch_to_the_custom_procedure_and_change_the_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    wltp = run_json(capsys, "range", "bmw-ix1-edrive20", "--json")
    cold = run_json(
        capsys, "range", "bmw-ix1-edrive20", "--json", "--temp-c", "-5", "--hvac-w", "3000"
    )
    towing = run_json(capsys, "range", "bmw-ix1-edrive20", "--json", "--trailer-kg", "1200")
    motorway = run_json(capsys, "range", "bmw-ix1-edrive20", "--json", "--speed-kph", "120")
    assert cold["procedure"] == "custom" and cold["inputs"]["hvac_w"] == 3000
    assert cold["range_km"] < wltp["range_km"]
    assert towing["range_km"] < wltp["range_km"]
    assert motorway["cycle"] == "constant 120 km/h"
    assert motorway["consumption_wh_per_km"] > wltp["consumption_wh_per_km"]


def test_a_minimal_spec_file_answers(
    capsys: pytest.CaptureFixture[str], minimal_spec_file: Path
) -> None:
    out = run_json(capsys, "range", "--spec", str(minimal_spec_file), "--json", "--cycle", "udds")
    assert out["vehicle"] == "minimal-car" and out["cycle"] == "udds"
    assert out["range_km"] > 100


def test_all_prints_a_table_of_every_vehicle(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["range", "--all"]) == 0
    text = capsys.readouterr().out
    assert "defender-sport" in text and "ESTIMATE" in text and "bmw-ix1-xdrive30" in text


def test_plot_writes_a_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "range.png"
    assert main(["range", "defender-sport", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["range", "defender-sprot"], "unknown vehicle 'defender-sprot'. Did you mean: defender"),
        (["range"], "give a catalogue VEHICLE id or --spec FILE"),
        (["range", "defender-sport", "--payload-kg", "-50"], "payload_kg = -50 kg is outside"),
        (["range", "defender-sport", "--speed-kph", "400"], "within 1..250 km/h"),
        (["range", "--spec", "/nonexistent/car.toml"], "spec file not found"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("evtwin: error: ")
    assert message in err


def test_unknown_cycle_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["range", "defender-sport", "--cycle", "nedc"])
    assert exc.value.code == 2
    assert "invalid choice: 'nedc'" in capsys.readouterr().err


def test_the_installed_command_fails_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "name = 'x'\ndrivetrain = 'awd'\nkerb_mass_kg = -1\nusable_battery_kwh = 60\n"
        "width_mm = 1850\nheight_mm = 1600\nmotor_power_kw = 150\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "evtwin", "range", "--spec", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "kerb_mass_kg = -1 kg is outside" in proc.stderr


def test_vehicles_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "vehicles", "--json")
    ids = {v["id"]: v for v in out}  # type: ignore[union-attr]
    assert ids["defender-sport"]["profile"] == "estimate"
    assert ids["bmw-ix1-edrive20"]["official_wltp_range_km"] == 475


def test_cabin_set_point_lets_the_climate_model_cost_range_in_the_cold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["range", "defender-sport", "--json", "--temp-c", "-5"]
    off = run_json(capsys, *base, "--no-hvac")
    heated = run_json(capsys, *base, "--cabin-temp-c", "21")
    resistive = run_json(capsys, *base, "--cabin-temp-c", "21", "--no-heat-pump")
    assert off["inputs"]["hvac_w"] == 0
    assert heated["inputs"]["hvac_w"] > 500
    assert heated["range_km"] < off["range_km"]
    assert resistive["range_km"] < heated["range_km"]  # the Defender's heat pump helps
    assert "climate model" in heated["assumptions"]["hvac_w"]
    assert "--no-hvac" in off["assumptions"]["hvac_w"]


@pytest.mark.parametrize("temp_c", ["-5", "30"])
def test_outside_mild_weather_the_cabin_is_held_at_21_c_by_default_and_it_says_so(
    capsys: pytest.CaptureFixture[str], temp_c: str
) -> None:
    base = ["range", "bmw-ix1-edrive20", "--json", "--temp-c", temp_c]
    default = run_json(capsys, *base)
    stated = run_json(capsys, *base, "--cabin-temp-c", "21")
    assert default["range_km"] == stated["range_km"]
    assert default["inputs"]["hvac_w"] > 0
    assert default["assumptions"]["hvac_w"].startswith("default: ambient")
    assert "21 °C" in default["assumptions"]["hvac_w"]


def test_in_mild_weather_the_climate_stays_off_and_it_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run_json(capsys, "range", "bmw-ix1-edrive20", "--json", "--temp-c", "20")
    assert out["inputs"]["hvac_w"] == 0
    assert "climate off" in out["assumptions"]["hvac_w"]


def test_no_hvac_conflicts_with_a_stated_climate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["range", "bmw-ix1-edrive20", "--no-hvac", "--cabin-temp-c", "21"]) == 2
    assert "no_hvac" in capsys.readouterr().err


def test_http_no_hvac_matches_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from fastapi.testclient import TestClient

    from evtwin.api import create_app

    cli = run_json(capsys, "range", "bmw-ix1-edrive20", "--json", "--temp-c", "-5", "--no-hvac")
    with TestClient(create_app()) as client:
        http = client.get(
            "/api/v1/range/bmw-ix1-edrive20", params={"temp_c": -5, "no_hvac": True}
        ).json()
        heated = client.get("/api/v1/range/bmw-ix1-edrive20", params={"temp_c": -5}).json()
    assert http == cli
    assert heated["range_km"] < http["range_km"]


def test_a_constant_hvac_load_and_a_cabin_set_point_conflict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["range", "defender-sport", "--cabin-temp-c", "21", "--hvac-w", "500"]
    assert main(argv) == 2
    assert "not both" in capsys.readouterr().err
