"""Drive and terrain modes, surfaces, towing, wading and hill descent change what the car can
do and what it costs, measurably."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evtwin.errors import ScenarioError
from evtwin.scenarios import ScenarioResult
from evtwin.signals import paths as P

RunSteps = Callable[..., ScenarioResult]  # the run_steps fixture (tests/scenarios/conftest.py)


def climb(surface: str, grade_percent: float = 25) -> dict[str, object]:
    return {
        "do": "drive",
        "label": surface,
        "speed_kph": 10,
        "distance_km": 0.1,
        "grade_percent": grade_percent,
        "surface": surface,
    }


def test_a_wet_grass_climb_fails_for_lack_of_grip_where_asphalt_succeeds(
    run_steps: RunSteps,
) -> None:
    result = run_steps([climb("asphalt"), climb("grass"), climb("grass_wet")])
    asphalt, grass, wet = (result.step(s).leg for s in ("asphalt", "grass", "grass_wet"))
    assert asphalt is not None and grass is not None and wet is not None
    assert asphalt.completed and grass.completed
    assert not wet.completed
    assert wet.distance_km < 0.01
    assert wet.trace_miss_steps > 0
    assert result.step("grass_wet").signals[P.SURFACE] == "GRASS"


def test_the_grass_gravel_snow_program_climbs_a_wet_bank_the_others_cannot(
    run_steps: RunSteps,
) -> None:
    bank = {**climb("grass_wet", grade_percent=21), "distance_km": 0.05}
    modes = ("COMFORT", "DYNAMIC", "GRASS_GRAVEL_SNOW")
    result = run_steps([{**bank, "label": m, "mode": m} for m in modes])
    done = {m: result.step(m).leg.completed for m in modes}  # type: ignore[union-attr]
    assert done == {"COMFORT": False, "DYNAMIC": False, "GRASS_GRAVEL_SNOW": True}


def test_the_sand_program_climbs_a_dune_the_others_cannot(run_steps: RunSteps) -> None:
    dune = {**climb("sand", grade_percent=27), "distance_km": 0.05}
    modes = ("COMFORT", "DYNAMIC", "SAND")
    result = run_steps([{**dune, "label": m, "mode": m} for m in modes])
    done = {m: result.step(m).leg.completed for m in modes}  # type: ignore[union-attr]
    assert done == {"COMFORT": False, "DYNAMIC": False, "SAND": True}


def test_sand_costs_far_more_energy_than_asphalt(run_steps: RunSteps) -> None:
    leg = {"do": "drive", "speed_kph": 30, "distance_km": 0.5}
    result = run_steps(
        [
            {**leg, "label": "asphalt", "surface": "asphalt"},
            {**leg, "label": "sand", "surface": "sand", "mode": "SAND"},
        ]
    )
    asphalt, sand = result.step("asphalt").leg, result.step("sand").leg
    assert asphalt is not None and sand is not None
    assert sand.completed
    assert sand.energy_kwh > 4 * asphalt.energy_kwh


def test_eco_regenerates_more_than_dynamic_on_a_stop_go_cycle(run_steps: RunSteps) -> None:
    """Modes scale the car's own regeneration limit (by model year): on a 2027 car even
    Dynamic's limit (~2.4 m/s²) covers most of the UDDS braking, so Eco saves little over it
    (~0.2 %), while Sand's light regeneration costs far more."""
    result = run_steps(
        [
            {"do": "drive", "label": m.lower(), "cycle": "udds", "mode": m}
            for m in ("ECO", "DYNAMIC", "SAND")
        ],
        drive_step_s=5.0,
    )
    eco, dynamic, sand = (result.step(m).leg for m in ("eco", "dynamic", "sand"))
    assert eco is not None and dynamic is not None and sand is not None
    assert eco.distance_km == pytest.approx(dynamic.distance_km, rel=1e-3)
    assert eco.energy_kwh < dynamic.energy_kwh < sand.energy_kwh
    assert eco.energy_kwh > 0.99 * dynamic.energy_kwh  # a current car's regen is strong anyway
    assert sand.energy_kwh > 1.05 * dynamic.energy_kwh


