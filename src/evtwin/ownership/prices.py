"""UK prices and grant listings of catalogue vehicles (``evtwin/data/prices/uk_prices.toml``).

A vehicle's price comes from, in order: the user's ``--price-gbp`` override, the prices file
(sourced and dated), the spec file's ``uk_price_gbp``. Otherwise it is UNKNOWN: reported as
such, never invented. Estimated prices (unreleased cars) carry ``basis == "estimate"`` and
their scenario prices (e.g. the expected £37k-£42k and the press's £40k-£50k); an old or
second-hand figure carries ``basis == "secondary"`` with its date and source.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from evtwin.errors import DataFileError, OwnershipError
from evtwin.ownership._data import as_float, as_str, load_toml
from evtwin.ownership.grant import LISTINGS, EcgListing, Listing
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["PriceInfo", "PriceScenario", "default_rivals", "price_info"]

PriceBasis = Literal["published", "secondary", "estimate", "unknown", "user"]
"""``secondary``: an old or second-hand figure (a review, a blog) used for want of a current
maker price; its ``date`` and ``source`` are shown with every answer that uses it."""
_WHERE = "prices/uk_prices.toml"


@dataclass(frozen=True, slots=True)
class PriceScenario:
    name: str
    price_gbp: float
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "price_gbp": self.price_gbp, "source": self.source}


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceInfo:
    """A vehicle's UK price (None = unknown), where it comes from and its ECG listing."""

    price_gbp: float | None
    basis: PriceBasis
    source: str
    date: str
    status: str
    scenarios: tuple[PriceScenario, ...]
    listing: EcgListing
    family_entry_price_gbp: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "price_gbp": self.price_gbp,
            "basis": self.basis,
            "status": self.status or None,
            "date": self.date or None,
            "source": self.source,
            "scenarios": [s.to_json() for s in self.scenarios],
        }


@cache
def _prices() -> dict[str, Any]:
    d = load_toml(_WHERE)
    vehicles = d.get("vehicle", {})
    if not isinstance(vehicles, dict):
        raise DataFileError(f"{_WHERE}: [vehicle.*] tables expected")
    return dict(vehicles)


def default_rivals() -> tuple[str, ...]:
    """The rival ids ``evtwin cost --rivals`` compares against."""
    rivals = load_toml(_WHERE).get("default_rivals")
    if not isinstance(rivals, list) or not all(isinstance(r, str) for r in rivals):
        raise DataFileError(f"{_WHERE}: default_rivals must be a list of vehicle ids")
    return tuple(rivals)


def _listing(row: dict[str, Any], where: str) -> EcgListing:
    ecg = row.get("ecg", {})
    listing = ecg.get("listing", "unknown")
    if listing not in LISTINGS:
        raise DataFileError(f"{where}: ecg.listing must be one of {LISTINGS}, got {listing!r}")
    since = ecg.get("since")
    if since is not None and not isinstance(since, dt.date):
        raise DataFileError(f"{where}: ecg.since must be a date, got {since!r}")
    lst: Listing = listing
    return EcgListing(listing=lst, source=ecg.get("source", "no listing data"), since=since)


def price_info(spec: VehicleSpec, *, override_gbp: float | None = None) -> PriceInfo:
    """The price of ``spec`` with its basis and source (see module docstring)."""
    where = f"{_WHERE} [vehicle.{spec.id}]"
    row = _prices().get(spec.id, {})
    listing = _listing(row, where)
    fam = row.get("ecg", {}).get("family_entry_price_gbp")
    family = None if fam is None else as_float(row["ecg"], "family_entry_price_gbp", where)
    scenarios = tuple(
        PriceScenario(
            as_str(s, "name", where), as_float(s, "price_gbp", where), as_str(s, "source", where)
        )
        for s in row.get("scenarios", [])
    )
    if override_gbp is not None:
        if not math.isfinite(override_gbp) or override_gbp <= 0:
            raise OwnershipError(f"price must be a positive amount in £, got {override_gbp:g} £")
        return PriceInfo(
            price_gbp=float(override_gbp),
            basis="user",
            source="user input (--price-gbp)",
            date="",
            status="",
            scenarios=(),
            listing=listing,
            family_entry_price_gbp=family,
        )
    if row:
        basis = as_str(row, "basis", where)
        if basis not in ("published", "secondary", "estimate", "unknown"):
            raise DataFileError(f"{where}: basis must be published|secondary|estimate|unknown")
        if basis == "secondary" and not row.get("date"):
            raise DataFileError(f"{where}: a secondary price needs its date (or 'undated')")
        price = as_float(row, "price_gbp", where) if "price_gbp" in row else None
        if (price is None) != (basis == "unknown"):
            raise DataFileError(f"{where}: price_gbp must be given unless basis = 'unknown'")
        return PriceInfo(
            price_gbp=price,
            basis=basis,  # type: ignore[arg-type]
            source=as_str(row, "source", where),
            date=str(row.get("date", "")),
            status=str(row.get("status", "")),
            scenarios=scenarios,
            listing=listing,
            family_entry_price_gbp=family,
        )
    if spec.uk_price_gbp is not None:
        src = spec.sources.get("uk_price_gbp") or spec.sources.get("all", "spec file")
        return PriceInfo(
            price_gbp=spec.uk_price_gbp,
            basis="estimate" if spec.is_estimate else "published",
            source=f"spec file uk_price_gbp ({src})",
            date="",
            status="uncertain" if "uk_price_gbp" in spec.uncertain else "",
            scenarios=(),
            listing=listing,
            family_entry_price_gbp=family,
        )
    return PriceInfo(
        price_gbp=None,
        basis="unknown",
        source="no sourced UK price for this vehicle",
        date="",
        status="",
        scenarios=(),
        listing=listing,
        family_entry_price_gbp=family,
    )
