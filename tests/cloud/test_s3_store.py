"""OTA artefacts in a real S3-compatible store (SeaweedFS on loopback), SigV4-signed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from evtwin.cli.main import build_parser
from evtwin.cli.ota_cmd import build_server
from evtwin.cloud import OtaDatabase, S3Config, S3Store
from evtwin.errors import OtaError
from evtwin.ota import BootOutcome, ManualClock, OtaBackend, provision_vehicle

from .conftest import S3_ACCESS, S3_SECRET


@pytest.fixture
def s3(seaweedfs_endpoint: str) -> S3Store:
    store = S3Store(
        S3Config(
            endpoint=seaweedfs_endpoint,
            bucket=f"ota-{uuid.uuid4().hex[:12]}",
            access_key=S3_ACCESS,
            secret_key=S3_SECRET,
        )
    )
    store.create_bucket()
    return store


def test_put_get_round_trip_and_missing_keys(s3: S3Store) -> None:
    s3.put("image/targets/abc.bms 1+2.img", b"\x00\x01firmware")

    assert s3.get("image/targets/abc.bms 1+2.img") == b"\x00\x01firmware"
    assert s3.get("image/targets/nothing.img") is None


def test_wrong_secret_is_refused(s3: S3Store) -> None:
    bad = S3Store(S3Config(**{**s3.config.__dict__, "secret_key": "wrong-secret-0000"}))

    with pytest.raises(OtaError, match="HTTP 403"):
        bad.put("x.json", b"{}")


def test_a_car_updates_from_repositories_published_to_s3(s3: S3Store, tmp_path: Path) -> None:
    backend = OtaBackend.create(ManualClock(), store=s3)
    car = provision_vehicle(backend, vin="SALDS27A1RA000099", root_dir=tmp_path / "car")
    backend.image_repo.add_image(
        "bms-1.0.0.img", b"BMS 1.0.0\n" * 300, hardware_ids=["ds-bms-r2"], release_counter=1
    )
    nonce = backend.director.issue_nonce(car.vin)
    backend.director.receive_manifest(car.vin, car.manifest(nonce))
    backend.director.assign_latest(car.vin)

    report = car.update()

    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}, report.errors
    assert s3.get("image/metadata/1.root.json") is not None


def test_ota_server_command_can_keep_artefacts_in_s3(
    seaweedfs_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVTWIN_OTA_S3_ACCESS_KEY", S3_ACCESS)
    monkeypatch.setenv("EVTWIN_OTA_S3_SECRET_KEY", S3_SECRET)
    args = build_parser().parse_args(
        ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--state", str(tmp_path / "st"),
         "--s3-endpoint", seaweedfs_endpoint, "--s3-bucket", f"srv-{uuid.uuid4().hex[:8]}"]
    )  # fmt: skip
    args.provisioning_token = args.admin_token = "t" * 20

    server, _ = build_server(args)
    server.release("ivi-1.img", b"IVI\n" * 10, ["ds-infotainment-r3"], 1)

    assert isinstance(server.backend.store, S3Store)
    assert server.artefact("image/metadata/timestamp.json") is not None
    assert not (tmp_path / "st" / "artifacts").exists()
    server.db.close()


def test_an_s3_object_is_read_in_ranges_never_whole(s3: S3Store) -> None:
    """Finding 7 on S3 (issue 12): the server streams an image from S3 by ranged GETs."""
    from evtwin.ota import open_artifact

    data = bytes(range(256)) * 4096  # 1 MiB
    s3.put("image/targets/abc.big.img", data)
    gets: list[bytes] = []
    real_get = s3.get
    s3.get = lambda p: gets.append(p.encode()) or real_get(p)  # type: ignore[method-assign]

    opened = open_artifact(s3, "image/targets/abc.big.img")
    assert opened is not None
    f, size = opened
    assert size == len(data)
    f.seek(500_000)
    assert f.read(10) == data[500_000:500_010]
    assert f.read(5) == data[500_010:500_015]  # the same stream, continued
    f.seek(0)
    assert f.read(1) == data[:1]
    f.seek(len(data) - 3)
    assert f.read(100) == data[-3:]
    f.close()
    assert gets == []  # never fetched whole
    assert open_artifact(s3, "image/targets/none.img") is None


def test_the_server_serves_ranges_of_an_image_in_s3_over_http(s3: S3Store, db: OtaDatabase) -> None:
    import urllib3

    from evtwin.cloud import OtaServer, create_app

    from .conftest import ADMIN, PROVISIONING
    from .test_hardening import car_token, serving

    server = OtaServer(
        OtaBackend.create(ManualClock(), store=s3),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
    )
    data = bytes(range(256)) * 2048
    entry = server.release("bms-s3.img", data, ["ds-bms-r2"], 1)
    with serving(create_app(server)) as base:
        url = f"{base}/image/targets/{entry['hashes']['sha256']}.bms-s3.img"
        auth = car_token(server)
        one = urllib3.request("GET", url, headers={"Range": "bytes=0-0", **auth})
        tail = urllib3.request("GET", url, headers={"Range": "bytes=-7", **auth})
        whole = urllib3.request("GET", url, headers=auth)

    assert (one.status, one.data) == (206, data[:1])
    assert (tail.status, tail.data) == (206, data[-7:])
    assert (whole.status, whole.data) == (200, data)
