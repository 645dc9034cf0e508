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


_ANNOTATIONS = ["distance", "duration"]
"""Per-segment annotations asked of OSRM: the energy model needs each segment's distance and
time (its speed is their ratio), so OSRM's ``speed`` array is not requested."""


def decode_polyline6(text: str) -> tuple[FloatArray, FloatArray]:
    """(lat, lon) arrays of an encoded polyline with 6 decimals (Google's algorithm), decoded
    with array operations: each character carries 5 bits of a zigzag-encoded delta, low bits
    first; a character below 0x20 (after the offset of 63) ends a delta."""
    if not text:
        return np.zeros(0), np.zeros(0)
    b = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - 63
    ends = np.flatnonzero(b < 0x20)
    starts = np.concatenate(([0], ends[:-1] + 1))
    group = np.repeat(np.arange(len(ends)), ends - starts + 1)
    shift = 5 * (np.arange(len(b)) - starts[group])
    raw = np.add.reduceat((b & 0x1F) << shift, starts)
    delta = np.where(raw & 1, ~(raw >> 1), raw >> 1)
    return np.cumsum(delta[0::2]) / 1e6, np.cumsum(delta[1::2]) / 1e6


_Step = tuple[str, str, str, float, float, float, float]
"""(type, modifier, road, lat, lon, distance m, duration s) of one OSRM step's maneuver."""


@dataclass(frozen=True, slots=True)
class _OsrmLeg:
    """What one OSRM route leg contributes: its segments' annotations and its steps."""

    distance_m: FloatArray
    duration_s: FloatArray
    steps: list[_Step]


def _read_route(res: Any) -> tuple[list[tuple[float, float, float]], str, list[_OsrmLeg]]:
    """The fields of an OSRM route answer that evtwin uses, read in one pass.

    ``osrm-bindings`` (26.x) returns OSRM's JSON tree, without flatbuffers or JSON-text
    output, and every ``[]`` on it copies the whole sub-tree below the key (for a leg: all
    its steps with their intersections). So each level is entered once, in order, and only
    the fields used are read. Returns the waypoints as (snap distance m, lat, lon), the
    overview polyline6 and the legs.
    """
    waypoints = []
    for w in res["waypoints"]:
        loc = w["location"]
        waypoints.append((float(w["distance"]), float(loc[1]), float(loc[0])))
    route = res["routes"][0]
    legs = []
    for leg in route["legs"]:
        ann = leg["annotation"]
        steps: list[_Step] = []
        for st in leg["steps"]:
            man = st["maneuver"]
            loc = man["location"]
            steps.append(
                (
                    str(man["type"]),
                    str(man["modifier"]) if "modifier" in man else "",
                    str(st["name"]) or (str(st["ref"]) if "ref" in st else ""),
                    float(loc[1]),
                    float(loc[0]),
                    float(st["distance"]),
                    float(st["duration"]),
                )
            )
        legs.append(
            _OsrmLeg(
                distance_m=np.asarray(list(ann["distance"]), dtype=np.float64),
                duration_s=np.asarray(list(ann["duration"]), dtype=np.float64),
                steps=steps,
            )
        )
    return waypoints, str(route["geometry"]), legs


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


