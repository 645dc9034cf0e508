from __future__ import annotations

import pytest

from evtwin.validation.charging import GOAL_MAE_PCT, dc_10_80_report


def test_bundled_constants_predict_makers_10_80_times_within_the_goal() -> None:
    rep = dc_10_80_report(calibrate=False)
    assert len(rep.rows) >= 8
    assert rep.in_sample_mae_pct <= GOAL_MAE_PCT
    assert {"key", "predicted", "reference", "error_pct"} <= set(rep.to_json()["rows"][0])


def test_leave_one_out_report_states_its_method_and_error() -> None:
    rep = dc_10_80_report()
    assert "leave-one-out" in rep.method
    # the goal is 10 % MAE; leave-one-out lands near it (the MG4's slow claim is the outlier)
    assert rep.mae_pct < 12.0
    assert set(rep.calibrated) == {"taper_start_soc", "power_at_80_rel"}


def test_a_high_c_car_reaches_its_published_peak_on_a_fast_charger() -> None:
    """The Defender Sport's 250 kW on 75 kWh (3.3 C) is reached, not held at ~180 kW."""
    from evtwin.charging import ChargeRequest, car_charge_params, get_charger, simulate_session
    from evtwin.vehicles import load_vehicle

    for vid in ("defender-sport", "porsche-macan-4-electric"):
        spec = load_vehicle(vid)
        r = simulate_session(
            ChargeRequest(
                car=car_charge_params(spec), charger=get_charger("dc350"), from_soc=0.1, to_soc=0.8
            )
        )
        assert r.peak_kw == pytest.approx(spec.dc_peak_power_kw, rel=0.005)
