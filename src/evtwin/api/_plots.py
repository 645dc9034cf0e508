"""PNG charts over HTTP, drawn by the same domain plot code as the CLI's ``--plot``.

matplotlib's pyplot state is global and not thread-safe, and the API answers requests on a
thread pool, so charts are drawn one at a time.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from evtwin.api._reports import CostParams, RangeRequest, cost_report
from evtwin.ownership.plots import plot_tco
from evtwin.sim.plots import plot_range_vs_speed
from evtwin.vehicles import load_vehicle

__all__ = ["cost_plot_png", "range_plot_png"]

_PLOT_LOCK = threading.Lock()


def _png(draw: Callable[[Path], None]) -> bytes:
    with _PLOT_LOCK, tempfile.TemporaryDirectory(prefix="evtwin-plot-") as tmp:
        path = Path(tmp) / "plot.png"
        draw(path)
        return path.read_bytes()


def range_plot_png(vehicle: str, params: RangeRequest) -> bytes:
    """``evtwin range VEHICLE --plot``: range vs constant speed at several temperatures.

    The chart sweeps speed and temperature itself, so ``cycle``, ``speed_kph`` and
    ``temp_c`` of ``params`` are not used (but checked, as everywhere); the other conditions
    are.
    """
    spec = load_vehicle(vehicle)
    params.conditions()  # bad values fail here, as a 400, before drawing
    params.trace()
    return _png(lambda path: plot_range_vs_speed(spec, params, path))


def cost_plot_png(vehicle: str, params: CostParams) -> bytes:
    """``evtwin cost VEHICLE --plot``: the TCO bar chart of the vehicle and its rivals."""
    report = cost_report(vehicle, params)
    return _png(lambda path: plot_tco(report, path))
