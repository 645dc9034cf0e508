"""The ``evtwin`` command: one parser, one subcommand module per feature.

Each subcommand module exposes ``register(subparsers)`` which adds its parser and sets
``func`` (a callable taking the parsed namespace and returning an exit code). Errors from
the :class:`~evtwin.errors.EvtwinError` tree print as ``evtwin: error: ...`` on stderr and
exit with code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from evtwin import __version__
from evtwin.errors import EvtwinError

__all__ = ["build_parser", "main"]

# Subcommand modules, in the order ``--help`` lists them. A feature adds one line here.
_COMMAND_MODULES: tuple[str, ...] = (
    "evtwin.cli.vehicles_cmd",
    "evtwin.cli.range_cmd",
    "evtwin.cli.charge_cmd",
    "evtwin.cli.climate_cmd",
    "evtwin.cli.validate_cmd",
    "evtwin.cli.cost_cmd",
    "evtwin.cli.up_cmd",
    "evtwin.cli.drive_cmd",
    "evtwin.cli.signals_cmd",
    "evtwin.cli.serve_cmd",
    "evtwin.cli.ota_cmd",
    "evtwin.cli.route_cmd",
    "evtwin.cli.maps_cmd",
)

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evtwin",
        description=(
            "evtwin: a physics-based software twin of the 2027 Defender Sport (an estimated "
            "profile) and its rivals (sourced data)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"evtwin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code = func(args)
    except EvtwinError as e:
        print(f"evtwin: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("evtwin: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
