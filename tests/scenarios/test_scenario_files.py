"""Scenario files: bundled ones load, bad ones are rejected with a message naming the problem,
and runs are deterministic under the seed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evtwin.errors import (
    ChargingError,
    ClimateError,
    NotAnActuatorError,
    ScenarioError,
    SignalRangeError,
    UnknownCycleError,
    UnknownModeError,
    UnknownScenarioError,
    UnknownSignalError,
    UnknownVehicleError,
)
from evtwin.scenarios import (
    ScenarioResult,
    bundled_scenarios,
    load_scenario,
    parse_scenario,
    run,
)

RunSteps = Callable[..., ScenarioResult]  # the run_steps fixture (tests/scenarios/conftest.py)


def scenario(*steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"name": "t", **top, "step": list(steps)}


def test_every_bundled_scenario_loads() -> None:
    names = bundled_scenarios()
    assert "winter_commute" in names
    for name in names:
        assert load_scenario(name).steps


def test_an_unknown_scenario_lists_the_bundled_ones() -> None:
    with pytest.raises(UnknownScenarioError, match="did you mean winter_commute"):
        load_scenario("winter_comute")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UnknownScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")


def test_malformed_toml_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[[step]\ndo = 'park'\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        (scenario(), ScenarioError, "at least one"),
        (scenario({"do": "fly"}), ScenarioError, "do = 'fly' is not one of"),
        (scenario({"do": "park", "hours": 1, "hour": 2}), ScenarioError, "unknown key 'hour'"),
        (scenario({"do": "park", "hours": -1}), ScenarioError, "hours = -1"),
        (scenario({"do": "park"}), ScenarioError, "exactly one of hours"),
        (scenario({"do": "drive", "cycle": "wltc", "speed_kph": 50}), ScenarioError, "exactly one"),
        (scenario({"do": "drive", "cycle": "nedc"}), UnknownCycleError, "nedc"),
        (scenario({"do": "drive", "speed_kph": 500, "duration_s": 1}), ScenarioError, "500 km/h"),
        (scenario({"do": "drive", "speed_kph": 50}), ScenarioError, "duration_s, distance_km"),
        (
            scenario({"do": "drive", "speed_kph": 5, "duration_s": 9, "surface": "lava"}),
            UnknownModeError,
            "unknown surface 'lava'",
        ),
        (scenario({"do": "drive", "cycle": "udds", "mode": "TURBO"}), UnknownModeError, "TURBO"),
        (
            scenario({"do": "set", "signals": {"Vehicle.Speed": 50.0}}),
            NotAnActuatorError,
            "can only request actuators",
        ),
        (scenario({"do": "set", "signals": {"Vehicle.Warp": 1}}), UnknownSignalError, "Warp"),
        (
            scenario(
                {
                    "do": "set",
                    "signals": {"Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit": 150},
                }
            ),
            SignalRangeError,
            "150 percent",
        ),
        (
            scenario(
                {
                    "do": "set",
                    "signals": {"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 45.0},
                }
            ),
            ClimateError,
            "45 °C is outside",
        ),
        (scenario({"do": "plug_in"}), ScenarioError, "charger_kw is required"),
        (
            scenario({"do": "park", "hours": 1}, initial={"soc_percent": 0}),
            ScenarioError,
            "soc_percent = 0",
        ),
        (scenario({"do": "park", "hours": 1}, start_utc="yesterday"), ScenarioError, "ISO 8601"),
        (scenario({"do": "park", "hours": 1}, seed=-1), ScenarioError, "seed"),
    ],
)
def test_bad_scenarios_are_rejected_with_a_clear_message(
    raw: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse_scenario(raw, source="test")


def test_an_unknown_vehicle_is_reported_when_run() -> None:
    s = parse_scenario(scenario({"do": "park", "hours": 1}, vehicle="tardis"), source="t")
    with pytest.raises(UnknownVehicleError):
        run(s)


def test_an_impossible_charger_is_rejected() -> None:
    with pytest.raises(ChargingError, match="AC charger power 100 kW"):
        parse_scenario(scenario({"do": "plug_in", "charger_kw": 100.0}), source="t")


def test_driver_speed_noise_follows_the_seed(run_steps: RunSteps) -> None:
    def trace(seed: int) -> list[float]:
        raw = scenario(
            {"do": "drive", "speed_kph": 50, "duration_s": 30, "speed_noise_kph": 3.0}, seed=seed
        )
        return [r.speed_kph for r in run(parse_scenario(raw, source="t")).rows]

    assert trace(7) == trace(7)
    assert trace(7) != trace(8)


def test_a_profile_csv_is_read_beside_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "lane.csv").write_text(
        "time_s,speed_kph,grade_percent\n0,0,0\n10,20,5\n40,20,5\n50,0,0\n"
    )
    (tmp_path / "lane.toml").write_text(
        'name = "lane"\n[[step]]\ndo = "drive"\nprofile = "lane.csv"\n'
    )
    result = run(load_scenario(tmp_path / "lane.toml"))
    leg = result.steps[0].leg
    assert leg is not None and leg.completed
    assert leg.distance_km == pytest.approx((5 * 20 + 30 * 20 + 5 * 20) / 3.6 / 1000, rel=0.02)
    assert max(r.grade_percent for r in result.rows) == pytest.approx(5.0)


def test_the_bundled_green_lane_day_shows_what_terrain_does() -> None:
    result = run(load_scenario("green_lane"))
    legs = {s.label: s.leg for s in result.steps if s.leg is not None}
    assert not legs["wet grass bank (25 %)"].completed  # type: ignore[union-attr]
    assert legs["dry grass bank (25 %)"].completed  # type: ignore[union-attr]
    assert legs["wade across"].completed  # type: ignore[union-attr]
    assert legs["steep descent (-25 %)"].max_speed_kph == pytest.approx(6.0)  # type: ignore[union-attr]
    assert result.faults == []


def test_the_bundled_towing_trip_holds_60_mph_and_stops_at_the_charge_limit() -> None:
    result = run(load_scenario("towing_trip"))
    motorway = result.step("motorway")
    assert motorway.leg is not None and motorway.leg.completed
    assert motorway.leg.max_speed_kph == pytest.approx(96.5)
    assert motorway.leg.energy_kwh / motorway.leg.distance_km > 0.35  # kWh/km with a caravan
    charged = result.step("charge").signals
    assert charged["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"] == pytest.approx(
        80.0
    )


def test_park_until_a_time_already_past_is_an_error() -> None:
    raw = scenario(
        {"do": "park", "until_utc": "2027-01-14T16:00:00Z"}, start_utc="2027-01-14T17:00:00Z"
    )
    with pytest.raises(ScenarioError, match="in the past"):
        run(parse_scenario(raw, source="t"))


def test_park_until_a_clock_time() -> None:
    raw = scenario(
        {"do": "park", "until_utc": "2027-01-14T19:30:00Z"}, start_utc="2027-01-14T17:00:00Z"
    )
    assert run(parse_scenario(raw, source="t")).steps[0].end_s == pytest.approx(2.5 * 3600)


def test_park_until_needs_an_iso_time() -> None:
    with pytest.raises(ScenarioError, match="until_utc 'tomorrow' is not an ISO 8601 time"):
        parse_scenario(scenario({"do": "park", "until_utc": "tomorrow"}), source="t")
