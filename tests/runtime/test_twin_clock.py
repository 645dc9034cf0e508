from __future__ import annotations

import pytest

from evtwin.errors import ScenarioError
from evtwin.runtime import Clock, ManualClock, ScaledClock, SystemClock


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock(1000.0)
    assert clock.now_s() == 1000.0
    assert clock.advance(2.5) == 1002.5
    assert clock.now_s() == 1002.5


def test_manual_clock_never_goes_backwards() -> None:
    with pytest.raises(ScenarioError, match=r"-1\.0 s"):
        ManualClock().advance(-1.0)


def test_scaled_clock_runs_factor_times_real_time() -> None:
    real = FakeMonotonic()
    clock = ScaledClock(60.0, start_s=0.0, monotonic=real)
    real.t += 2.0
    assert clock.now_s() == 120.0


def test_scaled_clock_factor_must_be_positive() -> None:
    with pytest.raises(ScenarioError):
        ScaledClock(0.0)


def test_every_clock_satisfies_the_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), ManualClock(), ScaledClock()]
    assert all(isinstance(c.now_s(), float) for c in clocks)
