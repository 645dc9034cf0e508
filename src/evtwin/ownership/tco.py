"""Total cost of ownership of a car and its rivals: the owner's view in one call.

TCO over ``years`` yearly licences from first registration (all £, nominal, undiscounted):

    price - grant + sum(VED by licence year) + sum(energy by year)
          + insurance + servicing (optional user inputs) - residual value (optional input)

The proposed pay-per-mile eVED is never inside ``tco_gbp``: it is reported beside it
(``tco_incl_proposed_eved_gbp``) and labelled a proposal. Where a fact is unknown (price,
grant band, what the price cap includes) the answer is a range with its scenarios and the
point value is ``None``; the price scenarios of estimated cars are evaluated one by one.

:func:`compare_costs` is the one entry point for the CLI and the HTTP endpoint;
:func:`cost_report_json` takes query-string-like input (via
:func:`evtwin.ownership.request.request_from_mapping`) and returns the JSON object.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from evtwin.ownership.bik import BikYear, bik_schedule, load_bik_rules
from evtwin.ownership.grant import GrantInput, GrantResult, evaluate_grant, load_grant_rules
from evtwin.ownership.prices import PriceInfo, price_info
from evtwin.ownership.request import DEFAULT_MILES_BASIS, CostRequest, request_from_mapping
from evtwin.ownership.running import TariffPrice, blended_price, load_tariffs, tariff_price
from evtwin.ownership.ved import (
    EvedYear,
    LicenceVed,
    anniversary,
    eved_schedule,
    load_eved_rules,
    load_ved_rules,
    ved_schedule,
)
from evtwin.ownership.year import EnergyUse, load_uk_year, simulate_year
from evtwin.units import KM_PER_MILE
from evtwin.vehicles import load_vehicle
from evtwin.vehicles.spec import VehicleSpec
from evtwin.vehicles.uncertainty import band, sample_ranges

__all__ = [
    "CostReport",
    "ScenarioCost",
    "VehicleCost",
    "compare_costs",
    "cost_report_json",
]


def _span(lo: float, hi: float) -> list[float]:
    return [round(lo, 2), round(hi, 2)]


def _point(lo: float, hi: float) -> float | None:
    return round(lo, 2) if math.isclose(lo, hi, abs_tol=0.005) else None


@dataclass(frozen=True, kw_only=True, slots=True)
class ScenarioCost:
    """TCO at one scenario price (e.g. the seed's £37k for the Defender Sport)."""

    name: str
    price_gbp: float
    source: str
    grant: GrantResult
    ved_range_gbp: tuple[float, float]
    tco_range_gbp: tuple[float, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "price_gbp": self.price_gbp,
            "source": self.source,
            "grant_status": self.grant.status,
            "grant_gbp": self.grant.grant_gbp,
            "grant_range_gbp": list(self.grant.grant_range_gbp),
            "grant_reasons": list(self.grant.reasons),
            "grant_caveats": list(self.grant.caveats),
            "ved_total_range_gbp": _span(*self.ved_range_gbp),
            "tco_gbp": _point(*self.tco_range_gbp),
            "tco_range_gbp": _span(*self.tco_range_gbp),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleCost:
    """Every cost of one vehicle over the ownership period, with sources."""

    spec: VehicleSpec
    price: PriceInfo
    wltp_range_miles: float
    range_basis: str
    grant: GrantResult
    ved: tuple[LicenceVed, ...]
    eved: tuple[EvedYear, ...]
    bik: tuple[BikYear, ...]
    energy: EnergyUse
    energy_gbp: tuple[float, ...]
    energy_by_home_tariff_gbp: dict[str, float]
    tariffs: tuple[tuple[float, TariffPrice, TariffPrice], ...]
    other_gbp: dict[str, float]
    residual_gbp: float | None
    scenarios: tuple[ScenarioCost, ...]
    pence_per_mile_band: dict[str, Any] | None = None
    """P10/P50/P90 energy pence per mile and the dominant unknown (spec with ``[ranges]``)."""

    @property
    def ved_range_gbp(self) -> tuple[float, float]:
        return sum(v.range_gbp[0] for v in self.ved), sum(v.range_gbp[1] for v in self.ved)

    @property
    def pence_per_mile(self) -> float:
        """Energy pence per mile in the first year (tariffs of that year)."""
        return self.energy_gbp[0] * 100.0 / self.energy.miles_per_year

    @property
    def running_range_gbp(self) -> tuple[float, float]:
        """Energy + VED + optional insurance/servicing, without the purchase."""
        fixed = sum(self.energy_gbp) + sum(self.other_gbp.values())
        lo, hi = self.ved_range_gbp
        return fixed + lo, fixed + hi

    @property
    def tco_range_gbp(self) -> tuple[float, float] | None:
        if self.price.price_gbp is None:
            return None
        return _tco(self.price.price_gbp, self.grant, self.running_range_gbp, self.residual_gbp)

    @property
    def eved_total_gbp(self) -> float:
        return sum(e.eved_gbp for e in self.eved)

    def to_json(self) -> dict[str, Any]:
        tco = self.tco_range_gbp
        run_lo, run_hi = self.running_range_gbp
        e = self.eved_total_gbp
        grant = self.grant.to_json()
        return {
            "vehicle": self.spec.id,
            "name": self.spec.name,
            "profile": "estimate" if self.spec.is_estimate else "published",
            "price_gbp": self.price.price_gbp,
            "price": self.price.to_json(),
            "grant_gbp": self.grant.grant_gbp,
            "grant": grant,
            "wltp_range_miles": round(self.wltp_range_miles, 1),
            "wltp_range_basis": self.range_basis,
            "ved_gbp": [v.total_gbp for v in self.ved],
            "ved_range_gbp": [list(v.range_gbp) for v in self.ved],
            "ved": [v.to_json() for v in self.ved],
            "eved_proposal": {
                "status": "proposal",
                "eved_gbp": [round(x.eved_gbp, 2) for x in self.eved],
                "total_gbp": round(e, 2),
                "years": [x.to_json() for x in self.eved],
            },
            "energy_gbp": [round(x, 2) for x in self.energy_gbp],
            "energy_total_gbp": round(sum(self.energy_gbp), 2),
            "energy_total_by_home_tariff_gbp": {
                k: round(x, 2) for k, x in self.energy_by_home_tariff_gbp.items()
            },
            "energy_kwh_per_year": round(self.energy.kwh_per_year, 1),
            "battery_kwh_per_year": round(self.energy.battery_kwh_per_year, 1),
            "home_wall_kwh_per_year": round(self.energy.home_kwh_per_year, 1),
            "public_plug_kwh_per_year": round(self.energy.public_kwh_per_year, 1),
            "battery_wh_per_km": round(self.energy.battery_wh_per_km, 1),
            "plug_wh_per_km": round(self.energy.wh_per_km, 1),
            "miles_per_kwh": round(self.energy.miles_per_kwh, 2),
            "pence_per_mile": round(self.pence_per_mile, 2),
            **(
                {"pence_per_mile_band": self.pence_per_mile_band}
                if self.pence_per_mile_band
                else {}
            ),
            "tariffs_by_year": [
                {
                    "year": i + 1,
                    "blended_pence_per_kwh": round(p, 2),
                    "home": h.to_json(),
                    "public": q.to_json(),
                }
                for i, (p, h, q) in enumerate(self.tariffs)
            ],
            "energy_by_month": list(self.energy.monthly),
            "charging": self.energy.charging,
            "followed_trace": self.energy.followed_trace,
            "other_costs_gbp": {k: round(v, 2) for k, v in self.other_gbp.items()},
            "residual_value_gbp": None
            if self.residual_gbp is None
            else round(self.residual_gbp, 2),
            "running_gbp": _point(run_lo, run_hi),
            "running_range_gbp": _span(run_lo, run_hi),
            "tco_gbp": None if tco is None else _point(*tco),
            "tco_range_gbp": None if tco is None else _span(*tco),
            "tco_incl_proposed_eved_gbp": (
                None if tco is None or _point(*tco) is None else round(tco[0] + e, 2)
            ),
            "tco_incl_proposed_eved_range_gbp": None
            if tco is None
            else _span(tco[0] + e, tco[1] + e),
            "price_scenarios": [s.to_json() for s in self.scenarios],
            "company_car_bik": [b.to_json() for b in self.bik],
            "assumptions": self.energy.assumptions,
        }


def _tco(
    price: float,
    grant: GrantResult,
    running: tuple[float, float],
    residual: float | None,
) -> tuple[float, float]:
    g_lo, g_hi = grant.grant_range_gbp
    res = residual or 0.0
    return price - g_hi + running[0] - res, price - g_lo + running[1] - res


@dataclass(frozen=True, kw_only=True, slots=True)
class CostReport:
    """The answer to a :class:`CostRequest`: one :class:`VehicleCost` per car, in order."""

    request: CostRequest
    vehicles: tuple[VehicleCost, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        r, u = self.request, self.request.usage
        end = anniversary(r.registered, r.years) - dt.timedelta(days=1)
        return {
            "inputs": {
                "registered": r.registered.isoformat(),
                "ownership_end": end.isoformat(),
                "years": r.years,
                "miles_per_year": u.miles_per_year,
                "home_share": u.home_share,
                "motorway_share": (
                    load_uk_year().motorway_share if u.motorway_share is None else u.motorway_share
                ),
                "home_tariff": u.home_tariff,
                "public_tariff": u.public_tariff,
                "hvac": u.hvac,
                "price_gbp_override": r.price_gbp,
                "residual_percent": r.residual_percent,
                "insurance_gbp_per_year": r.insurance_gbp_per_year,
                "servicing_gbp_per_year": r.servicing_gbp_per_year,
            },
            "vehicles": [v.to_json() for v in self.vehicles],
            "notes": list(self.notes),
        }


def _rules_notes(req: CostRequest) -> tuple[str, ...]:
    eved = load_eved_rules()
    notes = [
        "TCO = price - grant + VED + energy (+ insurance, servicing - residual value when "
        "given); nominal £, undiscounted; licence years of 12 months from registration.",
        f"eVED is a PROPOSAL ({eved.status_text}); it is shown beside the TCO, never in it.",
        "The sale date for the grant is taken as the registration date (assumption).",
        "Prices marked estimate are not published; unknown prices are left unknown.",
    ]
    if req.miles_per_year_defaulted:
        notes.append(f"miles per year: {DEFAULT_MILES_BASIS}")
    return tuple(notes)


def _evaluate(
    spec: VehicleSpec,
    price: PriceInfo,
    req: CostRequest,
    energy: EnergyUse,
    wltp_miles: float,
    range_basis: str,
) -> VehicleCost:
    tariffs = load_tariffs()
    starts = [anniversary(req.registered, k) for k in range(req.years)]
    prices: list[tuple[float, TariffPrice, TariffPrice]] = []
    energy_gbp: list[float] = []
    for d in starts:
        _, hp, pp = blended_price(req.usage, d, tariffs)
        pence = energy.cost_pence(hp.pence_per_kwh, pp.pence_per_kwh)
        prices.append((pence / energy.kwh_per_year, hp, pp))
        energy_gbp.append(pence / 100.0)
    by_tariff = {
        tid: sum(
            energy.cost_pence(
                tariff_price(t, d).pence_per_kwh, pp.pence_per_kwh, home_charger=t.charger
            )
            for d, (_, _, pp) in zip(starts, prices, strict=True)
        )
        / 100.0
        for tid, t in tariffs.items()
        if t.kind == "home"
    }
    other: dict[str, float] = {}
    if req.insurance_gbp_per_year is not None:
        other["insurance"] = req.insurance_gbp_per_year * req.years
    if req.servicing_gbp_per_year is not None:
        other["servicing"] = req.servicing_gbp_per_year * req.years

    def at_price(p: float | None) -> tuple[GrantResult, tuple[LicenceVed, ...], float | None]:
        grant = evaluate_grant(
            load_grant_rules(),
            GrantInput(
                sale_date=req.registered,
                price_gbp=p,
                wltp_range_miles=wltp_miles,
                range_basis=range_basis,
                listing=price.listing,
                family_entry_price_gbp=price.family_entry_price_gbp,
            ),
        )
        ved = ved_schedule(
            load_ved_rules(), registered=req.registered, years=req.years, list_price_gbp=p
        )
        residual = (
            None if req.residual_percent is None or p is None else p * req.residual_percent / 100
        )
        return grant, ved, residual

    grant, ved, residual = at_price(price.price_gbp)
    base = VehicleCost(
        spec=spec,
        price=price,
        wltp_range_miles=wltp_miles,
        range_basis=range_basis,
        grant=grant,
        ved=ved,
        eved=eved_schedule(
            load_eved_rules(),
            registered=req.registered,
            years=req.years,
            miles_per_year=req.usage.miles_per_year,
        ),
        bik=bik_schedule(
            load_bik_rules(),
            registered=req.registered,
            years=req.years,
            list_price_gbp=price.price_gbp,
        ),
        energy=energy,
        energy_gbp=tuple(energy_gbp),
        energy_by_home_tariff_gbp=by_tariff,
        tariffs=tuple(prices),
        other_gbp=other,
        residual_gbp=residual,
        scenarios=(),
    )
    scenarios: list[ScenarioCost] = []
    for s in price.scenarios:
        g, v, res = at_price(s.price_gbp)
        variant = replace(base, grant=g, ved=v, residual_gbp=res)
        scenarios.append(
            ScenarioCost(
                name=s.name,
                price_gbp=s.price_gbp,
                source=s.source,
                grant=g,
                ved_range_gbp=variant.ved_range_gbp,
                tco_range_gbp=_tco(s.price_gbp, g, variant.running_range_gbp, res),
            )
        )
    return replace(base, scenarios=tuple(scenarios))


def compare_costs(req: CostRequest) -> CostReport:
    """Price, grant, VED, eVED (proposal), BiK, energy and TCO of ``req.vehicle`` and rivals.

    All cars run through the physics engine in one batch. Raises :class:`OwnershipError` (or
    :class:`~evtwin.errors.UnknownVehicleError`) on bad input.
    """
    ids: list[str] = []
    for vid in (req.vehicle, *req.rivals):
        if vid not in ids:
            ids.append(vid)
    specs = [load_vehicle(v) for v in ids]
    # Rules first: a registration date outside the rules is an input error, before simulating.
    ved_schedule(load_ved_rules(), registered=req.registered, years=req.years, list_price_gbp=0)
    energy, wltp = simulate_year(specs, req.usage, load_uk_year(), load_tariffs())
    out: list[VehicleCost] = []
    for i, spec in enumerate(specs):
        official_km = spec.official.wltp_range_km
        if official_km is not None:
            miles, basis = official_km / KM_PER_MILE, "official WLTP range (spec file)"
        else:
            miles = wltp[spec.id].range_miles
            basis = "evtwin model WLTP estimate (no official figure)"
        price = price_info(spec, override_gbp=req.price_gbp if i == 0 else None)
        cost = _evaluate(spec, price, req, energy[spec.id], miles, basis)
        if spec.ranges:
            band = _pence_per_mile_band(spec, req, energy[spec.id], cost.pence_per_mile)
            cost = replace(cost, pence_per_mile_band=band)
        out.append(cost)
    return CostReport(request=req, vehicles=tuple(out), notes=_rules_notes(req))


BAND_SAMPLES = 48
MODEL_LOO_MAE_PCT = 5.8
"""The energy model's WLTP leave-one-out error (evtwin validate, 2026-12-07)."""


def _pence_per_mile_band(
    spec: VehicleSpec, req: CostRequest, nominal: EnergyUse, pence: float
) -> dict[str, Any]:
    """Energy pence per mile over the spec's ``[ranges]``: each sample's plug energy per mile
    from the same UK year in one batch, at the same tariffs (cost per mile scales with it),
    with the model's own error as a log-normal spread."""
    drawn = sample_ranges(spec, BAND_SAMPLES, distinct_ids=True)
    variants = list(drawn.variants)
    energy, _ = simulate_year(variants, req.usage, load_uk_year(), load_tariffs())
    per_mile = np.array([pence * energy[v.id].wh_per_km / nominal.wh_per_km for v in variants])
    return band(per_mile, drawn, MODEL_LOO_MAE_PCT).to_json(2)


def cost_report_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """The documented ``evtwin cost --json`` object for string/number ``params``.

    The function behind the HTTP endpoint: query parameters in, JSON object out;
    bad input raises :class:`~evtwin.errors.EvtwinError` (map it to HTTP 400/404).
    """
    return compare_costs(request_from_mapping(params)).to_json()
