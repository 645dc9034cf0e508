"""Fleet questions answered from stored telemetry (the JSON objects the fleet API serves).

- consumption: per car, (consumed energy) / (distance) between its first and last sample
  in the window (accumulated-energy and odometer signals); range = net capacity / that.
- charging: a session starts where ``IsCharging`` turns true; start SOC = the car's last
  SOC at or before that sample; energy = growth of the accumulated charged energy.
- software: each car's latest reported version; a campaign view over a VIN-prefix group.
- campaign: a software campaign's status from what cars report (latest version vs the
  target, cumulative adoption per UTC day from each car's first report of the target).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from evtwin.errors import TelemetryError
from evtwin.fleet._store import TelemetryStore
from evtwin.telemetry import check_vin

__all__ = ["Campaign", "campaign", "charging", "consumption", "histogram", "latest", "software"]

MIN_KM_DEFAULT: Final = 5.0


def _window(since_s: float | None, until_s: float | None) -> tuple[str, list[float]]:
    lo = 0.0 if since_s is None else since_s
    hi = 4e9 if until_s is None else until_s
    if hi <= lo:
        raise TelemetryError(f"until_s ({hi:g}) must be after since_s ({lo:g})")
    return "t_s >= ? AND t_s < ?", [lo, hi]


def _stats(x: Sequence[float], nd: int = 1) -> dict[str, float | None]:
    if len(x) == 0:
        return {"p10": None, "p50": None, "p90": None, "mean": None}
    a = np.asarray(x, dtype=float)
    p10, p50, p90 = np.percentile(a, [10, 50, 90])
    return {
        "p10": round(float(p10), nd),
        "p50": round(float(p50), nd),
        "p90": round(float(p90), nd),
        "mean": round(float(a.mean()), nd),
    }


HISTOGRAM_BINS: Final = 12


def histogram(x: Sequence[float], bins: int = HISTOGRAM_BINS) -> dict[str, list[float] | list[int]]:
    """Equal-width bins over the values' range: ``edges`` (bins + 1) and ``counts`` (bins);
    both empty for no values."""
    if len(x) == 0:
        return {"edges": [], "counts": []}
    a = np.asarray(x, dtype=float)
    lo, hi = float(a.min()), float(a.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(a, bins=bins, range=(lo, hi))
    return {"edges": [round(float(e), 1) for e in edges], "counts": [int(c) for c in counts]}


def consumption(
    store: TelemetryStore,
    *,
    since_s: float | None = None,
    until_s: float | None = None,
    min_km: float = MIN_KM_DEFAULT,
) -> dict[str, Any]:
    where, params = _window(since_s, until_s)
    rows = store.query(
        "SELECT vin, (MAX(odometer_m) - MIN(odometer_m)) / 1000.0, "
        "MAX(consumed_kwh) - MIN(consumed_kwh), "
        f"MAX(net_capacity_kwh) FROM samples WHERE {where} GROUP BY vin",
        params,
    )
    wh_per_km, range_km = [], []
    for _vin, km, kwh, cap in rows:
        if km is None or kwh is None or km < min_km or kwh <= 0:
            continue
        c = kwh * 1000.0 / km
        wh_per_km.append(c)
        if cap:
            range_km.append(cap * 1000.0 / c)
    return {
        "cars_reporting": len(rows),
        "cars_with_distance": len(wh_per_km),
        "min_km": min_km,
        "consumption_wh_per_km": _stats(wh_per_km),
        "range_km": _stats(range_km),
        "histogram": {
            "consumption_wh_per_km": histogram(wh_per_km),
            "range_km": histogram(range_km),
        },
        "basis": "per car: accumulated consumed energy / odometer distance over the window; "
        "range = the car's reported net capacity / that consumption",
    }


def charging(
    store: TelemetryStore, *, since_s: float | None = None, until_s: float | None = None
) -> dict[str, Any]:
    where, params = _window(since_s, until_s)
    rows = store.query(
        "SELECT vin, t_s, is_charging, soc_percent FROM samples WHERE "
        f"{where} AND (is_charging IS NOT NULL OR soc_percent IS NOT NULL) ORDER BY vin, t_s",
        params,
    )
    sessions: Counter[str] = Counter()
    start_soc: list[float] = []
    last_vin, charging_now, soc = None, False, None
    for vin, _t, is_charging, soc_pct in rows:
        if vin != last_vin:
            last_vin, charging_now, soc = vin, False, None
        if soc_pct is not None:
            soc = soc_pct
        if is_charging is not None:
            on = bool(is_charging)
            if on and not charging_now:
                sessions[vin] += 1
                if soc is not None:
                    start_soc.append(soc)
            charging_now = on
    energy = store.query(
        "SELECT vin, MAX(charged_kwh) - MIN(charged_kwh) FROM samples "
        f"WHERE {where} AND charged_kwh IS NOT NULL GROUP BY vin",
        params,
    )
    return {
        "cars_reporting": len({r[0] for r in rows}),
        "sessions": sum(sessions.values()),
        "sessions_per_car": _stats(list(sessions.values()), 2),
        "start_soc_percent": _stats(start_soc),
        "charged_energy_kwh": round(sum(max(e or 0.0, 0.0) for _, e in energy), 3),
    }


def software(
    store: TelemetryStore,
    *,
    vin_prefixes: Sequence[str] = (),
    target_version: str | None = None,
) -> dict[str, Any]:
    for p in vin_prefixes:
        if not p.isalnum() or len(p) > 17:
            raise TelemetryError(f"VIN prefix {p!r} must be 1..17 letters/digits")
    rows = store.query(
        "SELECT s.vin, s.software_version FROM samples s JOIN (SELECT vin, MAX(t_s) AS mt "
        "FROM samples WHERE software_version IS NOT NULL GROUP BY vin) l "
        "ON s.vin = l.vin AND s.t_s = l.mt WHERE s.software_version IS NOT NULL"
    )
    latest = dict(sorted(rows))
    if vin_prefixes:
        latest = {v: s for v, s in latest.items() if any(v.startswith(p) for p in vin_prefixes)}
    versions = dict(sorted(Counter(latest.values()).items()))
    out: dict[str, Any] = {"cars": len(latest), "versions": versions}
    if vin_prefixes:
        out["group"] = list(vin_prefixes)
    if target_version is not None:
        on = versions.get(target_version, 0)
        out["target_version"] = target_version
        out["on_target"] = on
        out["on_target_share"] = round(on / len(latest), 4) if latest else None
    return out


@dataclass(frozen=True)
class Campaign:
    """A software campaign as the fleet service knows it: an id, the version it installs and
    the VIN prefixes of its group (empty: the whole fleet)."""

    id: str
    target_version: str
    vin_prefixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Campaign:
        """``ID:TARGET[:PREFIX+PREFIX…]``, e.g. ``spring-27:2.0.0:SALDS2027F``."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise TelemetryError(f"campaign must be ID:TARGET[:PREFIX+PREFIX...], got {text!r}")
        cid, target = parts[0], parts[1]
        if len(cid) > 64 or not cid.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise TelemetryError(f"campaign id {cid!r} must be 1..64 letters, digits, - _ .")
        if len(target) > 64:
            raise TelemetryError(f"campaign {cid!r}: target version longer than 64 characters")
        prefixes = tuple(p for p in parts[2].split("+") if p) if len(parts) == 3 else ()
        for p in prefixes:
            if not p.isalnum() or len(p) > 17:
                raise TelemetryError(f"VIN prefix {p!r} must be 1..17 letters/digits")
        return cls(cid, target, prefixes)


