"""The Director signs a vehicle's metadata again only when its assignments change."""

from __future__ import annotations

from evtwin.ota import OtaBackend, Primary

from .support import check_in, image, release


def versions(backend: OtaBackend, vin: str) -> tuple[int, int, int]:
    repo = backend.director.vehicle_repo(vin)
    return (
        repo.targets_md.signed.version,
        repo.snapshot_md.signed.version,
        repo.timestamp_md.signed.version,
    )


def test_check_ins_that_change_nothing_do_not_re_sign_the_vehicles_metadata(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    assert check_in(backend, car) == {"bms-0001": "bms-1.0.0.img"}
    signed_once = versions(backend, car.vin)
    published = backend.store.get(f"director/{car.vin}/metadata/targets.json")

    for _ in range(3):  # the car has not installed it yet: same assignment each time
        check_in(backend, car)

    assert versions(backend, car.vin) == signed_once
    assert backend.store.get(f"director/{car.vin}/metadata/targets.json") == published


def test_a_changed_assignment_re_signs_targets_snapshot_and_timestamp(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    before = versions(backend, car.vin)

    release(backend, "bms-1.1.0.img", image("bms 1.1.0"), "ds-bms-r2", 2)
    assert check_in(backend, car) == {"bms-0001": "bms-1.1.0.img"}

    assert versions(backend, car.vin) == tuple(v + 1 for v in before)
    targets = backend.director.vehicle_repo(car.vin).targets_md.signed.targets
    assert list(targets) == ["bms-1.1.0.img"]
