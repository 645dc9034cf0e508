"""Physics invariants of the batched engine, checked over random vehicles and conditions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import Case, CaseResult, run_batch, simulate
from evtwin.sim.kernel import ocv_relative
from evtwin.sim.traces import Trace, constant_speed, cycle
from evtwin.vehicles import derive_params, parse_spec
from evtwin.vehicles.derive import VehicleParams


def car(
    name: str,
    drivetrain: str,
    *,
    mass_kg: float,
    battery_kwh: float,
    width_mm: float,
    height_mm: float,
    power_kw: float,
) -> VehicleParams:
    """Parameters of a spec holding only the seven required keys."""
    spec = {
        "name": name,
        "drivetrain": drivetrain,
        "kerb_mass_kg": mass_kg,
        "usable_battery_kwh": battery_kwh,
        "width_mm": width_mm,
        "height_mm": height_mm,
        "motor_power_kw": power_kw,
    }
    return derive_params(parse_spec(spec, default_id=name, where="test"))


vehicles = st.builds(
    lambda dt, mass, kwh, power, cd, volts: derive_params(
        parse_spec(
            {
                "name": "random car",
                "drivetrain": dt,
                "kerb_mass_kg": mass,
                "usable_battery_kwh": kwh,
                "width_mm": 1850,
                "height_mm": 1600,
                "motor_power_kw": power,
                "drag_coefficient": cd,
                "battery_voltage_v": volts,
            },
            default_id="random-car",
            where="hypothesis",
        )
    ),
    st.sampled_from(["fwd", "rwd", "awd"]),
    st.floats(1000, 3000),
    st.floats(20, 120),
    st.floats(40, 500),
    st.floats(0.2, 0.45),
    st.sampled_from([400.0, 800.0]),
)
conditions = st.builds(
    Conditions,
    ambient_temp_c=st.floats(-25, 40),
    payload_kg=st.floats(0, 500),
    trailer_kg=st.sampled_from([0.0, 750.0, 1500.0]),
    headwind_mps=st.floats(-10, 10),
    hvac_w=st.floats(0, 6000),
    initial_soc=st.floats(0.05, 1.0),
    altitude_m=st.floats(0, 2000),
)
traces = st.sampled_from(["wltc", "udds", "hwfet", "us06"]).map(cycle)
downhill = Trace("long descent", np.arange(1201.0), np.full(1201, 20.0), np.full(1201, -0.08))
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wheel_balance(r: CaseResult) -> tuple[float, float]:
    """Work at the wheel vs what it went into (road load and kinetic energy)."""
    lhs = r.energy_traction_j - r.energy_braking_j
    rhs = (
        r.energy_rolling_j
        + r.energy_aero_j
        + r.energy_grade_j
        + (r.kinetic_end_j - r.kinetic_start_j)
    )
    return lhs, rhs


@FAST
@given(vehicles, conditions, traces)
def test_energy_balance_closes_at_wheel_battery_and_cell(
    params: VehicleParams, cond: Conditions, trace: Trace
) -> None:
    r = simulate(params, trace, cond)
    lhs, rhs = wheel_balance(r)
    scale = max(r.energy_traction_j, 1.0)
    assert lhs == pytest.approx(rhs, abs=1e-6 * scale)
    # terminal energy = drivetrain demand + losses + loads (what the pack could not serve apart)
    demand = (
        r.energy_traction_j
        - r.energy_regen_wheel_j
        + r.energy_gear_loss_j
        + r.energy_motor_loss_j
        + r.energy_aux_j
        + r.energy_hvac_j
    )
    assert r.energy_terminal_j + r.energy_unserved_j == pytest.approx(demand, rel=1e-9, abs=1e-3)
    # chemical energy = terminal energy + internal-resistance heat
    assert r.energy_chemical_j == pytest.approx(
        r.energy_terminal_j + r.energy_battery_loss_j, rel=1e-9, abs=1e-3
    )
    # braking splits into regeneration and friction
    assert r.energy_braking_j == pytest.approx(
        r.energy_regen_wheel_j + r.energy_friction_brake_j, rel=1e-9, abs=1e-3
    )


@FAST
@given(vehicles, conditions, traces)
def test_soc_stays_within_bounds_and_matches_the_charge_drawn(
    params: VehicleParams, cond: Conditions, trace: Trace
) -> None:
    r = simulate(params, trace, cond, record=True)
    assert r.history is not None
    # within [0, 1] up to floating-point rounding of the step that empties or fills the pack
    assert (r.history.soc >= -1e-12).all() and (r.history.soc <= 1.0 + 1e-12).all()
    # chemical energy equals the OCV integral over the SOC swing
    s = np.linspace(r.soc_end, cond.initial_soc, 2001)
    ocv = params.battery_voltage_v * ocv_relative(s)
    q = params.battery_energy_j / params.battery_voltage_v
    integral = q * float(np.sum(0.5 * (ocv[1:] + ocv[:-1]) * np.diff(s)))
    assert r.energy_chemical_j == pytest.approx(integral, rel=2e-3, abs=2e3)


def test_constant_speed_wheel_energy_matches_the_road_load_formula() -> None:
    params = car(
        "c", "fwd", mass_kg=1800, battery_kwh=60, width_mm=1850, height_mm=1600, power_kw=150
    )
    v = 100 / 3.6
    trace = constant_speed(100.0, duration_s=300)
    rho = 101325.0 * (1 - 2.25577e-5 * 110) ** 5.25588 / (287.05 * 293.15)
    roll = (params.f0_n + params.f1_n_per_mps * v) * params.mass_kg / params.road_load_mass_kg
    aero = params.f2_n_per_mps2 * rho / params.reference_air_density_kg_per_m3 * v * v
    c = default_constants()
    for road, k_roll, k_drag in [
        ("test", 1.0, 1.0),
        ("real", c.real_road_rolling_factor, c.real_road_drag_factor),
    ]:
        cond = Conditions(ambient_temp_c=20.0, altitude_m=110.0, road=road)  # type: ignore[arg-type]
        r = simulate(params, trace, cond)
        force = roll * k_roll + aero * k_drag
        assert r.energy_traction_j == pytest.approx(force * v * 300, rel=1e-9), road
        assert r.distance_m == pytest.approx(v * 300, rel=1e-12)


def test_a_batch_gives_the_same_answers_as_one_car_at_a_time() -> None:
    p1 = car("a", "awd", mass_kg=2100, battery_kwh=75, width_mm=1900, height_mm=1700, power_kw=240)
    p2 = car("b", "rwd", mass_kg=1700, battery_kwh=55, width_mm=1800, height_mm=1500, power_kw=120)
    cases = [
        Case(p1, Conditions(), cycle("wltc")),
        Case(p2, Conditions(ambient_temp_c=-10, hvac_w=3000), cycle("us06")),
        Case(p1, Conditions(trailer_kg=1500, trailer_cda_m2=0.8), constant_speed(90)),
    ]
    batch = run_batch(cases)
    for i, c in enumerate(cases):
        single = simulate(c.params, c.trace, c.conditions)
        assert batch.case(i).energy_terminal_j == single.energy_terminal_j


BASE = car("base", "fwd", mass_kg=1850, battery_kwh=65, width_mm=1845, height_mm=1616, power_kw=150)


@pytest.mark.parametrize(
    "harder",
    [
        Conditions(payload_kg=300),
        Conditions(headwind_mps=8),
        Conditions(ambient_temp_c=-10),
        Conditions(trailer_kg=1200, trailer_cda_m2=0.7),
        Conditions(hvac_w=2500),
        Conditions(rolling_factor=3.0),
    ],
    ids=["payload", "headwind", "cold", "trailer", "hvac", "soft-surface"],
)
def test_harder_conditions_cost_energy(harder: Conditions) -> None:
    base = simulate(BASE, cycle("wltc"), Conditions()).dc_wh_per_km
    assert simulate(BASE, cycle("wltc"), harder).dc_wh_per_km > base * 1.01


def test_a_car_too_weak_for_the_trace_reports_it_instead_of_clamping() -> None:
    weak = car(
        "weak", "fwd", mass_kg=1800, battery_kwh=60, width_mm=1850, height_mm=1600, power_kw=20
    )
    r = simulate(weak, cycle("us06"))
    assert not r.followed_trace
    assert r.trace_miss_steps > 0 and r.first_miss_s is not None
    assert r.max_speed_deficit_mps > 2 / 3.6
    assert r.distance_m < cycle("us06").distance_m
    assert simulate(BASE, cycle("wltc")).followed_trace


def test_a_battery_run_flat_reports_depletion_and_never_goes_below_zero() -> None:
    trace = constant_speed(120.0, duration_s=6 * 3600)
    r = simulate(BASE, trace, Conditions(initial_soc=0.3), record=True)
    assert r.depleted and not r.followed_trace
    assert r.soc_min >= -1e-12  # empty, up to floating-point rounding
    assert r.energy_unserved_j > 0
    assert r.history is not None and r.history.speed_mps[-1] < 1.0


def test_regeneration_never_overfills_the_pack() -> None:
    r = simulate(BASE, downhill, Conditions(initial_soc=0.98), record=True)
    assert r.history is not None
    assert r.history.soc.max() <= 1.0 + 1e-12
    assert r.energy_friction_brake_j > 0  # the full pack sends braking to the friction brakes


def test_a_climb_beyond_traction_is_not_followed() -> None:
    n = 120
    t = np.arange(n, dtype=float)
    trace = Trace("wall", t, np.full(n, 5.0), np.full(n, 0.55))
    r = simulate(BASE, trace, Conditions(friction=0.3, rolling_factor=1.0))
    assert not r.followed_trace


def test_regeneration_level_is_a_condition_and_zero_means_coasting() -> None:
    off = simulate(BASE, cycle("wltc"), Conditions(regen_max_decel_mps2=0.0))
    strong = simulate(BASE, cycle("wltc"), Conditions(regen_max_decel_mps2=3.5))
    default = simulate(BASE, cycle("wltc"), Conditions())
    assert off.energy_regen_wheel_j == 0.0
    assert off.energy_friction_brake_j == pytest.approx(off.energy_braking_j)
    assert strong.energy_regen_wheel_j > default.energy_regen_wheel_j
    assert strong.dc_wh_per_km < default.dc_wh_per_km < off.dc_wh_per_km


def test_a_large_mixed_batch_matches_single_runs_element_by_element() -> None:
    # more than one block per trace (parallel path, full and partial vector blocks)
    rng = np.random.default_rng(7)
    traces = [cycle("wltc"), cycle("us06"), constant_speed(110)]
    cases = [
        Case(
            BASE,
            Conditions(
                payload_kg=float(rng.uniform(0, 400)), ambient_temp_c=float(rng.uniform(-20, 35))
            ),
            traces[i % 3],
        )
        for i in range(150)
    ]
    batch = run_batch(cases, record=2)
    for i in (0, 1, 2, 64, 65, 100, 149):
        c = cases[i]
        single = simulate(c.params, c.trace, c.conditions)
        assert batch.case(i).energy_terminal_j == pytest.approx(single.energy_terminal_j, rel=1e-12)
        assert batch.case(i).soc_end == pytest.approx(single.soc_end, rel=1e-12)
    hist = batch.case(1).history
    assert hist is not None and len(hist.time_s) == len(cycle("us06"))


def test_battery_losses_grow_at_low_soc_beyond_the_lower_voltage_alone() -> None:
    trace = constant_speed(100.0, duration_s=300)
    low = simulate(BASE, trace, Conditions(initial_soc=0.08))
    mid = simulate(BASE, trace, Conditions(initial_soc=0.6))
    # lower OCV alone raises I^2R by ~(OCV_mid/OCV_low)^2 ~ 1.3; the resistance rise adds more
    assert low.energy_battery_loss_j / mid.energy_battery_loss_j > 1.6
