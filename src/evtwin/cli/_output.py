"""Shared output helpers: JSON on stdout, rich tables for people.

``console`` is made on first use (PEP 562 module ``__getattr__``), so a ``--json`` answer
never imports rich (~40 ms of start-up with its table module, BENCHMARKS.md).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    console: Console

__all__ = ["console", "print_json"]


def __getattr__(name: str) -> Any:
    if name == "console":
        from rich.console import Console

        # Pipes and CI logs get a wide table rather than rich's 80-column default.
        made = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
        globals()["console"] = made
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
