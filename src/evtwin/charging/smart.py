"""Smart charging: the cheapest AC schedule that still reaches a target SOC by departure.

The session is simulated once, time-stepped (:mod:`evtwin.charging.session`), which gives
the grid power over *charging* time. The window from plug-in to departure is cut wherever
the tariff rate changes; the planner then fills the cheapest pieces first (ties: the later
piece, so the battery waits less at high SOC) until the charging time the session needs is
covered, and walks the chosen pieces in time order through the simulated session to price
them. With AC power nearly constant over the session this greedy fill is the optimum of the
underlying linear programme (cost = sum of rate x energy, energy per minute fixed).

A target above the charge limit, or more charging time than the window holds, is an
impossible schedule: it raises :class:`~evtwin.errors.ChargingError` naming the numbers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evtwin.charging.chargers import Charger
from evtwin.charging.session import ChargeRequest, SessionResult, simulate_session
from evtwin.charging.tariffs import MINUTES_PER_DAY, Tariff
from evtwin.charging.vehicle import CarChargeParams
from evtwin.errors import ChargingError
from evtwin.units import J_PER_KWH

__all__ = ["ChargePlan", "PlanSlot", "SmartRequest", "format_clock", "plan_charge"]


def format_clock(minute: float) -> str:
    """``HH:MM`` of a minute count from midnight of the plug-in day (wraps past 24 h)."""
    m = round(minute) % MINUTES_PER_DAY
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass(frozen=True, kw_only=True, slots=True)
class SmartRequest:
    """Plug in at ``plug_in_min`` (minutes after midnight), leave at ``depart_min``.

    A departure at or before plug-in time means the next day. ``charge_limit_soc`` is the
    car's charge limit setting; ``target_soc`` must not exceed it.
    """

    car: CarChargeParams
    supply: Charger
    tariff: Tariff
    from_soc: float
    target_soc: float
    charge_limit_soc: float
    plug_in_min: int
    depart_min: int
    battery_temp_c: float = 15.0

    def __post_init__(self) -> None:
        if self.supply.kind != "ac":
            raise ChargingError("smart charging plans an AC (home) supply, not a DC charger")
        if not 0.0 < self.charge_limit_soc <= 1.0:
            raise ChargingError(
                f"charge limit = {self.charge_limit_soc * 100:g} % is outside 1..100 %"
            )
        if self.target_soc > self.charge_limit_soc + 1e-12:
            raise ChargingError(
                f"target SOC = {self.target_soc * 100:g} % is above the charge limit of "
                f"{self.charge_limit_soc * 100:g} %: raise the limit or lower the target"
            )
        for name, m in (("plug-in", self.plug_in_min), ("departure", self.depart_min)):
            if not 0 <= m < MINUTES_PER_DAY:
                raise ChargingError(f"{name} time = {m} min is outside 0..1439 min after midnight")

    @property
    def window_min(self) -> int:
        """Minutes from plug-in to departure (next day when departure is not later)."""
        d = (self.depart_min - self.plug_in_min) % MINUTES_PER_DAY
        return d if d > 0 else MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class PlanSlot:
    """One charging period of the plan; minutes count from midnight of the plug-in day."""

    start_min: float
    end_min: float
    rate_gbp_per_kwh: float
    energy_grid_kwh: float
    soc_end: float

    @property
    def cost_gbp(self) -> float:
        return self.energy_grid_kwh * self.rate_gbp_per_kwh


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargePlan:
    """The cheapest schedule, its cost and the cost of charging at once on plug-in."""

    tariff: str
    slots: tuple[PlanSlot, ...]
    cost_gbp: float
    cost_immediate_gbp: float
    energy_grid_kwh: float
    energy_battery_kwh: float
    charging_minutes: float
    window_minutes: float
    plug_in_min: float
    """Minutes after midnight of the plug-in day; the window ends ``window_minutes`` later."""
    why: str
    session: SessionResult = field(repr=False)

    @property
    def saving_gbp(self) -> float:
        return self.cost_immediate_gbp - self.cost_gbp

    def to_json(self) -> dict[str, Any]:
        return {
            "tariff": self.tariff,
            "cost_gbp": round(self.cost_gbp, 2),
            "cost_if_charged_on_plug_in_gbp": round(self.cost_immediate_gbp, 2),
            "saving_gbp": round(self.saving_gbp, 2),
            "energy_grid_kwh": round(self.energy_grid_kwh, 3),
            "energy_battery_kwh": round(self.energy_battery_kwh, 3),
            "charging_minutes": round(self.charging_minutes, 1),
            "window_minutes": round(self.window_minutes, 1),
            "slots": [
                {
                    "start": format_clock(s.start_min),
                    "end": format_clock(s.end_min),
                    "rate_p_per_kwh": round(s.rate_gbp_per_kwh * 100, 2),
                    "energy_grid_kwh": round(s.energy_grid_kwh, 3),
                    "cost_gbp": round(s.cost_gbp, 2),
                    "soc_end_percent": round(s.soc_end * 100, 1),
                }
                for s in self.slots
            ],
            "why": self.why,
        }


def _pieces(req: SmartRequest) -> list[tuple[float, float, float]]:
    """The window cut at every tariff boundary: (start, end, rate), start of day = 0."""
    t0, t1 = float(req.plug_in_min), float(req.plug_in_min + req.window_min)
    cuts = {t0, t1}
    for day in (0, MINUTES_PER_DAY):
        for b in req.tariff.boundaries():
            if t0 < b + day < t1:
                cuts.add(float(b + day))
    edges = sorted(cuts)
    return [(a, b, req.tariff.rate_at((a + b) / 2.0)) for a, b in itertools.pairwise(edges)]


def plan_charge(req: SmartRequest) -> ChargePlan:
    """Cheapest schedule meeting ``req.target_soc`` by departure; raises if impossible."""
    if req.target_soc <= req.from_soc:
        raise ChargingError(
            f"target SOC = {req.target_soc * 100:g} % is not above the present "
            f"{req.from_soc * 100:g} %: nothing to charge"
        )
    session = simulate_session(
        ChargeRequest(
            car=req.car,
            charger=req.supply,
            from_soc=req.from_soc,
            to_soc=req.target_soc,
            battery_temp_c=req.battery_temp_c,
        )
    )
    tr = session.trace
    need_min = session.minutes
    if need_min > req.window_min + 1e-9:
        # what the window can deliver, read off the simulated session
        reach = float(np.interp(req.window_min * 60.0, tr.time_s, tr.soc))
        raise ChargingError(
            f"impossible schedule: {req.from_soc * 100:g} % to {req.target_soc * 100:g} % needs "
            f"{need_min / 60:.1f} h at up to {session.peak_kw:.1f} kW, but plug-in "
            f"{format_clock(req.plug_in_min)} to departure {format_clock(req.depart_min)} is "
            f"only {req.window_min / 60:.1f} h; the most reachable is {reach * 100:.0f} %"
        )
    # cumulative grid energy (J) over charging time, from the trace
    p_grid = tr.inlet_power_w / (session.energy_plug_kwh / session.energy_grid_kwh)
    dt = np.diff(tr.time_s)
    e_cum = np.concatenate([[0.0], np.cumsum(p_grid[:-1] * dt)])
    e_cum *= session.energy_grid_kwh * J_PER_KWH / max(e_cum[-1], 1e-9)

    def energy_kwh(t0_min: float, t1_min: float) -> float:
        a, b = np.interp([t0_min * 60.0, t1_min * 60.0], tr.time_s, e_cum)
        return float(b - a) / J_PER_KWH

    pieces = _pieces(req)
    order = sorted(range(len(pieces)), key=lambda i: (pieces[i][2], -pieces[i][0]))
    chosen: list[tuple[float, float, float]] = []
    left = need_min
    for i in order:
        a, b, rate = pieces[i]
        take = min(b - a, left)
        if take <= 0.0:
            break
        chosen.append((b - take, b, rate))  # charge late in the piece: less time held full
        left -= take
    chosen.sort()
    slots: list[PlanSlot] = []
    used = 0.0
    for a, b, rate in chosen:
        e = energy_kwh(used, used + (b - a))
        used += b - a
        soc_end = float(np.interp(used * 60.0, tr.time_s, tr.soc))
        if slots and math.isclose(slots[-1].end_min, a) and slots[-1].rate_gbp_per_kwh == rate:
            prev = slots.pop()
            slots.append(PlanSlot(prev.start_min, b, rate, prev.energy_grid_kwh + e, soc_end))
        else:
            slots.append(PlanSlot(a, b, rate, e, soc_end))
    cost = sum(s.cost_gbp for s in slots)
    # the alternative: charge at once on plug-in
    immediate = 0.0
    t = float(req.plug_in_min)
    for a, b, rate in pieces:
        if a >= t + need_min:
            break
        lo, hi = max(a, t), min(b, t + need_min)
        if hi > lo:
            immediate += energy_kwh(lo - t, hi - t) * rate
    return ChargePlan(
        tariff=req.tariff.name,
        slots=tuple(slots),
        cost_gbp=cost,
        cost_immediate_gbp=immediate,
        energy_grid_kwh=session.energy_grid_kwh,
        energy_battery_kwh=session.energy_battery_kwh,
        charging_minutes=need_min,
        window_minutes=float(req.window_min),
        plug_in_min=float(req.plug_in_min),
        why=_why(req, pieces, need_min, slots),
        session=session,
    )


def _why(
    req: SmartRequest,
    pieces: list[tuple[float, float, float]],
    need_min: float,
    slots: list[PlanSlot],
) -> str:
    cheapest = min(p[2] for p in pieces)
    cheap_min = sum(b - a for a, b, r in pieces if r == cheapest)
    text = (
        f"the charge needs {need_min / 60:.1f} h on this supply; the window "
        f"{format_clock(req.plug_in_min)}-{format_clock(req.depart_min)} holds "
        f"{cheap_min / 60:.1f} h at the cheapest rate ({cheapest * 100:g}p/kWh)"
    )
    if cheap_min + 1e-9 >= need_min:
        text += ", so all charging goes there, as late as possible (less time held at high SOC)"
    else:
        dear = [s for s in slots if s.rate_gbp_per_kwh > cheapest]
        text += (
            f", too little: {sum(s.end_min - s.start_min for s in dear) / 60:.1f} h must be "
            "bought at the next cheapest rates"
        )
    return text
