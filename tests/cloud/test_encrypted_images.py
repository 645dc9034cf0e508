"""Issue 12, slice 3 (part): per-ECU encrypted images (Uptane's optional image encryption).

The server publishes the release as AES-256-GCM ciphertext; the Director wraps the image key
to the X25519 key each assigned ECU registered. Downloads, the Primary and other ECUs see only
ciphertext; the ECU verifies the ciphertext, unwraps the key, decrypts, and its health check
boots the plaintext.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import urllib3

from evtwin.cloud import AdminClient, OtaServer
from evtwin.errors import OtaImageError
from evtwin.ota import BootOutcome, OtaCloudClient, Primary, build_vehicle

from .conftest import ADMIN, PROVISIONING

FIRMWARE = b"DEFENDER-SPORT BMS 8.0.0 SECRET-CALIBRATION\n" * 300
MARKER = b"SECRET-CALIBRATION"


def car(server: OtaServer, base_url: str, root: Path, vin: str) -> tuple[Primary, OtaCloudClient]:
    cloud = OtaCloudClient(base_url)
    primary = build_vehicle(
        vin=vin,
        root_dir=root,
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(vin),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    return primary, cloud


def test_an_encrypted_release_is_readable_only_by_the_ecu_it_is_assigned_to(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    vehicle, cloud = car(server, base_url, tmp_path / "car", "SALDS27A1RA000811")
    booted: list[bytes] = []
    bms = vehicle.ecus["bms-0001"]
    bms.health_check = lambda image: booted.append(image) or True  # type: ignore[func-returns-value]

    entry = AdminClient(base_url, ADMIN).release(
        "bms-8.0.0.img", FIRMWARE, ["ds-bms-r2"], 80, encrypt=True
    )
    assert cloud.check_in(vehicle) == {"bms-0001": "bms-8.0.0.img"}
    report = vehicle.update()

    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}, report.errors
    assert booted == [FIRMWARE]  # the health check booted the plaintext
    assert bms.running_image() == FIRMWARE
    stored = bms.slots.read_active()
    assert stored is not None and MARKER not in stored  # the slot keeps verified ciphertext
    download = urllib3.request(
        "GET",
        f"{base_url}/image/targets/{entry['hashes']['sha256']}.bms-8.0.0.img",
        headers={"Authorization": f"Bearer {cloud.token}"},
    )
    assert download.status == 200 and MARKER not in download.data
    assert entry["custom"]["encryptedImage"] == "AES-256-GCM"
    assert cloud.check_in(vehicle) == {}  # it runs it: nothing more to offer

    # another car's BMS (same Director keys) is handed this car's signed targets: the image
    # key is wrapped to this car's BMS only
    other, _ = car(server, base_url, tmp_path / "other", "SALDS27A1RA000812")
    targets = server.backend.director.vehicle_repo("SALDS27A1RA000811").role_bytes("targets")
    with pytest.raises(OtaImageError, match="not wrapped to it"):
        other.ecus["bms-0001"].install(targets, download.data)
    assert other.ecus["bms-0001"].slots.active is None


def test_an_encrypted_release_is_immutable_too(server: OtaServer, base_url: str) -> None:
    admin = AdminClient(base_url, ADMIN)
    admin.release("bms-8.0.0.img", FIRMWARE, ["ds-bms-r2"], 80, encrypt=True)

    from evtwin.errors import OtaError

    with pytest.raises(OtaError, match="HTTP 409"):
        admin.release("bms-8.0.0.img", FIRMWARE, ["ds-bms-r2"], 80, encrypt=True)
