"""Electric Car Grant (ECG) eligibility and amount, from the dated rules in
``evtwin/data/rules/uk_ecg.toml`` (gov.uk ECG guidance, 16 Jul 2025, and later changes).

The rule, as the data states it, for a sale on a given date:

1. the scheme must be open (16 Jul 2025 to the end of its funding, 31 Mar 2030);
2. an M1 zero-emission car with >= 100 miles WLTP range and the warranty/maker conditions;
3. price: RRP <= £37,000, or a dearer variant of a family whose cheapest version is
   <= £37,000 (no upper limit before 29 Aug 2025; <= £42,000 from 29 Aug 2025);
4. the amount follows the model's band on the DfT list: Band 1 £3,750, Band 2 £1,500.

Where a fact is unknown (the band, the family's entry price, the car's price) the answer is
the set of scenarios, never a guess: ``status == "unknown"`` and ``grant_gbp is None``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from evtwin.errors import DataFileError
from evtwin.ownership._data import Dated, as_date, as_float, as_str, dated_list, load_toml, pick

__all__ = [
    "EcgListing",
    "FamilyCap",
    "GrantInput",
    "GrantResult",
    "GrantRules",
    "GrantScenario",
    "evaluate_grant",
    "load_grant_rules",
]

Listing = Literal["band-1", "band-2", "not-listed", "unknown"]
LISTINGS: tuple[Listing, ...] = ("band-1", "band-2", "not-listed", "unknown")
GrantStatus = Literal["eligible", "not_eligible", "unknown"]


@dataclass(frozen=True, kw_only=True, slots=True)
class FamilyCap:
    """The price limit for dearer variants of an eligible family (None = no upper limit)."""

    valid_from: dt.date
    valid_to: dt.date
    max_price_gbp: float | None
    source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class GrantRules:
    """The ECG rules as dated data (see ``uk_ecg.toml`` for every source)."""

    opens: dt.date
    funded_to: dt.date
    scheme_source: str
    scheme_caveat: str
    bands: dict[str, tuple[Dated, ...]]
    entry_cap: tuple[Dated, ...]
    family_caps: tuple[FamilyCap, ...]
    price_basis_text: str
    near_cap_margin_gbp: float
    min_range_miles: float
    min_range_source: str
    conditions: dict[str, str]


@dataclass(frozen=True, kw_only=True, slots=True)
class EcgListing:
    """A model's place on the DfT eligible list, as far as sources show."""

    listing: Listing = "unknown"
    source: str = "no listing data"
    since: dt.date | None = None

    def __post_init__(self) -> None:
        if self.listing not in LISTINGS:
            raise DataFileError(f"ECG listing must be one of {LISTINGS}, got {self.listing!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class GrantInput:
    """One car at one sale date.

    ``price_gbp`` None = unknown. ``family_entry_price_gbp`` is the price of the cheapest
    variant sharing this car's powertrain family (None = unknown; pass the car's own price
    when it is the cheapest). ``wltp_range_miles`` with ``range_basis`` saying where it came
    from (official figure or model estimate).
    """

    sale_date: dt.date
    price_gbp: float | None
    wltp_range_miles: float
    range_basis: str
    listing: EcgListing = field(default_factory=EcgListing)
    family_entry_price_gbp: float | None = None
    zero_emission_m1: bool = True


@dataclass(frozen=True, slots=True)
class GrantScenario:
    grant_gbp: float
    condition: str

    def to_json(self) -> dict[str, Any]:
        return {"grant_gbp": self.grant_gbp, "if": self.condition}


@dataclass(frozen=True, kw_only=True, slots=True)
class GrantResult:
    """The grant for one car: an amount when known, else the scenarios.

    ``grant_range_gbp`` always holds (lowest, highest) over the scenarios.
    """

    status: GrantStatus
    grant_gbp: float | None
    band: str | None
    reasons: tuple[str, ...]
    scenarios: tuple[GrantScenario, ...]
    caveats: tuple[str, ...]
    summary: str = ""

    @property
    def grant_range_gbp(self) -> tuple[float, float]:
        amounts = [s.grant_gbp for s in self.scenarios]
        return min(amounts), max(amounts)

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.grant_range_gbp
        return {
            "status": self.status,
            "grant_gbp": self.grant_gbp,
            "grant_range_gbp": [lo, hi],
            "band": self.band,
            "summary": self.summary,
            "reasons": list(self.reasons),
            "scenarios": [s.to_json() for s in self.scenarios],
            "caveats": list(self.caveats),
        }


def _ineligible(reasons: list[str], caveats: list[str], summary: str) -> GrantResult:
    return GrantResult(
        summary="not eligible: " + summary,
        status="not_eligible",
        grant_gbp=0.0,
        band=None,
        reasons=tuple(reasons),
        scenarios=(GrantScenario(0.0, "not eligible: " + reasons[-1]),),
        caveats=tuple(caveats),
    )


def _gbp(x: float) -> str:
    return f"£{x:,.0f}"


def _price_test(
    rules: GrantRules, inp: GrantInput, reasons: list[str], caveats: list[str]
) -> tuple[bool | None, str]:
    """Whether the price passes a cap: True, False or None (unknown) and the condition text."""
    on = inp.sale_date
    entry, _ = pick(rules.entry_cap, on)
    assert entry is not None  # the scheme window check ran first
    entry_cap = entry.value
    fam = next((c for c in rules.family_caps if c.valid_from <= on <= c.valid_to), None)
    fam_cap = fam.max_price_gbp if fam else None
    fam_text = (
        f"on {on.isoformat()} a dearer variant of a family whose cheapest version is <= "
        f"{_gbp(entry_cap)} qualifies "
        + (f"up to {_gbp(fam_cap)}" if fam_cap is not None else "with no upper price limit")
        + f" ({fam.source if fam else 'no family rule'})"
    )
    price = inp.price_gbp
    margin = rules.near_cap_margin_gbp
    if price is None:
        reasons.append("price unknown: the price caps cannot be checked")
        return None, f"its price is <= {_gbp(entry_cap)} (or it is a qualifying family variant)"
    for cap in (entry_cap, fam_cap):
        if cap is not None and abs(price - cap) <= margin:
            caveats.append(
                f"price {_gbp(price)} is within {_gbp(margin)} of the {_gbp(cap)} cap: "
                f"whether delivery/options count is unknown (CONFLICT) — {rules.price_basis_text}"
            )
    if price <= entry_cap:
        reasons.append(f"price {_gbp(price)} <= {_gbp(entry_cap)} cap ({entry.source})")
        return True, ""
    family_entry = inp.family_entry_price_gbp
    if family_entry is not None and family_entry >= price:
        reasons.append(
            f"price {_gbp(price)} > {_gbp(entry_cap)} cap and the car is its family's "
            "cheapest version"
        )
        return False, ""
    if fam_cap is not None and price > fam_cap:
        reasons.append(
            f"price {_gbp(price)} > {_gbp(entry_cap)} entry cap and > {_gbp(fam_cap)} "
            f"family-variant cap (from {fam.valid_from.isoformat() if fam else '?'}; "
            f"{fam.source if fam else ''})"
        )
        return False, ""
    if family_entry is None:
        reasons.append(
            f"price {_gbp(price)} > {_gbp(entry_cap)}: eligible only if its family has a "
            f"version priced <= {_gbp(entry_cap)}, which is unknown; {fam_text}"
        )
        return None, f"a version of its family is priced <= {_gbp(entry_cap)}"
    if family_entry <= entry_cap:
        reasons.append(f"price {_gbp(price)} > {_gbp(entry_cap)}, but {fam_text}")
        return True, ""
    reasons.append(
        f"price {_gbp(price)} > {_gbp(entry_cap)} and the family's cheapest version "
        f"({_gbp(family_entry)}) is also above it"
    )
    return False, ""


def evaluate_grant(rules: GrantRules, inp: GrantInput) -> GrantResult:
    """Evaluate the ECG for ``inp`` (see the module docstring for the rule)."""
    reasons: list[str] = []
    caveats: list[str] = [rules.scheme_caveat]
    on = inp.sale_date
    if on < rules.opens:
        reasons.append(f"sale on {on.isoformat()} is before the scheme opened ({rules.opens})")
        return _ineligible(reasons, caveats, "before the scheme opened")
    if on > rules.funded_to:
        reasons.append(
            f"sale on {on.isoformat()} is after the scheme's funded end ({rules.funded_to}; "
            f"{rules.scheme_source}); any extension is unknown"
        )
        return _ineligible(reasons, caveats, "after the scheme's funded end")
    reasons.append(f"scheme open on {on.isoformat()} (funded to {rules.funded_to})")
    if not inp.zero_emission_m1:
        reasons.append("not an M1 zero-emission car")
        return _ineligible(reasons, caveats, "not an M1 zero-emission car")
    if inp.wltp_range_miles < rules.min_range_miles:
        reasons.append(
            f"WLTP range {inp.wltp_range_miles:.0f} mi < {rules.min_range_miles:.0f} mi "
            f"minimum ({rules.min_range_source})"
        )
        return _ineligible(reasons, caveats, "WLTP range under the minimum")
    reasons.append(
        f"WLTP range {inp.wltp_range_miles:.0f} mi >= {rules.min_range_miles:.0f} mi "
        f"({inp.range_basis})"
    )
    price_ok, price_condition = _price_test(rules, inp, reasons, caveats)
    if price_ok is False:
        return _ineligible(reasons, caveats, "over the price cap")

    listing = inp.listing
    band_amounts = {b: pick(v, on)[0] for b, v in rules.bands.items()}
    if listing.listing == "not-listed":
        reasons.append(f"not on the DfT eligible list in sources seen ({listing.source})")
        return _ineligible(reasons, caveats, "not on the DfT eligible list in sources seen")
    if listing.listing in ("band-1", "band-2") and (listing.since is None or listing.since <= on):
        band = band_amounts[listing.listing]
        assert band is not None
        reasons.append(f"{listing.listing}: {_gbp(band.value)} ({listing.source}; {band.source})")
        if price_ok is True:
            return GrantResult(
                status="eligible",
                grant_gbp=band.value,
                band=listing.listing,
                reasons=tuple(reasons),
                scenarios=(GrantScenario(band.value, f"{listing.listing}, price cap met"),),
                caveats=tuple(caveats),
                summary=f"eligible: {listing.listing} {_gbp(band.value)}",
            )
        scenarios = (
            GrantScenario(band.value, f"{listing.listing} and {price_condition}"),
            GrantScenario(0.0, f"not ({price_condition})"),
        )
        return GrantResult(
            status="unknown",
            grant_gbp=None,
            band=listing.listing,
            reasons=tuple(reasons),
            scenarios=scenarios,
            caveats=tuple(caveats),
            summary=f"unknown: {_gbp(band.value)} ({listing.listing}) if {price_condition}",
        )
    reasons.append(
        f"band unknown: not on the DfT list in sources seen by {on.isoformat()} "
        f"({listing.source}); product-carbon thresholds are unpublished"
    )
    cond = f" and {price_condition}" if price_ok is None else ""
    scen: list[GrantScenario] = []
    for b, d in sorted(band_amounts.items(), key=lambda kv: -(kv[1].value if kv[1] else 0)):
        if d is not None:
            scen.append(GrantScenario(d.value, f"approved at {b}{cond}"))
    scen.append(GrantScenario(0.0, "not approved (carbon score, maker conditions or price)"))
    return GrantResult(
        status="unknown",
        grant_gbp=None,
        band=None,
        reasons=tuple(reasons),
        scenarios=tuple(scen),
        caveats=tuple(caveats),
        summary="unknown: band not known ("
        + " / ".join(_gbp(x.grant_gbp) for x in scen)
        + ")"
        + (f"; only if {price_condition}" if price_ok is None else ""),
    )


@cache
def load_grant_rules() -> GrantRules:
    """The bundled ECG rules (``evtwin/data/rules/uk_ecg.toml``)."""
    where = "rules/uk_ecg.toml"
    d = load_toml(where)
    scheme = d["scheme"]
    bands: dict[str, list[dict[str, Any]]] = {}
    for row in d["band"]:
        bands.setdefault(as_str(row, "id", where), []).append(row)
    entry_rows = [r for r in d["price_cap"] if r.get("kind") == "entry"]
    family: list[FamilyCap] = []
    for r in d["price_cap"]:
        if r.get("kind") == "family":
            cap = as_float(r, "max_price_gbp", where) if "max_price_gbp" in r else None
            family.append(
                FamilyCap(
                    valid_from=as_date(r, "valid_from", where),
                    valid_to=as_date(r, "valid_to", where),
                    max_price_gbp=cap,
                    source=as_str(r, "source", where),
                )
            )
    cond = d["conditions"]
    return GrantRules(
        opens=as_date(scheme, "opens", where),
        funded_to=as_date(scheme, "funded_to", where),
        scheme_source=as_str(scheme, "source", where),
        scheme_caveat=as_str(scheme, "caveat", where),
        bands={k: dated_list(v, "grant_gbp", f"{where} band {k}") for k, v in bands.items()},
        entry_cap=dated_list(entry_rows, "max_price_gbp", f"{where} entry cap"),
        family_caps=tuple(sorted(family, key=lambda c: c.valid_from)),
        price_basis_text=as_str(d["price_basis"], "text", where),
        near_cap_margin_gbp=as_float(d["price_basis"], "near_cap_margin_gbp", where),
        min_range_miles=as_float(cond, "min_wltp_range_miles", where),
        min_range_source=as_str(cond, "min_range_source", where),
        conditions={k: v for k, v in cond.items() if isinstance(v, str)},
    )
