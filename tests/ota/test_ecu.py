"""Partial verification by each ECU, independent of the Primary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tuf.api.metadata import Metadata, Root, TargetFile

from evtwin.errors import OtaImageError, OtaMetadataError
from evtwin.ota import BootOutcome, ManualClock, OtaBackend, Primary

from .support import check_in, image, release

BMS = "bms-0001"


def director_targets(backend: OtaBackend, car: Primary) -> bytes:
    return backend.director.vehicle_repo(car.vin).role_bytes("targets")


def test_secondary_installs_a_correctly_signed_image(backend: OtaBackend, car: Primary) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)

    outcome = car.ecus[BMS].install(director_targets(backend, car), image("bms 1.0.0"), 1)

    assert outcome is BootOutcome.COMMITTED


def test_secondary_rejects_an_image_for_other_hardware_even_if_the_director_signs_it(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "ivi-4.2.0.img", image("ivi 4.2.0"), "ds-infotainment-r3", 7)
    ivi = backend.image_repo.get_image("ivi-4.2.0.img")
    assert ivi is not None
    repo = backend.director.vehicle_repo(car.vin)  # compromised Director keys
    forged = TargetFile(ivi.length, dict(ivi.hashes), ivi.path)
    forged.unrecognized_fields["custom"] = {
        "ecuIdentifiers": {BMS: {"hardwareId": "ds-infotainment-r3"}}
    }
    repo.targets_md.signed.targets[forged.path] = forged
    repo.refresh_all()

    with pytest.raises(OtaImageError, match="is hardware 'ds-bms-r2'"):
        car.ecus[BMS].install(director_targets(backend, car), image("ivi 4.2.0"), 7)

    assert car.ecus[BMS].slots.active is None


def test_secondary_rejects_expired_director_targets_by_its_own_clock(
    backend: OtaBackend, car: Primary, clock: ManualClock
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    targets = director_targets(backend, car)
    clock.advance(timedelta(days=91))  # Director targets live 90 days

    with pytest.raises(OtaMetadataError, match="expired"):
        car.ecus[BMS].install(targets, image("bms 1.0.0"), 1)


def test_secondary_rejects_director_targets_older_than_it_has_seen(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    old = director_targets(backend, car)
    backend.director.vehicle_repo(car.vin).refresh_all()
    car.ecus[BMS].verify(director_targets(backend, car), image("bms 1.0.0"))

    with pytest.raises(OtaMetadataError, match="older than"):
        car.ecus[BMS].verify(old, image("bms 1.0.0"))


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not json", b"{}", b'{"signed": {"_type": "targets"}, "signatures": []}'],
)
def test_secondary_rejects_malformed_director_targets(
    backend: OtaBackend, car: Primary, garbage: bytes
) -> None:
    with pytest.raises(OtaMetadataError, match="malformed"):
        car.ecus[BMS].install(garbage, image("bms 1.0.0"), 1)

    assert car.ecus[BMS].slots.active is None


@pytest.mark.parametrize("mangle", ["truncated", "oversized"])
def test_secondary_rejects_truncated_or_oversized_images(
    backend: OtaBackend, car: Primary, mangle: str
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    good = image("bms 1.0.0")
    bad = good[:-1] if mangle == "truncated" else good + b"\0"

    with pytest.raises(OtaImageError, match="bytes, metadata says 2048"):
        car.ecus[BMS].install(director_targets(backend, car), bad, 1)

    assert car.ecus[BMS].slots.active is None


def test_secondary_rejects_a_director_root_not_signed_by_its_trusted_root(
    backend: OtaBackend, car: Primary
) -> None:
    other = OtaBackend.create(backend.clock)
    foreign_root = other.director.register_vehicle(backend.director.inventory(car.vin))
    md = Metadata[Root].from_bytes(foreign_root)
    md.signed.version = 2
    for signer in other.director.keys["root"].signers:
        md.sign(signer, append=False)

    with pytest.raises(OtaMetadataError, match="Director root v2"):
        car.ecus[BMS].update_root([md.to_bytes()])

    assert car.ecus[BMS].trusted_root.signed.version == 1