def campaign(store: TelemetryStore, c: Campaign) -> dict[str, Any]:
    """A campaign's status from telemetry: cars in its group (those that reported a version),
    how many run the target now, the share, cumulative adoption per UTC day and a status:
    ``not started`` (none on target), ``in progress`` or ``complete`` (all on target)."""
    census = software(store, vin_prefixes=c.vin_prefixes, target_version=c.target_version)
    first = store.query(
        "SELECT vin, MIN(t_s) FROM samples WHERE software_version = ? GROUP BY vin",
        [c.target_version],
    )
    if c.vin_prefixes:
        first = [r for r in first if any(r[0].startswith(p) for p in c.vin_prefixes)]
    per_day = Counter(int(t // 86400) for _, t in first)
    adoption, total = [], 0
    for day in sorted(per_day):
        total += per_day[day]
        adoption.append({"day_start_s": day * 86400, "cars_reached_target": total})
    cars, on = census["cars"], census["on_target"]
    status = "not started" if on == 0 else "complete" if on == cars else "in progress"
    return {
        "id": c.id,
        "target_version": c.target_version,
        "group": list(c.vin_prefixes),
        "status": status,
        "cars": cars,
        "on_target": on,
        "on_target_share": census["on_target_share"],
        "not_on_target": cars - on,
        "versions": census["versions"],
        "adoption": adoption,
        "basis": "what cars report (Vehicle.Software.CurrentVersion); the OTA server's own "
        "per-stage counts are `evtwin ota campaign status`",
    }


def latest(store: TelemetryStore, vin: str) -> dict[str, Any]:
    check_vin(vin)
    from evtwin.fleet._store import COLUMNS

    cols = ", ".join(COLUMNS)
    rows = store.query(
        f"SELECT t_s, position_exact, {cols} FROM samples WHERE vin = ? ORDER BY t_s DESC "
        "LIMIT 200",
        [vin],
    )
    if not rows:
        raise LookupError(vin)
    values: dict[str, Any] = {}
    for row in rows:  # newest first: the latest non-null value of each signal
        for col, v in zip(COLUMNS, row[2:], strict=True):
            if v is not None and col not in values:
                values[col] = bool(v) if col == "is_charging" else v
    return {"vin": vin, "time_s": rows[0][0], "position_exact": bool(rows[0][1]), **values}
