"""Company-car Benefit-in-Kind for zero-emission cars by UK tax year (6 Apr - 5 Apr).

The taxable benefit is ``list price x appropriate percentage`` (ITEPA 2003 s.114 ff.; rates
in ``evtwin/data/rules/uk_bik.toml`` with sources). Tax due is the benefit times the
driver's marginal rate; evtwin shows it at 20 % and 40 %. Tax years without a published
rate are reported as unknown, never extrapolated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from evtwin.ownership._data import as_float, as_str, load_toml
from evtwin.ownership.ved import anniversary

__all__ = ["BikRules", "BikYear", "bik_schedule", "load_bik_rules", "tax_year_of"]


@dataclass(frozen=True, kw_only=True, slots=True)
class BikRules:
    percent_by_tax_year: dict[str, tuple[float, str]]


@dataclass(frozen=True, kw_only=True, slots=True)
class BikYear:
    tax_year: str
    percent: float | None
    benefit_gbp: float | None
    source: str

    def to_json(self) -> dict[str, Any]:
        tax = (
            None
            if self.benefit_gbp is None
            else {
                "at_20_percent": round(self.benefit_gbp * 0.2, 2),
                "at_40_percent": round(self.benefit_gbp * 0.4, 2),
            }
        )
        return {
            "tax_year": self.tax_year,
            "percent": self.percent,
            "benefit_gbp": None if self.benefit_gbp is None else round(self.benefit_gbp, 2),
            "tax_gbp": tax,
            "source": self.source,
        }


def tax_year_of(on: dt.date) -> str:
    """The UK tax year containing ``on``, as ``"2027-28"`` (years start on 6 April)."""
    start = on.year if (on.month, on.day) >= (4, 6) else on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def bik_schedule(
    rules: BikRules, *, registered: dt.date, years: int, list_price_gbp: float | None
) -> tuple[BikYear, ...]:
    """BiK percentage and benefit for each tax year the ownership period touches."""
    end = anniversary(registered, years) - dt.timedelta(days=1)
    first = int(tax_year_of(registered)[:4])
    last = int(tax_year_of(end)[:4])
    out: list[BikYear] = []
    for y in range(first, last + 1):
        ty = f"{y}-{(y + 1) % 100:02d}"
        rate = rules.percent_by_tax_year.get(ty)
        if rate is None:
            out.append(BikYear(tax_year=ty, percent=None, benefit_gbp=None, source="unknown"))
            continue
        pct, src = rate
        benefit = None if list_price_gbp is None else list_price_gbp * pct / 100.0
        out.append(BikYear(tax_year=ty, percent=pct, benefit_gbp=benefit, source=src))
    return tuple(out)


@cache
def load_bik_rules() -> BikRules:
    """The bundled BiK rates (``evtwin/data/rules/uk_bik.toml``)."""
    where = "rules/uk_bik.toml"
    d = load_toml(where)
    return BikRules(
        percent_by_tax_year={
            as_str(r, "tax_year", where): (
                as_float(r, "percent", where),
                as_str(r, "source", where),
            )
            for r in d["rate"]
        }
    )
