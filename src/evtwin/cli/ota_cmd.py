"""``evtwin ota …``: over-the-air updates.

``evtwin ota demo [--json]`` runs the whole Uptane story in memory: release images, the car
verifies them against both repositories and installs them, then a broken image rolls back.

JSON output of ``demo`` (stable)::

    {"vin": str,
     "steps": [{"action": str, "outcomes": {ecu_serial: "committed"|"rolled_back"|…},
                "errors": {ecu_serial: str}}],
     "ecus": {ecu_serial: {"image": str, "release_counter": int} | null}}
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from evtwin.ota._demo import run_demo

__all__ = ["register"]


def register(subparsers: Any) -> None:
    ota = subparsers.add_parser("ota", help="secure over-the-air updates (Uptane on TUF)")
    sub = ota.add_subparsers(dest="ota_command", metavar="OTA_COMMAND", required=True)
    demo = sub.add_parser("demo", help="release, install, commit; a broken image rolls back")
    demo.add_argument("--json", action="store_true", help="print the documented JSON object")
    demo.set_defaults(func=_demo)


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