@pytest.mark.parametrize(("mode", "cap_kph"), [("ECO", 130.0), ("ROCK_CRAWL", 30.0)])
def test_a_mode_caps_the_speed(run_steps: RunSteps, mode: str, cap_kph: float) -> None:
    result = run_steps([{"do": "drive", "speed_kph": 150, "duration_s": 90, "mode": mode}])
    leg = result.steps[0].leg
    assert leg is not None
    assert leg.max_speed_kph == pytest.approx(cap_kph, abs=1e-6)
    assert result.steps[0].signals[P.TERRAIN_MODE] == mode


def test_rock_crawl_pulls_away_more_gently_than_dynamic(run_steps: RunSteps) -> None:
    result = run_steps(
        [
            {"do": "drive", "label": m, "speed_kph": 25, "duration_s": 4, "mode": m}
            for m in ("ROCK_CRAWL", "DYNAMIC")
        ],
        drive_step_s=1.0,
    )
    crawl, dynamic = result.step("ROCK_CRAWL").leg, result.step("DYNAMIC").leg
    assert crawl is not None and dynamic is not None
    assert crawl.distance_km < 0.85 * dynamic.distance_km  # half the torque: slower off the line


def test_towing_mode_caps_speed_and_the_trailer_costs_energy(run_steps: RunSteps) -> None:
    leg = {"do": "drive", "speed_kph": 110, "distance_km": 2}
    result = run_steps(
        [
            {**leg, "label": "solo"},
            {"do": "hitch", "trailer_kg": 1500},
            {"do": "set", "signals": {P.TOWING_MODE: True}},
            {**leg, "label": "towing"},
        ]
    )
    solo, towing = result.step("solo").leg, result.step("towing").leg
    assert solo is not None and towing is not None
    assert solo.max_speed_kph == pytest.approx(110.0)
    assert towing.max_speed_kph == pytest.approx(96.5)  # UK 60 mph towing limit
    assert towing.energy_kwh > 1.3 * solo.energy_kwh
    assert result.step("towing").signals[P.TRAILER_MASS_KG] == 1500


def test_a_trailer_above_the_towing_capacity_is_refused(run_steps: RunSteps) -> None:
    with pytest.raises(
        ScenarioError, match="2500 kg exceeds the towing capacity of defender-sport, 1800 kg"
    ):
        run_steps([{"do": "hitch", "trailer_kg": 2500}])


def test_the_car_will_not_wade_deeper_than_its_spec_allows(run_steps: RunSteps) -> None:
    wade = {"do": "drive", "speed_kph": 20, "distance_km": 0.05, "mode": "WADE"}
    result = run_steps(
        [
            {"do": "world", "water_depth_mm": 700},
            {**wade, "label": "too deep"},
            {"do": "world", "water_depth_mm": 400},
            {**wade, "label": "fordable"},
        ]
    )
    deep, ford = result.step("too deep"), result.step("fordable")
    assert deep.signals[P.WADING_LIMIT_EXCEEDED] is True
    assert deep.leg is not None and deep.leg.distance_km == 0.0
    assert ford.signals[P.WADING_LIMIT_EXCEEDED] is False
    assert ford.leg is not None and ford.leg.completed
    assert ford.leg.max_speed_kph == pytest.approx(10.0)  # Wade mode's cap


def test_hill_descent_control_holds_its_speed_downhill(run_steps: RunSteps) -> None:
    descent = {"do": "drive", "speed_kph": 30, "distance_km": 0.3, "grade_percent": -25}
    result = run_steps(
        [
            {**descent, "label": "off"},
            {"do": "set", "signals": {P.HDC_ENABLED: True, P.HDC_SPEED_KPH: 6.0}},
            {**descent, "label": "on"},
        ]
    )
    off, on = result.step("off").leg, result.step("on").leg
    assert off is not None and on is not None
    assert off.max_speed_kph == pytest.approx(30.0)
    assert on.completed
    assert on.max_speed_kph == pytest.approx(6.0)
    steady = [r.speed_kph for r in result.rows if r.step == 3 and r.grade_percent < -5]
    assert steady and max(steady) <= 6.0 + 1e-9
    assert sum(v > 5.5 for v in steady) > 0.8 * len(steady)
