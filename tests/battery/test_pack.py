from __future__ import annotations

import numpy as np
import pytest

from evtwin.battery.pack import OCV_FULL_REL, PackParams, ocv_rel, ocv_v, resistance_ohm
from evtwin.errors import ChargingError
from evtwin.sim.kernel import ocv_relative


def test_ocv_rises_with_soc_and_is_the_drive_kernels_curve() -> None:
    soc = np.linspace(0.0, 1.0, 11)
    assert np.allclose(ocv_rel(soc), ocv_relative(soc))
    assert np.all(np.diff(ocv_rel(np.linspace(0, 1, 101))) > 0)
    assert ocv_rel(1.0) == pytest.approx(OCV_FULL_REL)


def test_ocv_scales_with_nominal_voltage() -> None:
    assert ocv_v(800.0, 0.5) == pytest.approx(2 * ocv_v(400.0, 0.5))


def test_resistance_is_r25_at_25_c_and_grows_when_cold() -> None:
    assert resistance_ohm(0.1, 2500.0, 25.0) == pytest.approx(0.1)
    assert resistance_ohm(0.1, 2500.0, -10.0) > 2.5 * 0.1
    assert resistance_ohm(0.1, 2500.0, 40.0) < 0.1


def test_pack_params_reject_a_non_positive_energy() -> None:
    with pytest.raises(ChargingError, match="energy_j"):
        PackParams(
            energy_j=0.0,
            nominal_voltage_v=400.0,
            resistance_25c_ohm=0.1,
            arrhenius_b_k=2500.0,
            max_voltage_rel=1.135,
            heat_capacity_j_per_k=4e5,
        )


def test_one_c_current_is_energy_over_voltage() -> None:
    p = PackParams(
        energy_j=77 * 3.6e6,
        nominal_voltage_v=400.0,
        resistance_25c_ohm=0.1,
        arrhenius_b_k=2500.0,
        max_voltage_rel=1.135,
        heat_capacity_j_per_k=4e5,
    )
    assert p.capacity_ah == pytest.approx(192.5)
    assert p.max_voltage_v == pytest.approx(454.0)
