"""Issue 5's story end to end over HTTP on loopback: the OTA server in process (uvicorn), a
release and a campaign published through the admin API, the twin's car registered with the
factory token, offered the update on its signals, consenting through the broker, deferring
while it drives, then installing, rebooting its ECU and committing; then a deliberately
broken image rolls back by itself. One manual clock drives the car and the server, so no
step waits on wall time; every loop is bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from evtwin.cloud import AdminClient, OtaDatabase, OtaServer, create_app
from evtwin.ota import OtaBackend
from evtwin.runtime import (
    DriveLeg,
    ManualClock,
    OtaService,
    Twin,
    build_twin,
    open_car,
)
from evtwin.signals import Field, Subscription
from evtwin.sim.traces import constant_speed

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"
START_S = 1_811_000_000.0  # 2027-05-21T...Z
U = "Vehicle.Software.Update"
VIN = "SALDS27A1RA000001"


def image(tag: str, size_bytes: int = 8192) -> bytes:
    head = f"DEFENDER-SPORT FIRMWARE {tag}\n".encode()
    return (head * (size_bytes // len(head) + 1))[:size_bytes]


@dataclass
class World:
    twin: Twin
    server: OtaServer
    url: str
    admin: AdminClient
    car_dir: Path


@pytest.fixture(name="w")
def world(tmp_path: Path) -> Iterator[World]:
    twin = build_twin(ManualClock(START_S), soc_percent=70.0, reference_wh_per_km=lambda: 180.0)
    db = OtaDatabase.sqlite(tmp_path / "ota.sqlite")
    backend = OtaBackend.create(twin.clock)  # the server shares the twin's time
    server = OtaServer(
        backend, db, provisioning_token=PROVISIONING, admin_token=ADMIN, auto_assign=True
    )
    config = uvicorn.Config(create_app(server), host="127.0.0.1", port=0, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded wait for start-up, not a timing assertion
        if uv.started:
            break
        time.sleep(0.01)
    assert uv.started, "uvicorn did not start"
    url = f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    yield World(twin, server, url, AdminClient(url, ADMIN), tmp_path / "car")
    uv.should_exit = True
    thread.join(timeout=10)
    twin.close()
    db.close()


def attach(w: World) -> OtaService:
    car = open_car(
        w.car_dir,
        server_url=w.url,
        clock=w.twin.clock,
        provisioning_token=PROVISIONING,
        trust_on_first_use=True,  # an in-memory server: no factory directory
        vin=VIN,
    )
    return w.twin.attach_ota(OtaService(w.twin.broker, car.primary, car.link))


def states(sub: Subscription) -> list[str]:
    return [
        str(u.datapoint.value)
        for u in sub.next_batch(timeout_s=0)
        if u.datapoint is not None and u.path == f"{U}.State"
    ]


def run_until(w: World, sub: Subscription, seen: list[str], state: str, steps: int = 60) -> None:
    """Step the car one twin second at a time, collecting every State a subscriber sees."""
    for _ in range(steps):
        if seen and seen[-1] == state:
            return
        w.twin.advance(1.0)
        seen += states(sub)
    raise AssertionError(f"never reached {state}; saw {seen}")


def signal(w: World, name: str) -> object:
    dp = w.twin.broker.get(f"{U}.{name}")
    return None if dp is None else dp.value


def test_release_offer_consent_install_commit_then_a_broken_image_rolls_back(w: World) -> None:
    twin = w.twin
    ota = attach(w)
    sub = twin.broker.subscribe([f"{U}.State"], fields=[Field.VALUE], initial=False)
    seen: list[str] = []
    twin.advance(1.0)  # first check-in: registered, nothing offered
    assert signal(w, "State") == "IDLE"

    # a release engineer publishes bms 2.1.0 and rolls it out with the driver's consent
    w.admin.release("bms-2.1.0.img", image("bms 2.1.0"), ["ds-bms-r2"], 21)
    w.admin.create_campaign(
        {"name": "bms-2-1", "images": {"ds-bms-r2": "bms-2.1.0.img"}, "stages_percent": [100]}
    )
    w.admin.campaign("bms-2-1", "start")
    twin.advance(300.0)  # the next check-in
    seen += states(sub)
    assert seen == ["AVAILABLE"]
    assert signal(w, "AvailableVersion") == "bms-2.1.0"
    assert signal(w, "AvailableSize") == 8192
    assert signal(w, "Ecus") == ("bms-0001",)
    assert signal(w, "ConsentMode") == "REQUIRED"

    # the driver accepts on the screen while driving: downloaded, held back until parked
    twin.world.leg = DriveLeg(trace=constant_speed(40.0, 600.0), start_s=twin.clock.now_s())
    twin.advance(5.0)
    twin.broker.set_target(f"{U}.IsInstallApproved", True)
    run_until(w, sub, seen, "DEFERRED")
    assert "vehicle is not parked" in str(signal(w, "DeferredReason"))
    assert ota.primary.ecus["bms-0001"].slots.active is None
    twin.world.leg = None
    run_until(w, sub, seen, "SUCCEEDED", steps=200)
    assert seen == [
        "AVAILABLE",
        "CONSENTED",
        "DOWNLOADING",
        "DEFERRED",
        "INSTALLING",
        "REBOOTING",
        "SUCCEEDED",
    ]
    twin.advance(1.0)  # the car reports at once
    status = w.admin.campaign("bms-2-1", "status")
    assert status["vehicles"]["succeeded"] == 1, status
    assert w.server.backend.director.installed[VIN]["bms-0001"].filepath == "bms-2.1.0.img"

    # a deliberately broken image: the ECU boots it, fails its health check, goes back
    w.admin.release("bms-2.2.0.img", image("bms 2.2.0 BROKEN"), ["ds-bms-r2"], 22)
    w.admin.create_campaign(
        {"name": "bms-2-2", "images": {"ds-bms-r2": "bms-2.2.0.img"}, "stages_percent": [100]}
    )
    w.admin.campaign("bms-2-2", "start")
    seen.clear()
    run_until(w, sub, seen, "AVAILABLE", steps=400)
    twin.broker.set_target(f"{U}.IsInstallApproved", True)
    run_until(w, sub, seen, "ROLLED_BACK")
    assert seen == [
        "AVAILABLE",
        "CONSENTED",
        "DOWNLOADING",
        "INSTALLING",
        "REBOOTING",
        "ROLLED_BACK",
    ]
    assert "rolled back by itself" in str(signal(w, "LastError"))
    active = ota.primary.ecus["bms-0001"].slots.active
    assert active is not None and active.filepath == "bms-2.1.0.img"
    twin.advance(1.0)
    status = w.admin.campaign("bms-2-2", "status")
    assert status["vehicles"]["failed"] == 1, status
    assert status["state"] == "paused"  # past the failure share: the rollout stops itself
    assert w.server.backend.director.installed[VIN]["bms-0001"].filepath == "bms-2.1.0.img"
    sub.close()


def test_the_car_keeps_its_identity_across_a_restart(w: World) -> None:
    first = attach(w)
    w.twin.advance(1.0)
    assert first.history == ["IDLE"]
    w.twin.host.services.remove(first)  # "evtwin up" stops; the storage stays
    again = open_car(w.car_dir, server_url=w.url, clock=w.twin.clock)
    assert not again.registered_now
    service = OtaService(w.twin.broker, again.primary, again.link)
    w.twin.host.services.append(service)
    w.admin.release("ivi-5.0.0.img", image("ivi 5.0.0"), ["ds-infotainment-r3"], 50)
    w.twin.advance(1.0)  # its signed manifest verifies with the keys it kept
    assert service.history == ["IDLE", "AVAILABLE"]
    assert w.twin.broker.get(f"{U}.Ecus").value == ("ivi-0001",)  # type: ignore[union-attr]


def test_a_car_held_for_a_month_never_installs_on_expired_metadata_and_recovers(
    w: World,
) -> None:
    twin = w.twin
    ota = attach(w)
    w.admin.release("bms-2.1.0.img", image("bms 2.1.0"), ["ds-bms-r2"], 21)
    sub = twin.broker.subscribe([f"{U}.State"], fields=[Field.VALUE], initial=False)
    seen: list[str] = []
    run_until(w, sub, seen, "AVAILABLE")
    # the driver never answers; a month passes and nobody re-signs the metadata
    w.server.refreshing = False  # an unmaintained server
    twin.advance(30 * 86400.0, step_s=86400.0)
    twin.broker.set_target(f"{U}.IsInstallApproved", True)  # too late: it has expired
    run_until(w, sub, seen, "FAILED")
    assert "expired" in str(signal(w, "LastError")).lower()
    twin.advance(600.0)
    assert ota.primary.ecus["bms-0001"].slots.active is None  # nothing installed
    # the server's refresher runs again: the next check-in offers the update again
    w.server.refreshing = True
    assert "image" in w.server.refresh_metadata()
    seen.clear()
    run_until(w, sub, seen, "AVAILABLE", steps=400)
    twin.broker.set_target(f"{U}.IsInstallApproved", True)
    run_until(w, sub, seen, "SUCCEEDED")
    active = ota.primary.ecus["bms-0001"].slots.active
    assert active is not None and active.filepath == "bms-2.1.0.img"
    sub.close()


def test_a_live_server_keeps_a_car_held_for_a_month_updatable(w: World) -> None:
    twin = w.twin
    ota = attach(w)
    w.admin.release("bms-2.1.0.img", image("bms 2.1.0"), ["ds-bms-r2"], 21)
    sub = twin.broker.subscribe([f"{U}.State"], fields=[Field.VALUE], initial=False)
    seen: list[str] = []
    run_until(w, sub, seen, "AVAILABLE")
    timestamp_version = w.server.backend.image_repo.timestamp_md.signed.version
    twin.advance(30 * 86400.0, step_s=86400.0)  # every timestamp signed then has expired

    twin.broker.set_target(f"{U}.IsInstallApproved", True)
    run_until(w, sub, seen, "SUCCEEDED")

    assert "FAILED" not in seen
    assert w.server.backend.image_repo.timestamp_md.signed.version > timestamp_version
    active = ota.primary.ecus["bms-0001"].slots.active
    assert active is not None and active.filepath == "bms-2.1.0.img"
    sub.close()
