"""Issue 12, scale-out: several stateless server processes over one PostgreSQL database.

The strongest test of statelessness: two separate ``evtwin ota server`` processes on two
ports over the same database and state directory, each request sent to the one the test
chooses. Then the real pre-fork model (``--workers 2``: uvicorn worker processes sharing one
socket), where a worker is killed with SIGKILL mid-service.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import orjson
import psycopg
import pytest
import urllib3

from evtwin.cli.ota_cmd import check_workers
from evtwin.cloud import AdminClient, OtaDatabase, OtaServer
from evtwin.errors import OtaError
from evtwin.ota import (
    BootOutcome,
    OtaBackend,
    OtaCloudClient,
    Primary,
    Registration,
    StoreFetcher,
    SystemClock,
    VehicleInventory,
    build_vehicle,
)

from .conftest import ADMIN, POSTGRES_DSN, PROVISIONING, S3_ACCESS, S3_SECRET, _free_port
from .test_token_grace import drop_next_rotation_answer

OPS = "ops-token-0123456789abcdef"  # a second admin identity (two-person approvals)
IMAGE = b"DEFENDER-SPORT BMS 7.0.0\n" * 2000
CAMPAIGN = {"name": "bms-7", "images": {"ds-bms-r2": "bms-7.0.0.img"}, "stages_percent": [100]}
_SERVER = (
    "import argparse, sys; from evtwin.cli import ota_cmd; p = argparse.ArgumentParser(); "
    "ota_cmd.register(p.add_subparsers()); a = p.parse_args(); sys.exit(a.func(a))"
)


@pytest.fixture
def schema() -> Iterator[str]:
    """A throw-away PostgreSQL schema (dropped afterwards)."""
    name = f"ota_workers_{uuid.uuid4().hex[:12]}"
    try:
        psycopg.connect(POSTGRES_DSN).close()
    except psycopg.Error as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable on this developer machine: {e}")
    yield name
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@contextmanager
def ota_server(
    schema: str, state: Path, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``evtwin ota server`` in its own process group on a free port; yields its URL."""
    port = _free_port()
    env = {**(env or os.environ), "EVTWIN_OTA_PROVISIONING_TOKEN": PROVISIONING,
           "EVTWIN_OTA_ADMIN_TOKEN": ADMIN}  # fmt: skip
    log = (state.parent / f"server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, "ota", "server", "--port", str(port), "--no-access-log",
         "--postgres", POSTGRES_DSN, "--postgres-schema", schema, "--state", str(state),
         "--admin-identity", f"ops={OPS}", "--approvals", "2", *extra],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # bounded wait for start-up, not a timing assertion
            if proc.poll() is not None:
                raise RuntimeError(f"server exited {proc.returncode}: {log.name}")
            try:
                if urllib3.request("GET", f"{base}/healthz", retries=False).status == 200:
                    break
            except urllib3.exceptions.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"server on {base} did not start: {log.name}")
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
def two_servers(schema: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Servers A and B: two processes, two ports, one database, one state directory."""
    state = tmp_path / "state"
    with ota_server(schema, state) as (a, _), ota_server(schema, state) as (b, _):
        yield a, b


def car(vin: str, register_at: OtaCloudClient, serve: OtaCloudClient, root: Path) -> Primary:
    """A car registered through one server whose update client talks to another."""
    return build_vehicle(
        vin=vin,
        root_dir=root / vin,
        register=lambda inv: register_at.register(inv, PROVISIONING),
        urls=serve.urls(vin),
        fetcher=serve.fetcher(),
        clock=SystemClock(),
    )


def test_a_car_registered_through_one_process_is_served_by_another(
    two_servers: tuple[str, str], tmp_path: Path
) -> None:
    a, b = two_servers
    at_a = OtaCloudClient(a)
    primary = car("SALDS27A1RA000701", at_a, at_a, tmp_path)
    at_b = OtaCloudClient(b, token=at_a.token)

    auth = {"Authorization": f"Bearer {at_a.token}"}
    nonce = orjson.loads(
        urllib3.request("GET", f"{a}/api/v1/vehicles/{primary.vin}/nonce", headers=auth).data
    )["nonce"]
    body = orjson.dumps(primary.manifest(nonce))
    path = f"/api/v1/vehicles/{primary.vin}/manifest"

    at_b_answer = urllib3.request("POST", f"{b}{path}", body=body, headers=auth)  # A's nonce
    replayed_at_a = urllib3.request("POST", f"{a}{path}", body=body, headers=auth)

    assert at_b_answer.status == 200, at_b_answer.data
    assert replayed_at_a.status == 400 and b"already used" in replayed_at_a.data
    assert at_b.check_in(primary) == {}  # B knows the car and its token
    assert at_a.check_in(primary) == {}


def test_releases_approvals_and_campaigns_made_on_one_process_hold_on_the_other(
    two_servers: tuple[str, str], tmp_path: Path
) -> None:
    a, b = two_servers
    at_a, at_b = OtaCloudClient(a), OtaCloudClient(b)  # the car updates from B
    primary = car("SALDS27A1RA000702", at_a, at_b, tmp_path)
    at_b.token = at_a.token

    assert AdminClient(a, ADMIN).release("bms-7.0.0.img", IMAGE, ["ds-bms-r2"], 70)[
        "approvals"
    ] == ["admin"]
    with pytest.raises(OtaError, match=r"needs 2 approvals .* has 1"):
        AdminClient(b, ADMIN).create_campaign(CAMPAIGN)  # B sees the release, one approval
    approved = AdminClient(b, OPS).approve("bms-7.0.0.img")  # approved on B …
    assert approved["approved"] is True and approved["approvals"] == ["admin", "ops"]
    AdminClient(a, ADMIN).create_campaign(CAMPAIGN)  # … counts on A
    assert AdminClient(b, ADMIN).campaign("bms-7", "start")["state"] == "running"

    assert at_a.check_in(primary) == {"bms-0001": "bms-7.0.0.img"}  # A sees B's start
    report = primary.update()  # metadata and image from B: A's assignment, signed by A
    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}, report.errors
    at_b.check_in(primary)
    status = AdminClient(a, ADMIN).campaign("bms-7", "status")  # B's check-in moved it
    assert status["vehicles"]["succeeded"] == 1 and status["state"] == "completed"


def test_a_token_rotated_through_one_process_is_refused_by_the_other(
    two_servers: tuple[str, str], tmp_path: Path
) -> None:
    a, b = two_servers
    at_a = OtaCloudClient(a)
    primary = car("SALDS27A1RA000704", at_a, at_a, tmp_path)
    old = at_a.token
    assert OtaCloudClient(b, token=old).check_in(primary) == {}  # B has served it: no cache
    at_a.rotate_token(primary.vin)

    stale = urllib3.request(
        "GET",
        f"{b}/api/v1/vehicles/{primary.vin}/nonce",
        headers={"Authorization": f"Bearer {old}"},
    )
    assert stale.status == 401
    assert OtaCloudClient(b, token=at_a.token).check_in(primary) == {}
    AdminClient(b, ADMIN).revoke_vehicle(primary.vin)
    with pytest.raises(OtaError, match="HTTP 401"):
        at_a.check_in(primary)


def _admin_get(base: str, token: str, source: str) -> urllib3.BaseHTTPResponse:
    pool = urllib3.HTTPConnectionPool(
        "127.0.0.1", int(base.rsplit(":", 1)[1]), source_address=(source, 0), retries=False
    )
    return pool.request("GET", "/api/v1/audit?limit=5", headers={"X-Admin-Token": token})


def test_a_rotation_whose_answer_was_lost_at_one_process_is_completed_at_the_other(
    two_servers: tuple[str, str], tmp_path: Path
) -> None:
    a, b = two_servers
    at_a = OtaCloudClient(a)
    primary = car("SALDS27A1RA000705", at_a, at_a, tmp_path)
    old = at_a.token
    assert old is not None
    lost = drop_next_rotation_answer(at_a)
    with pytest.raises(OtaError, match="answer lost"):
        at_a.rotate_token(primary.vin)  # made at A (in the database); the answer is lost
    assert at_a.token == old

    at_b = OtaCloudClient(b, token=old)
    at_b.rotate_token(primary.vin)  # B completes it: the grace is in the database
    at_b.confirm_token(primary.vin)
    assert at_b.token not in (old, lost[0])
    assert OtaCloudClient(a, token=at_b.token).check_in(primary) == {}
    for base in (a, b):
        for token in (old, lost[0]):
            stale = urllib3.request(
                "GET",
                f"{base}/api/v1/vehicles/{primary.vin}/nonce",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert stale.status == 401
    with pytest.raises(OtaError, match="HTTP 401"):  # confirmed at B: A ends the grace too
        OtaCloudClient(a, token=old).rotate_token(primary.vin)


def test_the_admin_guessing_limit_counts_across_processes(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    guesser = "127.0.0.3"
    wrong = [_admin_get(a if i % 2 else b, "wrong-token-0123456789", guesser) for i in range(10)]
    throttled = _admin_get(a, ADMIN, guesser)  # even the right token: 10 wrong ones counted
    throttled_b = _admin_get(b, ADMIN, guesser)
    elsewhere = _admin_get(b, ADMIN, "127.0.0.1")

    assert [r.status for r in wrong] == [401] * 10
    assert throttled.status == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert throttled_b.status == 429
    assert elsewhere.status == 200
    entries = AdminClient(a, ADMIN).audit_log()  # one log, written by both processes
    outcomes = [e["outcome"] for e in entries if e["address"] == guesser]
    assert outcomes == ["denied"] * 10 + ["throttled"] * 2


def test_many_cars_check_in_concurrently_through_both_processes(
    two_servers: tuple[str, str], schema: str, tmp_path: Path
) -> None:
    a, b = two_servers
    clients: dict[str, tuple[OtaCloudClient, OtaCloudClient]] = {}
    cars = []
    for i in range(12):
        vin = f"SALDS27A1RA0008{i:02d}"
        first = OtaCloudClient(a if i % 2 else b)
        cars.append(car(vin, first, first, tmp_path))
        other = OtaCloudClient(b if i % 2 else a, token=first.token)
        clients[vin] = (first, other)

    def round_trip(primary: Primary, r: int) -> dict[str, str]:
        first, other = clients[primary.vin]
        return (first if r % 2 else other).check_in(primary)

    with ThreadPoolExecutor(12) as ex:
        results = [
            f.result() for r in range(4) for f in [ex.submit(round_trip, c, r) for c in cars]
        ]

    assert results == [{}] * 48
    with psycopg.connect(POSTGRES_DSN) as conn:
        stored = conn.execute(f"SELECT COUNT(*) FROM {schema}.manifests").fetchone()
    assert stored == (48,)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def test_killing_one_worker_leaves_the_other_serving(schema: str, tmp_path: Path) -> None:
    with ota_server(schema, tmp_path / "state", "--workers", "2") as (base, proc):
        workers = []
        for _ in range(600):  # bounded wait until both workers are up
            workers = [p for p in _children(proc.pid) if _is_worker(p)]
            if len(workers) == 2:
                break
            time.sleep(0.05)
        assert len(workers) == 2, workers
        cloud = OtaCloudClient(base)
        primary = car("SALDS27A1RA000901", cloud, cloud, tmp_path)
        assert cloud.check_in(primary) == {}

        os.kill(workers[0], signal.SIGKILL)
        answers = [urllib3.request("GET", f"{base}/healthz").status for _ in range(20)]
        checked = [cloud.check_in(primary) for _ in range(5)]

    assert answers == [200] * 20
    assert checked == [{}] * 5


def _is_worker(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmd  # a spawned worker (not the resource tracker)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], r"--workers must be 1\.\.64, got 0"),
        (["--workers", "65"], r"--workers must be 1\.\.64"),
        (["--workers", "2"], r"needs --postgres DSN: .* SQLite serves one process"),
        (["--workers", "2", "--postgres", "x"], r"needs --state DIR"),
        (["--workers", "2", "--postgres", "x", "--state", "s", "--speedup", "2"], "real clock"),
    ],
)
def test_workers_are_bounded_and_need_shared_storage(argv: list[str], message: str) -> None:
    from evtwin.cli import ota_cmd

    parser = argparse.ArgumentParser()
    ota_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["ota", "server", *argv])
    with pytest.raises(OtaError, match=message):
        check_workers(args)


def test_a_lock_free_check_in_that_decided_on_stale_state_is_made_again_under_the_lock(
    schema: str, tmp_path: Path
) -> None:
    """Process B checks the car's token, then A starts a campaign, then B's check-in (which
    did not know the campaign) reaches its commit: the commit sees the shared state moved,
    and B makes the check-in again under the lock, offering the campaign's image."""
    state = tmp_path / "state"
    servers = [
        OtaServer(
            OtaBackend.open(state, SystemClock()),
            OtaDatabase.postgres(POSTGRES_DSN, schema=schema),
            provisioning_token=PROVISIONING,
            admin_token=ADMIN,
        )
        for _ in range(2)
    ]
    a, b = servers
    try:
        token = ""

        def register(inv: VehicleInventory) -> Registration:
            nonlocal token
            creds = a.register(inv.to_dict(), PROVISIONING)
            token = creds.token
            return Registration(director_root=creds.director_root, image_root=creds.image_root)

        primary = build_vehicle(
            vin="SALDS27A1RA000951",
            root_dir=tmp_path / "car",
            register=register,
            urls=a.backend.urls("SALDS27A1RA000951"),
            fetcher=StoreFetcher(a.backend.store),
            clock=SystemClock(),
        )
        a.release("bms-7.0.0.img", IMAGE, ["ds-bms-r2"], 70)
        manifest = primary.manifest(b.nonce(primary.vin))
        b.authenticate_check_in(primary.vin, token)  # B's view: no campaign
        a.create_campaign(CAMPAIGN)
        a.campaign_action("bms-7", "start")

        result = asyncio.run(b.check_in_async(primary.vin, manifest, offload=False, token=token))

        assert result.assigned == {"bms-0001": "bms-7.0.0.img"}
        assert result.durable.done() and result.durable.exception() is None
        assert a.campaign_action("bms-7", "status")["vehicles"]["offered"] == 1
        assert a.db.manifest_count(primary.vin) == 1
    finally:
        for server in servers:
            server.close()


def test_each_server_process_signs_with_its_own_pkcs11_session(schema: str, tmp_path: Path) -> None:
    """Online keys in a PKCS#11 token (SoftHSM2): two server processes each open their own
    session and sign with it (a car registered through each; the cars verify the metadata)."""
    util, module = shutil.which("softhsm2-util"), Path("/usr/lib/softhsm/libsofthsm2.so")
    if util is None or not module.exists():
        if os.environ.get("CI"):
            raise RuntimeError("softhsm2 is missing: .ci/run installs it (apt softhsm2)")
        pytest.skip("softhsm2 (apt) is not installed on this developer machine")
    label, pin = "evtwin-workers", "4711-workers"
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf), "EVTWIN_OTA_PKCS11_PIN": pin}
    subprocess.run(
        [util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "so-" + pin],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    state = tmp_path / "state"
    subprocess.run(
        [sys.executable, "-c", _SERVER, "ota", "keys", "init", "--offline", str(tmp_path / "off"),
         "--state", str(state), "--pkcs11-module", str(module), "--pkcs11-token", label],
        env=env, check=True, capture_output=True,
    )  # fmt: skip

    with ota_server(schema, state, env=env) as (a, _), ota_server(schema, state, env=env) as (b, _):
        at_a, at_b = OtaCloudClient(a), OtaCloudClient(b)
        first = car("SALDS27A1RA000961", at_a, at_a, tmp_path)  # Director root signed at A
        second = car("SALDS27A1RA000962", at_b, at_b, tmp_path)  # … and at B
        checked = [at_a.check_in(first), at_b.check_in(second)]
        reports = [first.update(), second.update()]  # every online role verified by the cars

    assert checked == [{}, {}]
    assert [r.errors for r in reports] == [{}, {}]
    files = [p.read_bytes() for p in state.rglob("*") if p.is_file()]
    assert not [data for data in files if b"PRIVATE KEY" in data]  # online keys: in the token


def test_two_processes_serve_one_s3_bucket(
    schema: str, seaweedfs_endpoint: str, tmp_path: Path
) -> None:
    """Artefacts in a real S3 server (SeaweedFS): a release uploaded through A is
    downloaded, streamed from S3, through B."""
    env = {**os.environ, "EVTWIN_OTA_S3_ACCESS_KEY": S3_ACCESS,
           "EVTWIN_OTA_S3_SECRET_KEY": S3_SECRET}  # fmt: skip
    s3 = ["--s3-endpoint", seaweedfs_endpoint, "--s3-bucket", f"workers-{uuid.uuid4().hex[:8]}"]
    state = tmp_path / "state"
    with (
        ota_server(schema, state, *s3, env=env) as (a, _),
        ota_server(schema, state, *s3, env=env) as (b, _),
    ):
        at_a, at_b = OtaCloudClient(a), OtaCloudClient(b)
        primary = car("SALDS27A1RA000971", at_a, at_b, tmp_path)
        at_b.token = at_a.token
        AdminClient(a, ADMIN).release("bms-7.0.0.img", IMAGE, ["ds-bms-r2"], 70)
        AdminClient(b, OPS).approve("bms-7.0.0.img")
        AdminClient(b, ADMIN).create_campaign(CAMPAIGN)
        AdminClient(a, ADMIN).campaign("bms-7", "start")
        assigned = at_b.check_in(primary)
        report = primary.update()

    assert assigned == {"bms-0001": "bms-7.0.0.img"}
    assert report.outcomes == {"bms-0001": BootOutcome.COMMITTED}, report.errors
    assert primary.ecus["bms-0001"].slots.read_active() == IMAGE
    assert not (state / "artifacts").exists()  # nothing on the state directory's disk
