"""``evtwin serve``: the HTTP API (and its first page) with uvicorn, loopback by default."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["register", "run"]

_HOST = "127.0.0.1"
_PORT = 8000


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be in 0..65535 (0 = any free), got {value}")
    return value


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="serve the HTTP API (JSON at /api/v1, docs at /api/docs)",
        description=(
            "Serve evtwin's HTTP API: the --json objects of 'evtwin vehicles', 'range' and "
            "'cost' at /api/v1/..., OpenAPI docs at /api/docs and a first page at /. "
            "Listens on loopback unless --host says otherwise. Runs until Ctrl-C."
        ),
    )
    p.add_argument("--host", default=_HOST, help=f"address to listen on (default {_HOST})")
    p.add_argument(
        "--port", type=_port, default=_PORT, help=f"port (default {_PORT}; 0 = any free port)"
    )
    p.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default="info",
        help="uvicorn log level (default info: one line per request on stderr)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so that other commands do not pay for FastAPI and uvicorn.
    from evtwin.api import is_loopback, serve_forever

    def announce(url: str) -> None:
        print(f"evtwin serve: {url}/  (API {url}/api/v1, docs {url}/api/docs)", flush=True)
        if not is_loopback(args.host):
            print(
                f"evtwin serve: warning: listening on {args.host}, not loopback: "
                "anyone who can reach this machine can use the API",
                file=sys.stderr,
                flush=True,
            )

    serve_forever(args.host, args.port, log_level=args.log_level, announce=announce)
    print("evtwin serve: stopped", file=sys.stderr)
    return 0
