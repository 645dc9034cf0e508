"""Map builds: cached by content, atomic, clear errors on empty or corrupt files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evtwin.cli.main import main
from evtwin.errors import NavigationError
from evtwin.nav import build_map, bundled_pbf
from evtwin.nav import maps as maps_mod


def test_monaco_builds_once_and_is_cached(tmp_path: Path) -> None:
    built = build_map(bundled_pbf("monaco"), cache_dir=tmp_path)
    assert built.base.with_suffix(".osrm.hsgr").is_file()
    assert built.sha256 in {built.sha256} and built.directory.name.startswith("monaco")
    stages: list[str] = []
    again = build_map(
        bundled_pbf("monaco"), cache_dir=tmp_path, progress=lambda s, f: stages.append(s)
    )
    assert again.directory == built.directory and "cached" in stages
    assert built.contains(43.73, 7.42)


def test_an_interrupted_build_leaves_the_old_map_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_map(bundled_pbf("monaco"), cache_dir=tmp_path)
    before = sorted(p.name for p in built.directory.iterdir())

    def boom(cmd: list[str], what: str, source: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(maps_mod, "_run", boom)
    with pytest.raises(KeyboardInterrupt):
        build_map(bundled_pbf("monaco"), cache_dir=tmp_path, force=True)
    assert sorted(p.name for p in built.directory.iterdir()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build-")]


def test_empty_and_corrupt_files_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(NavigationError, match="empty"):
        build_map(empty, cache_dir=tmp_path)
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(bundled_pbf("monaco").read_bytes()[:5000])
    cache = tmp_path / "cache"
    with pytest.raises(NavigationError, match=r"corrupt\.osm\.pbf"):
        build_map(corrupt, cache_dir=cache)
    assert not list(cache.iterdir())  # nothing half-built is left


def test_maps_build_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EVTWIN_MAPS_DIR", str(tmp_path))
    src = tmp_path / "monaco.osm.pbf"
    shutil.copyfile(bundled_pbf("monaco"), src)
    assert main(["maps", "build", str(src)]) == 0
    assert "OpenStreetMap contributors" in capsys.readouterr().out
    src.write_bytes(b"not a pbf at all")
    assert main(["maps", "build", str(src)]) == 2
    assert "evtwin: error:" in capsys.readouterr().err


def _tiny_town(path: Path) -> None:
    """A made-up town far from any bundled map: a place node and a 2 km street."""
    import osmium

    w = osmium.SimpleWriter(str(path))
    try:
        for i in range(5):
            w.add_node(osmium.osm.mutable.Node(id=i + 1, location=(-4.0 + 0.007 * i, 50.5)))
        w.add_node(
            osmium.osm.mutable.Node(
                id=99, location=(-3.99, 50.501), tags={"place": "town", "name": "Testville"}
            )
        )
        w.add_way(
            osmium.osm.mutable.Way(
                id=1,
                nodes=[1, 2, 3, 4, 5],
                tags={"highway": "residential", "name": "Long Street"},
            )
        )
    finally:
        w.close()


def test_a_user_built_map_gives_places_and_local_routes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json
    import os

    src = Path(os.environ["EVTWIN_MAPS_DIR"]).parent / "testville.osm.pbf"
    _tiny_town(src)
    assert main(["maps", "build", str(src)]) == 0
    capsys.readouterr()
    argv = ["route", "Testville", "50.5,-3.975", "--vehicle", "defender-sport"]
    assert main([*argv, "--samples", "1", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["from"]["source"].startswith("OSM (testville")
    assert plan["map"] == "testville"
    # the town's node lies 111 m off its street: that bit is the only straight line
    assert [(c["what"], round(c["gap_m"])) for c in plan["coarse_parts"]] == [
        ("start to road", 111)
    ]
    assert plan["maneuvers"][0]["road"] == "Long Street"
