"""The batched, time-stepped engine: conditions, traces, range questions and results.

Curated public names (loaded lazily, so importing :mod:`evtwin.sim.conditions` does not pull
in numba)::

    from evtwin.sim import Conditions, Case, run_batch, simulate, estimate_ranges, cycle

The modules stay importable for the names they do not re-export (the kernel's column
layout in :mod:`evtwin.sim.kernel`, the CUDA driver in :mod:`evtwin.sim.gpu`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "Conditions": "evtwin.sim.conditions",
    "BatchResult": "evtwin.sim.engine",
    "Case": "evtwin.sim.engine",
    "CaseResult": "evtwin.sim.engine",
    "History": "evtwin.sim.engine",
    "pack_params": "evtwin.sim.engine",
    "run_batch": "evtwin.sim.engine",
    "simulate": "evtwin.sim.engine",
    "RangeEstimate": "evtwin.sim.range",
    "RangeQuery": "evtwin.sim.range",
    "estimate_ranges": "evtwin.sim.range",
    "wltp_conditions": "evtwin.sim.range",
    "wltp_range": "evtwin.sim.range",
    "DEFAULT_TRAILER_CDA_M2": "evtwin.sim.request",
    "RangeRequest": "evtwin.sim.request",
    "CYCLES": "evtwin.sim.traces",
    "Trace": "evtwin.sim.traces",
    "constant_speed": "evtwin.sim.traces",
    "cycle": "evtwin.sim.traces",
    "load_profile": "evtwin.sim.traces",
    "PLOT_SPEEDS_KPH": "evtwin.sim.plots",
    "PLOT_TEMPS_C": "evtwin.sim.plots",
    "plot_range_vs_speed": "evtwin.sim.plots",
}

__all__ = [
    "CYCLES",
    "DEFAULT_TRAILER_CDA_M2",
    "PLOT_SPEEDS_KPH",
    "PLOT_TEMPS_C",
    "BatchResult",
    "Case",
    "CaseResult",
    "Conditions",
    "History",
    "RangeEstimate",
    "RangeQuery",
    "RangeRequest",
    "Trace",
    "constant_speed",
    "cycle",
    "estimate_ranges",
    "load_profile",
    "pack_params",
    "plot_range_vs_speed",
    "run_batch",
    "simulate",
    "wltp_conditions",
    "wltp_range",
]

if TYPE_CHECKING:
    from evtwin.sim.conditions import Conditions
    from evtwin.sim.engine import (
        BatchResult,
        Case,
        CaseResult,
        History,
        pack_params,
        run_batch,
        simulate,
    )
    from evtwin.sim.plots import PLOT_SPEEDS_KPH, PLOT_TEMPS_C, plot_range_vs_speed
    from evtwin.sim.range import (
        RangeEstimate,
        RangeQuery,
        estimate_ranges,
        wltp_conditions,
        wltp_range,
    )
    from evtwin.sim.request import DEFAULT_TRAILER_CDA_M2, RangeRequest
    from evtwin.sim.traces import CYCLES, Trace, constant_speed, cycle, load_profile


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evtwin.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
