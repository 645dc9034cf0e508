from __future__ import annotations

import json
from pathlib import Path

import pytest

from evtwin.cli.main import main


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_charge_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, ["charge", "skoda-enyaq-85", "--from", "10", "--to", "80", "--json"])
    for key in ("minutes", "energy_grid_kwh", "energy_battery_kwh", "peak_kw", "cost_gbp"):
        assert key in d
    assert d["kind"] == "dc"


def test_charge_options_reach_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    warm = _json(capsys, ["charge", "defender-sport", "--json"])
    cold = _json(capsys, ["charge", "defender-sport", "--battery-temp-c", "-10", "--json"])
    pre = _json(
        capsys, ["charge", "defender-sport", "--battery-temp-c", "-10", "--precondition", "--json"]
    )
    boost = _json(
        capsys,
        ["charge", "defender-sport", "--charger-kw", "50", "--charger-voltage-v", "400", "--json"],
    )
    ac = _json(capsys, ["charge", "defender-sport", "--ac-kw", "7.4", "--json"])
    assert float(cold["minutes"]) > float(warm["minutes"])  # type: ignore[arg-type]
    assert float(pre["precondition_kwh"]) > 0.0  # type: ignore[arg-type]
    assert float(boost["peak_kw"]) <= 50.0  # type: ignore[arg-type]
    assert ac["kind"] == "ac" and float(ac["minutes"]) > 300  # type: ignore[arg-type]


def test_charge_table_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "c.png"
    assert main(["charge", "vw-id4-pro-128kw", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "energy into the battery" in out and "limited by" in out
    assert png.stat().st_size > 10_000


def test_smart_plan_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(
        capsys,
        ["charge", "defender-sport", "--from", "30", "--to", "80", "--depart", "07:30", "--json"],
    )
    plan = d["plan"]
    assert isinstance(plan, dict) and plan["slots"] and plan["why"]
    assert (
        main(["charge", "defender-sport", "--from", "30", "--to", "80", "--depart", "07:30"]) == 0
    )
    assert "Cheapest schedule" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["charge", "defender-sport", "--from", "-5"], "--from = -5 % is outside 0..100 %"),
        (["charge", "defender-sport", "--from", "80", "--to", "20"], "must be below to SOC"),
        (["charge", "no-such-car"], "unknown vehicle 'no-such-car'"),
        (
            ["charge", "defender-sport", "--from", "5", "--to", "100", "--depart", "19:00"],
            "impossible schedule",
        ),
        (["charge", "defender-sport", "--charger-kw", "0"], "0 kW is outside"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
