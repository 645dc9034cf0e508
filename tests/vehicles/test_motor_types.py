"""Motor types and AWD: the secondary motor drags unless it can't (no magnets) or is
disconnected; losses follow the motor's type and operating point, not its nameplate alone."""

from __future__ import annotations

import pytest

from evtwin.errors import SpecError
from evtwin.sim.engine import simulate
from evtwin.sim.range import wltp_conditions, wltp_range
from evtwin.sim.traces import constant_speed, cycle
from evtwin.vehicles import derive_params, load_vehicle, parse_spec

AWD = {
    "name": "AWD test car",
    "drivetrain": "awd",
    "kerb_mass_kg": 2100,
    "usable_battery_kwh": 75,
    "width_mm": 1900,
    "height_mm": 1650,
    "motor_power_kw": 250,
    "drag_coefficient": 0.28,
    "model_year": "2024",
}


def _spec(**kw: object):  # type: ignore[no-untyped-def]
    return parse_spec({**AWD, **kw}, default_id="awd-test", where="test")


def _wh_per_km(spec, speed_kph: float = 110.0) -> float:  # type: ignore[no-untyped-def]
    p = derive_params(spec)
    return simulate(p, constant_speed(speed_kph), wltp_conditions(p)).dc_wh_per_km


def test_an_idle_magnet_motor_drags_more_than_an_unexcited_one_or_a_disconnected_one() -> None:
    pmsm = _wh_per_km(_spec(secondary_motor_type="pmsm"))
    induction = _wh_per_km(_spec(secondary_motor_type="induction"))
    eesm = _wh_per_km(_spec(secondary_motor_type="eesm"))
    disconnected = _wh_per_km(_spec(secondary_motor_type="pmsm", awd_disconnect=True))
    assert pmsm > induction and pmsm > eesm
    assert min(induction, eesm) >= disconnected


def test_awd_costs_more_than_the_same_car_with_one_motor() -> None:
    awd = _spec()
    rwd = parse_spec({**AWD, "drivetrain": "rwd"}, default_id="rwd-test", where="test")
    assert _wh_per_km(awd) > _wh_per_km(rwd)
    assert wltp_range(awd).range_km < wltp_range(rwd).range_km


def test_ix1_xdrive30_comes_out_below_the_edrive20_as_published() -> None:
    # published WLTP: eDrive20 475 km, xDrive30 440 km
    assert (
        wltp_range(load_vehicle("bmw-ix1-xdrive30")).range_km
        < wltp_range(load_vehicle("bmw-ix1-edrive20")).range_km
    )


def test_an_induction_primary_loses_more_than_a_pmsm() -> None:
    base = dict(AWD, drivetrain="rwd")
    pmsm = parse_spec({**base, "motor_type": "pmsm"}, default_id="a", where="t")
    ind = parse_spec({**base, "motor_type": "induction"}, default_id="b", where="t")
    p, q = derive_params(pmsm), derive_params(ind)
    a = simulate(p, cycle("wltc"), wltp_conditions(p))
    b = simulate(q, cycle("wltc"), wltp_conditions(q))
    assert b.energy_motor_loss_j > a.energy_motor_loss_j


def test_motor_loss_grows_less_than_the_rating() -> None:
    # the same car and trace with twice the motor: a bigger machine has more iron (speed
    # losses grow) but more torque per amp (copper loss at the same push falls), so its loss
    # grows far less than its rating; the standby is per drive unit, not per kW
    base = {**AWD, "drivetrain": "rwd"}
    small = parse_spec({**base, "motor_power_kw": 150}, default_id="s", where="t")
    big = parse_spec({**base, "motor_power_kw": 300}, default_id="b", where="t")
    ps, pb = derive_params(small), derive_params(big)
    a = simulate(ps, cycle("wltc"), wltp_conditions(ps))
    b = simulate(pb, cycle("wltc"), wltp_conditions(pb))
    assert a.energy_motor_loss_j < b.energy_motor_loss_j < 1.6 * a.energy_motor_loss_j


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("motor_type", "dc", "motor_type must be one of pmsm, induction, eesm"),
        ("battery_chemistry", "lead", "battery_chemistry must be one of nmc, nca, lfp"),
        ("tyre_rr_class", "F", "tyre_rr_class must be one of A, B, C, D, E"),
    ],
)
def test_new_keys_reject_unknown_values(key: str, value: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        _spec(**{key: value})


def test_secondary_motor_only_for_awd() -> None:
    with pytest.raises(SpecError, match="only applies to drivetrain = 'awd'"):
        parse_spec(
            {**AWD, "drivetrain": "fwd", "secondary_motor_type": "pmsm"}, default_id="x", where="t"
        )


def test_defaults_are_named_in_the_basis() -> None:
    b = derive_params(_spec()).basis
    assert b["motor_type"].startswith("default pmsm")
    assert b["secondary_motor_type"].startswith("default pmsm")
    assert b["awd_disconnect"].startswith("default")


def test_tyre_class_scales_rolling_resistance_when_given() -> None:
    a = derive_params(_spec(tyre_rr_class="A"))
    e = derive_params(_spec(tyre_rr_class="E"))
    none = derive_params(_spec())
    assert a.f0_n < none.f0_n < e.f0_n
    assert e.f0_n / a.f0_n == pytest.approx(11.0 / 6.0)
    assert wltp_range(_spec(tyre_rr_class="A")).range_km > wltp_range(_spec()).range_km
