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
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from evtwin.errors import ScenarioError
from evtwin.ownership import (
    CostReport,
    compare_costs,
    cost_report_json,
    default_rivals,
    request_from_mapping,
)
from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeQuery, estimate_ranges, wltp_queries
from evtwin.sim.traces import Trace, constant_speed, cycle
from evtwin.vehicles import list_vehicles, load_vehicle
from evtwin.vehicles.spec import VehicleSpec

__all__ = [
    "DEFAULT_TRAILER_CDA_M2",
    "CostParams",
    "RangeParams",
    "cost_json",
    "cost_report",
    "range_all_json",
    "range_json",
    "vehicles_json",
]

DEFAULT_TRAILER_CDA_M2 = 0.6
"""Trailer drag area Cd*A (m²) when a trailer is given without one: the CLI's assumption."""

_KPH_PER_MPS = 3.6


def vehicles_json() -> list[dict[str, Any]]:
    """The catalogue: the ``evtwin vehicles --json`` array (``profile`` flags estimates)."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "profile": s.profile,
            "drivetrain": s.drivetrain,
            "kerb_mass_kg": s.kerb_mass_kg,
            "usable_battery_kwh": s.usable_battery_kwh,
            "motor_power_kw": s.motor_power_kw,
            "battery_voltage_v": s.battery_voltage_v,
            "official_wltp_range_km": s.official.wltp_range_km,
        }
        for s in list_vehicles()
    ]


@dataclass(frozen=True, kw_only=True, slots=True)
class RangeParams:
    """Conditions of a range question, as ``evtwin range`` takes them (units in names).

    All ``None`` means the WLTP procedure (GTR 15: WLTC class 3b, test mass, 23 °C). Any
    value switches to your conditions: kerb mass plus ``payload_kg``, on ``cycle`` (default
    WLTC) or a constant ``speed_kph``, on a public road (``road="real"``, the default) or
    with the type-approval road load (``road="test"``).
    """

    cycle: str | None = None
    speed_kph: float | None = None
    temp_c: float | None = None
    payload_kg: float | None = None
    trailer_kg: float | None = None
    trailer_cda_m2: float | None = None
    hvac_w: float | None = None
    headwind_kph: float | None = None
    altitude_m: float | None = None
    road: Literal["real", "test"] | None = None

    @property
    def is_wltp(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def conditions(self) -> Conditions:
        kw: dict[str, Any] = {"initial_soc": 1.0, "road": self.road or "real"}
        if self.temp_c is not None:
            kw["ambient_temp_c"] = self.temp_c
        if self.payload_kg is not None:
            kw["payload_kg"] = self.payload_kg
        if self.trailer_kg is not None:
            kw["trailer_kg"] = self.trailer_kg
            kw["trailer_cda_m2"] = (
                DEFAULT_TRAILER_CDA_M2 if self.trailer_cda_m2 is None else self.trailer_cda_m2
            )
        elif self.trailer_cda_m2 is not None:
            raise ScenarioError("trailer_cda_m2 needs trailer_kg (a trailer mass, kg)")
        if self.hvac_w is not None:
            kw["hvac_w"] = self.hvac_w
        if self.headwind_kph is not None:
            kw["headwind_mps"] = self.headwind_kph / _KPH_PER_MPS
        if self.altitude_m is not None:
            kw["altitude_m"] = self.altitude_m
        return Conditions(**kw)

    def trace(self) -> Trace:
        if self.cycle is not None and self.speed_kph is not None:
            raise ScenarioError(
                f"give a cycle or a constant speed, not both (cycle={self.cycle!r}, "
                f"speed_kph={self.speed_kph:g} km/h)"
            )
        if self.speed_kph is not None:
            return constant_speed(self.speed_kph)
        return cycle(self.cycle or "wltc")

    def queries(self, specs: Sequence[VehicleSpec]) -> list[RangeQuery]:
        if self.is_wltp:
            return wltp_queries(specs, default_constants())
        conditions, trace = self.conditions(), self.trace()
        return [RangeQuery(s, trace, conditions, "custom") for s in specs]


def range_json(vehicle: str, params: RangeParams) -> dict[str, Any]:
    """The ``evtwin range VEHICLE --json`` object (``profile: "estimate"`` flags estimates)."""
    spec = load_vehicle(vehicle)
    return estimate_ranges(params.queries([spec]))[0].to_json()


def range_all_json(params: RangeParams) -> list[dict[str, Any]]:
    """The ``evtwin range --all --json`` array: every catalogue vehicle in one batch."""
    return [r.to_json() for r in estimate_ranges(params.queries(list_vehicles()))]


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
