"""``evtwin cost``: the command a buyer runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evtwin.cli.main import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cost", "defender-sport", "--miles-per-year", "-5"], "miles per year"),
        (["cost", "no-such-car"], "unknown vehicle"),
        (["cost", "defender-sport", "--vs", "no-such-rival"], "unknown vehicle"),
        (["cost", "defender-sport", "--years", "0"], "years"),
        (["cost", "defender-sport", "--registered", "2027-02-30"], "YYYY-MM-DD"),
        (["cost", "defender-sport", "--registered", "2024-01-01"], "2025-04-01"),
        (["cost", "defender-sport", "--home-share", "2"], "between 0 and 1"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("evtwin: error:")
    assert message in err
    assert "Traceback" not in err


def test_json_compares_the_defender_sport_with_rivals_and_draws_a_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "tco.png"
    argv = [
        "cost", "defender-sport", "--vs", "bmw-ix1-edrive20", "skoda-elroq-85",
        "--miles-per-year", "9000", "--price-gbp", "37000", "--years", "3",
        "--json", "--plot", str(plot),
    ]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    ids = [v["vehicle"] for v in out["vehicles"]]
    assert ids == ["defender-sport", "bmw-ix1-edrive20", "skoda-elroq-85"]
    d = out["vehicles"][0]
    assert d["price_gbp"] == 37000
    assert d["price"]["basis"] == "user"
    assert len(d["ved_gbp"]) == 3
    assert out["inputs"]["miles_per_year"] == 9000
    assert plot.stat().st_size > 10_000


def test_the_table_marks_the_estimate_and_unknown_prices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cost", "defender-sport", "--vs", "kia-ev3-long-range", "--no-hvac"]) == 0
    out = capsys.readouterr().out
    assert "ESTIMATE" in out
    assert "unknown" in out
    assert "PROPOSAL" in out


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(argv) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


@pytest.mark.parametrize("registered", ["2026-03-31", "2026-04-01"])
def test_a_45k_car_registered_either_side_of_1_apr_2026_pays_no_supplement(
    registered: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _json(
        ["cost", "defender-sport", "--price-gbp", "45000", "--registered", registered, "--json"],
        capsys,
    )
    vehicles = out["vehicles"]
    assert isinstance(vehicles, list)
    assert vehicles[0]["ved_gbp"] == [10, 200, 200, 200]


def test_the_defender_sport_at_37000_meets_the_cap_and_at_37001_needs_a_cheaper_sibling(
    capsys: pytest.CaptureFixture[str],
) -> None:
    at = _json(["cost", "defender-sport", "--price-gbp", "37000", "--json"], capsys)
    over = _json(["cost", "defender-sport", "--price-gbp", "37001", "--json"], capsys)
    g_at = at["vehicles"][0]["grant"]  # type: ignore[index]
    g_over = over["vehicles"][0]["grant"]  # type: ignore[index]
    assert any("<= £37,000 cap" in r for r in g_at["reasons"])
    assert any("eligible only if" in r for r in g_over["reasons"])
    assert g_at["status"] == g_over["status"] == "unknown"  # the band is unknown either way
