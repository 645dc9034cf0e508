"""Build the central screen's map data (run by hand; the outputs are committed).

- ``frontend/public/map/gb_motorways.geojson``: every GB motorway link from
  ``/work/shared/data/roads`` (OS Open Roads derivative, OGL v3) as a straight line between
  its end nodes, coordinates rounded to 1e-4° (~10 m).
- ``frontend/public/map/rutland_roads.geojson``: the highways (motorway … residential) of
  the Rutland OpenStreetMap extract (``/work/shared/data/osm``; © OpenStreetMap contributors,
  ODbL 1.0), read with pyosmium, coordinates rounded to 1e-5°.
- ``frontend/public/map/places.json``: names for the destination search, from the sat nav's
  own place index (:func:`evtwin.nav.known_places`: OSM place nodes of the bundled maps,
  © OpenStreetMap contributors; GeoNames GB towns and cities, CC BY 4.0).

    .venv/bin/python tools/build_screen_map.py [/work/shared/data]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import osmium

from evtwin.nav import known_places

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


def osm_roads(pbf: Path) -> dict[str, object]:
    """Highways of an OSM PBF extract as GeoJSON lines, read with pyosmium (node locations
    resolved in memory)."""
    by_kind: dict[str, list[list[list[float]]]] = {}
    reader = osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in reader:
        if not obj.is_way():
            continue
        kind = obj.tags.get("highway", "")
        if kind not in ROAD_CLASSES:
            continue
        line = [[round(n.lon, 5), round(n.lat, 5)] for n in obj.nodes if n.location.valid()]
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


def places() -> list[dict[str, object]]:
    """Destination-search names: the sat nav's own place index (OSM place nodes of the
    bundled maps, GeoNames GB towns and cities), so the screen offers what the planner finds."""
    return [
        {"name": p.name, "lat": round(p.lat, 4), "lon": round(p.lon, 4)} for p in known_places()
    ]


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
    (OUT / "places.json").write_text(json.dumps(places(), separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    main()
