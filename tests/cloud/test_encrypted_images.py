"""Issue 12, slice 3 (part): per-ECU encrypted images (Uptane's optional image encryption).

The server publishes the release as AES-256-GCM ciphertext; the Director wraps the image key
to the X25519 key each assigned ECU registered. Downloads, the Primary and other ECUs see only
ciphertext; the ECU verifies the ciphertext, unwraps the key, decrypts, and its health check
boots the plaintext.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import urllib3

from evtwin.cli.main import main
from evtwin.cloud import AdminClient, OtaDatabase, OtaServer, create_app
from evtwin.cloud._kek import LocalKek
from evtwin.errors import OtaError, OtaImageError, OtaKeyError
from evtwin.ota import (
    BootOutcome,
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    Primary,
    SystemClock,
    build_vehicle,
    key_ceremony,
)
from evtwin.ota.repository import Pkcs11Token

from .conftest import ADMIN, HSM_LABEL, HSM_PIN, PROVISIONING
from .test_hardening import serving

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

    with pytest.raises(OtaError, match="HTTP 409"):
        admin.release("bms-8.0.0.img", FIRMWARE, ["ds-bms-r2"], 80, encrypt=True)


def key_encodings(key: bytes) -> dict[str, bytes]:
    """Every way a raw image key might sit in a database row."""
    return {
        "raw": key,
        "hex": key.hex().encode(),
        "HEX": key.hex().upper().encode(),
        "base64": base64.b64encode(key),
        "base64url": base64.urlsafe_b64encode(key).rstrip(b"="),
    }


def every_row(db: OtaDatabase) -> bytes:
    tables = ["vehicles", "manifests", "campaigns", "audit_log", "release_approvals", "image_keys"]
    return "\n".join(repr(db._q(f"SELECT * FROM {t}")) for t in tables).encode()


def found_in(haystack: bytes, key: bytes) -> list[str]:
    return [kind for kind, needle in key_encodings(key).items() if needle in haystack]


def test_image_keys_are_stored_wrapped_and_the_database_alone_does_not_reveal_them(
    db: OtaDatabase, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    server = OtaServer(
        OtaBackend.open(state, ManualClock()), db, provisioning_token=PROVISIONING,
        admin_token=ADMIN, state_dir=state, auto_assign=True,
    )  # fmt: skip
    with serving(create_app(server)) as base:
        vehicle, cloud = car(server, base, tmp_path / "car", "SALDS27A1RA000813")
        AdminClient(base, ADMIN).release("bms-8.0.0.img", FIRMWARE, ["ds-bms-r2"], 80, encrypt=True)
        cloud.check_in(vehicle)
        assert vehicle.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}
    image_key = server._image_key("bms-8.0.0.img")  # what the Director wraps to the ECU
    assert image_key is not None and len(image_key) == 32
    rows = every_row(db)
    assert found_in(rows, image_key) == []  # neither raw nor in any encoding
    stored = db._q("SELECT key_hex FROM image_keys")
    assert len(stored) == 1 and str(stored[0][0]).encode() in rows  # the search sees the row
    assert bytes.fromhex(str(stored[0][0])).startswith(b"EVK1F")  # wrapped by the state's KEK
    assert (state / "keys" / "image-kek.key").stat().st_mode & 0o077 == 0
    other_kek = LocalKek.for_state(tmp_path / "another-state")
    with pytest.raises(OtaKeyError, match="does not unwrap"):  # the row alone is useless
        other_kek.unwrap(bytes.fromhex(str(stored[0][0])), "bms-8.0.0.img")
    server.close()


def test_an_encrypted_release_on_a_ceremony_server_with_the_kek_in_the_pkcs11_token(
    softhsm: Path, db: OtaDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offline, state = tmp_path / "offline", tmp_path / "state"
    key_ceremony(offline, state, SystemClock(), token=Pkcs11Token(softhsm, HSM_LABEL, HSM_PIN))
    server = OtaServer(
        OtaBackend.open(state, SystemClock(), pkcs11_pin=HSM_PIN),  # the CLI signs on real time
        db, provisioning_token=PROVISIONING, admin_token=ADMIN, state_dir=state,
    )  # fmt: skip
    assert server.targets_offline
    image_file = tmp_path / "bms-8.0.0.img"
    image_file.write_bytes(FIRMWARE)
    with serving(create_app(server)) as base:
        vehicle, cloud = car(server, base, tmp_path / "car", "SALDS27A1RA000814")
        booted: list[bytes] = []
        vehicle.ecus["bms-0001"].health_check = lambda image: booted.append(image) or True  # type: ignore[func-returns-value]
        admin = AdminClient(base, ADMIN)
        with pytest.raises(OtaError, match=r"HTTP 422.*key holders' side"):  # plaintext upload
            admin.release("bms-8.0.0.img", FIRMWARE, ["ds-bms-r2"], 80, encrypt=True)
        capsys.readouterr()
        code = main(
            ["ota", "release", str(image_file), "--hardware-id", "ds-bms-r2", "--release-counter",
             "80", "--encrypt", "--keys", str(offline), "--server", base, "--admin-token", ADMIN,
             "--json"]
        )  # fmt: skip
        assert code == 0
        out = json.loads(capsys.readouterr().out)
        assert out["pending"] is False and out["custom"]["encryptedImage"] == "AES-256-GCM"
        admin.create_campaign(
            {"name": "bms-8", "images": {"ds-bms-r2": "bms-8.0.0.img"}, "stages_percent": [100]}
        )
        admin.campaign("bms-8", "start")
        assert cloud.check_in(vehicle) == {"bms-0001": "bms-8.0.0.img"}
        assert vehicle.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}
        download = urllib3.request(
            "GET",
            f"{base}/image/targets/{out['hashes']['sha256']}.bms-8.0.0.img",
            headers={"Authorization": f"Bearer {cloud.token}"},
        )
    assert booted == [FIRMWARE]  # the ECU booted the plaintext the key holders encrypted
    assert download.status == 200 and MARKER not in download.data
    stored = [p.read_bytes() for p in state.rglob("*") if p.is_file()]
    assert not [s for s in stored if MARKER in s]  # the server never saw the plaintext
    image_key = server._image_key("bms-8.0.0.img")
    assert image_key is not None
    rows = every_row(db)
    assert found_in(rows, image_key) == []
    assert found_in(b"\n".join(stored), image_key) == []
    assert not (state / "keys" / "image-kek.key").exists()  # the KEK is in the token
    wrapped = db._q("SELECT key_hex FROM image_keys")[0][0]
    assert bytes.fromhex(str(wrapped)).startswith(b"EVK1H")
    server.close()
