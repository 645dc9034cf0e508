"""The OTA server keeps its keys, repositories and vehicles across a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from evtwin.cloud import OtaDatabase, OtaServer
from evtwin.errors import OtaKeyError
from evtwin.ota import (
    BootOutcome,
    ManualClock,
    OtaBackend,
    Primary,
    Registration,
    StoreFetcher,
    VehicleInventory,
    build_vehicle,
)

from .conftest import ADMIN, PROVISIONING

VIN = "SALDS27A1RA000077"


def start(state: Path, db: OtaDatabase, clock: ManualClock) -> OtaServer:
    backend = OtaBackend.open(state, clock)
    return OtaServer(
        backend, db, provisioning_token=PROVISIONING, admin_token=ADMIN, auto_assign=True
    )


def check_in(server: OtaServer, car: Primary) -> dict[str, str]:
    return server.check_in(car.vin, car.manifest(server.nonce(car.vin)))


def test_a_restarted_server_serves_the_same_repositories_and_vehicles(
    tmp_path: Path, db: OtaDatabase
) -> None:
    clock = ManualClock()
    state = tmp_path / "state"
    first = start(state, db, clock)

    def register(inv: VehicleInventory) -> Registration:
        creds = first.register(inv.to_dict(), PROVISIONING)
        return Registration(director_root=creds.director_root, image_root=creds.image_root)

    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=register,
        urls=first.backend.urls(VIN),
        fetcher=StoreFetcher(first.backend.store),
        clock=clock,
    )
    first.release("bms-1.0.0.img", b"BMS 1.0.0\n" * 100, ["ds-bms-r2"], 1)
    check_in(first, car)
    assert car.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}
    check_in(first, car)  # the server learns what the car now runs

    second = start(state, db, clock)  # the process restarts: same state dir, same database
    restored = second.backend.director.installed[VIN]["bms-0001"]
    assert restored is not None and restored.filepath == "bms-1.0.0.img"  # from the manifest
    second.release("bms-1.1.0.img", b"BMS 1.1.0\n" * 100, ["ds-bms-r2"], 2)
    assigned = check_in(second, car)
    report = car.update()  # same pinned roots: the keys survived

    assert assigned == {"bms-0001": "bms-1.1.0.img"}
    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}, report.errors
    assert (state / "keys" / "image.keys.json").stat().st_mode & 0o077 == 0


def test_campaigns_survive_a_restart(tmp_path: Path, db: OtaDatabase) -> None:
    clock = ManualClock()
    state = tmp_path / "state"
    first = start(state, db, clock)
    first.release("bms-2.1.0.img", b"BMS 2.1.0\n" * 10, ["ds-bms-r2"], 21)
    first.create_campaign({"name": "c1", "images": {"ds-bms-r2": "bms-2.1.0.img"}})
    first.campaign_action("c1", "start")
    first.campaign_action("c1", "pause")

    second = start(state, db, clock)

    assert second.campaign_action("c1", "status")["state"] == "paused"
    assert second.campaign_action("c1", "resume")["state"] == "running"


def test_rotated_online_keys_are_followed_by_cars_and_survive_a_restart(
    tmp_path: Path, db: OtaDatabase
) -> None:
    clock = ManualClock()
    state = tmp_path / "state"
    backend = OtaBackend.open(state, clock)
    first = OtaServer(
        backend,
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        state_dir=state,
        auto_assign=True,
    )

    def register(inv: VehicleInventory) -> Registration:
        creds = first.register(inv.to_dict(), PROVISIONING)
        return Registration(director_root=creds.director_root, image_root=creds.image_root)

    car = build_vehicle(
        vin=VIN, root_dir=tmp_path / "car", register=register,
        urls=first.backend.urls(VIN), fetcher=StoreFetcher(first.backend.store), clock=clock,
    )  # fmt: skip
    first.rotate_online_key("image", "timestamp")
    rotated = first.rotate_online_key("director", "targets")
    with pytest.raises(OtaKeyError, match="not an online role"):
        first.rotate_online_key("image", "targets")

    second = start(state, db, clock)  # restart: the rotated keys were saved
    second.release("bms-1.0.0.img", b"BMS 1.0.0\n" * 100, ["ds-bms-r2"], 1)
    check_in(second, car)

    assert car.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}
    assert second.backend.director.keys["targets"].keyids == rotated["keyids"]
