"""Issue 14 on the command line: crashes, options that cannot take effect, --json errors,
closed pipes and text that reached users by mistake."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evtwin.cli.main import main

Capsys = pytest.CaptureFixture[str]


def _evtwin(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evtwin", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _json_error(capsys: Capsys, *argv: str) -> dict[str, object]:
    assert main([*argv, "--json"]) == 2
    out = capsys.readouterr().out
    body = json.loads(out)
    assert set(body) == {"error"} and set(body["error"]) == {"message", "field"}
    err: dict[str, object] = body["error"]
    return err


def test_range_plot_with_seat_heat_writes_the_chart(tmp_path: Path, capsys: Capsys) -> None:
    out = tmp_path / "seat.png"
    assert main(["range", "defender-sport", "--seat-heat", "--plot", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_registration_in_9999_is_an_error_naming_the_bound(capsys: Capsys) -> None:
    assert main(["cost", "defender-sport", "--registered", "9999-12-31"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evtwin: error: registration date") and "2050-12-31" in err


def test_a_huge_price_is_refused_and_json_stays_valid(capsys: Capsys) -> None:
    err = _json_error(capsys, "cost", "defender-sport", "--price-gbp", "1e308")
    assert "£3,000,000" in str(err["message"])
    assert main(["cost", "defender-sport", "--price-gbp", "2999999", "--json"]) == 0
    out = capsys.readouterr().out
    json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in --json output"))


@pytest.mark.parametrize(
    "argv",
    [
        ["range", "defender-sport"],
        ["cost", "defender-sport"],
        ["charge", "defender-sport"],
        ["drive", "winter-commute"],
        ["climate", "keep", "defender-sport", "--ambient-c", "30", "--hours", "2"],
    ],
)
def test_plot_to_an_unsupported_extension_names_the_supported_ones(
    argv: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "x.txt"
    proc = _evtwin(*argv, "--plot", str(target))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "'.txt' is not a chart format" in proc.stderr and ".png, .svg, .pdf" in proc.stderr
    assert not target.exists()


def test_plot_error_with_json_is_a_json_object_naming_the_option(capsys: Capsys) -> None:
    err = _json_error(capsys, "range", "defender-sport", "--plot", "x.txt")
    assert err["field"] == "--plot"


def test_usage_errors_with_json_are_json_too(capsys: Capsys) -> None:
    err = _json_error(capsys, "charge", "defender-sport", "--limit", "abc")
    assert err["field"] == "--limit" and "abc" in str(err["message"])


@pytest.mark.parametrize(
    ("argv", "field", "words"),
    [
        (["--depart", "07:30", "--charger-kw", "350"], "--depart", "DC charger"),
        (["--depart", "07:30", "--charger", "dc350"], "--depart", "DC charger"),
        (["--to", "90", "--limit", "80"], "--to", "above the charge limit"),
        (["--limit", "-1"], "--limit", "outside 0..100"),
        (["--limit", "0"], "--limit", "outside 1..100"),
        (["--tariff", "octopus-go"], "--tariff", "applies to a --depart plan only"),
        (["--plug-in", "19:00"], "--plug-in", "applies to a --depart plan only"),
        (["--depart", "07:00", "--price-p-per-kwh", "10"], "--price-p-per-kwh", "cannot take"),
        (["--depart", "not-a-time"], None, "not a 24-hour HH:MM"),
        (["--price-p-per-kwh", "1e300"], "--price-p-per-kwh", "0..300 p/kWh"),
    ],
)
def test_charge_options_that_cannot_take_effect_are_errors(
    capsys: Capsys, argv: list[str], field: str | None, words: str
) -> None:
    err = _json_error(capsys, "charge", "defender-sport", *argv)
    assert words in str(err["message"])
    if field is not None:
        assert err["field"] == field


def test_limit_without_depart_ends_an_immediate_session(capsys: Capsys) -> None:
    assert main(["charge", "defender-sport", "--to", "70", "--limit", "70", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["to_percent"] == pytest.approx(70, abs=0.5)


def test_a_closed_pipe_ends_quietly() -> None:
    script = (
        f"{sys.executable} -m evtwin range defender-sport --json | head -c 10 >/dev/null; "
        f"{sys.executable} -m evtwin vehicles | head -n 1 >/dev/null"
    )
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.stderr == ""


def test_vehicles_table_keeps_ids_whole_and_footer_readable() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "evtwin", "vehicles"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert proc.returncode == 0
    assert "(see its [sources])" in " ".join(proc.stdout.split())
    from evtwin.vehicles import list_vehicles

    for spec in list_vehicles():
        assert spec.id in proc.stdout, f"{spec.id} cut in the table"


def test_climate_keep_help_has_no_literal_double_percent(capsys: Capsys) -> None:
    with pytest.raises(SystemExit):
        main(["climate", "keep", "--help"])
    out = capsys.readouterr().out
    assert "%%" not in out and "% of the battery" in " ".join(out.split())


INTERNAL = re.compile(r"issue \d|project seed", re.IGNORECASE)


@pytest.mark.parametrize(
    "argv",
    [
        ["vehicles"],
        ["range", "defender-sport", "--json"],
        ["cost", "defender-sport", "--rivals", "--json"],
        ["cost", "defender-sport", "--rivals"],
        ["charge", "defender-sport", "--json"],
        *[[c, "--help"] for c in ("range", "charge", "cost", "vehicles", "validate", "up")],
    ],
)
def test_no_internal_words_reach_users(argv: list[str], capsys: Capsys) -> None:
    with contextlib.suppress(SystemExit):
        main(argv)
    out = capsys.readouterr()
    assert not INTERNAL.search(out.out + out.err), INTERNAL.search(out.out + out.err)


def test_no_internal_words_in_bundled_data() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "evtwin" / "data"
    hits = [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.suffix in {".toml", ".json", ".csv", ".html", ".vspec"}
        and INTERNAL.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not hits


def test_up_beyond_loopback_without_a_jwt_key_is_refused(capsys: Capsys) -> None:
    code = main(["up", "--host", "0.0.0.0", "--port", "0", "--no-http", "--duration-s", "1"])
    assert code == 2
    assert "beyond loopback" in capsys.readouterr().err


def test_up_with_a_missing_jwt_key_file_names_it(capsys: Capsys, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    argv = ["up", "--port", "0", "--no-http", "--duration-s", "1"]
    assert main([*argv, "--jwt-public-key", str(missing)]) == 2
    assert "cannot read --jwt-public-key" in capsys.readouterr().err


def test_a_json_error_names_the_option_when_the_message_names_it(capsys: Capsys) -> None:
    err = _json_error(capsys, "range", "defender-sport", "--payload-kg", "1e308")
    assert err["field"] == "--payload-kg" and "0..2000 kg" in str(err["message"])
