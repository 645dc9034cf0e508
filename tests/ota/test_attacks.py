"""Every attack of the Uptane threat model, each rejected with nothing installed.

Each test fails if its defence is removed: the assertion is on the specific error (or the
specific rejection) that the defence raises, and on the ECUs' slots being untouched.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tuf.api.metadata import Metadata, TargetFile, Targets

from evtwin.errors import (
    OtaConsensusError,
    OtaDownloadError,
    OtaImageError,
    OtaKeyError,
    OtaManifestError,
    OtaMetadataError,
    OtaRollbackError,
)
from evtwin.ota import BootOutcome, ManualClock, OtaBackend, Primary, RoleKeys
from evtwin.ota._manifest import sign_envelope

from .support import AttackFetcher, check_in, image, release

BMS, INV, IVI = "bms-0001", "inv-0001", "ivi-0001"


def nothing_installed(car: Primary) -> bool:
    return all(ecu.slots.active is None and ecu.slots.pending is None for ecu in car.ecus.values())


def two_releases(backend: OtaBackend) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    release(backend, "ivi-4.2.0.img", image("ivi 4.2.0"), "ds-infotainment-r3", 7)


def test_drop_request_attack_is_detected_and_reported(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    mitm.drop.append("director/*/metadata/timestamp.json")

    with pytest.raises(OtaDownloadError, match=r"timestamp\.json: dropped"):
        attacked_car.update()

    assert nothing_installed(attacked_car)
    check_in(backend, attacked_car)  # the car tells the Director what it saw
    assert "dropped" in backend.director.reported_attacks[attacked_car.vin]["tcu-0001"]


def test_slow_retrieval_attack_is_aborted_by_the_throughput_watchdog(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    mitm.slow_s_per_chunk["image/targets/*"] = 5.0  # 64 B per 5 s: 12.8 B/s

    with pytest.raises(OtaDownloadError, match="SlowRetrievalError"):
        attacked_car.update()

    assert nothing_installed(attacked_car)


def test_freeze_attack_serving_expired_metadata_is_rejected(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher, clock: ManualClock
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    frozen = {p: d for p, d in backend.store.files.items() if "/metadata/" in p}  # type: ignore[attr-defined]
    clock.advance(timedelta(days=3))  # every timestamp (1 day) has expired
    backend.director.refresh_timestamps()
    backend.image_repo.refresh_timestamp()
    mitm.replace.update(frozen)  # the attacker keeps serving the old, validly signed files

    with pytest.raises(OtaMetadataError, match="ExpiredMetadataError"):
        attacked_car.update()

    assert nothing_installed(attacked_car)


def test_metadata_rollback_attack_is_rejected(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    old_timestamp = backend.store.get("image/metadata/timestamp.json")
    assert old_timestamp is not None
    release(backend, "bms-1.1.0.img", image("bms 1.1.0"), "ds-bms-r2", 2)
    check_in(backend, attacked_car)
    attacked_car.update()  # the car has now seen the newer timestamp
    mitm.replace["image/metadata/timestamp.json"] = old_timestamp

    with pytest.raises(OtaMetadataError, match="BadVersionNumberError"):
        attacked_car.update()


def test_image_rollback_attack_with_lower_release_counter_is_rejected(
    backend: OtaBackend, attacked_car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    release(backend, "bms-0.9.0.img", image("bms 0.9.0 vulnerable"), "ds-bms-r2", 0)
    check_in(backend, attacked_car)
    attacked_car.update()
    backend.director.assign(attacked_car.vin, {BMS: "bms-0.9.0.img"})  # Director fooled

    with pytest.raises(OtaRollbackError, match="release counter 0"):
        attacked_car.update()

    active = attacked_car.ecus[BMS].slots.active
    assert active is not None and active.filepath == "bms-1.0.0.img"


def test_secondary_refuses_rollback_even_if_the_primary_does_not_check(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    release(backend, "bms-0.9.0.img", image("bms 0.9.0 vulnerable"), "ds-bms-r2", 0)
    check_in(backend, car)
    car.update()
    backend.director.assign(car.vin, {BMS: "bms-0.9.0.img"})
    targets = backend.director.vehicle_repo(car.vin).role_bytes("targets")

    with pytest.raises(OtaRollbackError):
        car.ecus[BMS].install(targets, image("bms 0.9.0 vulnerable"), release_counter=0)


def test_endless_data_attack_on_metadata_is_cut_at_the_length_cap(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    mitm.endless.append("image/metadata/timestamp.json")

    with pytest.raises(OtaDownloadError, match="DownloadLengthMismatchError"):
        attacked_car.update()

    assert nothing_installed(attacked_car)


def test_endless_data_attack_on_an_image_is_cut_at_its_length(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    mitm.endless.append("image/targets/*bms-1.0.0.img")

    with pytest.raises(OtaDownloadError, match="DownloadLengthMismatchError"):
        attacked_car.update()

    assert nothing_installed(attacked_car)


def test_partial_bundle_attack_installs_nothing(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    mitm.drop.append("image/targets/*ivi-4.2.0.img")  # withhold one ECU's image

    with pytest.raises(OtaDownloadError, match=r"ivi-4\.2\.0\.img"):
        attacked_car.update()

    assert nothing_installed(attacked_car)  # the BMS image was fine but is not installed alone


def test_mix_and_match_attack_with_an_old_director_targets_is_rejected(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    vin = attacked_car.vin
    old_targets = backend.director.vehicle_repo(vin).role_bytes("targets")  # v1: empty
    check_in(backend, attacked_car)
    version = backend.director.vehicle_repo(vin).targets_md.signed.version
    # current snapshot and timestamp, but the targets file of another version
    mitm.replace[f"director/{vin}/metadata/{version}.targets.json"] = old_targets

    with pytest.raises(OtaMetadataError, match="BadVersionNumberError"):
        attacked_car.update()

    assert nothing_installed(attacked_car)


def test_arbitrary_software_attack_with_a_swapped_image_is_rejected(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    two_releases(backend)
    check_in(backend, attacked_car)
    mitm.replace["image/targets/*bms-1.0.0.img"] = image("bms 1.0.0 with malware")

    with pytest.raises(OtaMetadataError, match="LengthOrHashMismatchError"):
        attacked_car.update()

    assert nothing_installed(attacked_car)


def test_compromised_director_keys_cannot_install_an_image_the_image_repo_never_released(
    backend: OtaBackend, car: Primary
) -> None:
    evil = image("evil bms")
    backend.store.put("image/targets/evil.bms-6.6.6.img", evil)  # served, never signed
    repo = backend.director.vehicle_repo(car.vin)  # the attacker holds every Director key
    forged = TargetFile.from_data("bms-6.6.6.img", evil, ["sha256", "sha512"])
    forged.unrecognized_fields["custom"] = {"ecuIdentifiers": {BMS: {"hardwareId": "ds-bms-r2"}}}
    repo.targets_md.signed.targets[forged.path] = forged
    repo.refresh_all()

    with pytest.raises(OtaConsensusError, match="Image repository does not"):
        car.update()

    assert nothing_installed(car)


def test_compromised_director_keys_cannot_retarget_an_image_to_other_hardware(
    backend: OtaBackend, car: Primary
) -> None:
    two_releases(backend)
    repo = backend.director.vehicle_repo(car.vin)
    ivi = backend.image_repo.get_image("ivi-4.2.0.img")
    assert ivi is not None
    forged = TargetFile(ivi.length, dict(ivi.hashes), ivi.path)
    forged.unrecognized_fields["custom"] = {"ecuIdentifiers": {BMS: {"hardwareId": "ds-bms-r2"}}}
    repo.targets_md.signed.targets[forged.path] = forged
    repo.refresh_all()

    with pytest.raises(OtaImageError, match="allows"):
        car.update()

    assert nothing_installed(car)


def test_compromised_image_repo_online_keys_cannot_release_an_image(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    repo = backend.image_repo
    evil = image("evil bms")
    forged = TargetFile.from_data("bms-1.0.0.img", evil, ["sha256", "sha512"])
    forged.unrecognized_fields["custom"] = {"hardwareIds": ["ds-bms-r2"], "releaseCounter": 9}
    backend.store.put(f"image/targets/{forged.hashes['sha256']}.bms-1.0.0.img", evil)
    repo.targets_md.signed.targets[forged.path] = forged
    online = list(repo.keys["snapshot"].signers) + list(repo.keys["timestamp"].signers)
    repo.publish_targets(targets_signers=online)  # targets keys are offline: not available

    with pytest.raises(OtaMetadataError, match="UnsignedMetadataError"):
        car.update()

    assert nothing_installed(car)


def test_targets_signed_below_the_offline_threshold_are_rejected(
    backend: OtaBackend, car: Primary
) -> None:
    repo = backend.image_repo
    assert repo.keys["targets"].threshold == 2
    repo.add_image(
        "bms-1.0.0.img",
        image("bms 1.0.0"),
        hardware_ids=["ds-bms-r2"],
        release_counter=1,
        signers=repo.keys["targets"].signers[:2],
    )
    check_in(backend, car)
    repo.publish_targets(targets_signers=repo.keys["targets"].signers[:1])  # 1 of 2

    with pytest.raises(OtaMetadataError, match="UnsignedMetadataError"):
        car.update()

    assert nothing_installed(car)


def test_compromised_secondary_cannot_sign_for_another_ecu(
    backend: OtaBackend, car: Primary
) -> None:
    nonce = backend.director.issue_nonce(car.vin)
    manifest = car.manifest(nonce)
    bms = car.ecus[BMS]
    forged = car.ecus[IVI].version_report(nonce)
    forged_report = dict(forged["signed"])
    # the attacker owns the BMS key and claims the infotainment unit runs something else
    forged_report["installed_image"] = {
        "filepath": "ivi-0.1.0.img",
        "length": 1,
        "hashes": {"sha256": "00"},
        "release_counter": 0,
    }
    manifest["signed"]["ecu_version_reports"][IVI] = sign_envelope(forged_report, bms.signer)
    envelope = sign_envelope(manifest["signed"], car.ecu.signer)  # the Primary relays it

    with pytest.raises(OtaManifestError, match="no signature by key"):
        backend.director.receive_manifest(car.vin, envelope)

    assert backend.director.installed[car.vin][IVI] is None


def test_compromised_primary_cannot_make_a_secondary_install_a_forged_image(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    targets = backend.director.vehicle_repo(car.vin).role_bytes("targets")
    forged_targets = Metadata[Targets].from_bytes(targets)
    forged_targets.signed.targets["bms-1.0.0.img"].length += 1
    tampered = forged_targets.to_bytes()

    with pytest.raises(OtaImageError, match="does not match"):
        car.ecus[BMS].install(targets, image("bms 1.0.0 evil"), release_counter=1)
    with pytest.raises(OtaMetadataError, match="UnsignedMetadataError"):
        car.ecus[BMS].install(tampered, image("bms 1.0.0"), release_counter=1)
    with pytest.raises(OtaImageError, match="0 images for ECU inv-0001"):
        car.ecus[INV].install(targets, image("bms 1.0.0"), release_counter=1)

    assert nothing_installed(car)


def test_replayed_manifest_is_rejected(backend: OtaBackend, car: Primary) -> None:
    nonce = backend.director.issue_nonce(car.vin)
    manifest = car.manifest(nonce)
    backend.director.receive_manifest(car.vin, manifest)

    with pytest.raises(OtaManifestError, match="already used"):
        backend.director.receive_manifest(car.vin, manifest)


def test_timestamp_key_rotation_is_followed_and_the_old_key_is_revoked(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    car.update()
    repo = backend.image_repo
    old_keys = repo.keys["timestamp"]
    repo.rotate_keys("timestamp", RoleKeys.generate())
    release(backend, "bms-1.1.0.img", image("bms 1.1.0"), "ds-bms-r2", 2)
    check_in(backend, car)

    assert car.update().outcomes == {BMS: BootOutcome.COMMITTED}

    # the revoked key signs a newer timestamp: the car refuses it
    repo.keys["timestamp"] = old_keys
    repo.refresh_timestamp()
    with pytest.raises(OtaMetadataError, match="UnsignedMetadataError"):
        car.update()


def test_director_root_rotation_is_followed_by_primary_and_secondaries(
    backend: OtaBackend, car: Primary
) -> None:
    backend.director.rotate_keys("root", RoleKeys.generate(2, 2))
    backend.director.rotate_keys("targets", RoleKeys.generate())
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)

    report = car.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}, report.errors
    assert car.ecus[BMS].trusted_root.signed.version == 3


def test_a_revoked_offline_key_no_longer_counts_toward_the_threshold(
    backend: OtaBackend, car: Primary
) -> None:
    repo = backend.image_repo
    k1, _k2, k3 = repo.keys["targets"].signers
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    car.update()  # the car trusts k1, k2, k3 (2 of 3)
    repo.revoke_key("targets", k3.public_key.keyid)  # k3 leaked
    release(backend, "bms-1.1.0.img", image("bms 1.1.0"), "ds-bms-r2", 2)
    check_in(backend, car)
    assert car.update().outcomes == {BMS: BootOutcome.COMMITTED}  # k1 + k2 still release

    repo.publish_targets(targets_signers=[k1, k3])  # the thief and one honest key

    with pytest.raises(OtaMetadataError, match="UnsignedMetadataError"):
        car.update()


def test_revoking_below_the_threshold_is_refused(backend: OtaBackend) -> None:
    repo = backend.image_repo
    k1, k2, _ = repo.keys["targets"].signers
    repo.revoke_key("targets", k1.public_key.keyid)

    with pytest.raises(OtaKeyError, match="rotate in new keys"):
        repo.revoke_key("targets", k2.public_key.keyid)


def test_a_detected_attack_is_reported_even_after_a_clean_cycle_then_cleared(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    mitm.drop.append("image/metadata/timestamp.json")
    with pytest.raises(OtaDownloadError):
        attacked_car.update()
    mitm.drop.clear()

    attacked_car.update()  # a clean cycle before the car could report
    check_in(backend, attacked_car)
    reported = backend.director.reported_attacks[attacked_car.vin]["tcu-0001"]
    attacked_car.update()  # clean again, and the report has gone out

    assert "dropped" in reported
    assert attacked_car.ecu.attacks_detected == ""


def test_compromised_primary_cannot_roll_a_secondary_back_with_a_forged_release_counter(
    backend: OtaBackend, car: Primary
) -> None:
    """Finding 12 (issue 12): the release counter used to reach a Secondary unsigned, from
    the Primary. It now comes from the Director's signed targets: a Primary that claims a
    higher counter for an old image (or a lower one) is refused by the Secondary itself."""
    old, new = image("bms 1.0.0"), image("bms 2.0.0")
    release(backend, "bms-1.0.0.img", old, "ds-bms-r2", 10)
    release(backend, "bms-2.0.0.img", new, "ds-bms-r2", 20)
    backend.director.assign(car.vin, {BMS: "bms-2.0.0.img"})
    assert car.update().outcomes == {BMS: BootOutcome.COMMITTED}
    bms = car.ecus[BMS]
    assert bms.slots.active is not None and bms.slots.active.release_counter == 20
    # the Director is told (by mistake, or a compromised back office) to offer the old image;
    # an honest Primary refuses it, so the attacker drives the Secondary from the Primary
    backend.director.assign(car.vin, {BMS: "bms-1.0.0.img"})
    signed_targets = backend.director.vehicle_repo(car.vin).role_bytes("targets")

    with pytest.raises(OtaRollbackError, match="signed Director targets say 10"):
        bms.install(signed_targets, old, release_counter=99)  # the Primary lies: 99
    with pytest.raises(OtaRollbackError, match=r"release counter 10 .* below the installed 20"):
        bms.install(signed_targets, old)  # no counter from the Primary at all

    assert bms.slots.read_active() == new
    assert bms.slots.active.release_counter == 20


def test_compromised_primary_cannot_inflate_a_secondarys_release_counter(
    backend: OtaBackend, car: Primary
) -> None:
    """A Primary that hands a Secondary an absurd counter for a real image (to lock out every
    later update) is refused: the counter must be the signed one."""
    release(backend, "bms-2.0.0.img", image("bms 2.0.0"), "ds-bms-r2", 20)
    backend.director.assign(car.vin, {BMS: "bms-2.0.0.img"})
    signed_targets = backend.director.vehicle_repo(car.vin).role_bytes("targets")

    with pytest.raises(OtaRollbackError, match="Primary says release counter 2147483647"):
        car.ecus[BMS].install(signed_targets, image("bms 2.0.0"), release_counter=2**31 - 1)

    assert nothing_installed(car)
