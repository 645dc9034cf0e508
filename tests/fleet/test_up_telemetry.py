"""``evtwin up --ota-server URL --telemetry-broker HOST:PORT``: the running twin publishes its
telemetry, logging in as its OTA registration, through a real Mosquitto into the store."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from evtwin.cli.main import main
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.fleet import IngestService, TelemetryStore, write_mosquitto_config
from evtwin.ota import OtaBackend, SystemClock
from evtwin.telemetry import MqttCredentials

from .conftest import INGEST_PASSWORD, INGEST_USER, MOSQUITTO, Broker, _missing, free_port

PROVISIONING = "factory-secret-0123456789"


@pytest.fixture
def ota_url(tmp_path: Path) -> Iterator[str]:
    db = OtaDatabase.sqlite(tmp_path / "ota.sqlite")
    server = OtaServer(
        OtaBackend.create(SystemClock()),
        db,
        provisioning_token=PROVISIONING,
        admin_token="release-secret-0123456789",
    )
    uv = uvicorn.Server(
        uvicorn.Config(create_app(server), host="127.0.0.1", port=0, log_level="warning")
    )
    th = threading.Thread(target=uv.run, daemon=True)
    th.start()
    for _ in range(500):
        if uv.started:
            break
        time.sleep(0.01)
    assert uv.started
    yield f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    uv.should_exit = True
    th.join(timeout=10)
    db.close()


def test_up_publishes_telemetry_as_its_ota_identity(
    ota_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path(MOSQUITTO).exists():
        _missing("mosquitto (Debian package mosquitto)")
    car = tmp_path / "car"
    base = ["up", "--port", "0", "--no-http", "--ota-server", ota_url, "--ota-car-dir", str(car),
            "--ota-trust-on-first-use"]  # fmt: skip
    # the factory registers the car (first start); the OTA server issues its token
    assert main([*base, "--duration-s", "0.3", "--ota-token", PROVISIONING]) == 0
    cred = json.loads((car / "credentials.json").read_text())
    login = MqttCredentials.for_vehicle(cred["vin"], cred["token"])
    # ... and provisions the same identity on the fleet's broker
    port = free_port()
    conf = write_mosquitto_config(
        tmp_path / "broker",
        port=port,
        accounts={login.username: login.password, INGEST_USER: INGEST_PASSWORD},
        ingest_user=INGEST_USER,
    )
    broker = Broker(tmp_path / "broker", port, conf)
    broker.start()
    store = TelemetryStore.sqlite(tmp_path / "t.sqlite")
    svc = IngestService(
        store, host="127.0.0.1", port=port, username=INGEST_USER, password=INGEST_PASSWORD
    )
    try:
        svc.start()
        assert svc.wait_connected(10)
        capsys.readouterr()
        argv = [*base, "--duration-s", "2", "--telemetry-broker", f"127.0.0.1:{port}"]
        assert main(argv) == 0
        assert f"telemetry: {cred['vin']} -> mqtt://127.0.0.1:{port}" in capsys.readouterr().out
        end = time.monotonic() + 10
        while store.count() == 0 and time.monotonic() < end:
            time.sleep(0.1)
        rows = store.query("SELECT vin, soc_percent, software_version FROM samples")
        assert rows and {r[0] for r in rows} == {cred["vin"]}
        assert any(r[1] is not None and 0 < r[1] <= 100 for r in rows)
        assert any(r[2] for r in rows)
    finally:
        svc.stop()
        broker.stop()


def test_up_telemetry_needs_the_ota_identity(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["up", "--port", "0", "--no-http", "--duration-s", "0.1"]
    assert main([*argv, "--telemetry-broker", "127.0.0.1:1"]) == 2
    assert "needs --ota-server" in capsys.readouterr().err
