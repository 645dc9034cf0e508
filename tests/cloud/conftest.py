"""Fixtures: an OTA server app over an in-memory backend and an SQLite file."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

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
    yield OtaServer(
        OtaBackend.create(ManualClock()), db, provisioning_token=PROVISIONING, admin_token=ADMIN
    )


@pytest.fixture
def client(server: OtaServer) -> TestClient:
    return TestClient(create_app(server))


@pytest.fixture
def base_url(server: OtaServer) -> Iterator[str]:
    config = uvicorn.Config(create_app(server), host="127.0.0.1", port=0, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded wait for start-up, not a timing assertion
        if uv.started:
            break
        time.sleep(0.01)
    assert uv.started, "uvicorn did not start"
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
