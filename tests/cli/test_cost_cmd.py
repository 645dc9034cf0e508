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