@cache
def _bundled_path(key: str) -> Path:
    """A bundled extract's path (looked up once per process)."""
    return bundled_pbf(key)


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
        # built maps, found (or built) once per router, as the user maps are
        self._bundled: dict[str, BuiltMap] = {}
        self._skeleton: BuiltMap | None = None

    def detailed_maps_for(self, points: Sequence[tuple[float, float]]) -> list[BuiltMap]:
        """Built maps whose area holds every point (bundled ones are built when needed)."""
        out: list[BuiltMap] = []
        for key in BUNDLED_MAPS:
            box = _pbf_box(_bundled_path(key))
            if box and all(box[0] <= lo <= box[2] and box[1] <= la <= box[3] for la, lo in points):
                if key not in self._bundled:
                    self._bundled[key] = build_map(_bundled_path(key), cache_dir=self.cache_dir)
                out.append(self._bundled[key])
        out.extend(m for m in self.user_maps() if all(m.contains(la, lo) for la, lo in points))
        return out

    def _motorway(self) -> BuiltMap:
        """The GB motorway skeleton (built on first use; found once per router)."""
        if self._skeleton is None:
            self._skeleton = motorway_map(cache_dir=self.cache_dir)
        return self._skeleton

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
        sk = self._motorway()
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
            annotations=_ANNOTATIONS,
            overview="full",
            geometries="polyline6",
            generate_hints=False,
        )
        try:
            res = eng.Route(params)
        except Exception:  # OSRM reports NoRoute/NoSegment as exceptions
            return None
        wps, geometry, legs = _read_route(res)
        del res
        for (snap_m, _, _), pt in zip(wps, points, strict=True):
            if snap_m > _MAX_GAP_M:
                raise NavigationError(
                    f"{pt[0]:.4f},{pt[1]:.4f} is {snap_m / 1000:.0f} km from the "
                    f"nearest road of the {m.name} map: out of its area (build a map of the "
                    "region with evtwin maps build)"
                )
        # vertices and segments as pieces (arrays), joined once at the end
        lat_p: list[FloatArray] = []
        lon_p: list[FloatArray] = []
        seg_m: list[FloatArray] = []
        seg_s: list[FloatArray] = []
        cruise: list[FloatArray] = []
        coarse: list[npt.NDArray[np.bool_]] = []
        n_vertex = 0
        parts: list[dict[str, Any]] = []
        maneuvers: list[dict[str, Any]] = []
        wp_vertex: list[int] = []

        def add_vertices(lat: Any, lon: Any) -> None:
            nonlocal n_vertex
            lat_p.append(np.atleast_1d(np.asarray(lat, dtype=np.float64)))
            lon_p.append(np.atleast_1d(np.asarray(lon, dtype=np.float64)))
            n_vertex += lat_p[-1].size

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
            if not n_vertex:
                add_vertices(a[0], a[1])
            add_vertices(b[0], b[1])
            seg_m.append(np.array([gap * DETOUR_FACTOR]))
            seg_s.append(np.array([gap * DETOUR_FACTOR / (COARSE_SPEED_KPH / 3.6)]))
            cruise.append(np.array([COARSE_CRUISE_KPH]))
            coarse.append(np.ones(1, dtype=bool))

        ov_lat, ov_lon = decode_polyline6(geometry)
        offset = 0
        for li, leg in enumerate(legs):
            p_from = points[li]
            snapped = (wps[li][1], wps[li][2])
            add_coarse(p_from, snapped, "start to road" if li == 0 else f"via {li} to road")
            if not n_vertex:
                add_vertices(snapped[0], snapped[1])
            wp_vertex.append(n_vertex - 1)
            for kind, modifier, road, lat, lon, dist, dur in leg.steps:
                maneuvers.append(
                    {
                        "type": kind,
                        "modifier": modifier,
                        "road": road,
                        "lat": round(lat, 6),
                        "lon": round(lon, 6),
                        "distance_m": round(dist * correction, 1),
                        "duration_s": round(dur * correction, 1),
                    }
                )
            # annotation segments are between consecutive geometry vertices
            d, t = leg.distance_m, leg.duration_s
            n_seg = len(d)
            if offset + n_seg + 1 <= len(ov_lat):
                add_vertices(
                    ov_lat[offset + 1 : offset + n_seg + 1], ov_lon[offset + 1 : offset + n_seg + 1]
                )
            else:
                add_vertices(np.full(n_seg, snapped[0]), np.full(n_seg, snapped[1]))
            offset += n_seg
            moving = t > 0
            speed_kph = np.full(n_seg, 5.0)
            speed_kph[moving] = d[moving] / t[moving] * 3.6
            seg_m.append(d * correction)
            seg_s.append(t * correction)
            cruise.append(np.minimum(speed_kph / OSRM_SPEED_REDUCTION, cap_kph))
            coarse.append(np.zeros(n_seg, dtype=bool))
            snapped_to = (wps[li + 1][1], wps[li + 1][2])
            if li == len(legs) - 1:
                add_coarse(snapped_to, points[li + 1], "road to destination")
            else:
                add_coarse(snapped_to, points[li + 1], f"road to via {li + 1}")
                add_coarse(points[li + 1], snapped_to, f"via {li + 1} back to road")
        wp_vertex.append(n_vertex - 1)
        if sum(s.size for s in seg_m) == 0:
            add_vertices(points[-1][0], points[-1][1])
            seg_m.append(np.ones(1))
            seg_s.append(np.ones(1))
            cruise.append(np.array([COARSE_CRUISE_KPH]))
            coarse.append(np.ones(1, dtype=bool))
        return RoadRoute(
            lat=np.concatenate(lat_p),
            lon=np.concatenate(lon_p),
            seg_m=np.concatenate(seg_m),
            seg_s=np.concatenate(seg_s),
            cruise_kph=np.concatenate(cruise),
            coarse=np.concatenate(coarse),
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
            m = self._motorway()
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
