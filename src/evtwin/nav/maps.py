"""Road maps: OSM extracts built into OSRM routing data, cached by content, built atomically.

The engine is OSRM (https://project-osrm.org, BSD-2) from the PyPI wheel ``osrm-bindings``,
which ships ``osrm-extract`` and ``osrm-contract`` and the stock ``car.lua`` profile. A map is
built once per input file content (sha256) into a cache directory:

- ``$EVTWIN_MAPS_DIR`` if set, else ``$XDG_CACHE_HOME/evtwin/maps``, else
  ``~/.cache/evtwin/maps``;
- each build runs in a temporary directory beside the final one and is renamed into place
  only when it is complete, so an interrupted or failed build leaves the previous map
  working and never a half-built one.

Map data is © OpenStreetMap contributors (ODbL 1.0) for OSM extracts; the GB motorway
skeleton is OS Open Roads (OGL v3.0, "Contains OS data © Crown copyright and database right
2024").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from evtwin.errors import NavigationError

__all__ = [
    "OSM_ATTRIBUTION",
    "BuiltMap",
    "Progress",
    "build_map",
    "bundled_pbf",
    "maps_cache_dir",
    "read_built_map",
]

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
ENGINE_VERSION = "osrm-bindings 26.10.0, car.lua, CH"
_BUILD_FORMAT = "2"  # bump when the build steps change: old cache entries are then ignored

Progress = Callable[[str, float], None]
"""Build progress: (stage description, fraction done 0..1)."""

BUNDLED_MAPS = {
    "rutland": "rutland-2022-07-20.osm.pbf",
    "monaco": "monaco-2020-07-19.osm.pbf",
}


@dataclass(frozen=True, slots=True)
class BuiltMap:
    """A built map: ``base`` is the OSRM dataset path (``<dir>/map.osrm``)."""

    name: str
    directory: Path
    sha256: str
    source: str
    attribution: str
    bbox: tuple[float, float, float, float]
    """min_lon, min_lat, max_lon, max_lat of the routable nodes."""

    @property
    def base(self) -> Path:
        return self.directory / "map.osrm"

    def contains(self, lat: float, lon: float, margin_deg: float = 0.02) -> bool:
        """Inside the roads' bounding box, give or take ``margin_deg`` (~2 km)."""
        x0, y0, x1, y1 = self.bbox
        m = margin_deg
        return x0 - m <= lon <= x1 + m and y0 - m <= lat <= y1 + m


