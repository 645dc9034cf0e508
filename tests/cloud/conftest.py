"""Fixtures: an OTA server app over an in-memory backend and an SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import ManualClock, OtaBackend

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[OtaServer]:
    db = OtaDatabase(tmp_path / "ota.sqlite")
    yield OtaServer(
        OtaBackend.create(ManualClock()), db, provisioning_token=PROVISIONING, admin_token=ADMIN
    )
    db.close()


@pytest.fixture
def client(server: OtaServer) -> TestClient:
    return TestClient(create_app(server))
