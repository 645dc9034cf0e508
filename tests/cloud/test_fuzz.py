"""The OTA server's HTTP layer fuzzed from its own OpenAPI schema (schemathesis, pinned).

Every operation gets a bounded number of generated requests over real HTTP (uvicorn on a
free loopback port) with valid credentials, so the generated paths, query strings, headers
and bodies reach the code behind authentication. The one property: no answer is a 5xx.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.case import Case

from evtwin.cloud import AuthThrottle, OtaDatabase, OtaServer, create_app
from evtwin.ota import DirectoryStore, ManualClock, OtaBackend, OtaCloudClient, build_vehicle

from .conftest import ADMIN, PROVISIONING

VIN = "SALDS27A1RA000777"
# per operation (override with EVTWIN_FUZZ_EXAMPLES); the module stays well under a minute
MAX_EXAMPLES = int(os.environ.get("EVTWIN_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server (SQLite, artefacts on disk) with one registered car; (base URL, its token)."""
    root = tmp_path_factory.mktemp("fuzz")
    db = OtaDatabase.sqlite(root / "ota.sqlite")
    backend = OtaBackend.create(ManualClock(), store=DirectoryStore(root / "artifacts"))
    server = OtaServer(backend, db, provisioning_token=PROVISIONING, admin_token=ADMIN)
    # the fuzzer sends the right tokens: a throttle tripped by earlier cases would hide the
    # code behind authentication (throttling has its own test in test_hardening.py)
    app = create_app(server, throttle=AuthThrottle(max_failures=10**9))
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded wait for start-up, not a timing assertion
        if uv.started:
            break
        time.sleep(0.01)
    assert uv.started, "uvicorn did not start"
    base = f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    cloud = OtaCloudClient(base)
    build_vehicle(
        vin=VIN,
        root_dir=root / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=backend.clock,
    )
    server.release("bms-1.0.0.img", b"BMS 1.0.0\n" * 100, ["ds-bms-r2"], 1)
    assert cloud.token is not None
    try:
        yield base, cloud.token
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        server.close()


def operations(base: str) -> list[Any]:
    loaded = schemathesis.openapi.from_url(f"{base}/openapi.json")
    return [result.ok() for result in loaded.get_all_operations()]


def test_the_fuzzed_schema_covers_every_route_family(live: tuple[str, str]) -> None:
    base, _ = live
    paths = {op.path for op in operations(base)}

    assert {
        "/api/v1/vehicles",
        "/api/v1/vehicles/{vin}/nonce",
        "/api/v1/vehicles/{vin}/manifest",
        "/api/v1/images/{name}",
        "/image/targets/{filename}",
        "/image/metadata/{filename}",
        "/director/{vin}/metadata/{filename}",
    } <= paths


def test_no_generated_request_makes_the_server_answer_5xx(live: tuple[str, str]) -> None:
    """Each operation of the OpenAPI schema gets ``MAX_EXAMPLES`` generated requests
    (derandomized: the same ones on every run); none may be answered 5xx."""
    base, token = live
    headers = {
        "X-Admin-Token": ADMIN,
        "X-Provisioning-Token": PROVISIONING,
        "Authorization": f"Bearer {token}",
    }
    failures: list[str] = []
    sent = [0]
    for op in operations(base):

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=op.as_strategy())
        def fuzz(case: Case) -> None:
            if "vin" in (case.path_parameters or {}):
                case.path_parameters["vin"] = VIN  # reach the code behind the car's token
            response = case.call(base_url=base, headers=headers, timeout=30)
            sent[0] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:200]}"
                )

        fuzz()

    assert sent[0] >= 50
    assert failures == []
