from __future__ import annotations

import pytest

from evtwin.charging.chargers import ac_supply, bundled_chargers, dc_charger, get_charger
from evtwin.errors import ChargingError


def test_bundled_classes_cover_dc_and_ac_with_sources() -> None:
    chargers = bundled_chargers()
    assert {"dc50", "dc150", "dc350", "ac7", "ac11", "ac22", "ac3"} <= set(chargers)
    assert all(c.source for c in chargers.values())
    assert get_charger("ac7").max_power_w == pytest.approx(7360.0)
    assert get_charger("dc50").max_voltage_v == 500.0


def test_generic_dc_charger_voltage_classes() -> None:
    assert dc_charger(150, 400).max_voltage_v == 500.0
    assert dc_charger(150, 800).max_voltage_v == 920.0
    assert dc_charger(50).max_current_a == 125.0
    assert dc_charger(350).max_current_a == 500.0


def test_uk_home_supply_is_single_phase_up_to_7_4_kw() -> None:
    assert ac_supply(7.4).phases == 1
    assert ac_supply(11.0).phases == 3


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: dc_charger(-50), r"-50 kW is outside"),
        (lambda: dc_charger(150, 600), r"600 V: choose 400 V or 800 V"),
        (lambda: ac_supply(40), r"40 kW is outside 1\.\.22 kW"),
        (lambda: get_charger("dc1000"), r"unknown charger 'dc1000'"),
    ],
)
def test_bad_chargers_are_clear_errors(call: object, match: str) -> None:
    with pytest.raises(ChargingError, match=match):
        call()  # type: ignore[operator]
