"""Running cost from the physics engine: a UK year of driving, charged at dated tariffs.

Energy use is not a fixed efficiency: for each month of a UK year (monthly mean temperature,
``evtwin/data/usage/uk_year.toml``) every car drives its non-motorway miles on the WLTC and
its motorway miles at a steady 70 mph, with a stopgap cabin-heating load, in one batched
engine run (:func:`evtwin.sim.range.estimate_ranges`). The result is energy *at the plug*
(``consumption_ac_wh_per_km``; DC rapid charging is slightly more efficient than the AC
figure assumed for it — a conservative simplification).

Cost = plug energy x (home share x home tariff + (1 - home share) x public tariff), with the
tariff in force when each licence year starts; past the newest known price it is held flat
and said so. Standing charges are left out (the home pays them anyway).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from evtwin.errors import DataFileError, OwnershipError
from evtwin.ownership._data import Dated, as_float, as_str, dated_list, load_toml, pick
from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges, wltp_queries
from evtwin.sim.traces import constant_speed, cycle
from evtwin.units import KM_PER_MILE
from evtwin.vehicles.spec import VehicleSpec

__all__ = [
    "EnergyUse",
    "Tariff",
    "TariffPrice",
    "UkYear",
    "Usage",
    "blended_price",
    "load_tariffs",
    "load_uk_year",
    "simulate_year",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class UkYear:
    """Monthly temperatures, drive mix and the stopgap heating rule (sources in the file)."""

    monthly_mean_c: tuple[float, ...]
    temperature_source: str
    temperature_status: str
    motorway_share: float
    motorway_share_source: str
    motorway_speed_kph: float
    motorway_speed_source: str
    other_cycle: str
    other_cycle_source: str
    hvac_setpoint_c: float
    hvac_w_per_k: float
    hvac_heat_pump_factor: float
    hvac_source: str

    def hvac_w(self, temp_c: float, heat_pump: bool) -> float:
        """Stopgap heating load, W: ``w_per_k x max(0, setpoint - T)`` (x factor if heat pump)."""
        load = self.hvac_w_per_k * max(0.0, self.hvac_setpoint_c - temp_c)
        return load * (self.hvac_heat_pump_factor if heat_pump else 1.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class Usage:
    """How the owner drives and charges.

    ``home_share`` is the fraction of energy charged at home (the rest at public chargers of
    ``public_tariff``); ``motorway_share`` the fraction of miles on motorways.
    """

    miles_per_year: float
    home_share: float = 0.8
    motorway_share: float | None = None
    home_tariff: str = "price-cap"
    public_tariff: str = "public-rapid"
    hvac: bool = True

    def __post_init__(self) -> None:
        if not math.isfinite(self.miles_per_year) or self.miles_per_year <= 0:
            raise OwnershipError(
                f"miles per year must be above 0 mi, got {self.miles_per_year:g} mi"
            )
        if self.miles_per_year > 100_000:
            raise OwnershipError(
                f"miles per year {self.miles_per_year:g} mi is above 100,000 mi: not a car year"
            )
        for name, v in (("home share", self.home_share), ("motorway share", self.motorway_share)):
            if v is not None and not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise OwnershipError(f"{name} must be between 0 and 1, got {v:g}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Tariff:
    id: str
    kind: str
    name: str
    note: str
    periods: tuple[Dated, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class TariffPrice:
    """A tariff's unit price on a date, with a note when it is held flat."""

    tariff: Tariff
    pence_per_kwh: float
    period: Dated
    held: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tariff": self.tariff.id,
            "name": self.tariff.name,
            "pence_per_kwh": self.pence_per_kwh,
            "source": self.period.label(),
            "conflict": self.period.note or None,
            "held_flat": self.held or None,
            "note": self.tariff.note,
        }


