"""The ``evtwin`` command: one parser, one subcommand module per feature.

Each subcommand module exposes ``register(subparsers)`` which adds its parser and sets
``func`` (a callable taking the parsed namespace and returning an exit code). Errors from
the :class:`~evtwin.errors.EvtwinError` tree and usage errors print as ``evtwin: error: ...``
on stderr and exit with code 2, never as a traceback; with ``--json`` they print
``{"error": {"message", "field"}}`` on stdout instead (still exit 2). A reader that closes
the pipe early (``evtwin range ... --json | head``) ends the command quietly.

Start-up stays fast because only the chosen command's module is imported: a command listed
as ``(name, module, help)`` is registered as a stub for ``evtwin --help`` and built in full
only when it is the command being run (``tests/cli/test_lazy_commands.py`` checks each
stub's help against its module's). A plain module name ``evtwin.cli.NAME_cmd`` is lazy too:
its command is taken to be ``NAME`` and its help the first line of the module's docstring
(read without importing it); a command word that matches no stub builds every command, so a
module that registers another name still works.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from evtwin import __version__
from evtwin.errors import EvtwinError

__all__ = ["CommandEntry", "UsageError", "build_parser", "main"]

CommandEntry = tuple[str, str, str] | str
"""``(command, module, one-line help)`` (imported only when run) or a module name (eager)."""

# Subcommands, in the order ``--help`` lists them. A feature adds one line here.
_COMMAND_MODULES: tuple[CommandEntry, ...] = (
    ("vehicles", "evtwin.cli.vehicles_cmd", "list the vehicle catalogue"),
    ("range", "evtwin.cli.range_cmd", "range and consumption (WLTP or your conditions)"),
    (
        "charge",
        "evtwin.cli.charge_cmd",
        "charge session time, energy and cost (DC/AC), or a smart overnight plan",
    ),
    (
        "climate",
        "evtwin.cli.climate_cmd",
        "cabin preconditioning before departure; keep-climate (dog/camp) drain",
    ),
    (
        "validate",
        "evtwin.cli.validate_cmd",
        "model vs official WLTP, EPA dyno, real-road, charging and climate data",
    ),
    ("cost", "evtwin.cli.cost_cmd", "price, UK grant, VED, running cost and TCO against rivals"),
    (
        "up",
        "evtwin.cli.up_cmd",
        "start the twin: the running car behind a KUKSA-compatible signal API",
    ),
    (
        "drive",
        "evtwin.cli.drive_cmd",
        "run a scenario headless (drive, park, charge, precondition) and write a trace",
    ),
    (
        "signals",
        "evtwin.cli.signals_cmd",
        "list VSS signals, or read their live values from a running twin",
    ),
    ("serve", "evtwin.cli.serve_cmd", "serve the HTTP API (JSON at /api/v1, docs at /api/docs)"),
    ("ota", "evtwin.cli.ota_cmd", "secure over-the-air updates (Uptane on TUF)"),
    (
        "fleet",
        "evtwin.cli.fleet_cmd",
        "fleets: simulate many cars, telemetry ingest and fleet questions",
    ),
    ("route", "evtwin.cli.route_cmd", "route with charging stops and arrival charge (sat nav)"),
    ("maps", "evtwin.cli.maps_cmd", "prepare OSM extracts for routing (OSRM)"),
)

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command cut off by `head`


class UsageError(Exception):
    """A command line argparse cannot parse (raised instead of printing and exiting)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message

    @property
    def field(self) -> str | None:
        """The option named by argparse's message (``argument --limit: ...``), if any."""
        head, sep, _ = self.message.partition(": ")
        if sep and head.startswith("argument "):
            return head.removeprefix("argument ").split("/")[0]
        return None


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise :class:`UsageError` (main decides how to print)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand word of ``argv`` (the first argument that is not an option)."""
    for a in argv:
        if a == "--":
            return None
        if not a.startswith("-"):
            return a
    return None


def _docstring_summary(module: str) -> str:
    """First line of a module's docstring, read from its source (the module is not run)."""
    import ast  # only plain-module entries need it (~10 ms of start-up otherwise)

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return ""
    try:
        doc = ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, ValueError):
        return ""
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    head, sep, rest = line.partition(": ")  # "``evtwin route``: plan a trip" -> "plan a trip"
    return rest.rstrip(".") if sep and head.startswith("``evtwin") else line


def _entries() -> list[tuple[str, str, str]]:
    """Every command as (name, module, help); plain module names by convention."""
    out = []
    for entry in _COMMAND_MODULES:
        if isinstance(entry, str):
            name = entry.rsplit(".", 1)[-1].removesuffix("_cmd").replace("_", "-")
            out.append((name, entry, _docstring_summary(entry)))
        else:
            out.append(entry)
    return out


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``argv`` one where only the command ``argv`` runs is built
    in full (the others are stubs that list their help)."""
    parser = _Parser(
        prog="evtwin",
        description=(
            "evtwin: a physics-based software twin of the 2027 Defender Sport (an estimated "
            "profile) and its rivals (sourced data)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"evtwin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    entries = _entries()
    wanted = _command_of(argv) if argv is not None else None
    build_all = argv is None or (wanted is not None and wanted not in {e[0] for e in entries})
    for name, module, help_ in entries:
        if build_all or name == wanted:
            importlib.import_module(module).register(sub)
        else:
            sub.add_parser(name, help=help_)
    return parser


def _wants_json(argv: Sequence[str]) -> bool:
    for a in argv:
        if a == "--":
            return False
        if a == "--json":
            return True
    return False


def _fail(message: str, field: str | None, as_json: bool) -> int:
    if as_json:
        json.dump({"error": {"message": message, "field": field}}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        print(f"evtwin: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _option_named(
    parser: argparse.ArgumentParser, args: argparse.Namespace, message: str
) -> str | None:
    """The command's option a domain message starts with (``payload_kg = 1e+308 kg is ...``
    -> ``--payload-kg``), when the domain did not name the field itself."""
    match = re.match(r"([a-z][a-z0-9_]*) = ", message)
    if match is None:
        return None
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    command = sub.choices.get(getattr(args, "command", None) or "") if sub is not None else None
    if command is None:
        return None
    for action in command._actions:
        if action.dest == match.group(1) and action.option_strings:
            return str(action.option_strings[-1])
    return None


def _check_common(args: argparse.Namespace) -> None:
    """Checks every command shares, done before any work: a chart file's extension."""
    plot = getattr(args, "plot", None)
    if plot:
        from evtwin.plotting import check_plot_path

        check_plot_path(plot, EvtwinError, field="--plot")


def _quiet_broken_pipe() -> int:
    # The reader went away: point stdout at /dev/null so the interpreter's final flush
    # cannot fail again, and end without a traceback.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    try:
        return _main(argv, as_json)
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _main(argv: list[str], as_json: bool) -> int:
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        if not as_json:  # argparse's own behaviour: usage, the message, SystemExit(2)
            e.parser.print_usage(sys.stderr)
            print(f"{e.parser.prog}: error: {e.message}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None
        return _fail(e.message, e.field, as_json=True)
    func: Any = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        _check_common(args)
        code = func(args)
        sys.stdout.flush()
    except EvtwinError as e:
        return _fail(str(e), e.field or _option_named(parser, args, str(e)), as_json)
    except KeyboardInterrupt:
        print("evtwin: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
