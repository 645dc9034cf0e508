"""Campaigns drive real cars: staged rollout completes; a broken image pauses it by itself."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from evtwin.cloud import OtaServer
from evtwin.ota import (
    EcuSpec,
    Primary,
    Registration,
    StoreFetcher,
    VehicleConditions,
    VehicleInventory,
    build_vehicle,
)

from .conftest import ADMIN, PROVISIONING

ECUS = (
    EcuSpec(serial="tcu-0001", hardware_id="ds-tcu-r1"),
    EcuSpec(serial="bms-0001", hardware_id="ds-bms-r2"),
)
READY = VehicleConditions(parked=True, soc_percent=80, driver_consented=True)


def fleet(server: OtaServer, n: int, root: Path) -> list[Primary]:
    def register(inv: VehicleInventory) -> Registration:
        creds = server.register(inv.to_dict(), PROVISIONING)
        return Registration(director_root=creds.director_root, image_root=creds.image_root)

    return [
        build_vehicle(
            vin=f"SALDS27A1RA{i:06d}",
            root_dir=root / str(i),
            register=register,
            urls=server.backend.urls(f"SALDS27A1RA{i:06d}"),
            fetcher=StoreFetcher(server.backend.store),
            clock=server.backend.clock,
            ecus=ECUS,
        )
        for i in range(n)
    ]


def drive_day(server: OtaServer, cars: list[Primary]) -> None:
    """Every car checks in, updates when parked, and reports back."""
    for car in cars:
        server.check_in(car.vin, car.manifest(server.nonce(car.vin)))
        car.update(READY)
        server.check_in(car.vin, car.manifest(server.nonce(car.vin)))


def test_staged_rollout_reaches_the_whole_fleet_stage_by_stage(
    server: OtaServer, tmp_path: Path
) -> None:
    cars = fleet(server, 10, tmp_path)
    server.release("bms-2.1.0.img", b"BMS 2.1.0\n" * 50, ["ds-bms-r2"], 21)
    server.create_campaign(
        {"name": "bms-2-1", "images": {"ds-bms-r2": "bms-2.1.0.img"}, "stages_percent": [20, 100]}
    )
    server.campaign_action("bms-2-1", "start")

    drive_day(server, cars)
    after_first = server.campaign_action("bms-2-1", "status")
    drive_day(server, cars)
    after_second = server.campaign_action("bms-2-1", "status")

    assert after_first["stage"] == 1  # 2 cars updated, so the rollout widened to 100 %
    assert after_first["vehicles"]["succeeded"] >= 2
    assert after_second["state"] == "completed"
    assert all(c.ecus["bms-0001"].slots.active.filepath == "bms-2.1.0.img" for c in cars)  # type: ignore[union-attr]


def test_a_broken_image_pauses_the_campaign_before_it_spreads(
    server: OtaServer, tmp_path: Path
) -> None:
    cars = fleet(server, 10, tmp_path)
    server.release("bms-9.img", b"BMS 9 BROKEN\n" * 50, ["ds-bms-r2"], 90)
    server.create_campaign(
        {"name": "bms-9", "images": {"ds-bms-r2": "bms-9.img"}, "stages_percent": [20, 100]}
    )
    server.campaign_action("bms-9", "start")

    drive_day(server, cars)
    status = server.campaign_action("bms-9", "status")

    assert status["state"] == "paused"
    assert "1 of 1 vehicles failed" in status["pause_reason"]  # paused at the first failure
    assert status["vehicles"] == {"offered": 0, "deferred": 0, "succeeded": 0, "failed": 1}
    assert sum(c.ecus["bms-0001"].slots.active is not None for c in cars) == 0  # all rolled back


def test_emergency_stop_withdraws_the_offer_from_cars_that_have_not_installed(
    server: OtaServer, tmp_path: Path
) -> None:
    (car,) = fleet(server, 1, tmp_path)
    server.release("bms-2.1.0.img", b"BMS 2.1.0\n" * 50, ["ds-bms-r2"], 21)
    server.create_campaign({"name": "c1", "images": {"ds-bms-r2": "bms-2.1.0.img"}})
    server.campaign_action("c1", "start")
    assert server.check_in(car.vin, car.manifest(server.nonce(car.vin))) == {
        "bms-0001": "bms-2.1.0.img"
    }

    server.campaign_action("c1", "stop")
    server.check_in(car.vin, car.manifest(server.nonce(car.vin)))
    report = car.update(READY)

    assert report.outcomes == {} and car.ecus["bms-0001"].slots.active is None


def test_a_car_holding_an_update_back_is_reported_as_deferred(
    server: OtaServer, tmp_path: Path
) -> None:
    (car,) = fleet(server, 1, tmp_path)
    server.release("bms-2.1.0.img", b"BMS 2.1.0\n" * 50, ["ds-bms-r2"], 21)
    server.create_campaign({"name": "c1", "images": {"ds-bms-r2": "bms-2.1.0.img"}})
    server.campaign_action("c1", "start")
    server.check_in(car.vin, car.manifest(server.nonce(car.vin)))

    car.update(VehicleConditions(parked=False, soc_percent=80, driver_consented=True))
    server.check_in(car.vin, car.manifest(server.nonce(car.vin)))
    while_driving = server.campaign_action("c1", "status")["vehicles"]
    car.update(READY)
    server.check_in(car.vin, car.manifest(server.nonce(car.vin)))

    assert while_driving["deferred"] == 1
    assert server.backend.director.update_states[car.vin]["state"] == "installed"
    assert server.campaign_action("c1", "status")["state"] == "completed"


def test_campaign_http_api(client: TestClient, server: OtaServer) -> None:
    admin = {"X-Admin-Token": ADMIN}
    server.release("bms-2.1.0.img", b"x" * 10, ["ds-bms-r2"], 21)
    spec = {"name": "c1", "images": {"ds-bms-r2": "bms-2.1.0.img"}, "consent": "forced"}

    assert client.post("/api/v1/campaigns", json=spec).status_code == 401
    assert client.post("/api/v1/campaigns", json=spec, headers=admin).status_code == 201
    assert client.post("/api/v1/campaigns", json=spec, headers=admin).status_code == 409
    bad = {**spec, "name": "c2", "images": {"ds-bms-r2": "nope.img"}}
    assert client.post("/api/v1/campaigns", json=bad, headers=admin).status_code == 400
    started = client.post("/api/v1/campaigns/c1/start", headers=admin)
    assert started.status_code == 200 and started.json()["state"] == "running"
    assert client.post("/api/v1/campaigns/c1/resume", headers=admin).status_code == 409
    assert client.get("/api/v1/campaigns/c1", headers=admin).json()["consent"] == "forced"
    assert client.get("/api/v1/campaigns/zz", headers=admin).status_code == 404
