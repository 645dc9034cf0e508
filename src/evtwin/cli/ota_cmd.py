"""``evtwin ota …``: over-the-air updates.

``evtwin ota demo [--json]`` runs the whole Uptane story in memory: release images, the car
verifies them against both repositories and installs them, then a broken image rolls back.

``evtwin ota server [--host H] [--port P] [--db FILE | --postgres DSN] [--state DIR]``
runs the OTA server (FastAPI on uvicorn; SQLite, or PostgreSQL in schema ``evtwin_ota``).
The factory and release-engineer secrets come from ``--provisioning-token``/``--admin-token``
or the environment variables ``EVTWIN_OTA_PROVISIONING_TOKEN``/``EVTWIN_OTA_ADMIN_TOKEN``;
missing ones are generated and printed once at start-up.

JSON output of ``demo`` (stable)::

    {"vin": str,
     "steps": [{"action": str, "outcomes": {ecu_serial: "committed"|"rolled_back"|…},
                "errors": {ecu_serial: str}}],
     "ecus": {ecu_serial: {"image": str, "release_counter": int} | null}}
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evtwin.ota import OtaBackend, SystemClock
from evtwin.ota._demo import run_demo

if TYPE_CHECKING:
    from evtwin.cloud import OtaServer

__all__ = ["build_server", "register"]


def register(subparsers: Any) -> None:
    ota = subparsers.add_parser("ota", help="secure over-the-air updates (Uptane on TUF)")
    sub = ota.add_subparsers(dest="ota_command", metavar="OTA_COMMAND", required=True)
    demo = sub.add_parser("demo", help="release, install, commit; a broken image rolls back")
    demo.add_argument("--json", action="store_true", help="print the documented JSON object")
    demo.set_defaults(func=_demo)
    server = sub.add_parser("server", help="run the OTA server (HTTP, SQLite)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8080)
    server.add_argument("--db", type=Path, default=Path("ota.sqlite"), help="SQLite file")
    server.add_argument(
        "--postgres", metavar="DSN", help="use PostgreSQL instead of SQLite (libpq DSN)"
    )
    server.add_argument(
        "--state",
        type=Path,
        default=None,
        help="directory for keys, metadata and images (kept across restarts; default: memory)",
    )
    server.add_argument("--provisioning-token", default=os.environ.get(_PROV_ENV))
    server.add_argument("--admin-token", default=os.environ.get(_ADMIN_ENV))
    server.set_defaults(func=_server)


_PROV_ENV = "EVTWIN_OTA_PROVISIONING_TOKEN"
_ADMIN_ENV = "EVTWIN_OTA_ADMIN_TOKEN"


def build_server(args: argparse.Namespace) -> tuple[OtaServer, dict[str, str]]:
    """The server the ``server`` command runs, and any secrets it had to generate."""
    from evtwin.cloud import OtaDatabase, OtaServer  # FastAPI loads only for this command

    generated: dict[str, str] = {}
    for attr in ("provisioning_token", "admin_token"):
        if not getattr(args, attr):
            generated[attr] = secrets.token_urlsafe(24)
            setattr(args, attr, generated[attr])
    clock = SystemClock()
    backend = OtaBackend.open(args.state, clock) if args.state else OtaBackend.create(clock)
    server = OtaServer(
        backend,
        OtaDatabase.postgres(args.postgres) if args.postgres else OtaDatabase.sqlite(args.db),
        provisioning_token=args.provisioning_token,
        admin_token=args.admin_token,
    )
    return server, generated


def _server(args: argparse.Namespace) -> int:
    import uvicorn

    from evtwin.cloud import create_app

    server, generated = build_server(args)
    for name, value in generated.items():
        print(f"generated {name.replace('_', ' ')}: {value}", flush=True)
    uvicorn.run(create_app(server), host=args.host, port=args.port, log_level="info")
    return 0


def _demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="evtwin-ota-demo-") as tmp:
        steps, final = run_demo(Path(tmp))
    if args.json:
        print(json.dumps({**final, "steps": [s.to_dict() for s in steps]}, indent=2))
        return 0
    print(f"Vehicle {final['vin']}")
    for i, step in enumerate(steps, 1):
        print(f"{i}. {step.action}")
        for serial, outcome in step.outcomes.items():
            print(f"     {serial:<10} {outcome}")
        for serial, error in step.errors.items():
            print(f"     {serial:<10} error: {error}")
    print(f"{'ECU':<10} {'image':<16} release_counter")
    for serial, running in final["ecus"].items():
        if running is None:
            print(f"{serial:<10} {'(factory)':<16} -")
        else:
            print(f"{serial:<10} {running['image']:<16} {running['release_counter']}")
    return 0
