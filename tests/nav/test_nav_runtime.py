"""The plan in the running car: destination actuator in, Route.* signals out, following a
route in a scenario with charging stops and re-planning when the SOC drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

from evtwin.errors import EvtwinError, ScenarioError
from evtwin.runtime import ManualClock, build_twin
from evtwin.scenarios import ScenarioPlayer, load_scenario
from evtwin.signals import Field

ROUTE = "Vehicle.Cabin.Infotainment.Navigation.Route"


def _value(twin: object, path: str) -> object:
    dp = twin.broker.get(path)  # type: ignore[attr-defined]
    return None if dp is None else dp.value


def test_setting_the_destination_publishes_the_plan() -> None:
    twin = build_twin(ManualClock(0.0), soc_percent=90)
    try:
        twin.broker.update([(f"{ROUTE}.Destination", Field.TARGET, "Stamford")])
        twin.advance(2.0)
        assert _value(twin, f"{ROUTE}.IsActive") is True
        assert _value(twin, f"{ROUTE}.Destination") == "Stamford"
        assert _value(twin, f"{ROUTE}.DestinationName") == "Stamford"
        assert 15.0 < float(_value(twin, f"{ROUTE}.DistanceRemaining")) < 25.0  # type: ignore[arg-type]
        p10, p50, p90 = (
            float(_value(twin, f"{ROUTE}.ArrivalStateOfCharge{s}"))  # type: ignore[arg-type]
            for s in ("P10", "", "P90")
        )
        assert p10 <= p50 <= p90 < 90.0
        assert _value(twin, f"{ROUTE}.ChargingStopCount") == 0
        assert _value(twin, f"{ROUTE}.NextChargingStop.Name") == ""
        # an empty destination ends guidance
        twin.broker.update([(f"{ROUTE}.Destination", Field.TARGET, "")])
        twin.advance(1.0)
        assert _value(twin, f"{ROUTE}.IsActive") is False
    finally:
        twin.close()


def test_an_unknown_destination_says_why() -> None:
    twin = build_twin(ManualClock(0.0))
    try:
        twin.broker.update([(f"{ROUTE}.Destination", Field.TARGET, "Stamfrod")])
        twin.advance(1.0)
        assert _value(twin, f"{ROUTE}.IsActive") is False
        assert "did you mean Stamford" in str(_value(twin, f"{ROUTE}.Message"))
    finally:
        twin.close()


def _scenario(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "trip.toml"
    f.write_text('name = "trip"\nvehicle = "defender-sport"\nseed = 1\n' + body, encoding="utf-8")
    return f


def test_the_car_follows_a_short_route(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path, '[initial]\nsoc_percent = 80\n[[step]]\ndo = "follow_route"\nto = "Stamford"\n'
    )
    player = ScenarioPlayer(load_scenario(path))
    try:
        result = player.play()
        twin = player.twin
        assert _value(twin, f"{ROUTE}.Message") == "arrived"
        assert 15.0 < result.rows[-1].odometer_km < 25.0
        lat = float(_value(twin, "Vehicle.CurrentLocation.Latitude"))  # type: ignore[arg-type]
        assert lat == pytest.approx(52.65, abs=0.03)  # Stamford
        assert result.rows[-1].soc_percent < 80.0
    finally:
        player.close()


@pytest.mark.slow
def test_a_long_route_charges_at_planned_stops_and_replans(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        "[initial]\nsoc_percent = 60\nambient_temp_c = 5\n[timing]\ndrive_step_s = 10\n"
        '[[step]]\ndo = "follow_route"\nto = "Edinburgh"\nreplan_threshold_pct = 3\n',
    )
    player = ScenarioPlayer(load_scenario(path))
    try:
        result = player.play()
        twin = player.twin
        nav = twin.nav
        assert nav is not None
        assert _value(twin, f"{ROUTE}.Message") == "arrived"
        assert nav.stops_done >= 2  # the 2017 chargers are 50 kW: several stops
        assert any(r.is_charging for r in result.rows)
        assert nav.replans >= 1 and _value(twin, f"{ROUTE}.ReplanCount") == nav.replans
        assert min(r.soc_percent for r in result.rows) > 0.0
        assert 600 < result.rows[-1].odometer_km < 800
    finally:
        player.close()


def test_follow_route_needs_a_known_destination(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="'to'"):
        load_scenario(_scenario(tmp_path, '[[step]]\ndo = "follow_route"\n'))
    with pytest.raises(EvtwinError, match="did you mean Edinburgh"):
        load_scenario(_scenario(tmp_path, '[[step]]\ndo = "follow_route"\nto = "Edinbrugh"\n'))


def test_evtwin_up_starts_with_route_guidance(capsys: pytest.CaptureFixture[str]) -> None:
    from evtwin.cli.main import main

    argv = ["up", "--port", "0", "--no-http", "--duration-s", "0.01", "--destination"]
    assert main([*argv, "Stamford"]) == 0
    assert "route:    to Stamford" in capsys.readouterr().out
    assert main([*argv, "Stamfrod"]) == 0
    assert "no route: unknown place 'Stamfrod'" in capsys.readouterr().out
