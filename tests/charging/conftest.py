from __future__ import annotations

import pytest

from evtwin.charging.vehicle import CarChargeParams, car_charge_params
from evtwin.vehicles import load_vehicle


@pytest.fixture(scope="session")
def defender() -> CarChargeParams:
    return car_charge_params(load_vehicle("defender-sport"))


@pytest.fixture(scope="session")
def enyaq() -> CarChargeParams:
    return car_charge_params(load_vehicle("skoda-enyaq-85"))
