"""A charge question as people ask it (CLI flags, HTTP query parameters) → its answer.

One mapping for every interface: ``evtwin charge`` and ``GET /api/v1/charge/...`` both build
a :class:`ChargeQuestion` and call :func:`answer_charge`, so their answers cannot drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evtwin.charging.chargers import Charger, ac_supply, dc_charger, get_charger
from evtwin.charging.session import (
    ChargeRequest,
    SessionResult,
    simulate_session,
    simulate_sessions,
)
from evtwin.charging.smart import ChargePlan, SmartRequest, plan_charge
from evtwin.charging.tariffs import default_price, load_tariff, parse_clock
from evtwin.charging.vehicle import CarChargeParams, car_charge_params
from evtwin.errors import ChargingError
from evtwin.vehicles import VehicleSpec
from evtwin.vehicles.uncertainty import band, sample_ranges

__all__ = [
    "DEFAULT_DC_KW",
    "DEFAULT_PLUG_IN",
    "DEFAULT_TARIFF",
    "MAX_PRICE_P_PER_KWH",
    "ChargeAnswer",
    "ChargeQuestion",
    "answer_charge",
]

DEFAULT_DC_KW = 150.0
"""DC charger power when none is given, kW."""
DEFAULT_TARIFF = "intelligent-octopus-go"
MAX_PRICE_P_PER_KWH = 300.0
"""Upper bound of a price at the plug, p/kWh: a few times the dearest UK public ultra-rapid
price (about 80-90 p/kWh in 2026); a bound against typos, not a market claim."""
DEFAULT_PLUG_IN = "18:00"


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargeQuestion:
    """A charge question (percent, kW, °C, p/kWh, HH:MM).

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


class _Asked:
    """A question plus how its asker names the fields in error messages."""

    def __init__(self, q: ChargeQuestion, labels: Mapping[str, str]) -> None:
        self.q, self.labels = q, labels

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def fraction(self, name: str) -> float:
        value = float(getattr(self.q, name))
        if not 0.0 <= value <= 100.0:
            raise ChargingError(
                f"{self.label(name)} = {value:g} % is outside 0..100 %", field=self.label(name)
            )
        return value / 100.0

    def supply(self) -> Charger:
        q = self.q
        given = [
            n
            for n, v in (("charger_kw", q.charger_kw), ("ac_kw", q.ac_kw), ("charger", q.charger))
            if v is not None
        ]
        if len(given) > 1:
            names = ", ".join(self.label(n) for n in ("charger_kw", "ac_kw", "charger"))
            raise ChargingError(
                f"give at most one of {names}; got {[self.label(n) for n in given]}"
            )
        if q.charger is not None:
            return get_charger(q.charger)
        if q.ac_kw is not None:
            return ac_supply(q.ac_kw)
        if q.depart is not None:
            return get_charger("ac7")
        kw = DEFAULT_DC_KW if q.charger_kw is None else q.charger_kw
        return dc_charger(kw, q.charger_voltage_v)


def _check_together(a: _Asked, to_soc: float, limit_soc: float) -> None:
    """Options that cannot take effect together are an error that says why."""
    q = a.q
    if limit_soc <= 0.0:
        raise ChargingError(
            f"{a.label('limit_percent')} = {q.limit_percent:g} % is outside 1..100 %: the "
            "car cannot charge with a limit of 0 %",
            field=a.label("limit_percent"),
        )
    if to_soc > limit_soc + 1e-12:
        raise ChargingError(
            f"{a.label('to_percent')} = {q.to_percent:g} % is above the charge limit "
            f"{a.label('limit_percent')} = {q.limit_percent:g} %: the car stops at its limit; "
            "raise the limit or lower the target",
            field=a.label("to_percent"),
        )
    if q.depart is None:
        for name, default in (("plug_in", DEFAULT_PLUG_IN), ("tariff", DEFAULT_TARIFF)):
            if getattr(q, name) != default:
                raise ChargingError(
                    f"{a.label(name)} applies to a {a.label('depart')} plan only; add "
                    f"{a.label('depart')} HH:MM or drop {a.label(name)}",
                    field=a.label(name),
                )
        return
    for name in ("price_p_per_kwh", "ambient_temp_c"):
        if getattr(q, name) is not None:
            raise ChargingError(
                f"{a.label(name)} cannot take effect in a {a.label('depart')} plan (it is "
                f"priced on the tariff {q.tariff!r} at the pack's temperature); drop one",
                field=a.label(name),
            )


