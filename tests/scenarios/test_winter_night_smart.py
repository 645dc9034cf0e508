"""End to end with a charging plan: plug in at 18:00, charge in the cheap night window to 80 %
by 07:30 and precondition from the grid for 07:30 — the bundled ``winter_night_smart``."""

from __future__ import annotations

import pytest

from evtwin.runtime._climate import parse_utc
from evtwin.scenarios import ScenarioResult, load_scenario, run
from evtwin.signals import paths as P


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    return run(load_scenario("winter_night_smart"))


def utc(text: str) -> float:
    t = parse_utc(text)
    assert t is not None
    return t


def test_no_faults_and_no_refusals(result: ScenarioResult) -> None:
    assert result.faults == [] and result.charging_refusals == [] and result.climate_refusals == []


def test_the_plan_waits_for_the_cheap_window(result: ScenarioResult) -> None:
    s = result.step("set the plan").signals
    assert s[P.CHARGING_CABLE_CONNECTED] is True and s[P.CHARGE_START_STOP] == "START"
    assert s[P.IS_CHARGING] is False
    start = utc(str(s[P.PLANNED_START_TIME]))
    assert utc("2027-01-15T00:30:00Z") <= start < utc("2027-01-15T05:30:00Z")
    assert s[P.PLANNED_ENERGY_KWH] == pytest.approx(
        (80 - s[P.SOC_CURRENT_PCT]) / 100 * 75, rel=0.02
    )
    evening = result.step("evening").signals
    assert evening[P.SOC_CURRENT_PCT] == pytest.approx(s[P.SOC_CURRENT_PCT])  # nothing yet
    assert evening[P.CABIN_AIR_C] == pytest.approx(-5.0, abs=0.5)


def test_most_of_the_charge_goes_in_off_peak(result: ScenarioResult) -> None:
    t0 = result.scenario.start_s
    cheap = (utc("2027-01-15T00:30:00Z") - t0, utc("2027-01-15T05:30:00Z") - t0)
    gained = [
        (b.time_s, b.soc_percent - a.soc_percent)
        for a, b in zip(result.rows, result.rows[1:], strict=False)
        if b.is_charging
    ]
    total = sum(d for _, d in gained)
    off_peak = sum(d for t, d in gained if cheap[0] < t <= cheap[1] + 120)
    assert total > 30.0
    assert off_peak > 0.9 * total


def test_ready_by_time_charged_to_the_limit_and_the_cabin_warm(result: ScenarioResult) -> None:
    night, ready = result.step("night").signals, result.step("ready").signals
    assert night[P.CABIN_AIR_C] < 10.0  # preconditioning starts 30 min before 07:30
    assert ready[P.SOC_CURRENT_PCT] == pytest.approx(80.0, abs=1e-6)
    assert ready[P.CABIN_AIR_C] == pytest.approx(21.0, abs=0.5)
    precondition_rows = [r for r in result.rows if r.step == 6]
    assert min(r.soc_percent for r in precondition_rows) > 79.0  # the grid paid for the heat


def test_leaving_warm_and_charged(result: ScenarioResult) -> None:
    unplug, work = result.step("unplug").signals, result.step("drive to work")
    assert unplug[P.IS_CHARGING] is False and unplug[P.CHARGING_CABLE_CONNECTED] is False
    assert work.leg is not None and work.leg.completed
    assert work.signals[P.SOC_CURRENT_PCT] < 80.0
