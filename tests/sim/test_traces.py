from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evtwin.errors import CycleError, UnknownCycleError
from evtwin.sim.traces import Trace, constant_speed, cycle, load_profile


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
