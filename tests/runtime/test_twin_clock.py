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


def test_one_clock_family_serves_the_twin_and_the_ota_stack() -> None:
    import evtwin.ota as ota
    import evtwin.runtime as runtime
    from evtwin import clock

    assert runtime.ManualClock is ota.ManualClock is clock.ManualClock
    assert runtime.SystemClock is ota.SystemClock is clock.SystemClock
    assert runtime.ScaledClock is ota.AcceleratedClock is clock.ScaledClock
    assert runtime.Clock is ota.Clock is clock.Clock


def test_a_manual_clock_keeps_epoch_seconds_utc_and_monotonic_time_together() -> None:
    from datetime import UTC, datetime, timedelta

    from evtwin.errors import ClockError

    c = ManualClock(datetime(2027, 6, 1, 9, 0, tzinfo=UTC))
    assert c.now_s() == c.now().timestamp() and c.monotonic_s() == 0.0
    assert c.advance(timedelta(days=200)) == c.now().timestamp()
    assert c.advance(0.5) == c.now_s() and c.monotonic_s() == 200 * 86400 + 0.5
    assert c.now() == datetime(2027, 12, 18, 9, 0, 0, 500_000, tzinfo=UTC)
    assert ManualClock(1000.0).now() == datetime.fromtimestamp(1000.0, UTC)
    with pytest.raises(ClockError, match="timezone-aware"):
        ManualClock(datetime(2027, 1, 1))
    with pytest.raises(ValueError, match="backwards"):
        c.advance(timedelta(seconds=-1))


def test_a_scaled_clock_answers_in_every_form_at_its_speed() -> None:
    from datetime import UTC, datetime

    real = FakeMonotonic()
    c = ScaledClock(60.0, start_s=1_800_000_000.0, monotonic=real)
    m0 = c.monotonic_s()
    real.t += 2.0
    assert c.now_s() == 1_800_000_120.0
    assert c.now() == datetime.fromtimestamp(1_800_000_120.0, UTC)
    assert c.monotonic_s() - m0 == 120.0
