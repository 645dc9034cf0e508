"""The JSON objects the API serves: the same objects as the CLI's ``--json`` output.

Each function takes already-typed query values and returns the documented object of the
matching command (``evtwin vehicles --json``, ``evtwin range --json``, ``evtwin cost
--json``). The objects themselves are built by the domain code
(:meth:`~evtwin.sim.range.RangeEstimate.to_json`,
:func:`~evtwin.ownership.cost_report_json`); only the mapping from query values to a
request lives here. ``tests/api`` checks each object against the CLI's for the same inputs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from evtwin.ownership import (
    CostReport,
    compare_costs,
    cost_report_json,
    default_rivals,
    request_from_mapping,
)
from evtwin.sim.request import DEFAULT_TRAILER_CDA_M2, RangeRequest
from evtwin.vehicles import catalogue_json, list_vehicles, load_vehicle

__all__ = [
    "DEFAULT_TRAILER_CDA_M2",
    "CostParams",
    "RangeParams",
    "RangeRequest",
    "cost_json",
    "cost_report",
    "range_all_json",
    "range_json",
    "vehicles_json",
]

RangeParams = RangeRequest
"""Deprecated name of :class:`~evtwin.sim.request.RangeRequest` (one name per idea)."""


def vehicles_json() -> list[dict[str, Any]]:
    """The catalogue: the ``evtwin vehicles --json`` array (``profile`` flags estimates)."""
    return catalogue_json()


def range_json(vehicle: str, params: RangeRequest) -> dict[str, Any]:
    """The ``evtwin range VEHICLE --json`` object (``profile: "estimate"`` flags estimates)."""
    spec = load_vehicle(vehicle)
    return params.answer([spec])[0].to_json()


def range_all_json(params: RangeRequest) -> list[dict[str, Any]]:
    """The ``evtwin range --all --json`` array: every catalogue vehicle in one batch."""
    return [r.to_json() for r in params.answer(list_vehicles())]


@dataclass(frozen=True, kw_only=True, slots=True)
class CostParams:
    """A cost question as ``evtwin cost`` takes it; ``None`` = the documented default.

    ``rivals`` adds the default rivals after the ones in ``vs`` (the CLI's ``--rivals``);
    ``hvac=False`` is the CLI's ``--no-hvac``.
    """

    vs: tuple[str, ...] = ()
    rivals: bool = False
    registered: dt.date | None = None
    years: int | None = None
    miles_per_year: float | None = None
    home_share: float | None = None
    motorway_share: float | None = None
    home_tariff: str | None = None
    public_tariff: str | None = None
    hvac: bool = True
    price_gbp: float | None = None
    residual_percent: float | None = None
    insurance_gbp_per_year: float | None = None
    servicing_gbp_per_year: float | None = None


def cost_json(vehicle: str, params: CostParams) -> dict[str, Any]:
    """The ``evtwin cost VEHICLE --json`` object, from :func:`evtwin.ownership.cost_report_json`."""
    return cost_report_json(_cost_mapping(vehicle, params))


def cost_report(vehicle: str, params: CostParams) -> CostReport:
    """The :class:`~evtwin.ownership.CostReport` behind :func:`cost_json` (for the chart)."""
    return compare_costs(request_from_mapping(_cost_mapping(vehicle, params)))


def _cost_mapping(vehicle: str, params: CostParams) -> dict[str, Any]:
    rivals = list(params.vs)
    if params.rivals:
        rivals.extend(r for r in default_rivals() if r not in rivals)
    return {
        "vehicle": vehicle,
        "rivals": rivals,
        "registered": params.registered,
        "years": params.years,
        "miles_per_year": params.miles_per_year,
        "home_share": params.home_share,
        "motorway_share": params.motorway_share,
        "home_tariff": params.home_tariff,
        "public_tariff": params.public_tariff,
        "hvac": None if params.hvac else False,
        "price_gbp": params.price_gbp,
        "residual_percent": params.residual_percent,
        "insurance_gbp_per_year": params.insurance_gbp_per_year,
        "servicing_gbp_per_year": params.servicing_gbp_per_year,
    }