def maps_cache_dir() -> Path:
    """Where built maps live (see the module docstring)."""
    env = os.environ.get("EVTWIN_MAPS_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "evtwin" / "maps"


def bundled_pbf(name: str) -> Path:
    """Path of a bundled OSM extract (``rutland``, ``monaco``)."""
    if name not in BUNDLED_MAPS:
        raise NavigationError(f"no bundled map {name!r}; bundled: {', '.join(BUNDLED_MAPS)}")
    path = resources.files("evtwin") / "data" / "nav" / "osm" / BUNDLED_MAPS[name]
    return Path(str(path))


def _osrm_tool(name: str) -> Path:
    import osrm

    tool = Path(osrm.__file__).parent / "bin" / name
    if not tool.is_file():
        raise NavigationError(f"the OSRM wheel has no {name} ({tool}); reinstall osrm-bindings")
    return tool


def _car_profile() -> Path:
    import osrm

    return Path(osrm.__file__).parent / "share" / "profiles" / "car.lua"


def _sha256(path: Path) -> str:
    st = path.stat()
    return _sha256_of(path.resolve(), st.st_mtime_ns, st.st_size)


@cache
def _sha256_of(path: Path, _mtime_ns: int, _size: int) -> str:
    """Content hash, remembered per (path, mtime, size) within a process."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(cmd: list[str], what: str, source: Path) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise NavigationError(f"{what} of {source} could not run: {e}") from e
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "error" in ln.lower()]
        detail = lines[-1] if lines else (proc.stderr or proc.stdout).strip()[-300:]
        raise NavigationError(
            f"{source}: {what} failed (exit {proc.returncode}): {detail.strip()}. Is it a "
            "complete OSM PBF extract (e.g. from download.geofabrik.de)?"
        )


def _node_bbox(pbf: Path) -> tuple[float, float, float, float]:
    """Bounding box of the nodes of highway ways (the routable area)."""
    import osmium

    class _H(osmium.SimpleHandler):
        def __init__(self) -> None:
            super().__init__()
            self.box = [180.0, 90.0, -180.0, -90.0]
            self.n = 0

        def way(self, w: osmium.osm.Way) -> None:
            if "highway" not in w.tags:
                return
            for nd in w.nodes:
                if not nd.location.valid():
                    continue
                lon, lat = nd.location.lon, nd.location.lat
                b = self.box
                b[0], b[1] = min(b[0], lon), min(b[1], lat)
                b[2], b[3] = max(b[2], lon), max(b[3], lat)
                self.n += 1

    h = _H()
    try:
        h.apply_file(str(pbf), locations=True)
    except RuntimeError as e:
        raise NavigationError(f"{pbf}: not a readable OSM file ({e})") from e
    if h.n == 0:
        raise NavigationError(f"{pbf}: has no roads (no highway=* ways); nothing to route on")
    x0, y0, x1, y1 = h.box
    return (x0, y0, x1, y1)


def build_map(
    pbf: str | Path,
    *,
    name: str | None = None,
    cache_dir: Path | None = None,
    attribution: str = OSM_ATTRIBUTION,
    progress: Progress | None = None,
    force: bool = False,
) -> BuiltMap:
    """Build (or find in the cache) the OSRM car-routing data of an OSM extract.

    Raises :class:`NavigationError` for a missing, empty or corrupt file, or one without
    roads. The result is keyed by the file's sha256, so a changed file builds again.
    """
    src = Path(pbf)
    report = progress or (lambda _s, _f: None)
    if not src.is_file():
        raise NavigationError(f"map file not found: {src}")
    if src.stat().st_size == 0:
        raise NavigationError(f"{src}: the file is empty (0 bytes); download the extract again")
    report("hashing", 0.0)
    digest = _sha256(src)
    label = name or src.name.split(".")[0]
    root = cache_dir if cache_dir is not None else maps_cache_dir()
    final = root / f"{label}-{digest[:16]}-v{_BUILD_FORMAT}"
    meta_path = final / "map.json"
    if meta_path.is_file() and not force:
        report("cached", 1.0)
        return read_built_map(final)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".build-{label}-", dir=root))
    try:
        report("reading roads", 0.05)
        bbox = _node_bbox(src)
        work = tmp / "map.osm.pbf"
        try:
            os.link(src, work)
        except OSError:
            shutil.copyfile(src, work)
        report("osrm-extract (road graph, car profile)", 0.15)
        t0 = time.perf_counter()
        _run(
            [str(_osrm_tool("osrm-extract")), "-p", str(_car_profile()), str(work)],
            "osrm-extract",
            src,
        )
        report("osrm-contract (contraction hierarchies)", 0.6)
        _run([str(_osrm_tool("osrm-contract")), str(tmp / "map.osrm")], "osrm-contract", src)
        work.unlink()
        meta = {
            "name": label,
            "sha256": digest,
            "source": src.name,
            "attribution": attribution,
            "bbox": list(bbox),
            "engine": ENGINE_VERSION,
            "build_s": round(time.perf_counter() - t0, 2),
        }
        (tmp / "map.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        report("place names", 0.9)
        from evtwin.nav.osmplaces import read_place_nodes

        places = read_place_nodes(src)
        (tmp / "places.json").write_text(json.dumps(places, ensure_ascii=False), encoding="utf-8")
        report("installing", 0.95)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    report("done", 1.0)
    return read_built_map(final)


def read_built_map(directory: Path) -> BuiltMap:
    """The metadata of a built map directory."""
    try:
        meta = json.loads((directory / "map.json").read_text(encoding="utf-8"))
        x0, y0, x1, y1 = (float(v) for v in meta["bbox"])
        return BuiltMap(
            name=str(meta["name"]),
            directory=directory,
            sha256=str(meta["sha256"]),
            source=str(meta["source"]),
            attribution=str(meta["attribution"]),
            bbox=(x0, y0, x1, y1),
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise NavigationError(f"built map in {directory} is unreadable ({e}); rebuild it") from e
