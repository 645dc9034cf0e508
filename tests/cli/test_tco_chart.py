"""The TCO chart never draws a car of unknown price as a (short, cheap-looking) bar."""

from __future__ import annotations

import matplotlib.pyplot as plt

from evtwin.ownership import compare_costs, request_from_mapping
from evtwin.ownership.plots import tco_figure


def test_unknown_price_cars_get_no_bar_and_say_price_unknown() -> None:
    report = compare_costs(
        request_from_mapping(
            {"vehicle": "defender-sport", "rivals": ["kia-ev3-long-range", "bmw-ix1-edrive20"]}
        )
    )
    ids = [v.spec.id for v in report.vehicles]
    unknown = ids.index("kia-ev3-long-range")
    assert report.vehicles[unknown].price.price_gbp is None
    fig = tco_figure(report)
    try:
        ax = fig.axes[0]
        rows_with_bars = {round(p.get_y() + p.get_height() / 2) for p in ax.patches}
        assert unknown not in rows_with_bars
        assert {ids.index("defender-sport"), ids.index("bmw-ix1-edrive20")} <= rows_with_bars
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels[unknown] == "kia-ev3-long-range (price unknown)"
        texts = " ".join(t.get_text() for t in ax.texts)
        assert "price unknown: no TCO" in texts
        assert "2023 figure, secondary" in texts  # the iX1's price is an old blog figure
    finally:
        plt.close(fig)
