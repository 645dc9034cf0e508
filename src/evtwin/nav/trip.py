"""A trip plan: places → road route → candidate chargers → leg energy → stops → bands.

:func:`plan_trip` answers a :class:`TripRequest` with the documented ``evtwin route --json``
object (``docs/nav.md``); the CLI and ``GET /api/v1/route`` both call it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.errors import NavigationError
from evtwin.nav.charge_curves import SOC_STEP, charge_curves, charge_matrix
from evtwin.nav.chargers import NCR_ATTRIBUTION, NCR_NOTE, ChargerFilter, load_chargers
from evtwin.nav.elevation import MAX_GRADE, Dem, RouteGrades, route_grades
from evtwin.nav.energy import (
    MODEL_ERROR_BIAS,
    MODEL_ERROR_SD,
    SPEED_FACTOR_SD,
    TEMP_SD_C,
    TRAFFIC_SD,
    DriveConditions,
    consumption_table,
    draw_samples,
    grade_row_weights,
    row_of,
    speed_bin,
)
from evtwin.nav.maps import OSM_ATTRIBUTION
from evtwin.nav.places import GEONAMES_ATTRIBUTION, Place, find_place
from evtwin.nav.planner import PlanProblem, StopPlan, plan_stops
from evtwin.nav.roads import COARSE_CRUISE_KPH, DETOUR_FACTOR, Router, haversine_m
from evtwin.nav.skeleton import ROADS_ATTRIBUTION
from evtwin.vehicles import VehicleSpec

__all__ = ["CORRIDOR_KM", "TripDetail", "TripRequest", "plan_trip", "plan_trip_detail"]

FloatArray = npt.NDArray[np.float64]
CORRIDOR_KM = 15.0
"""Chargers farther than this (straight line) from the route are not considered."""
STOP_OVERHEAD_S = 180.0
"""Per stop: slowing, parking, plugging in and out (assumption)."""
ABOVE_MAX_SAVES_S = 60.0
"""Charging beyond max_soc is planned only if it saves at least this much time."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TripRequest:
    origin: str
    destination: str
    spec: VehicleSpec
    vias: tuple[str, ...] = ()
    soc_pct: float = 80.0
    min_arrival_soc_pct: float = 10.0
    max_charge_pct: float = 80.0
    depart: str | None = None
    temp_c: float = 23.0
    cabin_temp_c: float | None = None
    payload_kg: float = 0.0
    trailer_kg: float = 0.0
    confidence: float = 0.5
    samples: int = 1000
    charger_filter: ChargerFilter = field(default_factory=ChargerFilter)
    chargers_file: Path | None = None
    maps_dir: Path | None = None
    dem_dir: Path | None = None
    """A folder of SRTM .hgt tiles: elevation along the route (flat without one)."""

    def __post_init__(self) -> None:
        checks = [
            ("soc", self.soc_pct, 1.0, 100.0, "%"),
            ("min arrival SOC", self.min_arrival_soc_pct, 0.0, 50.0, "%"),
            ("max charge", self.max_charge_pct, 20.0, 100.0, "%"),
            ("temperature", self.temp_c, -40.0, 55.0, "°C"),
            ("payload", self.payload_kg, 0.0, 2000.0, "kg"),
            ("trailer", self.trailer_kg, 0.0, 5000.0, "kg"),
            ("confidence", self.confidence, 0.5, 0.99, ""),
        ]
        if self.cabin_temp_c is not None:
            checks.append(("cabin temperature", self.cabin_temp_c, 10.0, 32.0, "°C"))
        for name, v, lo, hi, unit in checks:
            if not math.isfinite(v) or not lo <= v <= hi:
                raise NavigationError(f"{name} = {v:g} {unit} is outside {lo:g}..{hi:g} {unit}")
        if self.soc_pct <= self.min_arrival_soc_pct:
            raise NavigationError(
                f"start SOC {self.soc_pct:g} % must be above the minimum arrival SOC "
                f"{self.min_arrival_soc_pct:g} %"
            )
        if not 1 <= self.samples <= 10_000:
            raise NavigationError(f"samples = {self.samples} must be within 1..10000")

    def depart_time(self) -> dt.time | None:
        if self.depart is None:
            return None
        try:
            return dt.time.fromisoformat(self.depart)
        except ValueError:
            raise NavigationError(f"--depart {self.depart!r}: give a time as HH:MM") from None


def _minutes(s: float) -> float:
    return round(s / 60.0, 1)


