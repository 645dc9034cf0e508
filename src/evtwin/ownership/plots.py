"""Ownership charts: the total-cost-of-ownership bar chart (headless matplotlib, PNG).

Drawn by ``evtwin cost --plot`` and by ``GET /api/v1/cost/{vehicle}/plot.png``: one
implementation for both interfaces.
"""

from __future__ import annotations

from pathlib import Path

from evtwin.errors import OwnershipError
from evtwin.ownership.tco import CostReport
from evtwin.plotting import save_figure

__all__ = ["plot_tco"]


def plot_tco(report: CostReport, path: Path) -> None:
    """The TCO bar chart of a vehicle and its rivals (``evtwin cost --plot``, the HTTP PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vs = report.vehicles
    labels = [v.spec.id + (" (EST)" if v.spec.is_estimate else "") for v in vs]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(vs) + 2))
    for i, v in enumerate(vs):
        left = 0.0
        glo, ghi = v.grant.grant_range_gbp
        parts: list[tuple[str, float, str, str]] = []
        if v.price.price_gbp is not None:
            parts.append(("price − max grant", v.price.price_gbp - ghi, "tab:blue", ""))
            parts.append(("grant uncertainty", ghi - glo, "tab:blue", "//"))
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
        if v.price.price_gbp is None:
            ax.text(left, i, "  price unknown: running costs only", va="center", fontsize=8)
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
    ax.legend(uniq.values(), uniq.keys(), fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    save_figure(fig, path, OwnershipError)
