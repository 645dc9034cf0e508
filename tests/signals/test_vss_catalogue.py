from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from evtwin.errors import DataFileError, SignalPatternError, UnknownSignalError
from evtwin.signals import DataType, EntryType, load_catalogue

VSS_6_LEAVES = 494 + 643 + 130  # sensors + actuators + attributes in vss.json (README)


def test_catalogue_holds_every_vss_6_leaf_and_the_overlay() -> None:
    plain = load_catalogue(overlay=False)
    full = load_catalogue()
    assert len(plain) == VSS_6_LEAVES
    assert set(plain) < set(full)
    assert "Vehicle.Speed" in full
    assert "Vehicle.Software.Update.State" not in plain


def test_leaf_metadata_is_typed_with_unit_range_and_default() -> None:
    limit = load_catalogue()["Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"]
    assert limit.entry_type is EntryType.ACTUATOR
    assert limit.datatype is DataType.UINT8
    assert (limit.unit, limit.min, limit.max, limit.default) == ("percent", 0, 100, 100)


def test_allowed_values_are_kept() -> None:
    mode = load_catalogue()["Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging"]
    assert mode.allowed == ("START", "STOP")


@pytest.mark.parametrize(
    "path",
    [
        "Vehicle.Software.CurrentVersion",
        "Vehicle.Software.Update.State",
        "Vehicle.TerrainResponse.Mode",
        "Vehicle.TerrainResponse.Wading.Depth",
        "Vehicle.Trailer.Mass",
        "Vehicle.Cabin.Infotainment.Navigation.Route.ArrivalStateOfCharge",
        "Vehicle.Powertrain.TractionBattery.Charging.Plan.ReadyByTime",
    ],
)
def test_overlay_adds_what_vss_lacks(path: str) -> None:
    assert path in load_catalogue()


def test_terrain_mode_offers_every_drive_and_terrain_program() -> None:
    mode = load_catalogue()["Vehicle.TerrainResponse.Mode"]
    assert mode.is_actuator
    assert mode.allowed == (
        "COMFORT", "ECO", "DYNAMIC", "GRASS_GRAVEL_SNOW", "MUD_RUTS", "SAND", "ROCK_CRAWL", "WADE"
    )  # fmt: skip


def test_overlay_branches_are_described() -> None:
    branches = load_catalogue().branches
    assert "Vehicle.Software" in branches
    assert branches["Vehicle.TerrainResponse"].startswith("Project extension")


def test_ids_are_unique_and_resolve_back() -> None:
    catalogue = load_catalogue()
    ids = [meta.id for meta in catalogue.values()]
    assert len(set(ids)) == len(ids)
    speed = catalogue["Vehicle.Speed"]
    assert catalogue.by_id(speed.id) is speed


def test_branch_path_matches_every_leaf_below() -> None:
    paths = [m.path for m in load_catalogue().match("Vehicle.Cabin.HVAC")]
    assert "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature" in paths
    assert all(p.startswith("Vehicle.Cabin.HVAC.") for p in paths)


def test_leaf_path_matches_only_itself() -> None:
    assert [m.path for m in load_catalogue().match("Vehicle.Speed")] == ["Vehicle.Speed"]


def test_single_star_matches_one_segment() -> None:
    paths = [m.path for m in load_catalogue().match("Vehicle.Cabin.HVAC.Station.*.Driver.FanSpeed")]
    assert paths == [f"Vehicle.Cabin.HVAC.Station.Row{i}.Driver.FanSpeed" for i in (1, 2, 3, 4)]


def test_double_star_matches_any_depth() -> None:
    paths = [m.path for m in load_catalogue().match("Vehicle.Cabin.**.Temperature")]
    assert "Vehicle.Cabin.HVAC.Station.Row2.Passenger.Temperature" in paths
    assert all(p.endswith(".Temperature") for p in paths)


def test_unknown_path_is_an_error_that_suggests_close_matches() -> None:
    with pytest.raises(UnknownSignalError, match=r"did you mean Vehicle\.Speed"):
        load_catalogue()["Vehicle.Sped"]


def test_pattern_matching_nothing_is_unknown() -> None:
    with pytest.raises(UnknownSignalError):
        load_catalogue().match("Vehicle.Cabin.NoSuchBranch")


@pytest.mark.parametrize("pattern", ["Vehicle..Speed", "Vehicle.Sp*ed", "Vehicle. Speed"])
def test_malformed_pattern_is_rejected(pattern: str) -> None:
    with pytest.raises(SignalPatternError):
        load_catalogue().match(pattern)


def test_extra_overlay_file_adds_signals(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.json"
    node = {"type": "sensor", "datatype": "uint8", "unit": "percent", "description": "x"}
    tree = {"Vehicle": {"type": "branch", "children": {"Mine": node}}}
    overlay.write_text(json.dumps(tree))
    catalogue = load_catalogue(extra=[overlay])
    assert catalogue["Vehicle.Mine"].datatype is DataType.UINT8
    assert "Vehicle.Speed" in catalogue


def test_malformed_overlay_is_a_data_file_error(tmp_path: Path) -> None:
    overlay = tmp_path / "bad.json"
    tree = {"Vehicle": {"type": "branch", "children": {"Bad": {"type": "sensor"}}}}
    overlay.write_text(json.dumps(tree))
    with pytest.raises(DataFileError, match=r"Vehicle\.Bad"):
        load_catalogue(extra=[overlay])


def test_unreadable_overlay_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        load_catalogue(extra=[tmp_path / "missing.json"])


def test_catalogue_ships_with_its_licence_readme_and_overlay_source() -> None:
    vss_dir = resources.files("evtwin").joinpath("data", "vss")
    assert "Mozilla Public License" in vss_dir.joinpath("LICENSE").read_text()
    assert "COVESA" in vss_dir.joinpath("README.md").read_text()
    assert "Vehicle.TerrainResponse.Mode:" in vss_dir.joinpath("evtwin_overlay.vspec").read_text()


def test_compiled_overlay_json_matches_its_vspec_source() -> None:
    vss_dir = resources.files("evtwin").joinpath("data", "vss")
    source = vss_dir.joinpath("evtwin_overlay.vspec").read_text()
    declared = {
        line.removesuffix(":") for line in source.splitlines() if line.startswith("Vehicle.")
    }
    catalogue = load_catalogue()
    plain = load_catalogue(overlay=False)
    added = (set(catalogue) - set(plain)) | (set(catalogue.branches) - set(plain.branches))
    changed = {
        p
        for p in set(catalogue) & set(plain)
        if replace(catalogue[p], id=0) != replace(plain[p], id=0)
    }
    assert declared == added | changed
