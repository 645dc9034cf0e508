"""Fixtures: a Mosquitto the test configures and starts on a free port, telemetry stores on
SQLite and PostgreSQL (a throw-away schema), car credentials from an OTA-style token."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from evtwin.errors import TelemetryError
from evtwin.fleet import TelemetryStore, write_mosquitto_config
from evtwin.telemetry import MqttCredentials

POSTGRES_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=5"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
INGEST_USER, INGEST_PASSWORD = "evtwin-ingest", "ingest-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vin(i: int) -> str:
    return f"SALDS2027A{i:07d}"


def token(i: int) -> str:
    return f"ota-bearer-token-{i:08d}-x"


def creds(i: int) -> MqttCredentials:
    return MqttCredentials.for_vehicle(vin(i), token(i))


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} not available on this developer machine")


@dataclass
class Broker:
    """A Mosquitto owned by the test (never the machine's shared one on 1883)."""

    directory: Path
    port: int
    conf: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    log = self.directory / "mosquitto.log"
                    text = log.read_text() if log.exists() else ""
                    raise RuntimeError(f"mosquitto exited: {text}") from None
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def make_broker(tmp_path: Path) -> Iterator[Callable[[int], Broker]]:
    if not Path(MOSQUITTO).exists():
        _missing("mosquitto (Debian package mosquitto)")
    brokers: list[Broker] = []

    def make(cars: int) -> Broker:
        port = free_port()
        accounts = {vin(i): creds(i).password for i in range(cars)}
        accounts[INGEST_USER] = INGEST_PASSWORD
        d = tmp_path / f"broker-{port}"
        conf = write_mosquitto_config(d, port=port, accounts=accounts, ingest_user=INGEST_USER)
        b = Broker(d, port, conf)
        b.start()
        brokers.append(b)
        return b

    yield make
    for b in brokers:
        b.stop()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A unique PostgreSQL schema, dropped afterwards."""
    import psycopg

    schema = f"fleet_test_{uuid.uuid4().hex[:12]}"
    try:
        psycopg.connect(POSTGRES_DSN).close()
    except psycopg.Error as e:
        _missing(f"PostgreSQL on 127.0.0.1:5432 ({e})")
    yield schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TelemetryStore]:
    if request.param == "sqlite":
        s = TelemetryStore.sqlite(tmp_path / "telemetry.sqlite")
        yield s
        s.close()
        return
    schema = request.getfixturevalue("pg_schema")
    try:
        s = TelemetryStore.postgres(POSTGRES_DSN, schema=schema)
    except TelemetryError as e:
        _missing(f"PostgreSQL ({e})")
    yield s
    s.close()
