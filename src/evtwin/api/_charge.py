"""The ``evtwin charge --json`` object over HTTP: query values -> a charge session or plan.

:class:`ChargeParams` holds the options of ``evtwin charge`` (``None`` = the CLI's default)
and :func:`charge_json` answers them with the charging model's own objects
(:meth:`~evtwin.charging.SessionResult.to_json`, :meth:`~evtwin.charging.ChargePlan.to_json`).
The CLI (``evtwin.cli.charge_cmd``, owned with the charging model) builds the same requests
from its flags; ``tests/api/test_charge.py`` checks both give the same object for the same
inputs and ``tests/api/test_no_drift.py`` that every CLI option is a query parameter here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evtwin.charging import (
    Charger,
    ChargeRequest,
    SmartRequest,
    ac_supply,
    car_charge_params,
    dc_charger,
    default_price,
    get_charger,
    load_tariff,
    plan_charge,
    simulate_session,
)
from evtwin.charging.tariffs import parse_clock
from evtwin.errors import ChargingError
from evtwin.vehicles import load_vehicle

__all__ = [
    "DEFAULT_DC_KW",
    "DEFAULT_PLUG_IN",
    "DEFAULT_TARIFF",
    "ChargeParams",
    "charge_json",
]

DEFAULT_DC_KW = 150.0
"""DC charger power when none is given, kW (as ``evtwin charge``)."""
DEFAULT_TARIFF = "intelligent-octopus-go"
DEFAULT_PLUG_IN = "18:00"


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargeParams:
    """A charge question as ``evtwin charge`` takes it (percent, kW, °C, p/kWh, HH:MM).

    At most one of ``charger_kw`` (DC), ``ac_kw`` and ``charger`` (a bundled class).
    ``depart`` plans the cheapest AC schedule on ``tariff`` instead of one session.
    """

    from_percent: float = 10.0
    to_percent: float = 80.0
    charger_kw: float | None = None
    ac_kw: float | None = None
    charger: str | None = None
    charger_voltage_v: int = 800
    battery_temp_c: float = 25.0
    ambient_temp_c: float | None = None
    precondition: bool = False
    price_p_per_kwh: float | None = None
    depart: str | None = None
    plug_in: str = DEFAULT_PLUG_IN
    tariff: str = DEFAULT_TARIFF
    limit_percent: float = 100.0


def _fraction(name: str, value: float) -> float:
    if not 0.0 <= value <= 100.0:
        raise ChargingError(f"{name} = {value:g} % is outside 0..100 %")
    return value / 100.0


def _charger(p: ChargeParams) -> Charger:
    given = [
        n
        for n, v in (("charger_kw", p.charger_kw), ("ac_kw", p.ac_kw), ("charger", p.charger))
        if v is not None
    ]
    if len(given) > 1:
        raise ChargingError(f"give at most one of charger_kw, ac_kw, charger; got {given}")
    if p.charger is not None:
        return get_charger(p.charger)
    if p.ac_kw is not None:
        return ac_supply(p.ac_kw)
    if p.depart is not None:
        return get_charger("ac7")
    kw = DEFAULT_DC_KW if p.charger_kw is None else p.charger_kw
    return dc_charger(kw, p.charger_voltage_v)


def charge_json(vehicle: str, p: ChargeParams) -> dict[str, Any]:
    """The ``evtwin charge VEHICLE --json`` object for ``p`` (a session, or with ``depart``
    the AC session plus its cheapest ``plan``). Bad input raises
    :class:`~evtwin.errors.ChargingError` (HTTP 400) or
    :class:`~evtwin.errors.UnknownVehicleError` (404)."""
    car = car_charge_params(load_vehicle(vehicle))
    from_soc = _fraction("from_percent", p.from_percent)
    to_soc = _fraction("to_percent", p.to_percent)
    charger = _charger(p)
    if p.depart is not None:
        if p.precondition:
            raise ChargingError("precondition applies to DC fast charging, not to depart plans")
        plan = plan_charge(
            SmartRequest(
                car=car,
                supply=charger,
                tariff=load_tariff(p.tariff),
                from_soc=from_soc,
                target_soc=to_soc,
                charge_limit_soc=_fraction("limit_percent", p.limit_percent),
                plug_in_min=parse_clock(p.plug_in, what="plug_in"),
                depart_min=parse_clock(p.depart, what="depart"),
                battery_temp_c=p.battery_temp_c,
            )
        )
        mean_price = plan.cost_gbp / plan.session.energy_plug_kwh
        return plan.session.to_json() | {
            "cost_gbp": round(plan.cost_gbp, 2),
            "price_gbp_per_kwh": round(mean_price, 4),
            "price_source": f"tariff {p.tariff} (mean over the planned slots)",
            "plan": plan.to_json(),
        }
    if p.price_p_per_kwh is not None:
        price, price_src = p.price_p_per_kwh / 100.0, "given"
    else:
        price, price_src = default_price(charger)
    res = simulate_session(
        ChargeRequest(
            car=car,
            charger=charger,
            from_soc=from_soc,
            to_soc=to_soc,
            battery_temp_c=p.battery_temp_c,
            ambient_temp_c=p.ambient_temp_c,
            precondition=p.precondition,
            price_gbp_per_kwh=price,
        )
    )
    return res.to_json() | {"price_source": price_src}
