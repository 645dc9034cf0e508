"""Elevation from SRTM ``.hgt`` tiles (made here, synthetic) and its effect on a plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from evtwin.cli.main import main
from evtwin.errors import NavigationError
from evtwin.nav import TripRequest, plan_trip
from evtwin.nav.elevation import HGT_VOID, Dem, route_grades
from evtwin.vehicles import derive_params, load_vehicle

SPEC = load_vehicle("defender-sport")
G = 9.80665
SLOPE_M_PER_DEG = 3000.0
"""Synthetic terrain: height rises 3,000 m per degree north (~2.7 %) in tile N52W001."""


def write_tile(
    folder: Path,
    name: str,
    heights: npt.NDArray[np.float64] | None = None,
    n: int = 1201,
) -> Path:
    """An SRTM3 tile; by default the steady north-rising slope (rows run north to south)."""
    folder.mkdir(parents=True, exist_ok=True)
    if heights is None:
        lat_frac = 1.0 - np.arange(n) / (n - 1)
        heights = np.repeat((SLOPE_M_PER_DEG * lat_frac)[:, None], n, axis=1)
    path = folder / name
    np.rint(heights).astype(">i2").tofile(path)
    return path


@pytest.fixture(scope="module")
def slope_dem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dem")
    write_tile(d, "N52W001.hgt")
    return d


def plan(a: str, b: str, dem: Path | None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("samples", 50)
    return plan_trip(TripRequest(origin=a, destination=b, spec=SPEC, dem_dir=dem, **kw))


def test_reader_is_bilinear_in_both_tile_sizes(tmp_path: Path) -> None:
    for n in (1201, 3601):
        d = tmp_path / str(n)
        # h = 100 * row + col: bilinear interpolation reproduces it exactly
        rows, cols = np.mgrid[0:n, 0:n]
        write_tile(d, "S01E010.hgt", (100.0 * rows + cols) % 30000, n=n)
        dem = Dem(d)
        r = np.array([10.25, 200.5, 7.0])
        c = np.array([3.5, 40.75, 0.0])
        lat = -1.0 + 1.0 - r / (n - 1)
        lon = 10.0 + c / (n - 1)
        np.testing.assert_allclose(dem.elevation_m(lat, lon), 100.0 * r + c, atol=1e-6)


def test_void_cells_are_left_out_and_all_void_is_no_height(tmp_path: Path) -> None:
    h = np.full((1201, 1201), 50.0)
    h[10, 10] = HGT_VOID
    h[500:502, 500:502] = HGT_VOID
    write_tile(tmp_path, "N52W001.hgt", h)
    dem = Dem(tmp_path)
    step = 1.0 / 1200
    # between rows 10-11 and columns 10-11: the void corner is ignored, the rest are 50 m
    z = dem.elevation_m(np.array([53.0 - 10.5 * step]), np.array([-1.0 + 10.5 * step]))
    assert z[0] == pytest.approx(50.0)
    # inside the 2x2 void block: no height
    z = dem.elevation_m(np.array([53.0 - 500.5 * step]), np.array([-1.0 + 500.5 * step]))
    assert np.isnan(z[0])


def test_points_outside_the_tiles_have_no_height(slope_dem: Path) -> None:
    z = Dem(slope_dem).elevation_m(np.array([52.5, 51.5, 52.5]), np.array([-0.5, -0.5, 0.5]))
    assert z[0] == pytest.approx(1500.0, abs=1.0)
    assert np.isnan(z[1]) and np.isnan(z[2])


@pytest.mark.parametrize(
    ("name", "size", "match"),
    [
        ("N52W001.hgt", 1000, "1000 bytes is not an SRTM tile"),
        ("N52W001.hgt", 1201 * 1201 * 2 + 2, "is not an SRTM tile"),
        ("dem52.hgt", 1201 * 1201 * 2, "named by its south-west corner"),
    ],
)
def test_bad_tiles_are_clear_errors(tmp_path: Path, name: str, size: int, match: str) -> None:
    (tmp_path / name).write_bytes(b"\0" * size)
    with pytest.raises(NavigationError, match=match):
        Dem(tmp_path)


def test_missing_or_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NavigationError, match="not a folder"):
        Dem(tmp_path / "nope")
    with pytest.raises(NavigationError, match=r"no \.hgt tiles"):
        Dem(tmp_path)


def test_grades_keep_the_route_rise(slope_dem: Path) -> None:
    lat = np.linspace(52.2, 52.8, 50)
    lon = np.full(50, -0.6)
    seg = np.full(49, 111_195.0 * 0.6 / 49)
    g = route_grades(Dem(slope_dem), lat, lon, seg, np.zeros(49, dtype=bool))
    assert float((g.grade * seg).sum()) == pytest.approx(0.6 * SLOPE_M_PER_DEG, rel=0.01)
    assert g.climb_m == pytest.approx(1800.0, rel=0.01) and g.descent_m == 0.0
    assert g.no_data_m == 0.0


def test_climb_costs_and_descent_regenerates_about_m_g_dh(slope_dem: Path) -> None:
    """Oakham (52.67 N) -> Uppingham (52.59 N) runs downhill on the synthetic slope.

    Tolerance: the extra battery energy of the climb is m g dh / eta with the drivetrain's
    efficiency eta between 0.8 and 1.0; the descent saves between half of m g dh (regen
    losses) and m g dh / 0.8 (traction no longer needed on the way down).
    """
    flat_down = plan("Oakham", "Uppingham", None)
    down = plan("Oakham", "Uppingham", slope_dem)
    flat_up = plan("Uppingham", "Oakham", None)
    up = plan("Uppingham", "Oakham", slope_dem)
    assert flat_down["elevation"] is None
    assert "flat" in flat_down["assumptions"]["elevation"]
    assert "flat roads" in flat_down["assumptions"]["energy"]
    assert up["elevation"]["climb_m"] > 150
    assert down["elevation"]["descent_m"] > 150
    assert up["elevation"]["no_data_km"] == 0.0
    mass = derive_params(SPEC).mass_kg
    e_up = up["totals"]["energy_kwh"] - flat_up["totals"]["energy_kwh"]
    e_down = flat_down["totals"]["energy_kwh"] - down["totals"]["energy_kwh"]
    mgh_up = mass * G * (up["elevation"]["climb_m"] - up["elevation"]["descent_m"]) / 3.6e6
    mgh_down = mass * G * (down["elevation"]["descent_m"] - down["elevation"]["climb_m"]) / 3.6e6
    assert mgh_up <= e_up <= mgh_up / 0.8
    assert 0.5 * mgh_down <= e_down <= mgh_down / 0.8
    assert down["totals"]["energy_kwh"] < flat_down["totals"]["energy_kwh"]
    assert up["totals"]["energy_kwh"] > flat_up["totals"]["energy_kwh"]
    # the SOC bands move with it
    assert up["arrival_soc_pct"]["p50"] < flat_up["arrival_soc_pct"]["p50"]


def test_route_outside_the_tiles_is_flat_and_says_so(tmp_path: Path) -> None:
    write_tile(tmp_path, "N51W001.hgt")  # south of Rutland
    flat = plan("Oakham", "Uppingham", None)
    p = plan("Oakham", "Uppingham", tmp_path)
    assert p["totals"]["energy_kwh"] == flat["totals"]["energy_kwh"]
    assert p["elevation"]["no_data_km"] == pytest.approx(p["totals"]["distance_km"], abs=0.2)
    assert "outside the tiles or on void cells is taken as flat" in p["assumptions"]["elevation"]


def test_part_void_route_is_part_flat(tmp_path: Path) -> None:
    n = 1201
    lat = 53.0 - np.arange(n) / (n - 1)
    h = np.repeat((SLOPE_M_PER_DEG * (lat - 52.0))[:, None], n, axis=1)
    h[lat < 52.63, :] = HGT_VOID  # the southern part of the trip has no data
    write_tile(tmp_path, "N52W001.hgt", h)
    p = plan("Uppingham", "Oakham", tmp_path)
    assert 0.5 < p["elevation"]["no_data_km"] < p["totals"]["distance_km"] - 0.5
    assert 0 < p["elevation"]["climb_m"] < 200


def test_cli_dem_option(slope_dem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["route", "Uppingham", "Oakham", "--vehicle", "defender-sport", "--samples", "20"]
    assert main([*argv, "--dem", str(slope_dem), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["elevation"]["climb_m"] > 150
    assert main([*argv, "--dem", str(slope_dem)]) == 0
    assert "elevation: SRTM tiles" in capsys.readouterr().out
    assert main([*argv, "--dem", str(slope_dem / "missing")]) == 2
    err = capsys.readouterr().err
    assert "evtwin: error:" in err and "not a folder of SRTM .hgt tiles" in err


def test_two_files_for_one_tile_is_a_clear_error(tmp_path: Path) -> None:
    write_tile(tmp_path, "N52W001.hgt")
    write_tile(tmp_path, "n52w001.HGT")
    with pytest.raises(NavigationError, match="are the same tile"):
        Dem(tmp_path)


def test_graded_plan_feeds_the_running_car_and_the_bands(slope_dem: Path) -> None:
    from evtwin.nav import plan_trip_detail

    req = TripRequest(origin="Uppingham", destination="Oakham", spec=SPEC, dem_dir=slope_dem)
    det = plan_trip_detail(req)
    batt_kwh = SPEC.usable_battery_kwh
    for leg, used in zip(det.plan["legs"], det.leg_soc_used_pct, strict=True):
        assert used[-1] / 100 * batt_kwh == pytest.approx(leg["energy_kwh"], abs=0.01)
    one = plan("Uppingham", "Oakham", slope_dem, samples=1)["arrival_soc_pct"]
    assert one["p10"] == one["p50"] == one["p90"]
    sure = plan("Uppingham", "Oakham", slope_dem, confidence=0.9)
    assert sure["totals"]["energy_kwh"] == det.plan["totals"]["energy_kwh"]
