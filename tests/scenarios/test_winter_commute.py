"""End to end: drive home, park overnight at -5 °C, precondition, charge, unplug — the
bundled ``winter_commute`` scenario, with the car's signals checked after every step."""

from __future__ import annotations

import pytest

from evtwin.scenarios import ScenarioResult, load_scenario, run
from evtwin.signals import paths as P


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    return run(load_scenario("winter_commute"))


def test_the_story_runs_without_faults_or_refusals(result: ScenarioResult) -> None:
    assert [s.label for s in result.steps] == [
        "drive home",
        "park overnight",
        "request preconditioning",
        "precondition",
        "plug in",
        "set charge limit",
        "charge",
        "unplug",
    ]
    assert result.faults == []
    assert result.charging_refusals == [] and result.climate_refusals == []


def test_driving_home_moves_the_car_and_uses_charge(result: ScenarioResult) -> None:
    drive = result.step("drive home")
    s = drive.signals
    assert drive.leg is not None and drive.leg.completed
    assert drive.leg.distance_km == pytest.approx(23.27, abs=0.05)  # the WLTC
    assert s[P.TRAVELED_DISTANCE_M] == pytest.approx(23266, abs=50)
    assert s[P.SPEED_KPH] == 0.0 and s[P.POWER_STATE] == "OFF"
    assert 52.0 < s[P.SOC_CURRENT_PCT] < 59.0  # 62 % less ~4-5 kWh of 75
    assert s[P.SOC_DISPLAYED_PCT] == round(s[P.SOC_CURRENT_PCT])
    assert s[P.CABIN_AIR_C] == pytest.approx(21.0, abs=0.5)  # heated on the way
    assert s[P.RANGE_M] > 150_000


def test_the_car_cold_soaks_overnight(result: ScenarioResult) -> None:
    before, after = result.step("drive home").signals, result.step("park overnight").signals
    assert after[P.AMBIENT_AIR_C] == -5.0
    assert after[P.CABIN_AIR_C] == pytest.approx(-5.0, abs=0.5)
    assert -5.0 < after[P.BATTERY_TEMP_C] < -2.0  # a large pack lags the air
    standby_kwh = (before[P.SOC_CURRENT_PCT] - after[P.SOC_CURRENT_PCT]) / 100 * 75
    assert standby_kwh == pytest.approx(0.030 * 13, rel=0.05)  # 30 W for 13 h
    assert after[P.IS_CHARGING] is False


def test_preconditioning_warms_the_cabin_on_battery_power(result: ScenarioResult) -> None:
    before, after = result.step("request preconditioning"), result.step("precondition")
    assert after.signals[P.CABIN_SETPOINT_C] == 21.0
    assert after.signals[P.CABIN_AIR_C] == pytest.approx(21.0, abs=0.5)
    used_pct = before.signals[P.SOC_CURRENT_PCT] - after.signals[P.SOC_CURRENT_PCT]
    assert 0.3 < used_pct < 3.0


def test_plugging_in_starts_charging_and_the_limit_is_honoured(result: ScenarioResult) -> None:
    plug = result.step("plug in").signals
    assert plug[P.CHARGING_CABLE_CONNECTED] is True
    assert plug[P.IS_CHARGING] is True and plug[P.CHARGE_START_STOP] == "START"
    assert plug[P.CHARGE_RATE_KPH] > 15.0
    charged = result.step("charge").signals
    assert charged[P.CHARGE_LIMIT_PCT] == 90
    assert charged[P.SOC_CURRENT_PCT] == pytest.approx(90.0, abs=1e-9)
    assert max(r.soc_percent for r in result.rows) <= 90.0 + 1e-9
    assert charged[P.CHARGED_ENERGY_KWH] > 0.35 * 75 * 0.95
    assert charged[P.RANGE_M] > plug[P.RANGE_M] * 1.5


def test_unplugging_ends_the_session(result: ScenarioResult) -> None:
    s = result.step("unplug").signals
    assert s[P.CHARGING_CABLE_CONNECTED] is False
    assert s[P.IS_CHARGING] is False and s[P.CHARGE_START_STOP] == "STOP"


def test_the_run_is_deterministic(result: ScenarioResult) -> None:
    again = run(load_scenario("winter_commute"))
    assert again.rows == result.rows
