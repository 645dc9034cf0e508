"""Helpers shared by the OTA tests: small images, releases, check-ins."""

from __future__ import annotations

from evtwin.ota import OtaBackend, Primary

VIN = "SALDS27A1RA000001"
VIN2 = "SALDS27A1RA000002"


def image(tag: str, size_bytes: int = 2048) -> bytes:
    """A small deterministic image whose content depends on ``tag``."""
    head = f"EVTWIN-IMAGE {tag}\n".encode()
    return (head * (size_bytes // len(head) + 1))[:size_bytes]


def release(backend: OtaBackend, name: str, data: bytes, hw: str, counter: int) -> None:
    backend.image_repo.add_image(name, data, hardware_ids=[hw], release_counter=counter)


def check_in(backend: OtaBackend, car: Primary) -> dict[str, str]:
    """The vehicle reports what it runs; the Director answers with new targets."""
    nonce = backend.director.issue_nonce(car.vin)
    backend.director.receive_manifest(car.vin, car.manifest(nonce))
    return backend.director.assign_latest(car.vin)
