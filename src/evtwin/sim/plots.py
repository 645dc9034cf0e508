"""Charts a person would rather look at than read (matplotlib, written as PNG)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from evtwin.errors import ScenarioError
from evtwin.plotting import save_figure
from evtwin.sim.range import RangeQuery, estimate_ranges
from evtwin.sim.request import RangeRequest
from evtwin.sim.traces import constant_speed
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["PLOT_SPEEDS_KPH", "PLOT_TEMPS_C", "plot_range_vs_speed"]

PLOT_SPEEDS_KPH = tuple(range(30, 151, 10))
PLOT_TEMPS_C = (-10.0, 0.0, 10.0, 23.0, 35.0)
DEFAULT_PLOT_CABIN_C = 21.0


def plot_range_vs_speed(spec: VehicleSpec, request: RangeRequest, path: Path) -> None:
    """Range at constant speed for several ambient temperatures, one batched engine run.

    The chart sweeps speed and temperature itself (the request's cycle, speed and
    temperature are not used); its other conditions are. Unless the request states an HVAC
    load or a cabin set point, the climate model keeps the cabin at 21 °C, as a driver would.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    req = request
    if request.hvac_w is None and not request.uses_climate_model:
        req = dataclasses.replace(request, cabin_temp_c=DEFAULT_PLOT_CABIN_C)
    base = req.conditions()
    queries = []
    for t in PLOT_TEMPS_C:
        for v in PLOT_SPEEDS_KPH:
            trace = constant_speed(v)
            cond = base.replace(ambient_temp_c=t)
            if req.uses_climate_model:
                cond = cond.replace(hvac_w=req.climate_hvac_w(spec, cond, trace))
            queries.append(RangeQuery(spec, trace, cond, "custom"))
    res = estimate_ranges(queries)
    fig, ax = plt.subplots(figsize=(8, 5))
    n = len(PLOT_SPEEDS_KPH)
    for i, t in enumerate(PLOT_TEMPS_C):
        ranges = [r.range_km for r in res[i * n : (i + 1) * n]]
        ax.plot(PLOT_SPEEDS_KPH, ranges, marker="o", label=f"{t:g} °C")
    label = f"{spec.name}" + (" — ESTIMATED PROFILE" if spec.is_estimate else "")
    ax.set_title(f"Range at constant speed: {label}", fontsize=10)
    ax.set_xlabel("speed (km/h)")
    ax.set_ylabel("range (km)")
    if req.uses_climate_model:
        cabin = "cabin HVAC off" if req.cabin_temp_c is None else f"cabin {req.cabin_temp_c:g} °C"
        hvac = f"climate model, {cabin}" + (", seat/wheel heat on" if req.seat_heat else "")
    else:
        hvac = f"HVAC {base.hvac_w:g} W" if base.hvac_w else "HVAC off"
    road = "public road" if base.road == "real" else "test road load"
    ax.text(
        0.99,
        0.98,
        f"{hvac}; {road}; battery at ambient; evtwin model",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        color="0.4",
    )
    ax.grid(alpha=0.3)
    ax.legend(title="ambient")
    save_figure(fig, path, ScenarioError)
