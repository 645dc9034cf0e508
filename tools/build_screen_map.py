"""Build the central screen's map data (run by hand; the outputs are committed).

- ``frontend/public/map/gb_motorways.geojson``: every GB motorway link from
  ``/work/shared/data/roads`` (OS Open Roads derivative, OGL v3) as a straight line between
  its end nodes, coordinates rounded to 1e-4° (~10 m).
- ``frontend/public/map/rutland_roads.geojson``: the highways (motorway … residential) of
  the Rutland OpenStreetMap extract (``/work/shared/data/osm``; © OpenStreetMap contributors,
  ODbL 1.0), read with a minimal PBF reader, coordinates rounded to 1e-5°.
- ``frontend/public/map/places.json``: towns for the destination search: the median position
  of each town's public charge points in the NCR snapshot (``/work/shared/data/chargers``,
  OGL v3), towns with at least 3 devices.

    .venv/bin/python tools/build_screen_map.py [/work/shared/data]
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "frontend" / "public" / "map"


ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
)


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """Protocol-buffer fields (number, varint or bytes) of one message (wire types 0, 2, 5)."""
    out: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            out.append((number, value))
        elif wire == 2:
            n, i = _varint(buf, i)
            out.append((number, buf[i : i + n]))
            i += n
        elif wire == 5:
            i += 4
        elif wire == 1:
            i += 8
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def _packed(buf: bytes, signed: bool) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append((v >> 1) ^ -(v & 1) if signed else v)
    return out


def _delta(values: list[int]) -> list[int]:
    total, out = 0, []
    for v in values:
        total += v
        out.append(total)
    return out


def osm_roads(pbf: Path) -> dict[str, object]:
    """Highways of an OSM PBF extract as GeoJSON lines (a minimal PBF reader: dense nodes and
    ways, zlib blobs)."""
    import struct
    import zlib

    data = pbf.read_bytes()
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[str, list[int]]] = []
    i = 0
    while i < len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        header = dict(_fields(data[i + 4 : i + 4 + n]))
        size = int(header[3])  # type: ignore[arg-type]
        blob = dict(_fields(data[i + 4 + n : i + 4 + n + size]))
        i += 4 + n + size
        if header[1] != b"OSMData":
            continue
        raw = blob.get(1) or zlib.decompress(blob[3])  # type: ignore[arg-type]
        block = _fields(raw)  # type: ignore[arg-type]
        strings = [s for f, s in _fields(next(v for f, v in block if f == 1)) if f == 1]  # type: ignore[arg-type]
        gran = next((v for f, v in block if f == 17), 100)
        lat_off = next((v for f, v in block if f == 19), 0)
        lon_off = next((v for f, v in block if f == 20), 0)
        for f, group in block:
            if f != 2:
                continue
            for g, item in _fields(group):  # type: ignore[arg-type]
                if g == 2:
                    dense = dict(_fields(item))  # type: ignore[arg-type]
                    ids = _delta(_packed(dense[1], True))  # type: ignore[arg-type]
                    lats = _delta(_packed(dense[8], True))  # type: ignore[arg-type]
                    lons = _delta(_packed(dense[9], True))  # type: ignore[arg-type]
                    for nid, la, lo in zip(ids, lats, lons, strict=True):
                        nodes[nid] = (
                            1e-9 * (lon_off + gran * lo),  # type: ignore[operator]
                            1e-9 * (lat_off + gran * la),  # type: ignore[operator]
                        )
                elif g == 3:
                    way = _fields(item)  # type: ignore[arg-type]
                    keys = _packed(next((v for h, v in way if h == 2), b""), False)  # type: ignore[arg-type]
                    vals = _packed(next((v for h, v in way if h == 3), b""), False)  # type: ignore[arg-type]
                    tags = {strings[k]: strings[v] for k, v in zip(keys, vals, strict=True)}
                    kind = tags.get(b"highway", b"").decode()  # type: ignore[union-attr]
                    if kind in ROAD_CLASSES:
                        refs = _delta(_packed(next(v for h, v in way if h == 8), True))  # type: ignore[arg-type]
                        ways.append((kind, refs))
    by_kind: dict[str, list[list[list[float]]]] = {}
    for kind, refs in ways:
        line = [[round(nodes[r][0], 5), round(nodes[r][1], 5)] for r in refs if r in nodes]
        if len(line) >= 2:
            by_kind.setdefault(kind.removesuffix("_link"), []).append(line)
    features = [
        {
            "type": "Feature",
            "properties": {"highway": kind},
            "geometry": {"type": "MultiLineString", "coordinates": lines},
        }
        for kind, lines in sorted(by_kind.items())
    ]
    return {"type": "FeatureCollection", "features": features}


def motorways(data: Path) -> dict[str, object]:
    roads = data / "roads"
    with (roads / "gb_motorways_nodes.csv").open(encoding="utf-8") as f:
        nodes = {r["node_id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)}
    by_road: dict[str, list[list[list[float]]]] = {}
    with (roads / "gb_motorways_edges.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            a, b = nodes[r["u"]], nodes[r["v"]]
            line = [[round(a[0], 4), round(a[1], 4)], [round(b[0], 4), round(b[1], 4)]]
            by_road.setdefault(r["road"], []).append(line)
    features = [
        {
            "type": "Feature",
            "properties": {"road": road},
            "geometry": {"type": "MultiLineString", "coordinates": lines},
        }
        for road, lines in sorted(by_road.items())
    ]
    return {"type": "FeatureCollection", "features": features}


def places(data: Path) -> list[dict[str, object]]:
    towns: dict[str, list[tuple[float, float]]] = {}
    with (data / "chargers" / "ncr_gb_2017-11.csv").open(encoding="utf-8", errors="replace") as f:
        for r in csv.DictReader(f):
            town = (r.get("town") or "").strip().title()
            try:
                lat, lon = float(r["latitude"]), float(r["longitude"])
            except (TypeError, ValueError):
                continue
            if town and 49.8 < lat < 60.9 and -8.7 < lon < 1.8:
                towns.setdefault(town, []).append((lat, lon))
    out = [
        {
            "name": town,
            "lat": round(statistics.median(p[0] for p in pts), 4),
            "lon": round(statistics.median(p[1] for p in pts), 4),
        }
        for town, pts in sorted(towns.items())
        if len(pts) >= 3
    ]
    return out


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gb_motorways.geojson").write_text(
        json.dumps(motorways(data), separators=(",", ":")), encoding="utf-8"
    )
    (OUT / "rutland_roads.geojson").write_text(
        json.dumps(osm_roads(data / "osm" / "rutland-2022-07-20.osm.pbf"), separators=(",", ":")),
        encoding="utf-8",
    )
    (OUT / "places.json").write_text(
        json.dumps(places(data), separators=(",", ":")), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
