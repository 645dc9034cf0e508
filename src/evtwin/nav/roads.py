"""Routes through OSRM: detailed maps where one covers the trip, the GB motorway skeleton
otherwise, joined to the exact start and end points by straight-line legs (coarse parts).

Coarse legs (assumptions, stated in every plan that has one): the straight-line distance
times :data:`DETOUR_FACTOR` (1.3, a typical road-network circuity for Great Britain), driven
at :data:`COARSE_SPEED_KPH` on average with a 60 km/h cruise speed for the energy model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.errors import NavigationError
from evtwin.nav.maps import (
    BUNDLED_MAPS,
    BuiltMap,
    build_map,
    bundled_pbf,
    maps_cache_dir,
    read_built_map,
)
from evtwin.nav.skeleton import chord_correction, motorway_map

__all__ = [
    "COARSE_SPEED_KPH",
    "DETOUR_FACTOR",
    "RoadRoute",
    "Router",
    "haversine_m",
]

FloatArray = npt.NDArray[np.float64]
DETOUR_FACTOR = 1.3
COARSE_SPEED_KPH = 50.0
COARSE_CRUISE_KPH = 60.0
OSRM_SPEED_REDUCTION = 0.8
"""car.lua drives at 80 % of the posted limit; the cruise speed is the limit itself."""
_MAX_GAP_DETAILED_M = 2000.0
_MAX_GAP_M = 250_000.0
_COARSE_MIN_M = 50.0


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance (m) on a 6,371 km sphere; numpy-broadcasting."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _plain(x: Any) -> Any:
    import osrm

    if isinstance(x, osrm.Object):
        return {k: _plain(x[k]) for k in x}
    if isinstance(x, osrm.Array):
        return [_plain(v) for v in x]
    return x


def decode_polyline6(text: str) -> list[tuple[float, float]]:
    """(lat, lon) points of an encoded polyline with 6 decimals (Google's algorithm)."""
    out: list[tuple[float, float]] = []
    i = lat = lon = 0
    n = len(text)
    while i < n:
        vals = []
        for _ in range(2):
            shift = result = 0
            while True:
                b = ord(text[i]) - 63
                i += 1
                result |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            vals.append(~(result >> 1) if result & 1 else result >> 1)
        lat += vals[0]
        lon += vals[1]
        out.append((lat / 1e6, lon / 1e6))
    return out


@cache
def _engine(base: Path) -> Any:
    import osrm

    try:
        return osrm.OSRM(str(base))
    except Exception as e:  # the bindings raise plain RuntimeError/ValueError
        raise NavigationError(f"cannot open map {base}: {e}; rebuild it (evtwin maps build)") from e


@dataclass(slots=True)
class RoadRoute:
    """A route as vertices and segments (SI), with its maneuvers and coarse parts."""

    lat: FloatArray
    lon: FloatArray
    seg_m: FloatArray
    seg_s: FloatArray
    cruise_kph: FloatArray
    coarse: npt.NDArray[np.bool_]
    maneuvers: list[dict[str, Any]]
    coarse_parts: list[dict[str, Any]]
    map_name: str
    attribution: str
    waypoint_vertex: list[int] = field(default_factory=list)
    local_maps: list[str] = field(default_factory=list)
    """Detailed maps joined to the skeleton at the ends (the skeleton route's map_name stays)."""

    @property
    def distance_m(self) -> float:
        return float(self.seg_m.sum())

    @property
    def duration_s(self) -> float:
        return float(self.seg_s.sum())


def _splice(a: RoadRoute, b: RoadRoute, *, at_start: bool) -> RoadRoute:
    """``a`` then ``b``: at the start, ``a`` (local roads) replaces ``b``'s first straight
    segment; at the end, ``b`` (local roads) replaces ``a``'s last one."""
    if at_start:
        local, main = a, b
        lat = np.concatenate((local.lat, main.lat[2:]))
        lon = np.concatenate((local.lon, main.lon[2:]))
        sl = slice(1, None)
        parts = [
            *(
                dict(p, what="local map edge to motorway")
                if p["what"] == "road to destination"
                else p
                for p in local.coarse_parts
            ),
            *main.coarse_parts[1:],
        ]
        seg = (local, main, sl, None)
        shift = len(local.lat) - 2
        wp = [0, *(v + shift for v in main.waypoint_vertex[1:])]
        maneuvers = [*local.maneuvers[:-1], *main.maneuvers]
        local_name = local.map_name
    else:
        main, local = a, b
        lat = np.concatenate((main.lat[:-1], local.lat[1:]))
        lon = np.concatenate((main.lon[:-1], local.lon[1:]))
        sl = slice(None, -1)
        parts = [
            *main.coarse_parts[:-1],
            *(
                dict(p, what="motorway to local map edge") if p["what"] == "start to road" else p
                for p in local.coarse_parts
            ),
        ]
        seg = (main, local, sl, None)
        wp = [*main.waypoint_vertex[:-1], len(lat) - 1]
        maneuvers = [*main.maneuvers[:-1], *local.maneuvers[1:]]
        local_name = local.map_name
    first, second, cut, _ = seg

    def cat(name: str) -> Any:
        x, y = getattr(first, name), getattr(second, name)
        return np.concatenate((x, y[cut])) if at_start else np.concatenate((x[cut], y))

    return RoadRoute(
        lat=lat,
        lon=lon,
        seg_m=cat("seg_m"),
        seg_s=cat("seg_s"),
        cruise_kph=cat("cruise_kph"),
        coarse=cat("coarse"),
        maneuvers=maneuvers,
        coarse_parts=parts,
        map_name=main.map_name,
        attribution=main.attribution,
        waypoint_vertex=wp,
        local_maps=[*main.local_maps, local_name],
    )


def _field(obj: Any, key: str) -> str:
    """An optional string field of an OSRM object ('' if absent)."""
    return str(obj[key]) if key in obj else ""


@cache
def _pbf_box(path: Path) -> tuple[float, float, float, float] | None:
    import osmium

    try:
        box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    except RuntimeError:
        return None
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


class Router:
    """Road routing over the bundled and user-built maps (built on first use, cached)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir if cache_dir is not None else maps_cache_dir()
        self._user_maps: list[BuiltMap] | None = None

    def detailed_maps_for(self, points: Sequence[tuple[float, float]]) -> list[BuiltMap]:
        """Built maps whose area holds every point (bundled ones are built when needed)."""
        out: list[BuiltMap] = []
        for key in BUNDLED_MAPS:
            box = _pbf_box(bundled_pbf(key))
            if box and all(box[0] <= lo <= box[2] and box[1] <= la <= box[3] for la, lo in points):
                out.append(build_map(bundled_pbf(key), cache_dir=self.cache_dir))
        out.extend(m for m in self.user_maps() if all(m.contains(la, lo) for la, lo in points))
        return out

    def user_maps(self) -> list[BuiltMap]:
        """Maps built with ``evtwin maps build`` in the cache (read once per router)."""
        if self._user_maps is None:
            found = []
            skip = ("gb-motorways", *(Path(v).name.split(".")[0] for v in BUNDLED_MAPS.values()))
            if self.cache_dir.is_dir():
                for d in sorted(self.cache_dir.iterdir()):
                    if (d / "map.json").is_file() and not d.name.startswith(skip):
                        found.append(read_built_map(d))
            self._user_maps = found
        return self._user_maps

    def route(self, points: Sequence[tuple[float, float]]) -> RoadRoute:
        """Route through ``points`` (lat, lon): a detailed map if one holds them all, else the
        GB motorway skeleton with straight-line legs to and from it."""
        if len(points) < 2:
            raise NavigationError("a route needs a start and a destination")
        for m in self.detailed_maps_for(points):
            r = self._osrm_route(m, points, correction=1.0, cap_kph=130.0)
            if r is not None and all(p["gap_m"] <= _MAX_GAP_DETAILED_M for p in r.coarse_parts):
                return r
        sk = motorway_map(cache_dir=self.cache_dir)
        r = self._osrm_route(sk, points, correction=chord_correction(), cap_kph=112.65)
        if r is None:
            raise NavigationError("no road route between these places on the GB motorway network")
        return self._join_local(r, points)

    def _join_local(self, r: RoadRoute, points: Sequence[tuple[float, float]]) -> RoadRoute:
        """Replace the straight-line leg at either end by local roads where a detailed map
        holds that end: local roads from the place toward the motorway entry, then a
        (shorter) straight line from where the local map ends."""
        if r.coarse.size == 0:
            return r
        if r.coarse[0] and len(points) >= 2:
            start = points[0]
            entry = (float(r.lat[1]), float(r.lon[1]))
            maps = self.detailed_maps_for([start])
            local = (
                self._osrm_route(maps[0], [start, entry], correction=1.0, cap_kph=130.0)
                if maps
                else None
            )
            if local is not None and local.distance_m < r.seg_m[0] * 1.5:
                r = _splice(local, r, at_start=True)
        if r.coarse[-1]:
            end = points[-1]
            exit_ = (float(r.lat[-2]), float(r.lon[-2]))
            maps = self.detailed_maps_for([end])
            local = (
                self._osrm_route(maps[0], [exit_, end], correction=1.0, cap_kph=130.0)
                if maps
                else None
            )
            if local is not None and local.distance_m < r.seg_m[-1] * 1.5:
                r = _splice(r, local, at_start=False)
        return r

    def _osrm_route(
        self,
        m: BuiltMap,
        points: Sequence[tuple[float, float]],
        *,
        correction: float,
        cap_kph: float,
    ) -> RoadRoute | None:
        import osrm

        eng = _engine(m.base)
        params = osrm.RouteParameters(
            coordinates=[(lon, lat) for lat, lon in points],
            steps=True,
            annotations=["distance", "duration", "speed"],
            overview="full",
            geometries="polyline6",
            generate_hints=False,
        )
        try:
            res = eng.Route(params)
        except Exception:  # OSRM reports NoRoute/NoSegment as exceptions
            return None
        wps = [_plain(w) for w in res["waypoints"]]
        route = res["routes"][0]
        legs = route["legs"]
        lat_l: list[float] = []
        lon_l: list[float] = []
        seg_m: list[float] = []
        seg_s: list[float] = []
        cruise: list[float] = []
        coarse: list[bool] = []
        parts: list[dict[str, Any]] = []
        maneuvers: list[dict[str, Any]] = []
        wp_vertex: list[int] = []

        def add_coarse(a: tuple[float, float], b: tuple[float, float], what: str) -> None:
            gap = float(haversine_m(a[0], a[1], b[0], b[1]))
            parts.append(
                {
                    "what": what,
                    "gap_m": round(gap, 1),
                    "distance_km": round(gap * DETOUR_FACTOR / 1000, 2),
                    "method": f"straight line x {DETOUR_FACTOR} detour factor at "
                    f"{COARSE_SPEED_KPH:g} km/h",
                }
            )
            if gap < _COARSE_MIN_M:
                return
            if not lat_l:
                lat_l.append(a[0])
                lon_l.append(a[1])
            lat_l.append(b[0])
            lon_l.append(b[1])
            seg_m.append(gap * DETOUR_FACTOR)
            seg_s.append(gap * DETOUR_FACTOR / (COARSE_SPEED_KPH / 3.6))
            cruise.append(COARSE_CRUISE_KPH)
            coarse.append(True)

        for wp, pt in zip(wps, points, strict=True):
            if float(wp["distance"]) > _MAX_GAP_M:
                raise NavigationError(
                    f"{pt[0]:.4f},{pt[1]:.4f} is {float(wp['distance']) / 1000:.0f} km from the "
                    f"nearest road of the {m.name} map: out of its area (build a map of the "
                    "region with evtwin maps build)"
                )
        overview = decode_polyline6(str(route["geometry"]))
        offset = 0
        for li in range(len(legs)):
            leg = legs[li]
            p_from = points[li]
            w_loc = wps[li]["location"]
            snapped = (float(w_loc[1]), float(w_loc[0]))
            add_coarse(p_from, snapped, "start to road" if li == 0 else f"via {li} to road")
            if not lat_l:
                lat_l.append(snapped[0])
                lon_l.append(snapped[1])
            wp_vertex.append(len(lat_l) - 1)
            ann = leg["annotation"]
            d = np.asarray(list(ann["distance"]), dtype=np.float64)
            t = np.asarray(list(ann["duration"]), dtype=np.float64)
            for st in leg["steps"]:
                man = st["maneuver"]
                maneuvers.append(
                    {
                        "type": str(man["type"]),
                        "modifier": _field(man, "modifier"),
                        "road": str(st["name"]) or _field(st, "ref"),
                        "lat": round(float(man["location"][1]), 6),
                        "lon": round(float(man["location"][0]), 6),
                        "distance_m": round(float(st["distance"]) * correction, 1),
                        "duration_s": round(float(st["duration"]) * correction, 1),
                    }
                )
            # annotation segments are between consecutive geometry vertices
            n_seg = len(d)
            geo = overview[offset : offset + n_seg + 1]
            offset += n_seg
            if len(geo) != n_seg + 1:
                geo = [snapped] * (n_seg + 1)
            for k in range(n_seg):
                lat_l.append(geo[k + 1][0])
                lon_l.append(geo[k + 1][1])
                sp = d[k] / t[k] * 3.6 if t[k] > 0 else 5.0
                seg_m.append(d[k] * correction)
                seg_s.append(t[k] * correction)
                cruise.append(min(sp / OSRM_SPEED_REDUCTION, cap_kph))
                coarse.append(False)
            w_to = wps[li + 1]["location"]
            snapped_to = (float(w_to[1]), float(w_to[0]))
            if li == len(legs) - 1:
                add_coarse(snapped_to, points[li + 1], "road to destination")
            else:
                add_coarse(snapped_to, points[li + 1], f"road to via {li + 1}")
                add_coarse(points[li + 1], snapped_to, f"via {li + 1} back to road")
        wp_vertex.append(len(lat_l) - 1)
        if not seg_m:
            lat_l.append(points[-1][0])
            lon_l.append(points[-1][1])
            seg_m.append(1.0)
            seg_s.append(1.0)
            cruise.append(COARSE_CRUISE_KPH)
            coarse.append(True)
        return RoadRoute(
            lat=np.asarray(lat_l),
            lon=np.asarray(lon_l),
            seg_m=np.asarray(seg_m),
            seg_s=np.asarray(seg_s),
            cruise_kph=np.asarray(cruise),
            coarse=np.asarray(coarse, dtype=bool),
            maneuvers=maneuvers,
            coarse_parts=[p for p in parts if p["gap_m"] >= _COARSE_MIN_M],
            map_name=m.name,
            attribution=m.attribution,
            waypoint_vertex=wp_vertex,
        )

    def detours(
        self, route: RoadRoute, vertex: Sequence[int], sites: Sequence[tuple[float, float]]
    ) -> tuple[FloatArray, FloatArray]:
        """Distance (m) and time (s) from each route vertex to its site and back (network
        part from OSRM's table, the last stretch to an off-network site as a coarse leg)."""
        import osrm

        n = len(sites)
        if n == 0:
            return np.zeros(0), np.zeros(0)
        if route.map_name == "gb-motorways":
            m = motorway_map(cache_dir=self.cache_dir)
            corr = chord_correction()
        else:
            pts = [(float(route.lat[v]), float(route.lon[v])) for v in vertex]
            m = self.detailed_maps_for(pts)[0]
            corr = 1.0
        eng = _engine(m.base)
        coords = [(float(route.lon[v]), float(route.lat[v])) for v in vertex]
        coords += [(lo, la) for la, lo in sites]
        out = np.zeros(n)
        out_s = np.zeros(n)
        for src, dst in ((range(n), range(n, 2 * n)), (range(n, 2 * n), range(n))):
            tp = osrm.TableParameters(
                coordinates=coords,
                sources=list(src),
                destinations=list(dst),
                annotations=["duration", "distance"],
            )
            res = eng.Table(tp)
            dist = res["distances"]
            dur = res["durations"]
            for i in range(n):
                d_i, t_i = dist[i][i], dur[i][i]
                out[i] += math.inf if d_i is None else float(d_i) * corr
                out_s[i] += math.inf if t_i is None else float(t_i) * corr
            snaps = res["destinations"] if src[0] == 0 else res["sources"]
            for i in range(n):
                gap = float(snaps[i]["distance"]) * DETOUR_FACTOR
                out[i] += gap
                out_s[i] += gap / (COARSE_SPEED_KPH / 3.6)
        return out, out_s