@dataclass(frozen=True, slots=True)
class TripDetail:
    """A plan with what a car needs to drive it: each leg's speed profile as
    (distance_m, cruise_kph) pieces, and the route geometry with cumulative distance."""

    plan: dict[str, Any]
    leg_profiles: tuple[tuple[tuple[float, float], ...], ...]
    leg_soc_used_pct: tuple[tuple[float, ...], ...]
    """Nominal SOC used (points) from each leg's start to the end of each profile piece."""
    lat: FloatArray
    lon: FloatArray
    cum_m: FloatArray


def plan_trip(req: TripRequest) -> dict[str, Any]:
    """The plan as the documented JSON object (see the module docstring)."""
    return plan_trip_detail(req).plan


def plan_trip_detail(req: TripRequest) -> TripDetail:
    """:func:`plan_trip` plus each leg's speed profile and the route geometry."""
    places = [find_place(req.origin), *(find_place(v) for v in req.vias)]
    places.append(find_place(req.destination))
    router = Router(req.maps_dir)
    route = router.route([(p.lat, p.lon) for p in places])
    n_v = len(route.lat)
    cum_m = np.concatenate(([0.0], np.cumsum(route.seg_m)))
    cum_s = np.concatenate(([0.0], np.cumsum(route.seg_s)))
    bins = speed_bin(route.cruise_kph)
    coarse_row = int(speed_bin(np.array([COARSE_CRUISE_KPH]))[0])
    grades: RouteGrades | None = None
    seg_grade = np.zeros(n_v - 1)
    if req.dem_dir is not None:
        grades = route_grades(Dem(req.dem_dir), route.lat, route.lon, route.seg_m, route.coarse)
        seg_grade = grades.grade
    # each segment's distance is split between the two grade classes around its grade
    g_lo, g_hi, w_hi = grade_row_weights(seg_grade)
    row_lo, row_hi = row_of(bins, g_lo), row_of(bins, g_hi)
    used_rows = np.unique(
        np.concatenate((row_lo[w_hi < 1.0], row_hi[w_hi > 0.0], [coarse_row]))
    ).astype(np.int64)
    # (a row with weight 0 may be absent from used_rows: clip, its weight keeps it out)
    col_lo = np.minimum(np.searchsorted(used_rows, row_lo), len(used_rows) - 1)
    col_hi = np.minimum(np.searchsorted(used_rows, row_hi), len(used_rows) - 1)
    coarse_bin = int(np.searchsorted(used_rows, coarse_row))
    cum_bin = np.zeros((n_v, len(used_rows)))
    seg_idx = np.arange(n_v - 1)
    np.add.at(cum_bin[1:], (seg_idx, col_lo), route.seg_m * (1.0 - w_hi))
    np.add.at(cum_bin[1:], (seg_idx, col_hi), route.seg_m * w_hi)
    cum_bin = np.cumsum(cum_bin, axis=0)

    # candidate chargers in the corridor, in route order
    sites = load_chargers(req.chargers_file, req.charger_filter)
    if sites:
        s_lat = np.array([s.lat for s in sites])
        s_lon = np.array([s.lon for s in sites])
        d = haversine_m(s_lat[:, None], s_lon[:, None], route.lat[None, :], route.lon[None, :])
        pairs = _passes(d <= CORRIDOR_KM * 1000, d)
    else:
        pairs = []
    cands = [sites[c] for c, _ in pairs]
    vtx = [v for _, v in pairs]
    det_m, det_s = router.detours(route, vtx, [(c.lat, c.lon) for c in cands])
    ok = np.isfinite(det_m)
    cands = [c for c, o in zip(cands, ok, strict=True) if o]
    vtx = [v for v, o in zip(vtx, ok, strict=True) if o]
    det_m, det_s = det_m[ok], det_s[ok]

    node_v = np.array([0, *vtx, n_v - 1], dtype=np.int64)
    n = len(node_v)
    half_m = np.concatenate(([0.0], det_m / 2, [0.0]))
    half_s = np.concatenate(([0.0], det_s / 2, [0.0]))
    # per-bin distance of every edge i -> j: along the route plus both detour halves
    edge_bins = cum_bin[node_v][None, :, :] - cum_bin[node_v][:, None, :]
    edge_bins[:, :, coarse_bin] += half_m[:, None] + half_m[None, :]
    forward = np.triu(np.ones((n, n), dtype=bool), 1)
    edge_bins = np.where(forward[:, :, None], np.maximum(edge_bins, 0.0), 0.0)

    cond = DriveConditions(
        temp_c=req.temp_c,
        cabin_temp_c=req.cabin_temp_c,
        payload_kg=req.payload_kg,
        trailer_kg=req.trailer_kg,
    )
    samples = draw_samples(req.samples, req.temp_c)
    table = consumption_table(req.spec, cond, samples, used_rows.tolist())
    batt = table.battery_j
    j_per_m = table.j_per_m[used_rows]
    nominal = j_per_m[:, 0]
    e_nom = edge_bins @ nominal
    if req.confidence > 0.5 and req.samples > 1:
        cov = np.atleast_2d(np.cov(j_per_m))
        z = NormalDist().inv_cdf(req.confidence)
        sd = np.sqrt(np.maximum(np.einsum("ijb,bc,ijc->ij", edge_bins, cov, edge_bins), 0.0))
        e_plan = e_nom + z * sd
    else:
        e_plan = e_nom
    edge_soc = np.where(forward, e_plan / batt, math.inf)
    drive_s = cum_s[node_v][None, :] - cum_s[node_v][:, None] + half_s[:, None] + half_s[None, :]
    edge_time = np.where(forward, drive_s, math.inf)

    powers = sorted({c.power_kw for c in cands})
    curves, peaks, high_v = (
        charge_curves(req.spec, powers, req.temp_c) if powers else ({}, {}, False)
    )
    mats = {kw: charge_matrix(curves[kw]) for kw in powers}
    charge = tuple(mats[c.power_kw] for c in cands)

    def solve(max_soc: float) -> StopPlan:
        return plan_stops(
            PlanProblem(
                start_soc=req.soc_pct / 100.0,
                min_arrival_soc=req.min_arrival_soc_pct / 100.0,
                max_soc=max_soc,
                soc_step=SOC_STEP,
                edge_soc=edge_soc,
                edge_time_s=edge_time,
                charge_time_s=charge,
                stop_overhead_s=STOP_OVERHEAD_S,
            )
        )

    plan: StopPlan | None = None
    try:
        plan = solve(req.max_charge_pct / 100.0)
    except NavigationError:
        plan = None
    try:
        full = solve(1.0)
    except NavigationError:
        full = None
    if full is None:
        raise _infeasible(req, places, route.distance_m, e_nom, node_v, cum_m, batt, cands)
    above_max = False
    if plan is None or full.total_s < plan.total_s - ABOVE_MAX_SAVES_S:
        plan, above_max = full, plan is not None or req.max_charge_pct < 100.0
    assert plan is not None

    # Monte Carlo arrival SOC along the chosen plan (sample 0 = nominal)
    path = list(plan.path)
    depart = [req.soc_pct / 100.0] + [s.depart_soc for s in plan.stops]
    arrivals = []
    for leg, (i, j) in enumerate(itertools.pairwise(path)):
        e_s = edge_bins[i, j] @ j_per_m
        arrivals.append(depart[leg] - e_s / batt)
    dest = arrivals[-1] * 100.0
    p10, p50, p90 = (float(np.percentile(dest, q)) for q in (10, 50, 90))
    confidence_met = float(np.mean(dest >= req.min_arrival_soc_pct - 1e-9))

    seg_j = route.seg_m * ((1.0 - w_hi) * nominal[col_lo] + w_hi * nominal[col_hi])
    coarse_j_per_m = float(nominal[coarse_bin])
    profiles = []
    soc_curves: list[tuple[float, ...]] = []
    for i, j in itertools.pairwise(path):
        a, b = int(node_v[i]), int(node_v[j])
        pieces = [(float(half_m[i]), COARSE_CRUISE_KPH)] if half_m[i] > 0 else []
        pieces += [
            (float(m_), float(k_))
            for m_, k_ in zip(route.seg_m[a:b], route.cruise_kph[a:b], strict=True)
        ]
        if half_m[j] > 0:
            pieces.append((float(half_m[j]), COARSE_CRUISE_KPH))
        profiles.append(tuple(pieces))
        used_j = np.concatenate(
            (
                [half_m[i] * coarse_j_per_m] if half_m[i] > 0 else [],
                seg_j[a:b],
                [half_m[j] * coarse_j_per_m] if half_m[j] > 0 else [],
            )
        )
        soc_curves.append(tuple(np.cumsum(used_j) / batt * 100.0))
    t0 = req.depart_time()
    stops_json = []
    t_cursor = 0.0
    stop_arrivals_s: list[float] = []
    legs_json = []
    total_charge = 0.0
    for leg, (i, j) in enumerate(itertools.pairwise(path)):
        dist_m = float(edge_bins[i, j].sum())
        legs_json.append(
            {
                "from": places[0].name if i == 0 else cands[i - 1].name,
                "to": places[-1].name if j == n - 1 else cands[j - 1].name,
                "distance_km": round(dist_m / 1000, 1),
                "drive_min": _minutes(float(edge_time[i, j])),
                "energy_kwh": round(float(e_nom[i, j]) / 3.6e6, 2),
                "depart_soc_pct": round(depart[leg] * 100, 1),
                "arrive_soc_pct": round(float(arrivals[leg][0]) * 100, 1),
                "arrive_soc_p10_pct": round(float(np.percentile(arrivals[leg], 10)) * 100, 1),
                "arrive_soc_p90_pct": round(float(np.percentile(arrivals[leg], 90)) * 100, 1),
            }
        )
        t_cursor += float(edge_time[i, j])
        if j != n - 1:
            st = plan.stops[leg]
            c = cands[j - 1]
            total_charge += st.charge_s
            stops_json.append(
                {
                    "charger_id": c.id,
                    "name": c.name,
                    "lat": c.lat,
                    "lon": c.lon,
                    "network": c.network,
                    "arrive_soc_pct": round(st.arrive_soc * 100, 1),
                    "depart_soc_pct": round(st.depart_soc * 100, 1),
                    "charge_min": _minutes(st.charge_s),
                    "power_kw": c.power_kw,
                    "peak_charge_kw": round(float(peaks[c.power_kw]), 1),
                    "detour_km": round(float(det_m[j - 1]) / 1000, 1),
                    "arrive_after_min": _minutes(t_cursor),
                }
            )
            stop_arrivals_s.append(t_cursor)
            t_cursor += st.charge_s + STOP_OVERHEAD_S
    drive_total = float(sum(edge_time[i, j] for i, j in itertools.pairwise(path)))
    overhead = STOP_OVERHEAD_S * len(plan.stops)
    traffic_total = drive_total * samples.traffic
    total_band = traffic_total + total_charge + overhead
    assumptions = _assumptions(
        req,
        hvac_w=float(table.hvac_w[0]),
        above_max=above_max,
        n_candidates=len(cands),
        confidence_met=confidence_met,
        high_v=high_v,
        peaks={kw: peaks[kw] for kw in powers},
        grades=grades,
    )
    attribution = [OSM_ATTRIBUTION if route.map_name != "gb-motorways" else ROADS_ATTRIBUTION]
    attribution.append(GEONAMES_ATTRIBUTION)
    if route.map_name == "gb-motorways":
        what = "local roads, place names" if route.local_maps else "place names"
        attribution.append(f"{OSM_ATTRIBUTION} ({what})")
    attribution.append(NCR_ATTRIBUTION if req.chargers_file is None else str(req.chargers_file))
    total_s = drive_total + total_charge + overhead
    eta: dict[str, Any] = {}
    if t0 is not None:
        start = dt.datetime.combine(dt.date(2000, 1, 1), t0)
        eta = {
            "depart": t0.strftime("%H:%M"),
            "arrive": (start + dt.timedelta(seconds=total_s)).strftime("%H:%M"),
        }
    # stops as (driving time from the start when reached, time spent there)
    dwell: list[tuple[float, float]] = []
    spent = 0.0
    for at_s, st_plan in zip(stop_arrivals_s, plan.stops, strict=True):
        dwell.append((at_s - spent, st_plan.charge_s + STOP_OVERHEAD_S))
        spent += st_plan.charge_s + STOP_OVERHEAD_S
    maneuvers = []
    t_m = 0.0
    for mv in route.maneuvers:
        item = dict(mv)
        t_eta = t_m + sum(d for at, d in dwell if at <= t_m)
        item["eta_min"] = _minutes(t_eta)
        if t0 is not None:
            start = dt.datetime.combine(dt.date(2000, 1, 1), t0)
            item["eta"] = (start + dt.timedelta(seconds=t_eta)).strftime("%H:%M")
        maneuvers.append(item)
        t_m += float(mv["duration_s"])
    plan_json = {
        "from": _place_json(places[0]),
        "to": _place_json(places[-1]),
        "vias": [_place_json(p) for p in places[1:-1]],
        "vehicle": req.spec.id,
        "vehicle_profile": "estimate" if req.spec.is_estimate else "published",
        "start_soc_pct": req.soc_pct,
        "min_arrival_soc_pct": req.min_arrival_soc_pct,
        "confidence": req.confidence,
        "samples": req.samples,
        "map": route.map_name,
        "local_maps": list(route.local_maps),
        "legs": legs_json,
        "stops": stops_json,
        "totals": {
            "distance_km": round(float(edge_bins[path[:-1], path[1:]].sum()) / 1000, 1),
            "drive_min": _minutes(drive_total),
            "charge_min": _minutes(total_charge),
            "stop_overhead_min": _minutes(overhead),
            "total_min": _minutes(total_s),
            "energy_kwh": round(
                sum(float(e_nom[i, j]) for i, j in itertools.pairwise(path)) / 3.6e6,
                2,
            ),
        },
        "total_min_band": {
            "p10": _minutes(float(np.percentile(total_band, 10))),
            "p50": _minutes(float(np.percentile(total_band, 50))),
            "p90": _minutes(float(np.percentile(total_band, 90))),
        },
        "arrival_soc_pct": {"p10": round(p10, 1), "p50": round(p50, 1), "p90": round(p90, 1)},
        "eta": eta,
        "maneuvers": maneuvers,
        "assumptions": assumptions,
        "coarse_parts": route.coarse_parts,
        "elevation": None
        if grades is None
        else {
            "climb_m": abs(round(grades.climb_m)),
            "descent_m": abs(round(grades.descent_m)),
            "no_data_km": round(grades.no_data_m / 1000, 1),
        },
        "attribution": attribution,
        "geometry": {
            "lat": [round(float(x), 5) for x in route.lat],
            "lon": [round(float(x), 5) for x in route.lon],
        },
    }
    return TripDetail(
        plan=plan_json,
        leg_profiles=tuple(profiles),
        leg_soc_used_pct=tuple(soc_curves),
        lat=route.lat,
        lon=route.lon,
        cum_m=cum_m,
    )


