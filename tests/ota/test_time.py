"""Time comes from the injected secure clock: expiry, and a car parked for months."""

from __future__ import annotations

from datetime import timedelta

import pytest

from evtwin.errors import OtaMetadataError
from evtwin.ota import BootOutcome, ManualClock, OtaBackend, Primary

from .support import check_in, image, release

BMS = "bms-0001"


def test_car_parked_for_months_refuses_expired_metadata_from_an_unmaintained_server(
    backend: OtaBackend, car: Primary, clock: ManualClock
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    clock.advance(timedelta(days=200))  # nobody re-signed anything meanwhile

    with pytest.raises(OtaMetadataError, match="ExpiredMetadataError"):
        car.update()

    assert car.ecus[BMS].slots.active is None


def test_car_parked_for_months_recovers_cleanly_once_the_servers_refresh(
    backend: OtaBackend, car: Primary, clock: ManualClock
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    car.update()
    release(backend, "bms-1.1.0.img", image("bms 1.1.0"), "ds-bms-r2", 2)
    check_in(backend, car)
    clock.advance(timedelta(days=200))
    backend.image_repo.publish_targets()  # the periodic offline re-signing ceremony
    backend.director.vehicle_repo(car.vin).refresh_all()

    report = car.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}, report.errors
    active = car.ecus[BMS].slots.active
    assert active is not None and active.filepath == "bms-1.1.0.img"


def test_root_expired_while_parked_is_replaced_by_a_rotated_root(
    backend: OtaBackend, car: Primary, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=400))  # past the 365-day root
    backend.image_repo.rotate_keys("root", backend.image_repo.keys["root"])  # new root version
    backend.director.rotate_keys("root", backend.director.keys["root"])
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)

    report = car.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}, report.errors


def test_an_accelerated_clock_never_goes_back_and_refuses_a_non_positive_factor() -> None:
    from datetime import UTC, datetime

    from evtwin.ota import AcceleratedClock

    before = datetime.now(UTC)
    clock = AcceleratedClock(60.0)
    first_now, first_mono = clock.now(), clock.monotonic_s()

    assert clock.now() >= first_now >= before - timedelta(seconds=1)
    assert clock.monotonic_s() >= first_mono
    with pytest.raises(ValueError, match="positive"):
        AcceleratedClock(0.0)
