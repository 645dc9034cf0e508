"""Drive/terrain modes and surfaces: complete, consistent with the signals, physically sane."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evtwin.errors import ModeError, UnknownModeError
from evtwin.modes import (
    ModeKind,
    SurfaceBasis,
    load_mode,
    load_modes,
    load_surface,
    load_surfaces,
    parse_mode,
    parse_surface,
)
from evtwin.signals import load_catalogue
from evtwin.units import G_M_PER_S2

PEDAL = st.floats(min_value=0.0, max_value=1.0)


def comfort_table() -> dict[str, Any]:
    text = resources.files("evtwin").joinpath("data", "modes", "comfort.toml").read_text()
    return tomllib.loads(text)


def test_every_terrain_response_mode_has_a_data_file() -> None:
    allowed = load_catalogue()["Vehicle.TerrainResponse.Mode"].allowed
    assert allowed is not None
    assert {m.signal_value for m in load_modes().values()} == set(allowed)


def test_drive_modes_and_terrain_programs_are_told_apart() -> None:
    kinds = {m.signal_value: m.kind for m in load_modes().values()}
    assert {v for v, k in kinds.items() if k is ModeKind.DRIVE} == {"COMFORT", "ECO", "DYNAMIC"}


def test_every_surface_maps_to_an_allowed_surface_signal() -> None:
    allowed = load_catalogue()["Vehicle.TerrainResponse.Surface"].allowed
    assert allowed is not None
    assert {s.signal_value for s in load_surfaces().values()} == set(allowed)


@pytest.mark.parametrize("surface", ["asphalt", "gravel", "grass", "snow", "mud", "sand"])
def test_the_issue_surfaces_are_present(surface: str) -> None:
    assert load_surface(surface).friction_coefficient > 0


def test_every_mode_and_surface_cites_its_source() -> None:
    assert all("estimate" in m.source for m in load_modes().values())
    for surface in load_surfaces().values():
        bases = {surface.rolling_resistance_basis, surface.friction_basis}
        assert surface.source
        if SurfaceBasis.ESTIMATE in bases:
            assert "estimate" in surface.source
        if SurfaceBasis.HANDBOOK in bases:
            assert "Wong" in surface.source or "Gillespie" in surface.source


def test_mode_is_found_by_id_or_signal_value() -> None:
    assert load_mode("mud_ruts") is load_mode("MUD_RUTS")


def test_unknown_mode_lists_the_known_ones() -> None:
    with pytest.raises(UnknownModeError, match="did you mean sand"):
        load_mode("sandy")


def test_unknown_surface_is_an_error() -> None:
    with pytest.raises(UnknownModeError, match="known: asphalt"):
        load_surface("lava")


@given(PEDAL, PEDAL)
def test_every_throttle_map_is_monotonic_and_bounded(a: float, b: float) -> None:
    low, high = sorted((a, b))
    for mode in load_modes().values():
        tmap = mode.throttle_map
        assert 0.0 <= tmap.torque_fraction_at(low) <= tmap.torque_fraction_at(high)
        assert tmap.torque_fraction_at(high) <= tmap.max_torque_fraction <= 1.0


def test_throttle_map_interpolates_between_points() -> None:
    comfort = load_mode("comfort").throttle_map
    assert comfort.torque_fraction_at(0.0) == 0.0
    assert comfort.torque_fraction_at(0.125) == pytest.approx(0.1)
    assert comfort.torque_fraction_at(1.0) == 1.0


@given(st.floats(min_value=0.01, max_value=1.0))
def test_eco_asks_for_less_torque_than_dynamic_at_any_pedal(pedal: float) -> None:
    eco, dynamic = load_mode("eco").throttle_map, load_mode("dynamic").throttle_map
    assert eco.torque_fraction_at(pedal) < dynamic.torque_fraction_at(pedal)


def test_loose_ground_programs_allow_more_slip_than_low_grip_ones() -> None:
    slip = {m.id: m.traction_slip_target for m in load_modes().values()}
    assert slip["grass_gravel_snow"] < slip["comfort"] < slip["mud_ruts"] < slip["sand"]


def test_only_eco_runs_the_climate_in_economy() -> None:
    assert [m.id for m in load_modes().values() if m.hvac_eco] == ["eco"]


def test_crawl_and_wade_are_speed_limited() -> None:
    assert load_mode("rock_crawl").speed_limit_kph == 30.0
    assert load_mode("wade").speed_limit_kph == 10.0
    assert load_mode("comfort").speed_limit_kph is None


def test_wet_grass_grips_less_than_dry_grass_and_asphalt() -> None:
    mu = {s.id: s.friction_coefficient for s in load_surfaces().values()}
    assert mu["grass_wet"] < mu["grass"] < mu["asphalt"]


def test_sand_costs_far_more_rolling_resistance_than_asphalt() -> None:
    mass_kg = 2100.0
    sand, asphalt = load_surface("sand"), load_surface("asphalt")
    assert sand.rolling_resistance_n(mass_kg) > 20 * asphalt.rolling_resistance_n(mass_kg)
    assert asphalt.rolling_resistance_n(mass_kg) == pytest.approx(0.012 * mass_kg * G_M_PER_S2)


def test_a_steep_climb_fails_for_lack_of_grip_on_wet_grass_only() -> None:
    mass_kg, driven_axle_share = 2100.0, 0.5  # one driven axle carrying half the weight
    grade = 0.25  # 25 % climb
    needed_n = mass_kg * G_M_PER_S2 * math.sin(math.atan(grade))
    grip = {s: load_surface(s).max_tractive_force_n(mass_kg * driven_axle_share) for s in
            ("asphalt", "grass", "grass_wet")}  # fmt: skip
    assert grip["asphalt"] > needed_n
    assert grip["grass_wet"] < needed_n


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("regen_fraction", 1.5),
        ("traction_slip_target", -0.1),
        ("speed_limit_kph", 0),
        ("kind", "flying"),
        ("hvac_eco", "yes"),
        ("regen_fraction", True),
    ],
)
def test_mode_with_a_bad_value_is_rejected(key: str, bad: object) -> None:
    table = comfort_table()
    table[key] = bad
    with pytest.raises(ModeError, match=key):
        parse_mode("comfort", table)


def test_mode_missing_a_key_is_rejected() -> None:
    table = comfort_table()
    del table["regen_fraction"]
    with pytest.raises(ModeError, match="missing key 'regen_fraction'"):
        parse_mode("comfort", table)


@pytest.mark.parametrize(
    ("pedal", "torque"),
    [
        ([0.0, 0.5, 0.5, 1.0], [0.0, 0.2, 0.3, 1.0]),  # pedal not strictly rising
        ([0.0, 1.0], [0.0, 1.2]),  # torque above 1
        ([0.0, 0.5, 1.0], [0.0, 0.6, 0.4]),  # torque falling
        ([0.0, 1.0], [0.0]),  # lengths differ
    ],
)
def test_malformed_throttle_map_is_rejected(pedal: list[float], torque: list[float]) -> None:
    table = comfort_table()
    table["throttle_map"] = {"pedal_fraction": pedal, "torque_fraction": torque}
    with pytest.raises(ModeError, match=r"throttle_map|pedal_fraction|torque_fraction"):
        parse_mode("comfort", table)


def test_surface_with_impossible_coefficients_is_rejected() -> None:
    table = {
        "name": "Glue",
        "signal_value": "ASPHALT",
        "rolling_resistance_coefficient": 0.012,
        "friction_coefficient": 3.0,
        "rolling_resistance_basis": "handbook",
        "friction_basis": "estimate",
        "source": "estimate",
    }
    with pytest.raises(ModeError, match=r"friction_coefficient = 3\.0"):
        parse_surface("glue", table)


def test_grip_peaks_at_the_surfaces_peak_slip() -> None:
    for surface in load_surfaces().values():
        assert surface.peak_slip is not None, surface.id
        peak = surface.usable_friction(surface.peak_slip)
        assert peak == pytest.approx(surface.friction_coefficient)
        assert surface.usable_friction(surface.peak_slip / 2) < peak
        assert surface.usable_friction(surface.peak_slip * 2) < peak


@given(st.floats(min_value=0.0, max_value=1.0))
def test_usable_grip_never_exceeds_the_peak(slip: float) -> None:
    for surface in load_surfaces().values():
        assert 0.0 <= surface.usable_friction(slip) <= surface.friction_coefficient + 1e-12


def test_the_matching_program_grips_best_on_its_ground() -> None:
    sand, wet_grass = load_surface("sand"), load_surface("grass_wet")
    by_mode = {m.id: m.traction_slip_target for m in load_modes().values()}
    best_on_sand = max(by_mode, key=lambda m: sand.usable_friction(by_mode[m]))
    best_on_grass = max(by_mode, key=lambda m: wet_grass.usable_friction(by_mode[m]))
    assert best_on_sand == "sand"
    assert best_on_grass == "grass_gravel_snow"


def test_a_surface_without_peak_slip_ignores_the_slip_target() -> None:
    table = {
        "name": "Test",
        "signal_value": "ASPHALT",
        "rolling_resistance_coefficient": 0.012,
        "friction_coefficient": 0.8,
        "rolling_resistance_basis": "estimate",
        "friction_basis": "estimate",
        "source": "test",
    }
    assert parse_surface("plain", table).usable_friction(0.3) == 0.8
    with pytest.raises(ModeError, match="peak_slip"):
        parse_surface("bad", {**table, "peak_slip": 1.5})
