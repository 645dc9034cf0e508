"""Ownership charts: the total-cost-of-ownership bar chart (headless matplotlib, PNG).

Drawn by ``evtwin cost --plot`` and by ``GET /api/v1/cost/{vehicle}/plot.png``: one
implementation for both interfaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evtwin.errors import OwnershipError
from evtwin.ownership.tco import CostReport
from evtwin.plotting import save_figure

__all__ = ["plot_tco", "tco_figure"]


def plot_tco(report: CostReport, path: Path) -> None:
    """The TCO bar chart of a vehicle and its rivals (``evtwin cost --plot``, the HTTP PNG)."""
    save_figure(tco_figure(report), path, OwnershipError)


def tco_figure(report: CostReport) -> Any:
    """The TCO bar chart (a matplotlib figure). A car whose price is unknown gets no bar (a
    bar of its running costs alone would look cheapest): its row says "price unknown"."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vs = report.vehicles
    labels = [
        v.spec.id
        + (" (EST)" if v.spec.is_estimate else "")
        + (" (price unknown)" if v.price.price_gbp is None else "")
        for v in vs
    ]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(vs) + 2))
    for i, v in enumerate(vs):
        if v.price.price_gbp is None:
            running = sum(v.energy_gbp) + v.ved_range_gbp[0] + sum(v.other_gbp.values())
            ax.text(
                0,
                i,
                f"  price unknown: no TCO (running costs alone £{running:,.0f})",
                va="center",
                fontsize=8,
                color="tab:red",
            )
            continue
        left = 0.0
        glo, ghi = v.grant.grant_range_gbp
        parts: list[tuple[str, float, str, str]] = [
            ("price − max grant", v.price.price_gbp - ghi, "tab:blue", ""),
            ("grant uncertainty", ghi - glo, "tab:blue", "//"),
        ]
        vlo, vhi = v.ved_range_gbp
        parts.append(("VED", vlo, "tab:orange", ""))
        parts.append(("VED uncertainty", vhi - vlo, "tab:orange", "//"))
        parts.append(("energy", sum(v.energy_gbp), "tab:green", ""))
        for k, val in v.other_gbp.items():
            parts.append((k, val, "tab:gray", ""))
        for name, width, color, hatch in parts:
            if width <= 0:
                continue
            ax.barh(
                i,
                width,
                left=left,
                color=color,
                hatch=hatch,
                alpha=0.5 if hatch else 0.9,
                edgecolor="white",
                label=name if i == 0 or name not in ax.get_legend_handles_labels()[1] else None,
            )
            left += width
        if v.price.basis == "secondary":
            ax.text(left, i, f"  price: {v.price.date} figure, secondary", va="center", fontsize=7)
    ax.set_yticks(range(len(vs)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"£ over {report.request.years} years (nominal)")
    ax.set_title(
        f"Total cost of ownership from {report.request.registered.isoformat()}, "
        f"{report.request.usage.miles_per_year:,.0f} mi/yr (eVED proposal excluded)",
        fontsize=10,
    )
    handles, names = ax.get_legend_handles_labels()
    uniq = dict(zip(names, handles, strict=True))
    if uniq:
        ax.legend(
            uniq.values(),
            uniq.keys(),
            fontsize=8,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=4,
        )
    ax.grid(axis="x", alpha=0.3)
    return fig