@dataclass(frozen=True, slots=True)
class ChargeAnswer:
    """A session, or (with ``depart``) the cheapest plan and its session."""

    session: SessionResult
    plan: ChargePlan | None
    price_source: str
    minutes_band: dict[str, Any] | None = None
    """P10/P50/P90 minutes and the dominant unknown, for a spec with ``[ranges]``."""

    def to_json(self) -> dict[str, Any]:
        """The documented ``evtwin charge --json`` object."""
        if self.plan is None:
            band = {"minutes_band": self.minutes_band} if self.minutes_band else {}
            return self.session.to_json() | {"price_source": self.price_source} | band
        mean_price = self.plan.cost_gbp / self.plan.session.energy_plug_kwh
        return self.plan.session.to_json() | {
            "cost_gbp": round(self.plan.cost_gbp, 2),
            "price_gbp_per_kwh": round(mean_price, 4),
            "price_source": self.price_source,
            "plan": self.plan.to_json(),
        }


CHARGE_MODEL_LOO_MAE_PCT = 5.9
"""The 10-80 % model's leave-one-out error on makers' figures (evtwin validate, 2026-12-07)."""
BAND_SAMPLES = 48


def _minutes_band(spec: VehicleSpec, request: ChargeRequest) -> dict[str, Any]:
    """P10/P50/P90 of the session's minutes over the spec's ``[ranges]`` (sampled uniformly,
    one batch) with the model's own error as a log-normal spread."""
    drawn = sample_ranges(spec, BAND_SAMPLES)
    reqs = [dataclasses.replace(request, car=car_charge_params(v)) for v in drawn.variants]
    minutes = [r.minutes for r in simulate_sessions(reqs, record=False)]
    return band(minutes, drawn, CHARGE_MODEL_LOO_MAE_PCT).to_json(1)


def answer_charge(
    car: CarChargeParams,
    q: ChargeQuestion,
    labels: Mapping[str, str] | None = None,
    *,
    spec: VehicleSpec | None = None,
) -> ChargeAnswer:
    """Simulate the session (or plan the schedule) the question asks for.

    ``labels`` names the fields as the asker knows them in error messages (the CLI passes
    ``{"from_percent": "--from", ...}``). With the car's ``spec`` and its ``[ranges]`` (and
    no measured curve), a single session also carries a P10/P50/P90 ``minutes_band``.
    """
    a = _Asked(q, labels or {})
    from_soc, to_soc = a.fraction("from_percent"), a.fraction("to_percent")
    limit_soc = a.fraction("limit_percent")
    _check_together(a, to_soc, limit_soc)
    charger = a.supply()
    if q.depart is not None:
        if q.charger_kw is not None or charger.kind != "ac":
            given = a.label("charger_kw") if q.charger_kw is not None else a.label("charger")
            raise ChargingError(
                f"{a.label('depart')} plans a cheapest AC (home) schedule, but {given} "
                f"names a DC charger; use {a.label('ac_kw')} or an AC {a.label('charger')} "
                f"(ac3, ac7, ac11, ac22) with {a.label('depart')}, or drop "
                f"{a.label('depart')} for a DC session",
                field=a.label("depart"),
            )
        if q.precondition:
            raise ChargingError(
                f"{a.label('precondition')} applies to DC fast charging, not to "
                f"{a.label('depart')} plans"
            )
        plan = plan_charge(
            SmartRequest(
                car=car,
                supply=charger,
                tariff=load_tariff(q.tariff),
                from_soc=from_soc,
                target_soc=to_soc,
                charge_limit_soc=limit_soc,
                plug_in_min=parse_clock(q.plug_in, what=a.label("plug_in")),
                depart_min=parse_clock(q.depart, what=a.label("depart")),
                battery_temp_c=q.battery_temp_c,
            )
        )
        source = f"tariff {q.tariff} (mean over the planned slots)"
        return ChargeAnswer(plan.session, plan, source)
    if q.price_p_per_kwh is not None:
        if not 0.0 <= q.price_p_per_kwh <= MAX_PRICE_P_PER_KWH:
            raise ChargingError(
                f"{a.label('price_p_per_kwh')} = {q.price_p_per_kwh:g} p/kWh is outside "
                f"0..{MAX_PRICE_P_PER_KWH:g} p/kWh (the upper bound is above any UK public price)",
                field=a.label("price_p_per_kwh"),
            )
        price, source = q.price_p_per_kwh / 100.0, "given"
    else:
        price, source = default_price(charger)
    request = ChargeRequest(
        car=car,
        charger=charger,
        from_soc=from_soc,
        to_soc=to_soc,
        battery_temp_c=q.battery_temp_c,
        ambient_temp_c=q.ambient_temp_c,
        precondition=q.precondition,
        price_gbp_per_kwh=price,
    )
    session = simulate_session(request)
    band = None
    if spec is not None and spec.ranges and car.measured_curve is None:
        band = _minutes_band(spec, request)
    return ChargeAnswer(session, None, source, band)
