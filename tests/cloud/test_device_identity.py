"""Issue 12, slice 3 (part): per-car credentials rotate and can be revoked.

The factory's provisioning token only bootstraps a car (a VIN registers once); the car's own
bearer token can be swapped for a fresh one at any time (the old one dies at once), and an
admin can revoke a car (stolen, scrapped): every request with its token is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import urllib3

from evtwin.cloud import AdminClient, OtaServer
from evtwin.errors import OtaError
from evtwin.ota import OtaCloudClient, build_vehicle

from .conftest import ADMIN, PROVISIONING

VIN = "SALDS27A1RA000611"


def test_a_car_rotates_its_token_and_an_admin_revokes_it(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    first = cloud.token
    cloud.check_in(car)

    cloud.rotate_token(VIN)

    assert cloud.token != first
    stale = urllib3.request(
        "GET",
        f"{base_url}/api/v1/vehicles/{VIN}/nonce",
        headers={"Authorization": f"Bearer {first}"},
    )
    assert stale.status == 401  # the old token died at once
    assert cloud.check_in(car) == {}  # the new one works
    again = urllib3.request(
        "POST",
        f"{base_url}/api/v1/vehicles/{VIN}/token",
        headers={"Authorization": f"Bearer {first}"},
    )
    assert again.status == 401  # a stolen old token cannot mint a new one

    AdminClient(base_url, ADMIN).revoke_vehicle(VIN)

    with pytest.raises(OtaError, match="HTTP 401"):
        cloud.check_in(car)
    with pytest.raises(OtaError, match="HTTP 401"):
        cloud.rotate_token(VIN)
    with pytest.raises(OtaError, match="HTTP 404"):
        AdminClient(base_url, ADMIN).revoke_vehicle("SALDS27A1RA000999")


def test_the_provisioning_token_only_bootstraps(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    thief = OtaCloudClient(base_url)  # holds the factory secret, wants the car's identity

    with pytest.raises(OtaError, match="HTTP 409"):
        build_vehicle(
            vin=VIN,
            root_dir=tmp_path / "thief",
            register=lambda inv: thief.register(inv, PROVISIONING),
            urls=thief.urls(VIN),
            fetcher=thief.fetcher(),
            clock=server.backend.clock,
        )
    assert thief.token is None


def test_image_downloads_need_a_current_car_identity(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    entry = server.release("bms-7.img", b"BMS 7\n" * 100, ["ds-bms-r2"], 7)
    url = f"{base_url}/image/targets/{entry['hashes']['sha256']}.bms-7.img"

    def get(token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return urllib3.request("GET", url, headers=headers).status

    first = cloud.token
    assert get(None) == 401 and get("x" * 43) == 401
    assert get(first) == 200
    cloud.rotate_token(VIN)
    assert get(first) == 401 and get(cloud.token) == 200
    AdminClient(base_url, ADMIN).revoke_vehicle(VIN)
    assert get(cloud.token) == 401
