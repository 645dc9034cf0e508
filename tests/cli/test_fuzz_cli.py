"""Property: whatever options and numbers a user types, ``evtwin ... --json`` answers a valid
JSON object (exit 0) or a JSON error naming the problem (exit 2); never a traceback, never a
non-finite number. Seeded (derandomized), at least 50 examples per command."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evtwin.cli.main import main

EXAMPLES = 50

numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).map(
        lambda x: f"{x:g}"
    ),
    st.integers(-1000, 1000).map(str),
    st.sampled_from(
        ["nan", "inf", "-inf", "1e308", "-1e308", "0", "-0", "", "x", "12abc", "1e-320"]
    ),
)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_:.", max_size=12)


def _options(spec: dict[str, st.SearchStrategy[str] | None]) -> st.SearchStrategy[list[str]]:
    """A random subset of ``--option value`` pairs (None: a flag without a value)."""

    def flatten(chosen: dict[str, str | None]) -> list[str]:
        out: list[str] = []
        for name, value in chosen.items():
            out.append(name)
            if value is not None:
                out.append(value)
        return out

    return st.fixed_dictionaries(
        {},
        optional={k: (st.none() if v is None else v) for k, v in spec.items()},  # type: ignore[misc]
    ).map(flatten)


VEHICLES = st.sampled_from(["defender-sport", "kia-ev3-long-range", "no-such-car", ""])
COMMANDS: dict[str, st.SearchStrategy[list[str]]] = {
    "range": st.tuples(
        VEHICLES,
        _options(
            {
                "--speed-kph": numbers,
                "--temp-c": numbers,
                "--payload-kg": numbers,
                "--trailer-kg": numbers,
                "--hvac-w": numbers,
                "--headwind-kph": numbers,
                "--altitude-m": numbers,
                "--cabin-temp-c": numbers,
                "--seat-heat": None,
                "--road": st.sampled_from(["real", "test", "dirt"]),
                "--cycle": st.sampled_from(["wltc", "us06", "udds", "nope"]),
            }
        ),
    ).map(lambda t: ["range", t[0], *t[1]]),
    "cost": st.tuples(
        VEHICLES,
        _options(
            {
                "--years": numbers,
                "--miles-per-year": numbers,
                "--home-share": numbers,
                "--price-gbp": numbers,
                "--residual-percent": numbers,
                "--insurance-gbp": numbers,
                "--registered": st.one_of(st.dates().map(str), words),
                "--home-tariff": words,
            }
        ),
    ).map(lambda t: ["cost", t[0], *t[1]]),
    "charge": st.tuples(
        VEHICLES,
        _options(
            {
                "--from": numbers,
                "--to": numbers,
                "--limit": numbers,
                "--charger-kw": numbers,
                "--ac-kw": numbers,
                "--battery-temp-c": numbers,
                "--price-p-per-kwh": numbers,
                "--depart": st.one_of(st.sampled_from(["07:30", "23:59", "24:00", "7pm"]), words),
                "--plug-in": st.sampled_from(["18:00", "00:00", "25:61"]),
                "--precondition": None,
            }
        ),
    ).map(lambda t: ["charge", t[0], *t[1]]),
}


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([*argv, "--json"])
        except SystemExit as e:  # argparse's --help/--version only
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def _no_constants(c: str) -> Any:
    raise AssertionError(f"non-JSON constant {c} in the output")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_any_options_give_json_or_a_json_error(command: str) -> None:
    seen = {0: 0, 2: 0}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(argv=COMMANDS[command])
    def check(argv: list[str]) -> None:
        code, out, err = _run(argv)
        assert code in (0, 2), f"{argv}: exit {code}\n{err}"
        assert "Traceback" not in err
        body = json.loads(out, parse_constant=_no_constants)
        if code == 2:
            assert set(body) == {"error"} and body["error"]["message"], argv
        else:
            assert "error" not in body
        seen[code] += 1

    check()
    assert seen[0] + seen[2] >= EXAMPLES
    assert seen[0] > 0 and seen[2] > 0, f"{command}: only one kind of answer in {seen}"
