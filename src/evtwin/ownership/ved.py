"""Vehicle Excise Duty for zero-emission cars, and the proposed pay-per-mile eVED.

Rules are dated data (``evtwin/data/rules/uk_ved.toml``, ``uk_eved.toml``; sources there).
For a zero-emission car first registered on or after 1 Apr 2025, with 12-month licences
renewed on the registration anniversary (an assumption), licence year ``k`` costs:

- ``k == 1``: the first-year rate (£10);
- ``k >= 2``: the standard rate (£195; £200 from 1 Apr 2026), plus the Expensive Car
  Supplement in years 2-6 when the list price (before discounts; the grant does not lower
  it) is over the threshold in force *when that licence takes effect*: £40,000, and £50,000
  for licences taking effect on/after 1 Apr 2026.

The pay-per-mile eVED (3p/mile from 1 Apr 2028) is a PROPOSAL: it is computed separately and
always labelled as such, never folded into the enacted VED.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from evtwin.errors import OwnershipError
from evtwin.ownership._data import Dated, as_date, as_float, as_str, dated_list, load_toml, pick

__all__ = [
    "EvedRules",
    "EvedYear",
    "LicenceVed",
    "VedRules",
    "anniversary",
    "eved_schedule",
    "licence_ved",
    "load_eved_rules",
    "load_ved_rules",
    "ved_schedule",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class VedRules:
    first_year: tuple[Dated, ...]
    standard: tuple[Dated, ...]
    ecs_amount: tuple[Dated, ...]
    ecs_threshold: tuple[Dated, ...]
    ecs_first_year: int
    ecs_last_year: int
    ecs_basis: str
    first_registered_from: dt.date
    cover_why: str


@dataclass(frozen=True, kw_only=True, slots=True)
class EvedRules:
    status: str
    status_text: str
    rate_p_per_mile: tuple[Dated, ...]
    uprating: str
    mechanics: str


def anniversary(start: dt.date, years: int) -> dt.date:
    """``start`` moved by whole ``years`` (29 Feb becomes 28 Feb in common years)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True, kw_only=True, slots=True)
class LicenceVed:
    """VED for one 12-month licence. ``ecs_gbp`` None = unknown (price unknown)."""

    year: int
    licence_from: dt.date
    first_year_gbp: float
    standard_gbp: float
    ecs_gbp: float | None
    ecs_possible_gbp: float
    notes: tuple[str, ...]

    @property
    def total_gbp(self) -> float | None:
        if self.ecs_gbp is None:
            return None
        return self.first_year_gbp + self.standard_gbp + self.ecs_gbp

    @property
    def range_gbp(self) -> tuple[float, float]:
        base = self.first_year_gbp + self.standard_gbp
        if self.ecs_gbp is None:
            return base, base + self.ecs_possible_gbp
        return base + self.ecs_gbp, base + self.ecs_gbp

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.range_gbp
        return {
            "year": self.year,
            "licence_from": self.licence_from.isoformat(),
            "ved_gbp": self.total_gbp,
            "ved_range_gbp": [lo, hi],
            "first_year_rate_gbp": self.first_year_gbp,
            "standard_rate_gbp": self.standard_gbp,
            "expensive_car_supplement_gbp": self.ecs_gbp,
            "notes": list(self.notes),
        }


def _held(d: Dated, held: bool, what: str, on: dt.date) -> str:
    if held:
        return (
            f"{what} £{d.value:g}: no announced rate for {on.isoformat()}, newest known "
            f"held flat (assumption) — {d.label()}"
        )
    return f"{what} £{d.value:g} — {d.label()}"


def licence_ved(
    rules: VedRules,
    *,
    registered: dt.date,
    licence_from: dt.date,
    year: int,
    list_price_gbp: float | None,
) -> LicenceVed:
    """VED of licence year ``year`` (1 = first licence) taking effect on ``licence_from``."""
    if registered < rules.first_registered_from:
        raise OwnershipError(
            f"first registration {registered.isoformat()} is before "
            f"{rules.first_registered_from.isoformat()}: {rules.cover_why}"
        )
    if year < 1:
        raise OwnershipError(f"licence year must be >= 1, got {year}")
    notes: list[str] = []
    if year == 1:
        d, held = pick(rules.first_year, licence_from)
        assert d is not None
        notes.append(_held(d, held, "first-year rate", licence_from))
        return LicenceVed(
            year=year,
            licence_from=licence_from,
            first_year_gbp=d.value,
            standard_gbp=0.0,
            ecs_gbp=0.0,
            ecs_possible_gbp=0.0,
            notes=tuple(notes),
        )
    std, held = pick(rules.standard, licence_from)
    assert std is not None
    notes.append(_held(std, held, "standard rate", licence_from))
    ecs: float | None = 0.0
    possible = 0.0
    if rules.ecs_first_year <= year <= rules.ecs_last_year:
        amount, a_held = pick(rules.ecs_amount, licence_from)
        threshold, _ = pick(rules.ecs_threshold, licence_from)
        assert amount is not None and threshold is not None
        possible = amount.value
        over = f"over £{threshold.value:,.0f} ({threshold.label()})"
        if list_price_gbp is None:
            ecs = None
            notes.append(
                f"Expensive Car Supplement £{amount.value:g} if the list price is {over}: price "
                "unknown, so "
                "this year's VED is a range"
            )
        elif list_price_gbp > threshold.value:
            ecs = amount.value
            notes.append(
                _held(amount, a_held, f"Expensive Car Supplement (list price {over})", licence_from)
            )
        else:
            ecs = 0.0
            notes.append(
                f"no Expensive Car Supplement: list price £{list_price_gbp:,.0f} is not {over}"
            )
    else:
        notes.append(
            f"no Expensive Car Supplement: it applies in licence years "
            f"{rules.ecs_first_year}-{rules.ecs_last_year} only"
        )
    return LicenceVed(
        year=year,
        licence_from=licence_from,
        first_year_gbp=0.0,
        standard_gbp=std.value,
        ecs_gbp=ecs,
        ecs_possible_gbp=possible,
        notes=tuple(notes),
    )