def _passes(within: npt.NDArray[np.bool_], d: FloatArray) -> list[tuple[int, int]]:
    """(charger, route vertex) for every pass of the route by a charger, in route order.

    A route that comes back the same way (a loop, a via and back) passes a charger more than
    once; each pass is a separate node, at the route vertex closest to the charger.
    """
    out: list[tuple[int, int]] = []
    for c in np.flatnonzero(within.any(axis=1)):
        idx = np.flatnonzero(within[c])
        for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1):
            out.append((int(c), int(run[np.argmin(d[c, run])])))
    out.sort(key=lambda cv: (cv[1], cv[0]))
    return out


def _assumptions(
    req: TripRequest,
    *,
    hvac_w: float,
    above_max: bool,
    n_candidates: int,
    confidence_met: float,
    high_v: bool,
    peaks: dict[float, float],
    grades: RouteGrades | None = None,
) -> dict[str, str]:
    """Every assumption behind a plan, in words (the JSON's ``assumptions``)."""
    assumptions: dict[str, str] = {
        "energy": "drive engine (evtwin.sim run_batch): every speed class x every sample in "
        "one batch; junction-to-junction traces (urban stop every 0.5 km, rural every 4 km, "
        "fast roads slow to 60 % every 15 km); "
        + ("grades from the DEM (see elevation)" if grades else "flat roads (no elevation data)"),
        "speed": "cruise at the road's speed limit (OSRM car profile speed / 0.8, GB "
        "motorways 70 mph); drive time from OSRM",
        "temperature_c": f"{req.temp_c:g} (pack at ambient; DC stops preconditioned "
        f"{'on' if req.temp_c < 20 else 'off'})",
        "climate": "off"
        if req.cabin_temp_c is None
        else f"cabin {req.cabin_temp_c:g} °C, "
        f"climate model load {hvac_w:.0f} W at {req.temp_c:g} °C",
        "payload_kg": f"{req.payload_kg:g}",
        "trailer_kg": f"{req.trailer_kg:g}",
        "charging": "charging model's non-linear curve per charger power "
        "(evtwin.charging); 50 kW-class units taken as 400 V class",
        "stop_overhead_min": f"{STOP_OVERHEAD_S / 60:g} per stop (assumption)",
        "max_charge": f"{req.max_charge_pct:g} % unless charging longer saves ≥ "
        f"{ABOVE_MAX_SAVES_S / 60:g} min" + (" (it does here)" if above_max else ""),
        "chargers": f"{req.charger_filter.connector.upper()}, ≥ "
        f"{req.charger_filter.min_power_kw:g} kW, in service, open access"
        + (f", network {req.charger_filter.network}" if req.charger_filter.network else "")
        + f"; within {CORRIDOR_KM:g} km of the route; {n_candidates} considered",
        "uncertainty": f"{req.samples} samples: temperature ±{TEMP_SD_C:g} °C (sd), speed "
        f"factor sd {SPEED_FACTOR_SD:g}, traffic time log-sd {TRAFFIC_SD:g} (assumptions), "
        f"model error sd {MODEL_ERROR_SD:.1%} bias {MODEL_ERROR_BIAS:+.1%} (real-road "
        "leave-one-out validation, BENCHMARKS.md)",
        "confidence": f"plan to ≥ {req.min_arrival_soc_pct:g} % arrival with "
        f"{req.confidence:.0%} confidence (normal approximation per leg); "
        f"{confidence_met:.0%} of samples meet it at the destination",
        "coarse_legs": f"straight line x {DETOUR_FACTOR} detour factor at 50 km/h",
    }
    assumptions["elevation"] = _elevation_note(req, grades)
    if req.chargers_file is None:
        assumptions["charger_data"] = NCR_NOTE
    low_v = [kw for kw in peaks if kw <= 100]
    if high_v and low_v:
        slow = [kw for kw in low_v if peaks[kw] < 0.95 * kw]
        assumptions["voltage"] = (
            f"{req.spec.name} is an 800 V car on 400 V-class units: it charges through its "
            "boost converter"
            + (
                ", slower than the units' rating: "
                + ", ".join(f"{kw:g} kW unit -> {peaks[kw]:.0f} kW peak" for kw in slow)
                if slow
                else f" (peak {', '.join(f'{peaks[kw]:.0f}' for kw in low_v)} kW, which keeps "
                "up with these units)"
            )
        )
    return assumptions


