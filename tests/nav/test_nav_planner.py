"""The stop planner equals an exhaustive search, skips no needed stop, adds no pointless one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evtwin.errors import NavigationError
from evtwin.nav import PlanProblem, exhaustive_plan, plan_stops

STEP = 0.1


def _charge_matrix(minutes_per_step: list[float]) -> np.ndarray:
    """A non-linear charge curve on the 0.1 grid: time to go from level a to level k."""
    t = np.concatenate(([0.0], np.cumsum(np.asarray(minutes_per_step) * 60.0)))
    m = len(t)
    c = t[None, :] - t[:, None]
    return np.where(np.triu(np.ones((m, m), dtype=bool), 1), c, math.inf)


def _problem(
    n_chargers: int,
    edge_soc: np.ndarray,
    edge_time: np.ndarray,
    curves: list[list[float]],
    start: float,
    max_soc: float = 1.0,
    min_arrival: float = 0.1,
) -> PlanProblem:
    n = n_chargers + 2
    fwd = np.triu(np.ones((n, n), dtype=bool), 1)
    return PlanProblem(
        start_soc=start,
        min_arrival_soc=min_arrival,
        max_soc=max_soc,
        soc_step=STEP,
        edge_soc=np.where(fwd, edge_soc, math.inf),
        edge_time_s=np.where(fwd, edge_time, math.inf),
        charge_time_s=tuple(_charge_matrix(c) for c in curves),
        stop_overhead_s=120.0,
    )


@st.composite
def problems(draw: st.DrawFn) -> PlanProblem:
    k = draw(st.integers(0, 3))
    pos = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k)))
    x = np.array([0.0, *pos, 1.0]) * draw(st.floats(0.2, 2.2))  # trip length in batteries
    detour = np.array([0.0, *draw(st.lists(st.floats(0, 0.08), min_size=k, max_size=k)), 0.0])
    soc = np.abs(x[None, :] - x[:, None]) + detour[:, None] + detour[None, :]
    time = soc * 3 * 3600.0 + draw(st.floats(0, 600))
    curves = [
        sorted(draw(st.lists(st.floats(1.0, 30.0), min_size=10, max_size=10))) for _ in range(k)
    ]
    start = draw(st.sampled_from([0.5, 0.8, 0.93, 1.0]))
    max_soc = draw(st.sampled_from([0.8, 1.0]))
    return _problem(k, soc, time, curves, start, max_soc)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_label_setting_equals_exhaustive_search(p: PlanProblem) -> None:
    best = exhaustive_plan(p)
    if math.isinf(best):
        with pytest.raises(NavigationError):
            plan_stops(p)
        return
    plan = plan_stops(p)
    assert plan.total_s == pytest.approx(best, abs=1e-6)
    assert plan.arrive_soc >= p.min_arrival_soc - 1e-9
    for s in plan.stops:
        assert s.arrive_soc >= p.min_arrival_soc - 1e-9
        assert s.depart_soc <= p.max_soc + 1e-9


def _line(positions: list[float], start: float) -> PlanProblem:
    x = np.array(positions)
    soc = np.abs(x[None, :] - x[:, None])
    return _problem(len(x) - 2, soc, soc * 3 * 3600, [[5.0] * 10] * (len(x) - 2), start)


def test_a_needed_stop_is_not_skipped() -> None:
    # 1.2 batteries of driving from 90 %: the charger halfway must be used
    plan = plan_stops(_line([0.0, 0.6, 1.2], start=0.9))
    assert [s.node for s in plan.stops] == [1]
    assert plan.stops[0].arrive_soc >= 0.1 - 1e-9
    assert plan.arrive_soc >= 0.1 - 1e-9


def test_no_pointless_stop_is_added() -> None:
    # 0.5 battery of driving from 90 %: no stop
    plan = plan_stops(_line([0.0, 0.2, 0.3, 0.5], start=0.9))
    assert plan.stops == ()
    assert plan.arrive_soc == pytest.approx(0.4)


def test_an_impossible_trip_is_an_error() -> None:
    with pytest.raises(NavigationError):
        plan_stops(_line([0.0, 0.95, 1.9], start=0.9))
