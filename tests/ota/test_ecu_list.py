"""The ECU list is vehicle data with one loader."""

from __future__ import annotations

import pytest

from evtwin.errors import OtaError
from evtwin.ota import DEFENDER_SPORT_ECUS, EcuSpec, load_ecus


def test_the_defender_sports_ecus_come_from_its_data_file() -> None:
    ecus = load_ecus("defender-sport")
    assert ecus == DEFENDER_SPORT_ECUS
    assert ecus[0] == EcuSpec(serial="tcu-0001", hardware_id="ds-tcu-r1")  # the Primary
    assert len(ecus) == 5 and len({e.serial for e in ecus}) == 5


@pytest.mark.parametrize("vehicle", ["no-such-car", "../defender-sport", ""])
def test_an_unknown_or_odd_vehicle_is_a_clear_error(vehicle: str) -> None:
    with pytest.raises(OtaError, match=r"ECU list|vehicle id"):
        load_ecus(vehicle)
