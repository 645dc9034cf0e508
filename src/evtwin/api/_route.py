"""``GET /api/v1/route``: the ``evtwin route --json`` object over HTTP (sat nav).

Registered by one line in :func:`evtwin.api._app.create_app`. Query parameters mirror the
CLI options (``from``, ``to``, ``vehicle``, ``via`` repeated, ``soc``, ...); an unknown
parameter is a 422 (the app-wide check in ``api/_strict.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from evtwin.api._errors import ERROR_RESPONSES
from evtwin.nav import ChargerFilter, TripRequest, plan_trip
from evtwin.vehicles import resolve_vehicle

__all__ = ["router"]

router = APIRouter()


def _q(description: str, **kw: Any) -> Any:
    return Query(description=description, **kw)


@router.get("/api/v1/route", tags=["route"], responses=ERROR_RESPONSES)
def route(
    origin: Annotated[
        str, _q("start: town, city, bundled-map place or 'lat,lon'", alias="from", max_length=200)
    ],
    destination: Annotated[str, _q("destination (as 'from')", alias="to", max_length=200)],
    vehicle: Annotated[str, _q("catalogue id", max_length=100, examples=["defender-sport"])],
    via: Annotated[list[str] | None, _q("places on the way, in order (repeat)")] = None,
    soc: Annotated[float, _q("start SOC, %", allow_inf_nan=False)] = 80.0,
    min_arrival_soc: Annotated[
        float, _q("minimum SOC at stops and destination, %", allow_inf_nan=False)
    ] = 10.0,
    max_charge: Annotated[
        float, _q("charge to at most this %, unless longer saves time", allow_inf_nan=False)
    ] = 80.0,
    depart: Annotated[str | None, _q("departure time HH:MM", max_length=5)] = None,
    temp_c: Annotated[float, _q("ambient temperature, °C", allow_inf_nan=False)] = 23.0,
    cabin_temp_c: Annotated[float | None, _q("cabin set point, °C", allow_inf_nan=False)] = None,
    payload_kg: Annotated[float, _q("load beyond the driver, kg", allow_inf_nan=False)] = 0.0,
    trailer_kg: Annotated[float, _q("trailer mass, kg", allow_inf_nan=False)] = 0.0,
    confidence: Annotated[
        float, _q("plan to the minimum arrival SOC with this confidence", allow_inf_nan=False)
    ] = 0.5,
    samples: Annotated[int, _q("Monte Carlo samples (1..10000)")] = 1000,
    charger_min_kw: Annotated[float, _q("minimum charger power, kW", allow_inf_nan=False)] = 50.0,
    connector: Annotated[str, _q("ccs2, chademo or type2", max_length=10)] = "ccs2",
    network: Annotated[str | None, _q("only this charger network", max_length=100)] = None,
) -> dict[str, Any]:
    """The plan: legs, stops, totals, arrival SOC P10/P50/P90, assumptions, coarse parts."""
    return plan_trip(
        TripRequest(
            origin=origin,
            destination=destination,
            spec=resolve_vehicle(vehicle, None),
            vias=tuple(via or ()),
            soc_pct=soc,
            min_arrival_soc_pct=min_arrival_soc,
            max_charge_pct=max_charge,
            depart=depart,
            temp_c=temp_c,
            cabin_temp_c=cabin_temp_c,
            payload_kg=payload_kg,
            trailer_kg=trailer_kg,
            confidence=confidence,
            samples=samples,
            charger_filter=ChargerFilter(
                connector=connector, min_power_kw=charger_min_kw, network=network
            ),
        )
    )
