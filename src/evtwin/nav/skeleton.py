"""The GB motorway skeleton: OS Open Roads motorways → an OSM file → OSRM, for long trips.

``data/nav/roads/gb_motorways_{nodes,edges}.csv`` (OS Open Roads derivative, OGL v3.0:
"Contains OS data © Crown copyright and database right 2024") lists 6,151 link end points
and 6,648 links. They are written as an OSM PBF with PyPI ``osmium`` (one way per link,
``highway=motorway``, ``maxspeed=70 mph``, ``oneway=no`` because the source geometry is
undirected) and built by the same OSRM pipeline as any extract (:func:`build_map`).

The links have no intermediate geometry, so OSRM measures the straight chord between end
points. :data:`CHORD_CORRECTION` (sum of geodesic link lengths / sum of chords, computed from
the file when it is converted) scales skeleton distances back to the road length.
"""

from __future__ import annotations

import csv
import hashlib
import math
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

from evtwin.errors import DataFileError
from evtwin.nav.maps import BuiltMap, Progress, build_map, maps_cache_dir

__all__ = [
    "ROADS_ATTRIBUTION",
    "chord_correction",
    "motorway_map",
    "write_motorway_osm",
]

ROADS_ATTRIBUTION = (
    "GB motorways: Contains OS data © Crown copyright and database right 2024 (OS Open Roads, "
    "OGL v3.0)"
)
_NODE_ID_OFFSET = 1


def _roads_dir() -> Path:
    return Path(str(resources.files("evtwin") / "data" / "nav" / "roads"))


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _read() -> tuple[dict[int, tuple[float, float]], list[tuple[int, int, float, str]]]:
    d = _roads_dir()
    try:
        with (d / "gb_motorways_nodes.csv").open(encoding="utf-8") as f:
            nodes = {
                int(r["node_id"]): (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)
            }
        with (d / "gb_motorways_edges.csv").open(encoding="utf-8") as f:
            edges = [
                (int(r["u"]), int(r["v"]), float(r["length_m_geodesic"]), r["road"])
                for r in csv.DictReader(f)
            ]
    except (OSError, KeyError, ValueError) as e:
        raise DataFileError(f"GB motorway files in {d} are unreadable: {e}") from e
    return nodes, edges


@cache
def chord_correction() -> float:
    """Sum of geodesic link lengths over the sum of straight chords (≥ 1)."""
    nodes, edges = _read()
    geo = sum(e[2] for e in edges)
    chord = sum(_haversine_m(*nodes[u], *nodes[v]) for u, v, _, _ in edges)
    return geo / chord


def write_motorway_osm(path: Path) -> None:
    """Write the motorway network as an OSM PBF (see the module docstring)."""
    import osmium

    nodes, edges = _read()
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid in sorted(nodes):
            lat, lon = nodes[nid]
            writer.add_node(
                osmium.osm.mutable.Node(id=nid + _NODE_ID_OFFSET, location=(lon, lat), tags={})
            )
        for i, (u, v, _, road) in enumerate(edges, start=1):
            writer.add_way(
                osmium.osm.mutable.Way(
                    id=i,
                    nodes=[u + _NODE_ID_OFFSET, v + _NODE_ID_OFFSET],
                    tags={
                        "highway": "motorway",
                        "ref": road,
                        "name": road,
                        "maxspeed": "70 mph",
                        "oneway": "no",
                    },
                )
            )
    finally:
        writer.close()


@cache
def _inputs_digest() -> str:
    h = hashlib.sha256()
    for name in ("gb_motorways_nodes.csv", "gb_motorways_edges.csv"):
        h.update((_roads_dir() / name).read_bytes())
    return h.hexdigest()[:16]


def motorway_map(*, cache_dir: Path | None = None, progress: Progress | None = None) -> BuiltMap:
    """The built GB motorway skeleton (converted and built on first use, then cached)."""
    root = cache_dir if cache_dir is not None else maps_cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    pbf = root / f"gb-motorways-{_inputs_digest()}.osm.pbf"
    if not pbf.is_file():
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            part = Path(tmp) / "gb-motorways.osm.pbf"
            write_motorway_osm(part)
            part.replace(pbf)
    return build_map(
        pbf, name="gb-motorways", cache_dir=root, attribution=ROADS_ATTRIBUTION, progress=progress
    )