def ved_schedule(
    rules: VedRules, *, registered: dt.date, years: int, list_price_gbp: float | None
) -> tuple[LicenceVed, ...]:
    """VED for each of ``years`` yearly licences from first registration."""
    if years < 1:
        raise OwnershipError(f"ownership period must be at least 1 year, got {years}")
    return tuple(
        licence_ved(
            rules,
            registered=registered,
            licence_from=anniversary(registered, k - 1),
            year=k,
            list_price_gbp=list_price_gbp,
        )
        for k in range(1, years + 1)
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class EvedYear:
    """Proposed eVED for one licence year (``status`` is ``"proposal"``)."""

    year: int
    licence_from: dt.date
    miles: float
    pence_per_mile: float
    eved_gbp: float
    status: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "licence_from": self.licence_from.isoformat(),
            "miles": self.miles,
            "pence_per_mile": self.pence_per_mile,
            "eved_gbp": round(self.eved_gbp, 2),
            "status": self.status,
            "note": self.note,
        }


def eved_schedule(
    rules: EvedRules, *, registered: dt.date, years: int, miles_per_year: float
) -> tuple[EvedYear, ...]:
    """Proposed pay-per-mile eVED per licence year (0 before it would start)."""
    if miles_per_year < 0:
        raise OwnershipError(f"miles per year must be >= 0 mi, got {miles_per_year:g} mi")
    out: list[EvedYear] = []
    for k in range(1, years + 1):
        start = anniversary(registered, k - 1)
        d, held = pick(rules.rate_p_per_mile, start)
        if d is None:
            out.append(
                EvedYear(
                    year=k,
                    licence_from=start,
                    miles=miles_per_year,
                    pence_per_mile=0.0,
                    eved_gbp=0.0,
                    status=rules.status,
                    note=f"licence starts before the proposed eVED start "
                    f"({rules.rate_p_per_mile[0].valid_from.isoformat()})",
                )
            )
            continue
        note = d.label() + ("; " + rules.uprating if held else "")
        out.append(
            EvedYear(
                year=k,
                licence_from=start,
                miles=miles_per_year,
                pence_per_mile=d.value,
                eved_gbp=d.value * miles_per_year / 100.0,
                status=rules.status,
                note=note,
            )
        )
    return tuple(out)


@cache
def load_ved_rules() -> VedRules:
    """The bundled VED rules (``evtwin/data/rules/uk_ved.toml``)."""
    where = "rules/uk_ved.toml"
    d = load_toml(where)
    ecs = d["expensive_car_supplement"]
    cover = d["rules_cover"]
    return VedRules(
        first_year=dated_list(d["first_year_rate"], "amount_gbp", f"{where} first_year_rate"),
        standard=dated_list(d["standard_rate"], "amount_gbp", f"{where} standard_rate"),
        ecs_amount=dated_list(ecs["amount"], "amount_gbp", f"{where} ECS amount"),
        ecs_threshold=dated_list(ecs["threshold"], "over_price_gbp", f"{where} ECS threshold"),
        ecs_first_year=int(as_float(ecs, "first_licence_year", where)),
        ecs_last_year=int(as_float(ecs, "last_licence_year", where)),
        ecs_basis=as_str(ecs, "basis", where),
        first_registered_from=as_date(cover, "first_registered_from", where),
        cover_why=as_str(cover, "why", where),
    )


@cache
def load_eved_rules() -> EvedRules:
    """The bundled eVED proposal (``evtwin/data/rules/uk_eved.toml``); BEV rate only."""
    where = "rules/uk_eved.toml"
    d = load_toml(where)
    bev = [r for r in d["rate"] if r.get("vehicle") == "bev"]
    return EvedRules(
        status=as_str(d, "status", where),
        status_text=as_str(d, "status_text", where),
        rate_p_per_mile=dated_list(bev, "pence_per_mile", f"{where} rate"),
        uprating=as_str(d["uprating"], "evtwin", where),
        mechanics=as_str(d["mechanics"], "evtwin", where),
    )
