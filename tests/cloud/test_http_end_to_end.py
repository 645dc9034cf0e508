"""A Defender Sport updates over real HTTP from the OTA server (uvicorn on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import urllib3

from evtwin.cloud import OtaServer
from evtwin.errors import OtaDownloadError
from evtwin.ota import BootOutcome, OtaCloudClient, build_vehicle

from .conftest import ADMIN, PROVISIONING

VIN = "SALDS27A1RA000042"


def release_over_http(base_url: str, name: str, data: bytes, hw: str, counter: int) -> None:
    resp = urllib3.request(
        "PUT",
        f"{base_url}/api/v1/images/{name}?hardware_id={hw}&release_counter={counter}",
        body=data,
        headers={"X-Admin-Token": ADMIN},
    )
    assert resp.status == 201, resp.data


def test_car_registers_checks_in_and_installs_over_http(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),  # sends the bearer token issued at registration
        clock=server.backend.clock,
    )
    bms_image = b"DEFENDER-SPORT BMS 2.0.0\n" * 400
    release_over_http(base_url, "bms-2.0.0.img", bms_image, "ds-bms-r2", 20)

    assigned = cloud.check_in(car)
    report = car.update()
    cloud.check_in(car)

    assert assigned == {"bms-0001": "bms-2.0.0.img"}
    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}, report.errors
    assert car.ecus["bms-0001"].slots.read_active() == bms_image
    assert server.db.manifest_count(VIN) == 2
    seen = server.backend.director.installed[VIN]["bms-0001"]
    assert seen is not None and seen.filepath == "bms-2.0.0.img"


def test_a_car_without_its_token_gets_no_director_metadata(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=OtaCloudClient(base_url).fetcher(),  # no credentials
        clock=server.backend.clock,
    )

    with pytest.raises(OtaDownloadError, match="HTTP 401"):
        car.update()
