"""A UK year of driving and charging, from the physics, climate and charging models.

Energy use is not a fixed efficiency. For each month of a UK year (monthly mean temperature,
``evtwin/data/usage/uk_year.toml``) every car drives its non-motorway miles on the WLTC and
its motorway miles at a steady 70 mph, with the cabin HVAC power the climate model gives for
that month, speed and a typical trip (:func:`evtwin.climate.vehicle_hvac_w`: the warm-up from
a cold-soaked cabin is spread over the trip). All of it is one batched engine run
(:func:`evtwin.sim.range.estimate_ranges`), giving battery energy per km.

The energy *billed* per kWh put into the battery comes from the charging model
(:func:`evtwin.charging.simulate_sessions`, one batch): a session per car, month and charger
(the one each tariff names; 20 -> 80 %, pack at the month's temperature). Home AC is billed
at the wall (grid energy: onboard-charger and battery losses, housekeeping, pack heating
below 0 degC), public chargers at the plug (what they bill).

    cost = battery kWh x (home share x home kWh/battery kWh x home price
                          + (1 - home share) x public kWh/battery kWh x public price)
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from evtwin.charging import (
    Charger,
    ChargeRequest,
    SessionResult,
    car_charge_params,
    get_charger,
    simulate_sessions,
)
from evtwin.climate import vehicle_hvac_w
from evtwin.errors import ChargingError, DataFileError
from evtwin.ownership._data import as_float, as_str, load_toml
from evtwin.ownership.running import Tariff, Usage, usage_tariffs
from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges, wltp_queries
from evtwin.sim.traces import Trace, constant_speed, cycle
from evtwin.units import KM_PER_MILE
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["EnergyUse", "UkYear", "load_uk_year", "simulate_year"]

_M_PER_MILE = KM_PER_MILE * 1000.0


@dataclass(frozen=True, kw_only=True, slots=True)
class UkYear:
    """Monthly temperatures, drive mix, cabin climate and charging window (sources in file)."""

    monthly_mean_c: tuple[float, ...]
    temperature_source: str
    temperature_status: str
    motorway_share: float
    motorway_share_source: str
    motorway_speed_kph: float
    motorway_speed_source: str
    other_cycle: str
    other_cycle_source: str
    cabin_setpoint_c: float
    cabin_setpoint_source: str
    seat_heat: bool
    solar_note: str
    trip_miles: float
    trip_source: str
    motorway_trip_minutes: float
    motorway_trip_source: str
    charge_from_percent: float
    charge_to_percent: float
    charge_window_source: str


def _mean_speed_mps(trace: Trace) -> float:
    return trace.distance_m / max(trace.duration_s, 1.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class EnergyUse:
    """A car's simulated UK year: battery energy per month and what charging it bills.

    ``billed_per_battery_kwh[charger][month]`` is the energy billed (home: at the wall;
    public: at the plug) per kWh put into the battery through that charger in that month.
    """

    vehicle_id: str
    miles_per_year: float
    home_share: float
    battery_kwh_by_month: tuple[float, ...]
    billed_per_battery_kwh: Mapping[str, tuple[float, ...]]
    home_charger: str
    public_charger: str
    monthly: tuple[dict[str, Any], ...]
    charging: dict[str, dict[str, Any]]
    followed_trace: bool
    assumptions: dict[str, str]

    def billed_kwh(self, charger: str, share: float) -> float:
        """kWh billed per year for ``share`` of the battery energy through ``charger``."""
        f = self.billed_per_battery_kwh[charger]
        return share * sum(b * x for b, x in zip(self.battery_kwh_by_month, f, strict=True))

    @property
    def battery_kwh_per_year(self) -> float:
        return sum(self.battery_kwh_by_month)

    @property
    def home_kwh_per_year(self) -> float:
        """Energy at the wall for home charging, kWh per year."""
        return self.billed_kwh(self.home_charger, self.home_share)

    @property
    def public_kwh_per_year(self) -> float:
        """Energy at the plug of public chargers, kWh per year."""
        return self.billed_kwh(self.public_charger, 1.0 - self.home_share)

    @property
    def kwh_per_year(self) -> float:
        """Energy billed per year (home at the wall + public at the plug), kWh."""
        return self.home_kwh_per_year + self.public_kwh_per_year

    @property
    def wh_per_km(self) -> float:
        """Energy billed per km, Wh."""
        return self.kwh_per_year * 1000.0 / (self.miles_per_year * KM_PER_MILE)

    @property
    def battery_wh_per_km(self) -> float:
        return self.battery_kwh_per_year * 1000.0 / (self.miles_per_year * KM_PER_MILE)

    @property
    def miles_per_kwh(self) -> float:
        """Miles per kWh billed."""
        return self.miles_per_year / self.kwh_per_year

    def cost_pence(
        self,
        home_pence_per_kwh: float,
        public_pence_per_kwh: float,
        home_charger: str | None = None,
    ) -> float:
        """A year's energy cost, pence: home kWh x home price + public kWh x public price.

        ``home_charger`` (another home tariff's charger) defaults to this usage's one.
        """
        home_kwh = self.billed_kwh(home_charger or self.home_charger, self.home_share)
        return home_kwh * home_pence_per_kwh + self.public_kwh_per_year * public_pence_per_kwh


def _charger(cid: str, tariff: Tariff) -> Charger:
    try:
        return get_charger(cid)
    except ChargingError as e:
        raise DataFileError(
            f"tariffs/uk_electricity.toml: tariff {tariff.id} names charger {cid!r}: {e}"
        ) from e


def _session_json(res: Sequence[SessionResult], weights: Sequence[float]) -> dict[str, Any]:
    """A charger's sessions over the year: mean billed kWh per battery kWh (energy-weighted)."""
    first = res[0]
    factors = [_billed(r) for r in res]
    mean = sum(f * w for f, w in zip(factors, weights, strict=True)) / sum(weights)
    return {
        "charger": first.charger,
        "kind": first.kind,
        "billed_at": "wall (grid)" if first.kind == "ac" else "plug",
        "from_percent": round(first.from_soc * 100, 1),
        "to_percent": round(first.to_soc * 100, 1),
        "kwh_billed_per_kwh_battery": round(mean, 4),
        "minutes_january": round(first.minutes, 1),
        "minutes_july": round(res[6].minutes, 1) if len(res) > 6 else None,
        "losses_kwh_january": {k: round(v, 3) for k, v in first.losses_kwh.items()},
        "basis": "evtwin.charging session model (docs/charging.md)",
    }


def _billed(r: SessionResult) -> float:
    """Energy billed per battery kWh: grid (at the wall) for AC, plug for DC."""
    billed = r.energy_grid_kwh if r.kind == "ac" else r.energy_plug_kwh
    return billed / r.energy_battery_kwh


def simulate_year(
    specs: Sequence[VehicleSpec],
    usage: Usage,
    year: UkYear,
    tariffs: Mapping[str, Tariff],
) -> tuple[dict[str, EnergyUse], dict[str, RangeEstimate]]:
    """Each car's UK year (12 months x 2 drive types) plus its WLTP range (for the grant's
    100-mile test when no official figure exists) in one engine run, and the charging
    sessions of every charger the tariffs name in one charging batch."""
    home_t, public_t = usage_tariffs(usage, dict(tariffs))
    share = year.motorway_share if usage.motorway_share is None else usage.motorway_share
    other = cycle(year.other_cycle)
    mway = constant_speed(year.motorway_speed_kph)
    drives = (
        (other, year.trip_miles * _M_PER_MILE / _mean_speed_mps(other)),
        (mway, year.motorway_trip_minutes * 60.0),
    )
    n = len(year.monthly_mean_c)
    queries: list[RangeQuery] = []
    for spec in specs:
        for t in year.monthly_mean_c:
            for trace, trip_s in drives:
                hvac = (
                    vehicle_hvac_w(
                        spec,
                        ambient_c=t,
                        cabin_temp_c=year.cabin_setpoint_c,
                        speed_mps=_mean_speed_mps(trace),
                        seat_heat=year.seat_heat,
                        duration_s=trip_s,
                    )
                    if usage.hvac
                    else 0.0
                )
                cond = Conditions(ambient_temp_c=t, hvac_w=hvac, initial_soc=1.0)
                queries.append(RangeQuery(spec, trace, cond, "custom"))
    queries.extend(wltp_queries(specs, default_constants()))
    results = estimate_ranges(queries)
    wltp = {s.id: results[len(specs) * 2 * n + i] for i, s in enumerate(specs)}

    chargers: dict[str, Charger] = {}
    for tariff in tariffs.values():
        if tariff.charger not in chargers:
            chargers[tariff.charger] = _charger(tariff.charger, tariff)
    requests = [
        ChargeRequest(
            car=car_charge_params(spec),
            charger=ch,
            from_soc=year.charge_from_percent / 100.0,
            to_soc=year.charge_to_percent / 100.0,
            battery_temp_c=t,
        )
        for spec in specs
        for ch in chargers.values()
        for t in year.monthly_mean_c
    ]
    sessions = simulate_sessions(requests, record=False)

    ref_year = 2027  # day counts of a common year; leap days do not change the answer much
    days = [calendar.monthrange(ref_year, m + 1)[1] for m in range(n)]
    out: dict[str, EnergyUse] = {}
    nc = len(chargers)
    for i, spec in enumerate(specs):
        by_charger = {
            cid: sessions[(i * nc + k) * n : (i * nc + k + 1) * n] for k, cid in enumerate(chargers)
        }
        factors = {cid: tuple(_billed(r) for r in res) for cid, res in by_charger.items()}
        monthly: list[dict[str, Any]] = []
        battery_kwh: list[float] = []
        followed = True
        for m in range(n):
            r_other, r_mway = results[(i * n + m) * 2], results[(i * n + m) * 2 + 1]
            followed = followed and r_other.followed_trace and r_mway.followed_trace
            wh_km = (1 - share) * r_other.consumption_wh_per_km + (
                share * r_mway.consumption_wh_per_km
            )
            miles = usage.miles_per_year * days[m] / sum(days)
            battery_kwh.append(wh_km * miles * KM_PER_MILE / 1000.0)
            f_home, f_pub = factors[home_t.charger][m], factors[public_t.charger][m]
            billed = wh_km * (usage.home_share * f_home + (1 - usage.home_share) * f_pub)
            monthly.append(
                {
                    "month": m + 1,
                    "ambient_temp_c": year.monthly_mean_c[m],
                    "hvac_w": round(r_other.conditions["hvac_w"], 1),
                    "hvac_w_motorway": round(r_mway.conditions["hvac_w"], 1),
                    "miles": round(miles, 1),
                    "battery_wh_per_km": round(wh_km, 1),
                    "plug_wh_per_km": round(billed, 1),
                    "home_kwh_per_battery_kwh": round(f_home, 4),
                    "public_kwh_per_battery_kwh": round(f_pub, 4),
                }
            )
        charging = {
            "home": {"tariff": home_t.id, "source": home_t.charger_source}
            | _session_json(by_charger[home_t.charger], battery_kwh),
            "public": {"tariff": public_t.id, "source": public_t.charger_source}
            | _session_json(by_charger[public_t.charger], battery_kwh),
        }
        out[spec.id] = EnergyUse(
            vehicle_id=spec.id,
            miles_per_year=usage.miles_per_year,
            home_share=usage.home_share,
            battery_kwh_by_month=tuple(battery_kwh),
            billed_per_battery_kwh=factors,
            home_charger=home_t.charger,
            public_charger=public_t.charger,
            monthly=tuple(monthly),
            charging=charging,
            followed_trace=followed,
            assumptions=_assumptions(spec, usage, year, share, drives[0][1]),
        )
    return out, wltp


def _assumptions(
    spec: VehicleSpec, usage: Usage, year: UkYear, share: float, trip_s: float
) -> dict[str, str]:
    return {
        "temperatures": f"[{year.temperature_status}] {year.temperature_source}",
        "motorway_share": f"{share:g} of miles; "
        + (year.motorway_share_source if usage.motorway_share is None else "user input"),
        "motorway_speed": f"{year.motorway_speed_kph:g} km/h: {year.motorway_speed_source}",
        "other_driving": year.other_cycle_source,
        "hvac": (
            f"evtwin climate model (evtwin.climate.vehicle_hvac_w, docs/climate.md): cabin "
            f"held at {year.cabin_setpoint_c:g} °C ({year.cabin_setpoint_source}); warm-up "
            f"from a cabin soaked at the month's mean spread over a {trip_s / 60:.1f} min "
            f"trip off the motorway ({year.trip_miles:g} mi: {year.trip_source}) and a "
            f"{year.motorway_trip_minutes:g} min motorway trip ({year.motorway_trip_source}); "
            f"seat heating {'on' if year.seat_heat else 'off'}; {year.solar_note}"
            if usage.hvac
            else "HVAC left out (--no-hvac): winter energy is understated"
        ),
        "charging": (
            f"evtwin charging model, a {year.charge_from_percent:g} -> "
            f"{year.charge_to_percent:g} % session per month and charger with the pack at the "
            f"month's mean temperature ({year.charge_window_source}); home billed at the wall, "
            "public at the plug; home share = share of the battery energy put back at home"
        ),
        "heat_pump": (
            "yes (spec file)"
            if spec.heat_pump
            else "no (spec file)"
            if spec.heat_pump is False
            else "unknown in the spec file: treated as none (resistive heating)"
        ),
    }


@cache
def load_uk_year() -> UkYear:
    """The bundled UK driving year (``evtwin/data/usage/uk_year.toml``)."""
    where = "usage/uk_year.toml"
    d = load_toml(where)
    t, mix, cl, ch = d["temperature"], d["mix"], d["climate"], d["charging"]
    temps = t["monthly_mean_c"]
    if not isinstance(temps, list) or len(temps) != 12:
        raise DataFileError(f"{where}: monthly_mean_c must list 12 temperatures (°C)")
    seat = cl.get("seat_heat", False)
    if not isinstance(seat, bool):
        raise DataFileError(f"{where}: climate.seat_heat must be true or false, got {seat!r}")
    year = UkYear(
        monthly_mean_c=tuple(float(x) for x in temps),
        temperature_source=as_str(t, "source", where),
        temperature_status=as_str(t, "status", where),
        motorway_share=as_float(mix, "motorway_share", where),
        motorway_share_source=as_str(mix, "motorway_share_source", where),
        motorway_speed_kph=as_float(mix, "motorway_speed_kph", where),
        motorway_speed_source=as_str(mix, "motorway_speed_source", where),
        other_cycle=as_str(mix, "other_cycle", where),
        other_cycle_source=as_str(mix, "other_cycle_source", where),
        cabin_setpoint_c=as_float(cl, "cabin_setpoint_c", where),
        cabin_setpoint_source=as_str(cl, "cabin_setpoint_source", where),
        seat_heat=seat,
        solar_note=as_str(cl, "solar", where),
        trip_miles=as_float(cl, "trip_miles", where),
        trip_source=as_str(cl, "trip_source", where),
        motorway_trip_minutes=as_float(cl, "motorway_trip_minutes", where),
        motorway_trip_source=as_str(cl, "motorway_trip_source", where),
        charge_from_percent=as_float(ch, "from_percent", where),
        charge_to_percent=as_float(ch, "to_percent", where),
        charge_window_source=as_str(ch, "window_source", where),
    )
    if not (year.trip_miles > 0 and year.motorway_trip_minutes > 0):
        raise DataFileError(f"{where}: trip_miles and motorway_trip_minutes must be above 0")
    if not 0 <= year.charge_from_percent < year.charge_to_percent <= 100:
        raise DataFileError(f"{where}: charging window must satisfy 0 <= from < to <= 100 %")
    if not all(math.isfinite(x) for x in year.monthly_mean_c):
        raise DataFileError(f"{where}: monthly_mean_c must be finite (°C)")
    return year
