"""The OTA server keeps its online metadata fresh (SQLite and PostgreSQL), on its injected
clock: a background pass while the app runs, and a cheap check on the request paths.
Offline roles are never re-signed by the server; it warns before they expire."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaError, OtaMetadataError
from evtwin.ota import (
    BootOutcome,
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    Primary,
    RefreshPolicy,
    build_vehicle,
)

from .conftest import ADMIN, PROVISIONING
from .test_http_end_to_end import release_over_http

VIN = "SALDS27A1RA000077"
BMS = "bms-0001"


def clock_of(server: OtaServer) -> ManualClock:
    clock = server.backend.clock
    assert isinstance(clock, ManualClock)
    return clock


def signed_state(server: OtaServer, repo: str) -> dict[str, tuple[int, object]]:
    r = server.backend.image_repo if repo == "image" else server.backend.director.vehicle_repo(repo)
    return {
        role: (getattr(r, f"{role}_md").signed.version, getattr(r, f"{role}_md").signed.expires)
        for role in ("root", "targets", "snapshot", "timestamp")
    }


def http_car(base_url: str, server: OtaServer, root_dir: Path) -> Primary:
    cloud = OtaCloudClient(base_url)
    car = build_vehicle(
        vin=VIN,
        root_dir=root_dir,
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    car.cloud = cloud  # type: ignore[attr-defined]
    return car


def test_past_the_old_expiry_online_roles_are_resigned_and_a_parked_car_installs(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    car = http_car(base_url, server, tmp_path / "car")
    release_over_http(base_url, "bms-2.0.0.img", b"BMS 2.0.0\n" * 300, "ds-bms-r2", 20)
    car.cloud.check_in(car)  # type: ignore[attr-defined]
    image_before, director_before = signed_state(server, "image"), signed_state(server, VIN)
    clock_of(server).advance(timedelta(days=60))  # parked: every timestamp/snapshot expired

    done = server.refresh_metadata()

    image_after, director_after = signed_state(server, "image"), signed_state(server, VIN)
    assert done == {
        "image": ["snapshot", "timestamp"],
        f"director/{VIN}": ["targets", "snapshot", "timestamp"],
    }
    now = clock_of(server).now()
    for before, after, roles in (
        (image_before, image_after, ("snapshot", "timestamp")),
        (director_before, director_after, ("targets", "snapshot", "timestamp")),
    ):
        for role in roles:
            assert after[role][0] > before[role][0]  # a higher version
            assert after[role][1] > before[role][1]  # type: ignore[operator]
            assert after[role][1] > now  # type: ignore[operator]
        assert before["timestamp"][1] < now and before["snapshot"][1] < now  # type: ignore[operator]
    # offline: Image root and targets, the Director root: untouched
    for role in ("root", "targets"):
        assert image_after[role] == image_before[role]
    assert director_after["root"] == director_before["root"]

    report = car.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}, report.errors


def test_a_car_s_timestamp_request_resigns_what_is_due_without_waiting_for_the_background(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    car = http_car(base_url, server, tmp_path / "car")
    release_over_http(base_url, "bms-2.0.0.img", b"BMS 2.0.0\n" * 300, "ds-bms-r2", 20)
    car.cloud.check_in(car)  # type: ignore[attr-defined]
    clock_of(server).advance(timedelta(days=30))  # the background pass (every 60 s) not run

    report = car.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}, report.errors
    assert server.refresh_metadata() == {}  # the request paths already did it


def test_a_frozen_server_still_leaves_a_long_parked_car_refusing(
    server: OtaServer, tmp_path: Path
) -> None:
    """The refresher is the server's job: the car's freeze defence does not rely on it."""
    backend = server.backend
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: _register_in_process(server, inv),
        urls=backend.urls(VIN),
        fetcher=backend.fetcher(),  # reads the store as published: nothing re-signs on fetch
        clock=backend.clock,
    )
    clock_of(server).advance(timedelta(days=3))

    with pytest.raises(OtaMetadataError, match="ExpiredMetadataError"):
        car.update()


def _register_in_process(server: OtaServer, inventory: object) -> object:
    from evtwin.ota import Registration

    creds = server.register(inventory.to_dict(), PROVISIONING)  # type: ignore[attr-defined]
    return Registration(director_root=creds.director_root, image_root=creds.image_root)


def test_offline_roles_near_expiry_are_warned_about_once_and_never_resigned(
    server: OtaServer, caplog: pytest.LogCaptureFixture
) -> None:
    image_before = signed_state(server, "image")
    clock_of(server).advance(timedelta(days=50))  # Image targets: 40 of 90 days left

    with caplog.at_level(logging.WARNING, logger="evtwin.cloud.ota"):
        server.refresh_metadata()
        server.refresh_metadata()

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "Image repository targets" in warnings[0]
    assert str(image_before["targets"][1].isoformat()) in warnings[0]  # type: ignore[attr-defined]
    assert signed_state(server, "image")["targets"] == image_before["targets"]


def test_the_app_refreshes_at_start_up_and_its_refresher_stops_with_it(
    server: OtaServer,
) -> None:
    timestamp_before = server.backend.image_repo.timestamp_md.signed.version
    clock_of(server).advance(timedelta(days=2))  # as after an outage
    app = create_app(server, refresh_interval_s=3600.0)

    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        refresher = app.state.refresher
        assert not refresher.done()
        assert server.backend.image_repo.timestamp_md.signed.version == timestamp_before + 1

    assert refresher.done() and refresher.exception() is None


def test_a_refresh_margin_as_long_as_a_timestamp_s_lifetime_is_refused(
    db: OtaDatabase,
) -> None:
    with pytest.raises(OtaError, match="refresh margin"):
        OtaServer(
            OtaBackend.create(ManualClock()),
            db,
            provisioning_token=PROVISIONING,
            admin_token=ADMIN,
            refresh=RefreshPolicy(margin=timedelta(days=1)),
        )


def test_a_refresh_interval_must_be_positive(server: OtaServer) -> None:
    with pytest.raises(OtaError, match="refresh interval"):
        create_app(server, refresh_interval_s=0)


def test_a_check_in_resigns_that_car_s_due_online_roles(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    car = http_car(base_url, server, tmp_path / "car")
    car.cloud.check_in(car)  # type: ignore[attr-defined]
    before = (
        signed_state(server, VIN)["timestamp"][0],
        signed_state(server, "image")["timestamp"][0],
    )
    clock_of(server).advance(timedelta(days=2))

    car.cloud.check_in(car)  # type: ignore[attr-defined]

    after = signed_state(server, VIN)["timestamp"][0], signed_state(server, "image")["timestamp"][0]
    assert after[0] > before[0] and after[1] > before[1]
