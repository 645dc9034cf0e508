"""A cost question as a validated request: defaults, bounds, and parsing of string input.

:class:`CostRequest` is what :func:`evtwin.ownership.compare_costs` answers;
:func:`request_from_mapping` builds one from strings or numbers (CLI flags, an HTTP query) and
raises :class:`~evtwin.errors.OwnershipError` with the offending value and its unit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evtwin.errors import OwnershipError
from evtwin.ownership.running import Usage

__all__ = [
    "DEFAULT_MILES_BASIS",
    "DEFAULT_MILES_PER_YEAR",
    "DEFAULT_REGISTERED",
    "LATEST_REGISTERED",
    "MAX_COST_GBP_PER_YEAR",
    "MAX_PRICE_GBP",
    "MAX_YEARS",
    "CostRequest",
    "request_from_mapping",
]

DEFAULT_REGISTERED = dt.date(2027, 3, 1)
DEFAULT_MILES_PER_YEAR = 9000.0
DEFAULT_MILES_BASIS = "assumption: 9,000 mi/yr (a typical UK car year); set --miles-per-year"
MAX_YEARS = 15
LATEST_REGISTERED = dt.date(2050, 12, 31)
"""The latest first registration evtwin answers for: its tax and tariff rules are today's,
and a projection decades ahead would be invented, not held flat."""
MAX_PRICE_GBP = 3_000_000.0
"""Upper bound of a car price, £: above the dearest production EV on sale in the UK
(about £2 m); a bound against typos such as 1e308, not a market claim."""
MAX_COST_GBP_PER_YEAR = 100_000.0
"""Upper bound of a yearly insurance or servicing cost, £ (a bound against typos)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CostRequest:
    """What to compare. ``price_gbp`` overrides the first vehicle's price only.

    ``residual_percent`` (of the list price) turns the purchase into depreciation;
    ``insurance_gbp_per_year`` / ``servicing_gbp_per_year`` are added when given. None of
    them has a sourced default (ownership_facts §7: unknown), so they are left out unless given.
    """

    vehicle: str
    rivals: tuple[str, ...] = ()
    registered: dt.date = DEFAULT_REGISTERED
    years: int = 4
    usage: Usage = field(default_factory=lambda: Usage(miles_per_year=DEFAULT_MILES_PER_YEAR))
    price_gbp: float | None = None
    residual_percent: float | None = None
    insurance_gbp_per_year: float | None = None
    servicing_gbp_per_year: float | None = None
    miles_per_year_defaulted: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.years, bool) or not isinstance(self.years, int):
            raise OwnershipError(f"years must be a whole number, got {self.years!r}")
        if not 1 <= self.years <= MAX_YEARS:
            raise OwnershipError(
                f"ownership period must be 1..{MAX_YEARS} years, got {self.years} years"
            )
        if self.registered > LATEST_REGISTERED:
            raise OwnershipError(
                f"registration date must be on or before {LATEST_REGISTERED.isoformat()} "
                f"(evtwin holds today's tax rules, not a projection), got "
                f"{self.registered.isoformat()}"
            )
        if self.price_gbp is not None and not (
            math.isfinite(self.price_gbp) and 1.0 <= self.price_gbp <= MAX_PRICE_GBP
        ):
            raise OwnershipError(
                f"price must be £1..£{MAX_PRICE_GBP:,.0f} (above the dearest production EV), "
                f"got £{self.price_gbp:,.6g}"
            )
        checks = (
            ("residual percent", self.residual_percent, 100.0, "%"),
            ("insurance", self.insurance_gbp_per_year, MAX_COST_GBP_PER_YEAR, "£/yr"),
            ("servicing", self.servicing_gbp_per_year, MAX_COST_GBP_PER_YEAR, "£/yr"),
        )
        for name, v, hi, unit in checks:
            if v is not None and not (math.isfinite(v) and 0.0 <= v <= hi):
                raise OwnershipError(f"{name} must be 0..{hi:,.6g} {unit}, got {v:,.6g} {unit}")


def _parse_date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as e:
        raise OwnershipError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from e


def _parse_float(value: Any, name: str, unit: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as e:
        raise OwnershipError(f"{name} must be a number ({unit}), got {value!r}") from e
    if not math.isfinite(x):
        raise OwnershipError(f"{name} must be finite ({unit}), got {value!r}")
    return x


def _parse_int(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value))
    except ValueError as e:
        raise OwnershipError(f"{name} must be a whole number, got {value!r}") from e


def request_from_mapping(params: Mapping[str, Any]) -> CostRequest:
    """A validated :class:`CostRequest` from strings or numbers (CLI, HTTP query).

    Keys: ``vehicle`` (required), ``rivals`` (list or comma-separated), ``registered``,
    ``years``, ``miles_per_year``, ``home_share``, ``motorway_share``, ``home_tariff``,
    ``public_tariff``, ``hvac`` (bool), ``price_gbp``, ``residual_percent``,
    ``insurance_gbp_per_year``, ``servicing_gbp_per_year``. Missing/None = default (a
    defaulted mileage is named as an assumption in the report's notes).
    """
    known = {
        "vehicle",
        "rivals",
        "registered",
        "years",
        "miles_per_year",
        "home_share",
        "motorway_share",
        "home_tariff",
        "public_tariff",
        "hvac",
        "price_gbp",
        "residual_percent",
        "insurance_gbp_per_year",
        "servicing_gbp_per_year",
    }
    unknown = sorted(set(params) - known)
    if unknown:
        raise OwnershipError(f"unknown cost parameter(s): {', '.join(unknown)}")
    p = {k: v for k, v in params.items() if v is not None}
    vehicle = p.get("vehicle")
    if not isinstance(vehicle, str) or not vehicle.strip():
        raise OwnershipError("a vehicle id is required (see 'evtwin vehicles')")
    rivals_raw = p.get("rivals", ())
    rivals: Sequence[str] = (
        [r for r in rivals_raw.split(",") if r] if isinstance(rivals_raw, str) else rivals_raw
    )
    usage_kw: dict[str, Any] = {
        "miles_per_year": _parse_float(
            p.get("miles_per_year", DEFAULT_MILES_PER_YEAR), "miles per year", "mi"
        )
    }
    for key in ("home_share", "motorway_share"):
        if key in p:
            usage_kw[key] = _parse_float(p[key], key.replace("_", " "), "fraction 0..1")
    for key in ("home_tariff", "public_tariff"):
        if key in p:
            usage_kw[key] = str(p[key])
    if "hvac" in p:
        usage_kw["hvac"] = p["hvac"] in (True, "1", "true", "yes", "on")
    kw: dict[str, Any] = {
        "vehicle": vehicle.strip(),
        "rivals": tuple(str(r).strip() for r in rivals),
        "usage": Usage(**usage_kw),
        "miles_per_year_defaulted": "miles_per_year" not in p,
    }
    if "registered" in p:
        kw["registered"] = _parse_date(p["registered"], "registration date")
    if "years" in p:
        kw["years"] = _parse_int(p["years"], "years")
    for key, unit in (
        ("price_gbp", "£"),
        ("residual_percent", "%"),
        ("insurance_gbp_per_year", "£/yr"),
        ("servicing_gbp_per_year", "£/yr"),
    ):
        if key in p:
            kw[key] = _parse_float(p[key], key.replace("_", " "), unit)
    return CostRequest(**kw)
