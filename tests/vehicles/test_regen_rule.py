"""Regeneration by model year: one global rule, fitted on EPA dyno tests (leave-one-out)."""

from __future__ import annotations

import itertools

import pytest

from evtwin.physics.constants import default_constants
from evtwin.sim.engine import simulate
from evtwin.sim.range import wltp_conditions
from evtwin.sim.traces import cycle
from evtwin.vehicles import derive_params, load_vehicle
from evtwin.vehicles.derive import model_year_of, regen_decel_for_year


@pytest.mark.parametrize(
    ("text", "year"),
    [("2023-2024", 2023), ("2024+", 2024), ("press: launch 2027, Halewood", 2027), ("n/a", None)],
)
def test_model_year_is_the_first_year_in_the_text(text: str, year: int | None) -> None:
    spec = load_vehicle("vw-id3-pro-s").replace(model_year=text)
    assert model_year_of(spec) == year


def test_the_rule_grows_with_model_year_and_is_capped() -> None:
    c = default_constants()
    years = range(2005, 2060)
    values = [regen_decel_for_year(y, c) for y in years]
    assert all(b >= a for a, b in itertools.pairwise(values))
    assert values[0] == c.regen_max_decel_mps2  # never below the reference-year value
    assert max(values) == c.regen_cap_mps2 <= 3.0
    # a current car regenerates far harder than a 2010-era blended-brake car
    assert regen_decel_for_year(2024, c) >= 1.5 * regen_decel_for_year(2012, c)


def test_a_newer_car_recovers_more_in_the_city_and_uses_less() -> None:
    spec = load_vehicle("vw-id3-pro-s")
    new = derive_params(spec.replace(model_year="2024"))
    old = derive_params(spec.replace(model_year="2012"))
    a = simulate(new, cycle("udds"), wltp_conditions(new))
    b = simulate(old, cycle("udds"), wltp_conditions(old))
    assert a.energy_regen_wheel_j > b.energy_regen_wheel_j
    assert a.energy_terminal_j < b.energy_terminal_j


def test_an_unknown_model_year_is_a_stated_assumption() -> None:
    p = derive_params(load_vehicle("vw-id3-pro-s").replace(model_year=None))
    assert p.basis["model_year"].startswith("default")
    assert p.regen_max_decel_mps2 == regen_decel_for_year(
        default_constants().regen_unknown_year, default_constants()
    )
