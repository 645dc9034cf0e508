"""The check-in fast path keeps every defence: nonces, signatures, tokens, durable writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaAuthError, OtaManifestError
from evtwin.ota import (
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    Primary,
    Registration,
    StoreFetcher,
    build_vehicle,
)
from evtwin.ota.repository._director import MAX_OPEN_NONCES

from .conftest import ADMIN, PROVISIONING

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def car_of(server: OtaServer, vin: str, root: Path) -> tuple[Primary, str]:
    token = {}

    def register(inv):  # type: ignore[no-untyped-def]
        creds = server.register(inv.to_dict(), PROVISIONING)
        token["t"] = creds.token
        return Registration(director_root=creds.director_root, image_root=creds.image_root)

    car = build_vehicle(
        vin=vin,
        root_dir=root / vin,
        register=register,
        urls=server.backend.urls(vin),
        fetcher=StoreFetcher(server.backend.store),
        clock=server.backend.clock,
    )
    return car, token["t"]


def post_manifest(client: TestClient, car: Primary, token: str, manifest: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/vehicles/{car.vin}/manifest",
        json=manifest,
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture(params=[0, 1], ids=["verify-inline", "verify-worker"])
def pooled_server(request: pytest.FixtureRequest, db: OtaDatabase) -> Iterator[OtaServer]:
    server = OtaServer(
        OtaBackend.create(ManualClock()),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        verify_workers=request.param,
    )
    yield server
    server.close()  # the workers; the db fixture closes the database again (a no-op)


def test_the_nonce_handed_back_with_a_check_in_works_once(
    pooled_server: OtaServer, tmp_path: Path
) -> None:
    client = TestClient(create_app(pooled_server))
    car, token = car_of(pooled_server, "SALDS27A1RA000101", tmp_path)
    first = post_manifest(client, car, token, car.manifest(pooled_server.nonce(car.vin)))
    assert first.status_code == 200, first.text
    manifest = car.manifest(first.json()["nonce"])

    again = post_manifest(client, car, token, manifest)
    replayed = post_manifest(client, car, token, manifest)

    assert again.status_code == 200, again.text
    assert replayed.status_code == 400
    assert "already used" in replayed.json()["detail"]
    assert pooled_server.db.manifest_count(car.vin) == 2


def test_a_forged_report_signature_is_rejected_and_does_not_use_up_the_nonce(
    pooled_server: OtaServer, tmp_path: Path
) -> None:
    client = TestClient(create_app(pooled_server))
    car, token = car_of(pooled_server, "SALDS27A1RA000102", tmp_path)
    nonce = pooled_server.nonce(car.vin)
    forged = car.manifest(nonce)
    report = forged["signed"]["ecu_version_reports"]["bms-0001"]["signed"]
    report["installed_image"] = {
        "filepath": "evil.img",
        "length": 1,
        "hashes": {},
        "release_counter": 99,
    }

    resp = post_manifest(client, car, token, forged)

    assert resp.status_code == 400
    assert "bad signature" in resp.json()["detail"]
    assert pooled_server.db.manifest_count(car.vin) == 0
    assert post_manifest(client, car, token, car.manifest(nonce)).status_code == 200


def test_a_manifest_signed_by_another_primary_key_is_rejected(
    pooled_server: OtaServer, tmp_path: Path
) -> None:
    client = TestClient(create_app(pooled_server))
    car, token = car_of(pooled_server, "SALDS27A1RA000103", tmp_path)
    other, _ = car_of(pooled_server, "SALDS27A1RA000104", tmp_path)
    manifest = car.manifest(pooled_server.nonce(car.vin))
    manifest["signatures"] = other.manifest("x")["signatures"]  # a valid signature, wrong key

    resp = post_manifest(client, car, token, manifest)

    assert resp.status_code == 400
    assert "signature" in resp.json()["detail"]


def test_a_vehicle_token_stays_checked_after_it_was_remembered(
    server: OtaServer, tmp_path: Path
) -> None:
    car, token = car_of(server, "SALDS27A1RA000105", tmp_path)
    server.authenticate_vehicle(car.vin, token)  # now remembered

    with pytest.raises(OtaAuthError):
        server.authenticate_vehicle(car.vin, token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(OtaAuthError):
        server.authenticate_vehicle("SALDS27A1RA000999", token)


def test_only_the_newest_nonces_stay_open(server: OtaServer, tmp_path: Path) -> None:
    car, _ = car_of(server, "SALDS27A1RA000106", tmp_path)
    oldest = server.nonce(car.vin)
    for _ in range(MAX_OPEN_NONCES):
        server.nonce(car.vin)

    with pytest.raises(OtaManifestError, match="not issued or is already used"):
        server.check_in(car.vin, car.manifest(oldest))


def test_the_cloud_client_checks_in_with_one_request_after_the_first(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    car = build_vehicle(
        vin="SALDS27A1RA000107",
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls("SALDS27A1RA000107"),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    cloud.check_in(car)
    issued = []
    real_nonce = server.nonce
    server.nonce = lambda vin: issued.append(vin) or real_nonce(vin)  # type: ignore[method-assign]

    cloud.check_in(car)
    cloud.check_in(car)

    assert issued == []  # no GET …/nonce: the answers carried the nonces
    assert server.db.manifest_count(car.vin) == 3


def test_the_cloud_client_recovers_when_its_nonce_was_forgotten(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    cloud = OtaCloudClient(base_url)
    car = build_vehicle(
        vin="SALDS27A1RA000108",
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls("SALDS27A1RA000108"),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    cloud.check_in(car)
    for _ in range(MAX_OPEN_NONCES):  # the handed-back nonce is pushed out
        server.nonce(car.vin)

    cloud.check_in(car)

    assert server.db.manifest_count(car.vin) == 2


def test_concurrent_check_ins_are_all_committed_in_group_commits(
    server: OtaServer, tmp_path: Path
) -> None:
    cars = [car_of(server, f"SALDS27A1RA0002{i:02d}", tmp_path)[0] for i in range(6)]
    signed = [(car.vin, car.manifest(server.nonce(car.vin))) for car in cars]

    pending = [server.begin_check_in(vin, m) for vin, m in signed]
    for p in pending:
        p.durable.result(timeout=30)

    assert [server.db.manifest_count(car.vin) for car in cars] == [1] * 6


@contextmanager
def writer_held(db: OtaDatabase) -> Iterator[None]:
    """Hold the group commit (as if a commit were in flight) so writes pile up in one batch."""
    with db._cv:
        db._busy = True
    try:
        yield
    finally:
        with db._cv:
            db._busy = False
            db._cv.notify_all()


def test_a_failing_write_in_a_group_commit_fails_only_its_own_caller(db: OtaDatabase) -> None:
    db.add_vehicle("SALDS27A1RA000301", "ab" * 32, {}, NOW)
    duplicate = ("INSERT INTO vehicles VALUES (?, ?, ?, ?)", ("SALDS27A1RA000301", "x", "{}", "t"))
    with writer_held(db):
        bad = db.write([duplicate])
        good = db.write([db.manifest_write("SALDS27A1RA000301", {"n": 1}, NOW)])

    good.result(timeout=30)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        bad.result(timeout=30)
    assert db.manifest_count("SALDS27A1RA000301") == 1


def test_a_write_now_never_overtakes_writes_queued_before_it(db: OtaDatabase) -> None:
    with writer_held(db):
        db.write([db.campaign_write("bms", {"state": "running"})])
        later = ThreadPoolExecutor(1).submit(db.save_campaign, "bms", {"state": "paused"})
        for _ in range(3000):  # until it is queued (or, wrongly, committed ahead)
            if later.done() or len(db._pending) == 2:
                break
            time.sleep(0.001)

    later.result(timeout=30)
    assert db.campaigns() == [{"state": "paused"}]