def tariff_price(tariff: Tariff, on: dt.date) -> TariffPrice:
    """The unit price of ``tariff`` on ``on``; outside known periods the nearest is held."""
    d, held = pick(tariff.periods, on)
    note = ""
    if d is None:
        d = tariff.periods[0]
        note = f"{on.isoformat()} is before the first known price: earliest known held"
    elif held:
        note = f"no price known for {on.isoformat()}: newest known held flat (no forecast)"
    elif d.valid_to is None and on > d.valid_from:
        note = (
            f"price as seen from {d.valid_from.isoformat()}; later changes unknown: held flat "
            "(no forecast)"
        )
    return TariffPrice(tariff=tariff, pence_per_kwh=d.value, period=d, held=note)


def blended_price(
    usage: Usage, on: dt.date, tariffs: dict[str, Tariff]
) -> tuple[float, TariffPrice, TariffPrice]:
    """Pence per kWh at the plug for ``usage``'s home/public split on ``on``."""
    home = tariffs.get(usage.home_tariff)
    public = tariffs.get(usage.public_tariff)
    if home is None or home.kind != "home":
        raise OwnershipError(
            f"unknown home tariff {usage.home_tariff!r}; known: "
            + ", ".join(k for k, t in tariffs.items() if t.kind == "home")
        )
    if public is None or public.kind != "public":
        raise OwnershipError(
            f"unknown public tariff {usage.public_tariff!r}; known: "
            + ", ".join(k for k, t in tariffs.items() if t.kind == "public")
        )
    hp, pp = tariff_price(home, on), tariff_price(public, on)
    price = usage.home_share * hp.pence_per_kwh + (1.0 - usage.home_share) * pp.pence_per_kwh
    return price, hp, pp


@dataclass(frozen=True, kw_only=True, slots=True)
class EnergyUse:
    """A car's simulated UK year: plug energy per month and in total."""

    vehicle_id: str
    miles_per_year: float
    kwh_per_year: float
    monthly: tuple[dict[str, float], ...]
    followed_trace: bool
    assumptions: dict[str, str]

    @property
    def wh_per_km(self) -> float:
        return self.kwh_per_year * 1000.0 / (self.miles_per_year * KM_PER_MILE)

    @property
    def miles_per_kwh(self) -> float:
        return self.miles_per_year / self.kwh_per_year


