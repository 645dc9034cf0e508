"""Issue 12, slice 3 (part): a full-verification Secondary checks the Image repository itself.

With the Director's online keys and the Primary both compromised, a partial-verification ECU
installs whatever the Director signs; a full-verification ECU refuses an image the Image
repository (offline targets keys) never released, and forged Image metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tuf.api.metadata import TargetFile

from evtwin.errors import OtaConsensusError, OtaMetadataError
from evtwin.ota import BootOutcome, OtaBackend, Primary, provision_vehicle

from .support import VIN, check_in, image, release

BMS, IVI = "bms-0001", "ivi-0001"


def full_car(backend: OtaBackend, root: Path) -> Primary:
    from evtwin.ota import Registration, build_vehicle

    def register(inv):  # type: ignore[no-untyped-def]
        return Registration(
            director_root=backend.director.register_vehicle(inv),
            image_root=backend.image_repo.role_bytes("root"),
        )

    return build_vehicle(
        vin=VIN, root_dir=root, register=register, urls=backend.urls(VIN),
        fetcher=backend.fetcher(), clock=backend.clock, full_verification=[BMS],
    )  # fmt: skip


def image_bundle(backend: OtaBackend) -> dict[str, bytes]:
    return {r: backend.image_repo.role_bytes(r) for r in ("timestamp", "snapshot", "targets")}


def test_a_full_verification_secondary_installs_a_released_image(
    backend: OtaBackend, tmp_path: Path
) -> None:
    car = full_car(backend, tmp_path / "car")
    assert car.ecus[BMS].full_verification and not car.ecus[IVI].full_verification
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)

    assert car.update().outcomes == {BMS: BootOutcome.COMMITTED}
    assert (car.ecus[BMS].root_dir / "image_targets_version").read_text() == "2"


def test_a_full_verification_secondary_refuses_what_only_a_compromised_director_signed(
    backend: OtaBackend, tmp_path: Path
) -> None:
    full = full_car(backend, tmp_path / "full")
    evil = image("evil bms")
    repo = backend.director.vehicle_repo(VIN)  # the attacker holds every Director key
    forged = TargetFile.from_data("bms-6.6.6.img", evil, ["sha256", "sha512"])
    forged.unrecognized_fields["custom"] = {
        "ecuIdentifiers": {BMS: {"hardwareId": "ds-bms-r2"}},
        "releaseCounter": 666,
    }
    repo.targets_md.signed.targets[forged.path] = forged
    repo.refresh_all()
    director_targets = repo.role_bytes("targets")
    # ... and the Primary: it skips its own consensus check and drives the ECU directly

    with pytest.raises(OtaConsensusError, match="Image repository does not"):
        full.ecus[BMS].install(director_targets, evil, image_metadata=image_bundle(backend))
    with pytest.raises(OtaMetadataError, match="needs the Image repository"):
        full.ecus[BMS].install(director_targets, evil)  # withholding the metadata
    assert full.ecus[BMS].slots.active is None

    partial = provision_vehicle(backend, vin="SALDS27A1RA000002", root_dir=tmp_path / "p")
    partial_repo = backend.director.vehicle_repo(partial.vin)
    partial_repo.targets_md.signed.targets[forged.path] = forged
    partial_repo.refresh_all()
    outcome = partial.ecus[BMS].install(partial_repo.role_bytes("targets"), evil)
    assert outcome is BootOutcome.COMMITTED  # the threat: partial verification alone falls


def test_a_full_verification_secondary_refuses_forged_image_metadata(
    backend: OtaBackend, tmp_path: Path
) -> None:
    car = full_car(backend, tmp_path / "car")
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    director_targets = backend.director.vehicle_repo(VIN).role_bytes("targets")
    bundle = image_bundle(backend)
    doctored = json.loads(bundle["targets"])
    doctored["signed"]["targets"]["bms-1.0.0.img"]["custom"]["releaseCounter"] = 99
    bundle["targets"] = json.dumps(doctored).encode()

    with pytest.raises(OtaMetadataError, match="targets: UnsignedMetadataError"):
        car.ecus[BMS].install(director_targets, image("bms 1.0.0"), image_metadata=bundle)
    assert car.ecus[BMS].slots.active is None
