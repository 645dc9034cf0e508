"""Reading OSRM's answer: the one-pass reader (`_read_route`, array polyline decoding) gives
exactly the routes of a plain reference that converts OSRM's whole JSON tree to Python first
and walks it point by point (the reader before the speed-up of issue 10's route call)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from evtwin.nav import Router, find_place
from evtwin.nav import roads as roads_mod
from evtwin.nav.maps import BuiltMap
from evtwin.nav.roads import (
    COARSE_CRUISE_KPH,
    COARSE_SPEED_KPH,
    DETOUR_FACTOR,
    OSRM_SPEED_REDUCTION,
    RoadRoute,
    decode_polyline6,
    haversine_m,
)


def _plain(x: Any) -> Any:
    """OSRM's whole JSON tree as Python dicts, lists and scalars."""
    import osrm

    if isinstance(x, osrm.Object):
        return {k: _plain(x[k]) for k in x}
    if isinstance(x, osrm.Array):
        return [_plain(v) for v in x]
    return x


def _decode_reference(text: str) -> list[tuple[float, float]]:
    """Google's polyline algorithm, one character at a time (6 decimals)."""
    out: list[tuple[float, float]] = []
    i = lat = lon = 0
    while i < len(text):
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


def _reference_route(
    m: BuiltMap, points: Sequence[tuple[float, float]], *, correction: float, cap_kph: float
) -> RoadRoute:
    """The route built from the fully converted answer, every field read (speed included)."""
    import osrm

    params = osrm.RouteParameters(
        coordinates=[(lon, lat) for lat, lon in points],
        steps=True,
        annotations=["distance", "duration", "speed"],
        overview="full",
        geometries="polyline6",
        generate_hints=False,
    )
    res = _plain(roads_mod._engine(m.base).Route(params))
    wps = res["waypoints"]
    legs = res["routes"][0]["legs"]
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
        if gap < 50.0:
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

    overview = _decode_reference(res["routes"][0]["geometry"])
    offset = 0
    for li, leg in enumerate(legs):
        w = wps[li]["location"]
        snapped = (float(w[1]), float(w[0]))
        add_coarse(points[li], snapped, "start to road" if li == 0 else f"via {li} to road")
        if not lat_l:
            lat_l.append(snapped[0])
            lon_l.append(snapped[1])
        wp_vertex.append(len(lat_l) - 1)
        d = np.asarray(leg["annotation"]["distance"], dtype=np.float64)
        t = np.asarray(leg["annotation"]["duration"], dtype=np.float64)
        for st in leg["steps"]:
            man = st["maneuver"]
            maneuvers.append(
                {
                    "type": man["type"],
                    "modifier": man.get("modifier", ""),
                    "road": st["name"] or st.get("ref", ""),
                    "lat": round(float(man["location"][1]), 6),
                    "lon": round(float(man["location"][0]), 6),
                    "distance_m": round(float(st["distance"]) * correction, 1),
                    "duration_s": round(float(st["duration"]) * correction, 1),
                }
            )
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
        w = wps[li + 1]["location"]
        snapped_to = (float(w[1]), float(w[0]))
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
        coarse_parts=[p for p in parts if p["gap_m"] >= 50.0],
        map_name=m.name,
        attribution=m.attribution,
        waypoint_vertex=wp_vertex,
    )


def _as_json(r: RoadRoute) -> dict[str, Any]:
    """Every field, arrays as lists of exact floats (compared with ==, no tolerance)."""
    out = {}
    for name in RoadRoute.__slots__:
        v = getattr(r, name)
        out[name] = v.tolist() if isinstance(v, np.ndarray) else v
    return out


def _places(*names: str | tuple[float, float]) -> list[tuple[float, float]]:
    out = []
    for n in names:
        if isinstance(n, tuple):
            out.append(n)
        else:
            p = find_place(n)
            out.append((p.lat, p.lon))
    return out


CASES = {
    "motorway skeleton": ("London", "Edinburgh"),
    "skeleton with a via": ("London", "Leeds", "Edinburgh"),
    "Rutland": ("Oakham", "Uppingham"),
    "Rutland with a via": ("Oakham", "Uppingham", "Stamford"),
    "Monaco with a via": ((43.7384, 7.4246), (43.7311, 7.4197), (43.7490, 7.4353)),
    "start on the destination": ((52.6703, -0.7280), (52.6703, -0.7280)),
}


@pytest.mark.parametrize("names", CASES.values(), ids=CASES.keys())
def test_every_osrm_route_reads_exactly_as_the_full_conversion(
    names: tuple[str | tuple[float, float], ...],
) -> None:
    router = Router()
    points = _places(*names)
    maps = router.detailed_maps_for(points)
    if maps:
        m, correction, cap = maps[0], 1.0, 130.0
    else:
        from evtwin.nav.skeleton import chord_correction, motorway_map

        m, correction, cap = motorway_map(), chord_correction(), 112.65
    ours = router._osrm_route(m, points, correction=correction, cap_kph=cap)
    assert ours is not None
    ref = _reference_route(m, points, correction=correction, cap_kph=cap)
    assert len(ours.maneuvers) > 0 and len(ours.lat) == len(ours.seg_m) + 1
    assert _as_json(ours) == _as_json(ref)


def test_the_array_decoder_matches_the_reference_on_real_and_known_polylines() -> None:
    # Google's documented example (5 decimals: 38.5,-120.2; 40.7,-120.95; 43.252,-126.453)
    lat, lon = decode_polyline6("_p~iF~ps|U_ulLnnqC_mqNvxq`@")
    assert lat.tolist() == [3.85, 4.07, 4.3252] and lon.tolist() == [-12.02, -12.095, -12.6453]
    assert [len(a) for a in decode_polyline6("")] == [0, 0]
    import osrm

    a, b = _places("London", "Edinburgh")
    from evtwin.nav.skeleton import motorway_map

    params = osrm.RouteParameters(
        coordinates=[(a[1], a[0]), (b[1], b[0])], overview="full", geometries="polyline6"
    )
    text = str(roads_mod._engine(motorway_map().base).Route(params)["routes"][0]["geometry"])
    lat, lon = decode_polyline6(text)
    assert list(zip(lat.tolist(), lon.tolist(), strict=True)) == _decode_reference(text)
    assert len(lat) > 100
