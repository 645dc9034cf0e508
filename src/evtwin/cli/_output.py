"""Shared output helpers: JSON on stdout, rich tables for people."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from evtwin.errors import EvtwinError

__all__ = ["console", "print_json", "save_figure"]

# Pipes and CI logs get a wide table rather than rich's 80-column default.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def save_figure(fig: Any, path: Path, error: type[EvtwinError]) -> None:
    """Write a matplotlib figure as PNG and close it; a write failure becomes ``error``."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as e:
        raise error(f"cannot write plot {path}: {e.strerror}") from e
    finally:
        plt.close(fig)
