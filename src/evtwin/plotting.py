"""Shared matplotlib helpers (headless, PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evtwin.errors import EvtwinError

__all__ = ["save_figure"]


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
