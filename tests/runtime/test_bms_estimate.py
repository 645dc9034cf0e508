"""The runtime's BMS runs the EKF: ``Current`` is its estimate, ``Truth`` the physics."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evtwin.battery import SensorNoise
from evtwin.runtime import DriveLeg, Twin, World
from evtwin.signals import paths as P
from evtwin.sim.traces import cycle

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)


def _soc(twin: Twin, path: str) -> float:
    dp = twin.broker.get(path)
    assert dp is not None
    return float(dp.value)  # type: ignore[arg-type]


def _drive_wltc_twice(twin: Twin) -> list[tuple[float, float]]:
    pairs = []
    for _ in range(2):
        twin.world.leg = DriveLeg(trace=cycle("wltc"), start_s=twin.clock.now_s())
        for _ in range(1800 // 10):
            twin.advance(10, step_s=2)
            pairs.append((_soc(twin, P.SOC_CURRENT_PCT), _soc(twin, P.SOC_TRUTH_PCT)))
    twin.world.leg = None
    return pairs


def test_with_ideal_sensors_the_estimate_is_the_truth(make_twin: MakeTwin) -> None:
    twin = make_twin(World(ambient_temp_c=10.0), soc_percent=90.0)
    pairs = _drive_wltc_twice(twin)
    assert pairs[-1][1] < 80.0  # an hour of WLTC uses more than 10 points
    assert max(abs(est - true) for est, true in pairs) < 1e-9


def test_with_noisy_sensors_the_ekf_tracks_the_truth(make_twin: MakeTwin) -> None:
    noise = SensorNoise(current_sigma_a=2.0, current_offset_a=3.0, voltage_sigma_v=1.0)
    twin = make_twin(World(ambient_temp_c=10.0), soc_percent=90.0, bms_noise=noise, bms_seed=5)
    pairs = _drive_wltc_twice(twin)
    errors = [abs(est - true) for est, true in pairs]
    assert max(errors) < 1.0  # within a point of the truth, all the way
    assert max(errors) > 1e-4  # and it is an estimate, not the truth copied
    # a coulomb count with that 3 A offset would be 3 A x 1 h / (75 kWh / V_nom) off by now
    offset_pts = 3.0 * 3600.0 / (75_000.0 * 3600.0 / twin.params.battery_voltage_v) * 100.0
    assert errors[-1] < offset_pts
    shown = _soc(twin, P.SOC_DISPLAYED_PCT)
    assert shown == round(_soc(twin, P.SOC_CURRENT_PCT))
    assert twin.bms.soc_sigma < 0.02  # the filter is surer than when it started


def test_the_same_seed_gives_the_same_estimate(make_twin: MakeTwin) -> None:
    runs = []
    for _ in range(2):
        twin = make_twin(World(), soc_percent=70.0, bms_noise=SensorNoise(), bms_seed=11)
        twin.world.leg = DriveLeg(trace=cycle("udds"), start_s=twin.clock.now_s())
        twin.advance(600, step_s=2)
        runs.append(_soc(twin, P.SOC_CURRENT_PCT))
    assert runs[0] == pytest.approx(runs[1], abs=0.0)
