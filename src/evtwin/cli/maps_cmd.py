"""``evtwin maps build FILE.osm.pbf``: prepare a region's OSM extract for routing."""

from __future__ import annotations

import argparse
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from evtwin.cli._output import console, print_json
from evtwin.nav import build_map, maps_cache_dir

__all__ = ["register"]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "maps",
        help="prepare OSM extracts for routing (OSRM)",
        description="Prepare OpenStreetMap extracts for routing with OSRM (evtwin route).",
    )
    msub = p.add_subparsers(dest="maps_command", metavar="ACTION", required=True)
    b = msub.add_parser(
        "build",
        help="build a .osm.pbf extract into routing data (cached, atomic)",
        description=(
            "Build FILE.osm.pbf (e.g. from download.geofabrik.de) into OSRM car-routing data "
            "in the maps cache ($EVTWIN_MAPS_DIR or $XDG_CACHE_HOME/evtwin/maps). The build "
            "runs in a temporary directory and is renamed into place when complete. Map data "
            "© OpenStreetMap contributors (ODbL)."
        ),
    )
    b.add_argument("file", metavar="FILE.osm.pbf")
    b.add_argument("--force", action="store_true", help="rebuild even if cached")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=args.json,
    ) as bar:
        task = bar.add_task("building", total=1.0)

        def report(stage: str, frac: float) -> None:
            bar.update(task, description=stage, completed=frac)

        built = build_map(args.file, progress=report, force=args.force)
    out = {
        "name": built.name,
        "directory": str(built.directory),
        "sha256": built.sha256,
        "bbox": list(built.bbox),
        "attribution": built.attribution,
        "cache": str(maps_cache_dir()),
    }
    if args.json:
        print_json(out)
    else:
        console.print(f"map {built.name} ready in {built.directory} ({built.attribution})")
    return 0