def _elevation_note(req: TripRequest, g: RouteGrades | None) -> str:
    if g is None:
        return "none: roads are taken as flat (give a folder of SRTM .hgt tiles with --dem)"
    note = (
        f"SRTM tiles in {req.dem_dir}: {abs(g.climb_m):.0f} m of climb, "
        f"{abs(g.descent_m):.0f} m of "
        f"descent along the road route (bilinear heights every 100 m, 3-sample average, grades "
        f"clipped to ±{MAX_GRADE:.0%}); climbing costs energy, descending regenerates within "
        "the car's limits"
    )
    if g.no_data_m > 0:
        note += (
            f"; {g.no_data_m / 1000:.1f} km of road outside the tiles or on void cells is "
            "taken as flat"
        )
    if g.coarse_m > 0:
        note += f"; coarse straight-line parts ({g.coarse_m / 1000:.1f} km) are flat"
    return note


def _place_json(p: Place) -> dict[str, Any]:
    return {"name": p.name, "lat": p.lat, "lon": p.lon, "source": p.source}


def _infeasible(
    req: TripRequest,
    places: list[Place],
    distance_m: float,
    e_nom: FloatArray,
    node_v: npt.NDArray[np.int64],
    cum_m: FloatArray,
    batt: float,
    cands: list[Any],
) -> NavigationError:
    usable = (1.0 - req.min_arrival_soc_pct / 100.0) * batt
    # the longest stretch between consecutive usable nodes along the route
    gaps = np.diff(cum_m[node_v])
    worst = int(np.argmax(gaps)) if len(gaps) else 0
    names = [places[0].name, *(c.name for c in cands), places[-1].name]
    per_km = float(e_nom[0, -1]) / max(distance_m / 1000.0, 1e-9)
    reach_km = usable / per_km
    return NavigationError(
        f"no plan from {places[0].name} to {places[-1].name}: with {len(cands)} usable "
        f"chargers near the route the longest gap is {gaps[worst] / 1000:.0f} km "
        f"({names[worst]} → {names[worst + 1]}), and the car covers about {reach_km:.0f} km "
        f"from 100 % to {req.min_arrival_soc_pct:g} % here. Start fuller (--soc), lower "
        "--min-arrival-soc or --charger-min-kw, or bring today's chargers (--chargers FILE)"
    )
