"""Cell chemistry (NMC/NCA/LFP): where it physically matters, and that NMC is the default."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from evtwin.battery.bms import EcmParams, SensorNoise, measure, run_ekf, simulate_truth
from evtwin.battery.chemistry import (
    CHEMISTRIES,
    DEFAULT_CHEMISTRY,
    load_chemistry,
    ocv_relative_for,
)
from evtwin.battery.ocv import ocv_relative
from evtwin.charging import ChargeRequest, simulate_session
from evtwin.charging.chargers import dc_charger
from evtwin.charging.vehicle import car_charge_params
from evtwin.errors import DataFileError
from evtwin.sim.conditions import Conditions
from evtwin.sim.range import RangeQuery, estimate_ranges
from evtwin.sim.traces import cycle
from evtwin.vehicles import VehicleSpec, derive_params, load_vehicle

SOC = np.linspace(0.0, 1.0, 101)


def test_nmc_is_the_default_and_is_the_drive_engine_s_curve() -> None:
    assert DEFAULT_CHEMISTRY == "nmc"
    assert np.array_equal(ocv_relative_for(None, SOC), ocv_relative(SOC))
    # the table in chemistry.toml is the same curve as battery/ocv.py's
    nmc = load_chemistry("nmc")
    assert np.allclose(nmc.ocv_relative(SOC), ocv_relative(SOC), atol=1e-12)


@pytest.mark.parametrize("chem", CHEMISTRIES)
def test_every_ocv_curve_has_mean_one_and_never_falls(chem: str) -> None:
    v = load_chemistry(chem).ocv_relative(SOC)
    assert np.all(np.diff(v) >= -1e-12)
    assert float(np.trapezoid(v, SOC)) == pytest.approx(1.0, abs=2e-3)


def test_lfp_ocv_is_flat_over_its_plateau() -> None:
    lfp, nmc = load_chemistry("lfp"), load_chemistry("nmc")
    assert lfp.ocv_slope(0.2, 0.9) < nmc.ocv_slope(0.2, 0.9) / 4.0
    # ... and steep at the ends (where a BMS can recalibrate)
    assert lfp.ocv_slope(0.95, 1.0) > nmc.ocv_slope(0.95, 1.0)


def test_unknown_chemistry_is_rejected_by_name() -> None:
    with pytest.raises(DataFileError, match="unknown battery chemistry 'lto'"):
        load_chemistry("lto")


def test_a_spec_without_chemistry_is_nmc_and_the_answer_says_so() -> None:
    spec = load_vehicle("vw-id3-pro-s")
    assert spec.battery_chemistry is None
    p = derive_params(spec)
    assert p.battery_chemistry == "nmc"
    (est,) = estimate_ranges([RangeQuery(spec, cycle("wltc"), Conditions(ambient_temp_c=-5.0))])
    assert est.assumptions["battery_chemistry"].startswith("default nmc: not in the spec")
    assert "(nmc)" in est.assumptions["cold"]
    byd = derive_params(load_vehicle("byd-atto3-60"))
    assert byd.battery_chemistry == "lfp"
    assert byd.basis["battery_chemistry"].startswith("spec: lfp")


def _as(chem: str | None) -> VehicleSpec:
    return dataclasses.replace(load_vehicle("byd-atto3-60"), battery_chemistry=chem)


def test_an_lfp_pack_loses_more_range_in_the_cold_but_not_when_warm() -> None:
    temps = (23.0, 0.0, -10.0)
    out = {}
    for chem in ("nmc", "lfp"):
        spec = _as(chem)
        qs = [RangeQuery(spec, cycle("wltc"), Conditions(ambient_temp_c=t)) for t in temps]
        out[chem] = [e.range_km for e in estimate_ranges(qs)]
    assert out["lfp"][0] == pytest.approx(out["nmc"][0])
    for i in (1, 2):
        assert out["lfp"][i] < out["nmc"][i]
    # the extra loss grows with the cold: factor 2 on the global loss per kelvin
    assert out["lfp"][2] / out["nmc"][2] < out["lfp"][1] / out["nmc"][1] < 1.0


def _minutes(chem: str, temp_c: float) -> float:
    car = car_charge_params(_as(chem))
    req = ChargeRequest(
        car=car, charger=dc_charger(150), from_soc=0.1, to_soc=0.8, battery_temp_c=temp_c
    )
    return simulate_session(req).minutes


def test_lfp_charges_flatter_when_warm_and_derates_harder_in_the_cold() -> None:
    nmc, lfp = car_charge_params(_as("nmc")), car_charge_params(_as("lfp"))
    assert lfp.envelope_taper_start_soc > nmc.envelope_taper_start_soc  # plateau to higher SOC
    assert lfp.envelope_power_at_80_rel > nmc.envelope_power_at_80_rel
    assert _minutes("lfp", 25.0) < _minutes("nmc", 25.0)
    # in the cold, the LFP pack loses its warm advantage and more
    assert _minutes("lfp", -10.0) / _minutes("lfp", 25.0) > _minutes("nmc", -10.0) / _minutes(
        "nmc", 25.0
    )
    assert _minutes("lfp", -10.0) > _minutes("nmc", -10.0)


def test_the_bms_estimates_soc_worse_on_an_lfp_plateau() -> None:
    """With the same sensors and a 20-point wrong start, the EKF converges in minutes on a
    sloping NMC curve but hardly learns from the voltage on LFP's plateau."""
    true = EcmParams(
        capacity_ah=190.0,
        nominal_voltage_v=400.0,
        r0_25c_ohm=0.1,
        r1_ohm=0.05,
        c1_f=1000.0,
        arrhenius_b_k=2500.0,
    )
    t = np.arange(3600)
    i = -60 - 50 * np.sin(t / 37.0) - 40 * np.sign(np.sin(t / 300.0))
    current = np.vstack([i, 0.5 * i])
    temp = np.full_like(current, 10.0)
    err, sigma = {}, {}
    for chem in ("nmc", "lfp"):
        tp = dataclasses.replace(true, chemistry=chem)
        bms = dataclasses.replace(tp, capacity_ah=190.0 * 0.97, r0_25c_ohm=0.12, r1_ohm=0.04)
        truth = simulate_truth(tp, current, temp, np.array([0.75, 0.6]), 1.0)
        readings = measure(truth, current, temp, SensorNoise(), np.random.default_rng(7))
        est = run_ekf(bms, readings, np.array([0.55, 0.8]), 1.0)
        err[chem] = np.abs(est.soc - truth.soc)[:, 600]
        sigma[chem] = est.soc_sigma[:, -1]
    assert np.all(err["lfp"] > 2.0 * err["nmc"])
    assert np.all(sigma["lfp"] > 2.0 * sigma["nmc"])  # and the filter knows it
