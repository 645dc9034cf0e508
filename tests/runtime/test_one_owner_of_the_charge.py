"""One owner of the charge: services publish power flows, the BMS alone integrates them.

A simulated day (drive, park at −5 °C, precondition, charge while preconditioning, park) runs
with the services listed in 12 seeded orders. The SOC trace is the same in every order, and
the pack's energy change equals the sum of what each service says it moved (the balance
closes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from evtwin.runtime import Charger, DriveLeg, ManualClock, Twin, World, build_twin
from evtwin.signals import paths as P
from evtwin.sim.traces import cycle

START_S = 1_800_000_000.0  # 2027-01-15T08:00:00Z
ORDERS = 12


@dataclass(frozen=True)
class Day:
    soc_pct: np.ndarray
    pack_change_j: float
    services_j: dict[str, float]
    moved_j: float
    bms_net_j: float


def _steps(twin: Twin, seconds: float, step_s: float, trace: list[float]) -> None:
    clock = twin.clock
    assert isinstance(clock, ManualClock)
    end = clock.now_s() + seconds
    while clock.now_s() < end - 1e-9:
        clock.advance(min(step_s, end - clock.now_s()))
        twin.host.step()
        trace.append(float(twin.broker.get(P.SOC_CURRENT_PCT).value))  # type: ignore[union-attr, arg-type]


def _day(order_seed: int | None) -> Day:
    world = World(ambient_temp_c=5.0)
    twin = build_twin(
        ManualClock(START_S), world=world, soc_percent=70.0, reference_wh_per_km=lambda: 180.0
    )
    try:
        if order_seed is not None:
            services = list(twin.host.services)
            order = np.random.default_rng(order_seed).permutation(len(services))
            twin.host.services = [services[i] for i in order]
        b, trace = twin.broker, []
        twin.host.step()
        e0 = float(b.get(P.SOC_CURRENT_PCT).value) / 100.0 * twin.bms.usable_j  # type: ignore[union-attr, arg-type]
        # 1. drive the WLTC (30 min)
        world.leg = DriveLeg(trace=cycle("wltc"), start_s=twin.clock.now_s())
        _steps(twin, 1800.0, 5.0, trace)
        world.leg = None
        # 2. park overnight at −5 °C
        world.ambient_temp_c = -5.0
        _steps(twin, 9 * 3600.0, 300.0, trace)
        # 3. precondition from the pack (30 min), then 4. plug in while it keeps going
        b.set_target(P.PRECONDITION_REQUESTED, True)
        _steps(twin, 1800.0, 60.0, trace)
        world.charger = Charger(power_kw=11.0)
        _steps(twin, 1800.0, 60.0, trace)
        b.set_target(P.PRECONDITION_REQUESTED, False)
        _steps(twin, 6 * 3600.0, 120.0, trace)
        # 5. unplug and park for the rest of the day
        world.charger = None
        _steps(twin, 24 * 3600.0 - 1800.0 - 9 * 3600.0 - 3600.0 - 6 * 3600.0, 600.0, trace)
        e1 = float(b.get(P.SOC_CURRENT_PCT).value) / 100.0 * twin.bms.usable_j  # type: ignore[union-attr, arg-type]
        services = {
            "drive": twin.drive.energy_j,
            "climate": twin.climate.energy_j,
            "charging": twin.charging.energy_j,
            "low_voltage": twin.low_voltage.energy_j,
        }
        return Day(
            soc_pct=np.array(trace),
            pack_change_j=e1 - e0,
            services_j=services,
            moved_j=sum(abs(v) for v in services.values()),
            bms_net_j=twin.bms.charged_j - twin.bms.consumed_j,
        )
    finally:
        twin.close()


@pytest.fixture(scope="module")
def days() -> list[Day]:
    return [_day(None)] + [_day(seed) for seed in range(ORDERS - 1)]


def test_the_day_moves_energy_every_way(days: list[Day]) -> None:
    s = days[0].services_j
    assert s["drive"] < -2.0e6 * 3.6  # more than 2 kWh driving the WLTC at 5 °C
    assert s["climate"] < -0.5e6 * 3.6  # preconditioning at −5 °C
    assert s["charging"] > 10.0e6 * 3.6
    assert s["low_voltage"] < 0.0
    assert days[0].soc_pct.min() > 0.0 and days[0].soc_pct.max() <= 100.0


def test_the_soc_trace_is_the_same_whatever_order_the_services_step_in(days: list[Day]) -> None:
    ref = days[0].soc_pct
    for day in days[1:]:
        assert day.soc_pct.shape == ref.shape
        assert np.max(np.abs(day.soc_pct - ref)) <= 1e-9


def test_the_energy_balance_closes(days: list[Day]) -> None:
    for day in days:
        flows = sum(day.services_j.values())
        assert abs(day.pack_change_j - flows) < 1e-3 * day.moved_j
        assert day.bms_net_j == pytest.approx(day.pack_change_j, rel=1e-9, abs=1.0)