def simulate_year(
    specs: Sequence[VehicleSpec], usage: Usage, year: UkYear
) -> tuple[dict[str, EnergyUse], dict[str, RangeEstimate]]:
    """One batched engine run: each car's UK year (12 months x 2 drive types) plus its WLTP
    range (needed for the grant's 100-mile test when no official figure exists)."""
    share = year.motorway_share if usage.motorway_share is None else usage.motorway_share
    other = cycle(year.other_cycle)
    mway = constant_speed(year.motorway_speed_kph)
    queries: list[RangeQuery] = []
    for spec in specs:
        for t in year.monthly_mean_c:
            hvac = year.hvac_w(t, bool(spec.heat_pump)) if usage.hvac else 0.0
            cond = Conditions(ambient_temp_c=t, hvac_w=hvac, initial_soc=1.0)
            queries.append(RangeQuery(spec, other, cond, "custom"))
            queries.append(RangeQuery(spec, mway, cond, "custom"))
    queries.extend(wltp_queries(specs, default_constants()))
    results = estimate_ranges(queries)
    n = len(year.monthly_mean_c)
    wltp = {s.id: results[len(specs) * 2 * n + i] for i, s in enumerate(specs)}
    ref_year = 2027  # day counts of a common year; leap days do not change the answer much
    days = [calendar.monthrange(ref_year, m + 1)[1] for m in range(n)]
    out: dict[str, EnergyUse] = {}
    for i, spec in enumerate(specs):
        monthly: list[dict[str, float]] = []
        kwh = 0.0
        followed = True
        for m in range(n):
            r_other, r_mway = results[i * 2 * n + 2 * m], results[i * 2 * n + 2 * m + 1]
            followed = followed and r_other.followed_trace and r_mway.followed_trace
            wh_km = (1 - share) * r_other.consumption_ac_wh_per_km + (
                share * r_mway.consumption_ac_wh_per_km
            )
            miles = usage.miles_per_year * days[m] / sum(days)
            kwh += wh_km * miles * KM_PER_MILE / 1000.0
            monthly.append(
                {
                    "month": m + 1,
                    "ambient_temp_c": year.monthly_mean_c[m],
                    "hvac_w": round(r_other.conditions["hvac_w"], 1),
                    "miles": round(miles, 1),
                    "plug_wh_per_km": round(wh_km, 1),
                }
            )
        out[spec.id] = EnergyUse(
            vehicle_id=spec.id,
            miles_per_year=usage.miles_per_year,
            kwh_per_year=kwh,
            monthly=tuple(monthly),
            followed_trace=followed,
            assumptions={
                "temperatures": f"[{year.temperature_status}] {year.temperature_source}",
                "motorway_share": f"{share:g} of miles; "
                + (year.motorway_share_source if usage.motorway_share is None else "user input"),
                "motorway_speed": f"{year.motorway_speed_kph:g} km/h: {year.motorway_speed_source}",
                "other_driving": year.other_cycle_source,
                "hvac": (
                    f"stopgap heating load {year.hvac_w_per_k:g} W/K below "
                    f"{year.hvac_setpoint_c:g} °C (x{year.hvac_heat_pump_factor:g} with a heat "
                    f"pump): {year.hvac_source}"
                    if usage.hvac
                    else "HVAC left out (--no-hvac): winter energy is understated"
                ),
                "energy_at_plug": r_other.assumptions.get("consumption_ac", ""),
                "heat_pump": (
                    "yes (spec file)"
                    if spec.heat_pump
                    else "no (spec file)"
                    if spec.heat_pump is False
                    else "unknown in the spec file: treated as none (resistive heating)"
                ),
            },
        )
    return out, wltp


@cache
def load_uk_year() -> UkYear:
    """The bundled UK driving year (``evtwin/data/usage/uk_year.toml``)."""
    where = "usage/uk_year.toml"
    d = load_toml(where)
    temps = d["temperature"]["monthly_mean_c"]
    if not isinstance(temps, list) or len(temps) != 12:
        raise DataFileError(f"{where}: monthly_mean_c must list 12 temperatures (°C)")
    mix, hvac, t = d["mix"], d["hvac"], d["temperature"]
    return UkYear(
        monthly_mean_c=tuple(float(x) for x in temps),
        temperature_source=as_str(t, "source", where),
        temperature_status=as_str(t, "status", where),
        motorway_share=as_float(mix, "motorway_share", where),
        motorway_share_source=as_str(mix, "motorway_share_source", where),
        motorway_speed_kph=as_float(mix, "motorway_speed_kph", where),
        motorway_speed_source=as_str(mix, "motorway_speed_source", where),
        other_cycle=as_str(mix, "other_cycle", where),
        other_cycle_source=as_str(mix, "other_cycle_source", where),
        hvac_setpoint_c=as_float(hvac, "setpoint_c", where),
        hvac_w_per_k=as_float(hvac, "w_per_k", where),
        hvac_heat_pump_factor=as_float(hvac, "heat_pump_factor", where),
        hvac_source=as_str(hvac, "source", where),
    )


@cache
def load_tariffs() -> dict[str, Tariff]:
    """The bundled tariffs by id (``evtwin/data/tariffs/uk_electricity.toml``)."""
    where = "tariffs/uk_electricity.toml"
    out: dict[str, Tariff] = {}
    for row in load_toml(where)["tariff"]:
        tid = as_str(row, "id", where)
        out[tid] = Tariff(
            id=tid,
            kind=as_str(row, "kind", where),
            name=as_str(row, "name", where),
            note=as_str(row, "note", where, ""),
            periods=dated_list(row.get("period"), "pence_per_kwh", f"{where} {tid}"),
        )
    return out
