from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evtwin.battery.bms import (
    EcmParams,
    SensorNoise,
    coulomb_count,
    displayed_from_gross,
    gross_from_displayed,
    measure,
    run_ekf,
    simulate_truth,
)
from evtwin.errors import ChargingError

TRUE = EcmParams(
    capacity_ah=190.0,
    nominal_voltage_v=400.0,
    r0_25c_ohm=0.1,
    r1_ohm=0.05,
    c1_f=1000.0,
    arrhenius_b_k=2500.0,
)
# the BMS's own model: 3 % capacity fade, resistances off by 20 % (what limits a real BMS)
BMS = dataclasses.replace(TRUE, capacity_ah=190.0 * 0.97, r0_25c_ohm=0.12, r1_ohm=0.04)
DT = 1.0


def _drive(steps: int = 3600) -> np.ndarray:
    t = np.arange(steps)
    i = -60 - 50 * np.sin(t / 37.0) - 40 * np.sign(np.sin(t / 300.0))
    return np.vstack([i, 0.5 * i])


def test_ekf_recovers_from_a_wrong_initial_soc_and_beats_coulomb_counting() -> None:
    current = _drive()
    temp = np.full_like(current, 10.0)
    truth = simulate_truth(TRUE, current, temp, np.array([0.9, 0.6]), DT)
    readings = measure(truth, current, temp, SensorNoise(), np.random.default_rng(7))
    guess = np.array([0.7, 0.8])  # 20 points off
    est = run_ekf(BMS, readings, guess, DT)
    err = np.abs(est.soc - truth.soc)[:, 600:]  # after ten minutes
    assert err.max() < 0.03
    cc = coulomb_count(BMS, readings, guess, DT)
    assert np.all(np.abs(cc - truth.soc)[:, -1] > 0.15)  # the initial error never goes away


def test_ekf_with_the_exact_model_is_within_half_a_point() -> None:
    current = _drive(1800)
    temp = np.full_like(current, 25.0)
    truth = simulate_truth(TRUE, current, temp, np.array([0.8, 0.5]), DT)
    readings = measure(truth, current, temp, SensorNoise(), np.random.default_rng(3))
    est = run_ekf(TRUE, readings, np.array([0.5, 0.8]), DT)
    assert np.abs(est.soc - truth.soc)[:, 600:].max() < 0.005
    assert np.all(est.soc_sigma[:, -1] < est.soc_sigma[:, 0])


@given(soc=st.floats(0.0, 1.0))
def test_displayed_and_gross_soc_round_trip_with_buffers(soc: float) -> None:
    g = gross_from_displayed(soc, TRUE)
    assert float(displayed_from_gross(g, TRUE)) == pytest.approx(soc)
    assert TRUE.bottom_buffer <= float(g) <= 1.0 - TRUE.top_buffer + 1e-12


def test_displayed_zero_still_has_the_bottom_buffer() -> None:
    assert float(gross_from_displayed(0.0, TRUE)) == pytest.approx(TRUE.bottom_buffer)
    assert float(displayed_from_gross(1.0, TRUE)) > 1.0


@given(amps=st.floats(1.0, 300.0))
def test_charging_current_raises_true_soc_and_terminal_voltage_above_ocv(amps: float) -> None:
    current = np.full((1, 120), amps)
    truth = simulate_truth(TRUE, current, np.full_like(current, 20.0), np.array([0.3]), DT)
    assert np.all(np.diff(truth.soc) > 0)
    assert truth.soc[0, -1] == pytest.approx(0.3 + amps * 119 / 3600 / 190.0)


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(ChargingError, match="capacity_ah = 0"):
        dataclasses.replace(TRUE, capacity_ah=0.0)
    with pytest.raises(ChargingError, match=r"time step = -1 s"):
        simulate_truth(TRUE, np.zeros((1, 3)), np.zeros((1, 3)), np.array([0.5]), -1.0)
    with pytest.raises(ChargingError, match="empties the pack"):
        current = np.full((1, 3600), -500.0)
        simulate_truth(TRUE, current, np.zeros_like(current), np.array([0.2]), DT)
