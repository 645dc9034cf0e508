"""Scenario outputs: the trace as CSV (one row per host step) and a plot of it."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Final

from evtwin.errors import ScenarioError
from evtwin.plotting import save_figure
from evtwin.scenarios._result import ScenarioResult, TraceRow
from evtwin.vehicles.catalogue import load_vehicle

__all__ = ["TRACE_COLUMNS", "plot_trace", "write_trace_csv"]

TRACE_COLUMNS: Final[tuple[str, ...]] = tuple(f.name for f in dataclasses.fields(TraceRow))
"""CSV header: units in names (time since the scenario's start, s)."""


def write_trace_csv(result: ScenarioResult, path: Path) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(TRACE_COLUMNS)
            for row in result.rows:
                writer.writerow(
                    [
                        f"{v:.6g}"
                        if isinstance(v, float)
                        else str(v).lower()
                        if isinstance(v, bool)
                        else v
                        for v in dataclasses.astuple(row)
                    ]
                )
    except OSError as e:
        raise ScenarioError(f"cannot write trace {path}: {e.strerror or e}") from e


def plot_trace(result: ScenarioResult, path: Path) -> None:
    """Speed, state of charge and temperatures over the scenario's time (hours)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result.rows
    hours = [r.time_s / 3600.0 for r in rows]
    fig, (ax_v, ax_soc, ax_t) = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
    ax_v.plot(hours, [r.speed_kph for r in rows], lw=0.8)
    ax_v.set_ylabel("speed (km/h)")
    ax_soc.plot(hours, [r.soc_percent for r in rows], color="tab:green", label="SOC")
    ax_soc.set_ylabel("SOC (%)")
    charging = [r.soc_percent if r.is_charging else float("nan") for r in rows]
    ax_soc.plot(hours, charging, color="tab:orange", lw=2.5, label="charging")
    ax_soc.legend(loc="best", fontsize=8)
    ax_t.plot(hours, [r.cabin_temp_c for r in rows], label="cabin")
    ax_t.plot(hours, [r.ambient_temp_c for r in rows], label="outside", ls="--")
    ax_t.plot(hours, [r.battery_temp_c for r in rows], label="battery", ls=":")
    ax_t.set_ylabel("temperature (°C)")
    ax_t.set_xlabel("time (h)")
    ax_t.legend(loc="best", fontsize=8)
    for ax in (ax_v, ax_soc, ax_t):
        ax.grid(alpha=0.3)
    s = result.scenario
    estimate = " — ESTIMATED PROFILE" if load_vehicle(s.vehicle).is_estimate else ""
    fig.suptitle(f"{s.name}: {s.vehicle}{estimate} (evtwin twin run)", fontsize=10)
    save_figure(fig, path, ScenarioError)
