"""``place=*`` nodes of an OSM extract (read with PyPI ``osmium``), best rank per name."""

from __future__ import annotations

from pathlib import Path

__all__ = ["PLACE_RANK", "read_place_nodes"]

PLACE_RANK = {"city": 0, "town": 1, "suburb": 2, "village": 3, "hamlet": 4}


def read_place_nodes(pbf: Path) -> dict[str, tuple[str, float, float, int]]:
    """casefolded name -> (name, lat, lon, rank); a city beats a hamlet of the same name."""
    import osmium

    found: dict[str, tuple[str, float, float, int]] = {}
    fp = osmium.FileProcessor(str(pbf), osmium.osm.NODE).with_filter(
        osmium.filter.TagFilter(*(("place", k) for k in PLACE_RANK))
    )
    for node in fp:
        name = node.tags.get("name")
        if not name or not isinstance(node, osmium.osm.Node):
            continue
        rank = PLACE_RANK.get(str(node.tags.get("place", "")), 9)
        k = name.casefold()
        if k not in found or rank < found[k][3]:
            found[k] = (name, node.location.lat, node.location.lon, rank)
    return found
