"""Start-up stays light: ``evtwin --help`` and ``evtwin vehicles`` import only what they need,
and the one-line help each command stub shows is the command's own."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from evtwin.cli import main as cli_main

HEAVY = (
    "numba",
    "numpy",
    "matplotlib",
    "grpc",
    "fastapi",
    "evtwin.ota",
    "evtwin.runtime",
    "evtwin.signals",
    "evtwin.sim",
)
PROBE = """
import sys, io, contextlib
from evtwin.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(" ".join(sorted(sys.modules)))
"""


def _modules_after(*argv: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.mark.parametrize("argv", [["--help"], ["vehicles"], ["vehicles", "--json"]])
def test_light_commands_do_not_import_the_engine_ota_runtime_or_signals(argv: list[str]) -> None:
    loaded = _modules_after(*argv)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert not heavy, f"evtwin {' '.join(argv)} imported {heavy[:10]}"


def test_a_json_range_answer_loads_neither_rich_nor_plotting() -> None:
    """``evtwin range VEHICLE --json`` needs the engine, not the people's table or plots."""
    loaded = _modules_after("range", "defender-sport", "--json")
    assert "evtwin.sim.kernel" in loaded  # the probe did run the answer
    people = sorted(
        m for m in loaded if m.split(".")[0] in ("rich", "matplotlib") or m == "evtwin.sim.plots"
    )
    assert not people, f"evtwin range --json imported {people[:10]}"


def test_every_stub_shows_its_commands_own_help() -> None:
    for entry in cli_main._COMMAND_MODULES:
        if isinstance(entry, str):
            continue
        name, module, help_ = entry
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        __import__(module, fromlist=["register"]).register(sub)
        action = next(a for a in sub._choices_actions if a.dest == name)
        assert action.help == help_, f"{name}: stub help differs from {module}'s"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main.main(["--help"])
    out = capsys.readouterr().out
    for entry in cli_main._COMMAND_MODULES:
        name = entry[0] if isinstance(entry, tuple) else None
        if name:
            assert f"    {name}" in out


def test_a_plain_module_entry_is_lazy_too(capsys: pytest.CaptureFixture[str]) -> None:
    """A feature that adds its module by name alone (``"evtwin.cli.NAME_cmd"``) gets a stub
    named NAME with its docstring's summary, and is built in full when it runs."""
    old = cli_main._COMMAND_MODULES
    try:
        others = tuple(e for e in old if not (isinstance(e, tuple) and e[0] == "ota"))
        cli_main._COMMAND_MODULES = (*others, "evtwin.cli.ota_cmd")
        parser = cli_main.build_parser(["vehicles"])
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert "ota" in sub.choices and len(sub.choices["ota"]._actions) == 1  # a stub: -h
        stub = next(a for a in sub._choices_actions if a.dest == "ota")
        assert stub.help == "over-the-air updates"
        full = cli_main.build_parser(["ota", "demo"])
        sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
        assert len(sub.choices["ota"]._actions) > 1  # built in full
        with pytest.raises(SystemExit):
            cli_main.main(["--help"])
        assert "over-the-air updates" in capsys.readouterr().out
    finally:
        cli_main._COMMAND_MODULES = old


def test_an_unknown_command_word_still_gets_argparses_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as e:
        cli_main.main(["rnage", "defender-sport"])
    assert e.value.code == 2
    assert "invalid choice: 'rnage'" in capsys.readouterr().err
