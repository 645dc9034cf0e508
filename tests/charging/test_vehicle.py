from __future__ import annotations

from pathlib import Path

import pytest

from evtwin.charging.chargers import get_charger
from evtwin.charging.session import ChargeRequest, simulate_session
from evtwin.charging.vehicle import car_charge_params, load_spec_with_curve, parse_charge_curve
from evtwin.errors import SpecError
from evtwin.vehicles import load_vehicle

SPEC = """
name = "Test car"
drivetrain = "rwd"
kerb_mass_kg = 1900
usable_battery_kwh = 77
width_mm = 1880
height_mm = 1620
motor_power_kw = 150
dc_peak_power_kw = 135
"""
CURVE = """
[charge_curve]
soc_percent = [0, 50, 80, 100]
power_kw = [60, 60, 60, 10]
source = "test"
"""


def test_published_peak_and_battery_alone_give_a_curve_with_stated_basis() -> None:
    car = car_charge_params(load_vehicle("skoda-enyaq-85"))
    assert car.dc_peak_power_w == 135_000.0
    assert car.measured_curve is None
    assert "rule" in car.basis["charge_curve"]
    assert car.boost_power_w == 0.0 and not car.is_high_voltage


def test_missing_onboard_charger_is_estimated_by_a_stated_rule() -> None:
    car = car_charge_params(load_vehicle("ford-explorer-er-rwd"))
    assert car.obc_power_w == 11_000.0
    assert car.basis["obc_power_w"].startswith("rule")


def test_measured_curve_in_the_spec_overrides_the_envelope(tmp_path: Path) -> None:
    f = tmp_path / "test-car.toml"
    f.write_text(SPEC + CURVE)
    spec, curve = load_spec_with_curve(f)
    assert curve is not None and curve.power_w[0] == 60_000.0
    car = car_charge_params(spec, measured_curve=curve)
    r = simulate_session(
        ChargeRequest(car=car, charger=get_charger("dc350"), from_soc=0.1, to_soc=0.8)
    )
    # flat 60 kW at the plug: 53.9 kWh plus losses takes just under an hour
    assert r.peak_kw == pytest.approx(60.0, rel=1e-6)
    assert 55.0 < r.minutes < 62.0


def test_spec_without_a_curve_reads_as_before(tmp_path: Path) -> None:
    f = tmp_path / "plain.toml"
    f.write_text(SPEC)
    spec, curve = load_spec_with_curve(f)
    assert curve is None and spec.dc_peak_power_kw == 135


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"soc_percent": [0, 50], "power_kw": [10]}, "same length"),
        ({"soc_percent": [50, 40], "power_kw": [10, 10]}, "rise strictly"),
        ({"soc_percent": [0, 150], "power_kw": [10, 10]}, r"150 % is outside"),
        ({"soc_percent": [0, 50], "power_kw": [10, -5]}, r"-5 kW is outside"),
        ({"soc_percent": [0, 50], "power_kw": [10, 5], "unit": "kW"}, "unknown key"),
    ],
)
def test_malformed_curves_are_rejected(table: dict[str, object], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_charge_curve(table, where="x.toml")


def test_an_envelope_shape_that_cannot_taper_is_refused() -> None:
    from evtwin.charging import default_charging_constants
    from evtwin.errors import ChargingError

    bad = default_charging_constants().replace(taper_start_soc=0.85)
    with pytest.raises(ChargingError, match=r"taper start 0\.85 must be in 0\.\.0\.8"):
        car_charge_params(load_vehicle("defender-sport"), constants=bad)
