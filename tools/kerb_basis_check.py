"""Does reading unknown-basis kerb masses as "without driver" measure better? (issue 13)

The scales (``evtwin validate``'s mass report, ``scales_fit``) say a kerb mass whose source
does not state its basis is one driver (75 kg) light. This refits every global constant in
the project's order (EPA -> WLTP -> real road from the spec -> real road calibrated -> cold,
until a pass changes nothing) with ``[mass] unknown_basis_added_kg`` at each value given
(default 0 and 75) and prints every held-out report, so the two can be compared on the same
machine and data. Measured 2026-12-08: docs/energy-model.md ("Mass").

    .venv/bin/python tools/kerb_basis_check.py [KG ...]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial

from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.validation import (
    acceleration_report,
    cold_report,
    epa_report,
    realworld_report,
    wltp_report,
)
from evtwin.validation.loo import LooReport
from evtwin.validation.mass import mass_report


def refit(c: ModelConstants) -> tuple[ModelConstants, dict[str, LooReport]]:
    """Every fitted constant refitted in order until a pass changes nothing (at most 4)."""
    reports: dict[str, LooReport] = {}
    for _ in range(4):
        before = c
        steps: tuple[tuple[str, Callable[[ModelConstants], LooReport]], ...] = (
            ("epa", epa_report),
            ("wltp", wltp_report),
            ("real_road", realworld_report),
            ("real_road_calibrated", partial(realworld_report, calibrated=True)),
            ("cold", cold_report),
        )
        for name, report in steps:
            rep = report(c)
            reports[name] = rep
            c = c.replace(**rep.calibrated)
        if c == before:
            break
    reports["mass"] = mass_report(c)
    reports["acceleration"] = acceleration_report(c)
    return c, reports


def main() -> None:
    values = [float(a) for a in sys.argv[1:]] or [0.0, 75.0]
    for kg in values:
        c, reports = refit(default_constants().replace(kerb_unknown_basis_added_kg=kg))
        print(f"unknown_basis_added_kg = {kg:g}: rolling_resistance {c.rolling_resistance:g}")
        for name, rep in reports.items():
            print(
                f"  {name:22s} LOO MAE {rep.mae_pct:5.2f} %  max {rep.max_abs_pct:5.2f} %  "
                f"bias {rep.bias_pct:+5.2f} %  fit {rep.calibrated}"
            )


if __name__ == "__main__":
    main()
