from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evtwin.errors import CycleError, UnknownCycleError
from evtwin.sim.traces import (
    ENGINE_STEP_S,
    Trace,
    constant_speed,
    cycle,
    load_profile,
    resample,
)


@pytest.mark.parametrize(
    ("name", "km", "samples"),
    [("wltc", 23.266, 1801), ("udds", 11.990, 1370), ("hwfet", 16.507, 766), ("us06", 12.888, 601)],
)
def test_bundled_cycles_have_their_regulatory_length(name: str, km: float, samples: int) -> None:
    tr = cycle(name)
    assert len(tr) == samples
    assert tr.distance_m / 1000 == pytest.approx(km, abs=0.002)


def test_wltp_is_an_alias_of_wltc_class_3b() -> None:
    assert cycle("WLTP") is cycle("wltc")


def test_unknown_cycle_lists_the_known_ones() -> None:
    with pytest.raises(UnknownCycleError, match="known cycles: hwfet, udds, us06, wltc"):
        cycle("nedc")


def test_profile_file_with_grade_in_percent(tmp_path: Path) -> None:
    p = tmp_path / "hill.csv"
    p.write_text("time_s,speed_kph,grade_percent\n0,0,0\n1,10,5\n2,20,5\n", encoding="utf-8")
    tr = load_profile(p)
    assert tr.grade[1] == pytest.approx(0.05)
    assert tr.speed_mps[2] == pytest.approx(20 / 3.6)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("time_s,speed_kph\n0,0\n0,10\n", "time must increase"),
        ("time_s,speed_kph\n0,0\n1,-10\n", "negative speed"),
        ("time_s,speed_kph\n0,0\n1,fast\n", "not a number"),
        ("t,v\n0,0\n", "needs columns time_s, speed_kph"),
        ("time_s,speed_kph,grade_percent\n0,0,0\n1,5,90\n", "beyond what a road car can climb"),
    ],
)
def test_bad_profiles_are_rejected_with_the_reason(tmp_path: Path, body: str, message: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(CycleError, match=message):
        load_profile(p)


def test_constant_speed_bounds() -> None:
    with pytest.raises(CycleError, match=r"1\.\.250 km/h"):
        constant_speed(0.0)
    assert constant_speed(90).distance_m == pytest.approx(90 / 3.6 * 600)


def test_trace_rejects_nan() -> None:
    with pytest.raises(CycleError, match="NaN"):
        Trace("x", np.array([0.0, 1.0]), np.array([0.0, np.nan]), np.zeros(2))


def test_sparse_profile_is_resampled_to_the_engine_step(tmp_path: Path) -> None:
    p = tmp_path / "sparse.csv"
    p.write_text("time_s,speed_kph,grade_percent\n0,100,0\n36000,100,2\n", encoding="utf-8")
    tr = load_profile(p)
    assert np.diff(tr.time_s).max() <= ENGINE_STEP_S + 1e-9
    assert tr.time_s[0] == 0.0 and tr.time_s[-1] == 36000.0
    # the distance is the one the rows describe; the grade covers the whole interval
    assert tr.distance_m == pytest.approx(1_000_000.0)
    assert np.all(tr.grade[1:] == pytest.approx(0.02))


def test_resampling_keeps_rows_and_interpolates_speed_linearly() -> None:
    tr = Trace("x", np.array([0.0, 2.5, 10.0]), np.array([0.0, 5.0, 20.0]), np.zeros(3))
    r = resample(tr)
    assert 2.5 in r.time_s and 10.0 in r.time_s
    assert np.interp(7.0, r.time_s, r.speed_mps) == pytest.approx(14.0)
    assert r.distance_m == pytest.approx(tr.distance_m)
    assert resample(cycle("wltc")) is cycle("wltc")  # already at the engine's step


def test_resampling_refuses_an_absurdly_long_profile() -> None:
    tr = Trace("year", np.array([0.0, 1e8]), np.array([10.0, 10.0]), np.zeros(2))
    with pytest.raises(CycleError, match="more than"):
        resample(tr)


def test_a_sparse_profile_gives_the_range_of_the_same_drive_at_the_engine_step(
    tmp_path: Path,
) -> None:
    """Two rows 10 h apart at 100 km/h: the range is the constant-100 km/h range, not an
    artefact of one 10-hour step (886 km for the 77 kWh ID.3 before resampling)."""
    from evtwin.sim.request import RangeRequest
    from evtwin.vehicles import load_vehicle

    p = tmp_path / "motorway.csv"
    p.write_text("time_s,speed_kph\n0,100\n36000,100\n", encoding="utf-8")
    spec = load_vehicle("vw-id3-pro-s")
    req = RangeRequest(temp_c=23.0)
    sparse = req.answer([spec], load_profile(p))[0]
    steady = req.answer([spec], constant_speed(100, 3600))[0]
    assert sparse.range_km == pytest.approx(steady.range_km, rel=0.01)
    assert 350 < sparse.range_km < 550
