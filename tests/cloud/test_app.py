"""The OTA server's HTTP API: credentials, manifests, metadata, images with Range."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from evtwin.ota import EcuRecord, VehicleInventory, generate_signer

from .conftest import ADMIN, PROVISIONING

VIN = "SALDS27A1RA000009"


def inventory() -> dict[str, object]:
    signer = generate_signer()
    ecu = EcuRecord(serial="tcu-0001", hardware_id="ds-tcu-r1", public_key=signer.public_key)
    return VehicleInventory(vin=VIN, primary_serial="tcu-0001", ecus={ecu.serial: ecu}).to_dict()


def register(client: TestClient) -> str:
    resp = client.post(
        "/api/v1/vehicles", json=inventory(), headers={"X-Provisioning-Token": PROVISIONING}
    )
    assert resp.status_code == 201, resp.text
    token: str = resp.json()["token"]
    return token


def release(client: TestClient, name: str, data: bytes) -> dict[str, object]:
    resp = client.put(
        f"/api/v1/images/{name}",
        params={"hardware_id": "ds-tcu-r1", "release_counter": 1},
        content=data,
        headers={"X-Admin-Token": ADMIN},
    )
    assert resp.status_code == 201, resp.text
    out: dict[str, object] = resp.json()
    return out


def test_registration_needs_the_provisioning_token(client: TestClient) -> None:
    resp = client.post("/api/v1/vehicles", json=inventory(), headers={"X-Provisioning-Token": "x"})

    assert resp.status_code == 401


def test_registration_returns_a_token_and_roots_and_refuses_a_second_time(
    client: TestClient,
) -> None:
    first = client.post(
        "/api/v1/vehicles", json=inventory(), headers={"X-Provisioning-Token": PROVISIONING}
    )
    again = client.post(
        "/api/v1/vehicles", json=inventory(), headers={"X-Provisioning-Token": PROVISIONING}
    )

    assert first.status_code == 201
    assert first.json()["director_root"]["signed"]["_type"] == "root"
    assert again.status_code == 409


def test_malformed_inventory_is_a_400(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/vehicles", json={"vin": "nope"}, headers={"X-Provisioning-Token": PROVISIONING}
    )

    assert resp.status_code == 400


def test_vehicle_endpoints_need_that_vehicles_token(client: TestClient) -> None:
    token = register(client)

    assert client.get(f"/api/v1/vehicles/{VIN}/nonce").status_code == 401
    assert (
        client.get(
            f"/api/v1/vehicles/{VIN}/nonce", headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 401
    )
    assert client.get(f"/director/{VIN}/metadata/timestamp.json").status_code == 401
    ok = client.get(
        f"/director/{VIN}/metadata/timestamp.json", headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200 and ok.json()["signed"]["_type"] == "timestamp"


def test_a_replayed_or_unsigned_manifest_is_a_400(client: TestClient) -> None:
    token = register(client)
    auth = {"Authorization": f"Bearer {token}"}

    resp = client.post(
        f"/api/v1/vehicles/{VIN}/manifest", json={"signed": {}, "signatures": []}, headers=auth
    )

    assert resp.status_code == 400
    assert "no signature" in resp.json()["detail"]


def test_release_needs_the_admin_token(client: TestClient) -> None:
    resp = client.put(
        "/api/v1/images/tcu-1.img",
        params={"hardware_id": "ds-tcu-r1", "release_counter": 1},
        content=b"x",
        headers={"X-Admin-Token": PROVISIONING},
    )

    assert resp.status_code == 401


def test_image_download_supports_byte_ranges(client: TestClient) -> None:
    data = bytes(range(256)) * 8
    release(client, "tcu-1.img", data)
    path = f"/image/targets/{hashlib.sha256(data).hexdigest()}.tcu-1.img"
    car = {"Authorization": f"Bearer {register(client)}"}  # images are for registered cars

    anonymous = client.get(path)
    whole = client.get(path, headers=car)
    part = client.get(path, headers={"Range": "bytes=100-", **car})
    beyond = client.get(path, headers={"Range": f"bytes={len(data)}-", **car})

    assert anonymous.status_code == 401
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206 and part.content == data[100:]
    assert part.headers["content-range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(data)}"


def test_unknown_metadata_is_a_404(client: TestClient) -> None:
    assert client.get("/image/metadata/99.root.json").status_code == 404


def test_oversized_json_body_is_refused_with_413(client: TestClient) -> None:
    token = register(client)
    huge = b"{" + b" " * (1024 * 1024 + 10) + b"}"

    resp = client.post(
        f"/api/v1/vehicles/{VIN}/manifest",
        content=huge,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    assert resp.status_code == 413


def test_unknown_vehicle_and_wrong_token_look_the_same(client: TestClient) -> None:
    register(client)
    bad = {"Authorization": "Bearer wrong"}

    unknown = client.get("/api/v1/vehicles/SALDS27A1RA999999/nonce", headers=bad)
    wrong = client.get(f"/api/v1/vehicles/{VIN}/nonce", headers=bad)

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"].split(":")[1] == wrong.json()["detail"].split(":")[1]
