"""Shared matplotlib helpers (headless; PNG, SVG or PDF by the file's extension)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from evtwin.errors import EvtwinError

__all__ = ["PLOT_EXTENSIONS", "check_plot_path", "save_figure"]

PLOT_EXTENSIONS: Final = (".png", ".svg", ".pdf")
"""File extensions a chart can be written as (the format follows the extension)."""


def check_plot_path(path: str | Path, error: type[EvtwinError], field: str | None = None) -> Path:
    """``path`` as a :class:`~pathlib.Path` if its extension names a supported chart format.

    Checked before any work is done, so a typo (``--plot out.txt``) costs nothing; raises
    ``error`` naming the supported extensions.
    """
    p = Path(path)
    if p.suffix.lower() not in PLOT_EXTENSIONS:
        got = f"'{p.suffix}'" if p.suffix else "no extension"
        raise error(
            f"cannot write plot {str(path)!r}: {got} is not a chart format; use one of "
            f"{', '.join(PLOT_EXTENSIONS)}",
            field=field,
        )
    if p.exists() and p.is_dir():
        raise error(f"cannot write plot {str(path)!r}: it is a directory", field=field)
    return p


def save_figure(fig: Any, path: Path, error: type[EvtwinError]) -> None:
    """Write a matplotlib figure (format from the extension) and close it; a bad extension
    or a write failure becomes ``error``."""
    import matplotlib.pyplot as plt

    try:
        check_plot_path(path, error)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    except OSError as e:
        raise error(f"cannot write plot {path}: {e.strerror}") from e
    finally:
        plt.close(fig)
