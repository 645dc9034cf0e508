"""Delta updates: a patch against the installed slot, verified as the full image, with fallback."""

from __future__ import annotations

import pytest
from tuf.api.metadata import TargetFile

from evtwin.errors import OtaImageError
from evtwin.ota import BootOutcome, OtaBackend, Primary
from evtwin.ota._delta import apply_delta, create_delta

from .support import AttackFetcher, check_in, release

BMS = "bms-0001"
SIZE = 64 * 1024


def firmware(version: str) -> bytes:
    """A 64 KiB image where a new version changes a small part, as real firmware does."""
    body = bytes((i * 7 + i // 251) % 256 for i in range(SIZE))
    stamp = f"BMS FIRMWARE {version}".encode()
    patched = bytearray(body)
    patched[1000 : 1000 + len(stamp)] = stamp
    patched[40000 : 40000 + len(stamp)] = stamp
    return bytes(patched)


def installed_v1_with_delta_to_v2(backend: OtaBackend, car: Primary) -> None:
    release(backend, "bms-1.0.0.img", firmware("1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    car.update()
    release(backend, "bms-1.1.0.img", firmware("1.1.0"), "ds-bms-r2", 2)
    backend.image_repo.add_delta("bms-1.1.0.img", "bms-1.0.0.img")
    check_in(backend, car)


def test_patch_is_a_small_fraction_of_the_full_image() -> None:
    patch = create_delta(firmware("1.0.0"), firmware("1.1.0"))

    assert len(patch) < 0.05 * SIZE
    assert apply_delta(firmware("1.0.0"), patch, expected_length=SIZE) == firmware("1.1.0")


def test_update_uses_the_published_delta(backend: OtaBackend, car: Primary) -> None:
    installed_v1_with_delta_to_v2(backend, car)

    report = car.update()

    assert report.transfers == {BMS: "delta"} and report.delta_fallbacks == {}
    assert report.outcomes == {BMS: BootOutcome.COMMITTED}
    assert car.ecus[BMS].slots.read_active() == firmware("1.1.0")


def test_tampered_delta_falls_back_to_the_full_image(
    backend: OtaBackend, attacked_car: Primary, mitm: AttackFetcher
) -> None:
    installed_v1_with_delta_to_v2(backend, attacked_car)
    mitm.replace["image/targets/*.patch"] = b"\x00" * 100

    report = attacked_car.update()

    assert report.transfers == {BMS: "full"}
    assert "LengthOrHashMismatchError" in report.delta_fallbacks[BMS]
    assert attacked_car.ecus[BMS].slots.read_active() == firmware("1.1.0")


def test_a_signed_delta_that_builds_the_wrong_image_falls_back_to_the_full_image(
    backend: OtaBackend, car: Primary
) -> None:
    installed_v1_with_delta_to_v2(backend, car)
    repo = backend.image_repo
    name = next(n for n in repo.targets_md.signed.targets if n.endswith(".patch"))
    wrong = create_delta(firmware("1.0.0"), firmware("6.6.6"))  # signed by mistake
    entry = TargetFile.from_data(name, wrong, ["sha256", "sha512"])
    entry.unrecognized_fields["custom"] = repo.targets_md.signed.targets[name].custom
    backend.store.put(f"image/targets/{entry.hashes['sha256']}.{name}", wrong)
    repo.targets_md.signed.targets[name] = entry
    repo.publish_targets()

    report = car.update()

    assert report.transfers == {BMS: "full"}
    assert "does not match" in report.delta_fallbacks[BMS]
    assert car.ecus[BMS].slots.read_active() == firmware("1.1.0")


def test_delta_output_is_capped_at_the_image_length() -> None:
    patch = create_delta(firmware("1.0.0"), firmware("1.1.0") + b"more")

    with pytest.raises(OtaImageError, match="exceeds"):
        apply_delta(firmware("1.0.0"), patch, expected_length=SIZE)


def test_garbage_patch_is_a_clear_error() -> None:
    with pytest.raises(OtaImageError, match="does not apply"):
        apply_delta(firmware("1.0.0"), b"not a patch", expected_length=SIZE)
