"""Build the central screen's map data (run by hand; the outputs are committed).

- ``frontend/public/map/gb_motorways.geojson``: every GB motorway link from
  ``/work/shared/data/roads`` (OS Open Roads derivative, OGL v3) as a straight line between
  its end nodes, coordinates rounded to 1e-4° (~10 m).
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
    (OUT / "places.json").write_text(
        json.dumps(places(data), separators=(",", ":")), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
