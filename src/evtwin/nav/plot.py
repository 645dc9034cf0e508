"""The trip plot: the route on a map with its stops, and the SOC trace with its P10-P90 band."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evtwin.errors import NavigationError
from evtwin.plotting import save_figure

__all__ = ["plot_trip"]


def plot_trip(plan: dict[str, Any], path: Path) -> None:
    """Write ``plan`` (the :func:`evtwin.nav.plan_trip` object) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_map, ax_soc) = plt.subplots(1, 2, figsize=(12, 5.5))
    geo = plan["geometry"]
    ax_map.plot(geo["lon"], geo["lat"], color="tab:blue", lw=1.5, label="route")
    for key, mark in (("from", "o"), ("to", "s")):
        p = plan[key]
        ax_map.plot(p["lon"], p["lat"], mark, color="black")
        ax_map.annotate(
            p["name"], (p["lon"], p["lat"]), fontsize=8, xytext=(4, 4), textcoords="offset points"
        )
    for i, st in enumerate(plan["stops"], start=1):
        ax_map.plot(st["lon"], st["lat"], "^", color="tab:green", ms=9)
        ax_map.annotate(
            f"{i}: {st['charge_min']:.0f} min",
            (st["lon"], st["lat"]),
            fontsize=8,
            xytext=(5, -10),
            textcoords="offset points",
        )
    ax_map.set_xlabel("longitude")
    ax_map.set_ylabel("latitude")
    ax_map.set_aspect(1.6)
    ax_map.set_title("route and charging stops")
    ax_map.text(
        0.01,
        0.01,
        "\n".join(plan["attribution"][:2]),
        transform=ax_map.transAxes,
        fontsize=6,
        va="bottom",
    )
    x, soc, lo, hi = [0.0], [plan["legs"][0]["depart_soc_pct"]], [], []
    xs_band, lo_band, hi_band = [0.0], [soc[0]], [soc[0]]
    for leg in plan["legs"]:
        x.append(x[-1] + leg["distance_km"])
        soc.append(leg["arrive_soc_pct"])
        xs_band.append(x[-1])
        lo_band.append(leg["arrive_soc_p10_pct"])
        hi_band.append(leg["arrive_soc_p90_pct"])
        x.append(x[-1])
        soc.append(leg["depart_soc_pct"])
        lo.append(leg["arrive_soc_p10_pct"])
        hi.append(leg["arrive_soc_p90_pct"])
    x, soc = x[:-1], soc[:-1]
    # the depart SOC after each stop is the next leg's
    for k, leg in enumerate(plan["legs"][1:], start=1):
        soc[2 * k] = leg["depart_soc_pct"]
    ax_soc.plot(x, soc, color="tab:blue", label="SOC (nominal)")
    ax_soc.fill_between(
        xs_band, lo_band, hi_band, color="tab:blue", alpha=0.2, label="arrival P10-P90"
    )
    ax_soc.axhline(
        plan["min_arrival_soc_pct"], color="tab:red", ls="--", lw=1, label="minimum arrival"
    )
    ax_soc.set_xlabel("distance, km")
    ax_soc.set_ylabel("state of charge, %")
    ax_soc.set_ylim(0, 100)
    ax_soc.legend(fontsize=8)
    ax_soc.set_title(f"{plan['vehicle']}: arrival P50 {plan['arrival_soc_pct']['p50']:.0f} %")
    save_figure(fig, path, NavigationError)
