"""Faults mid-run, on instances this test starts itself (never the machine's shared ones):
the ingest service is killed (SIGKILL) and restarted, then the broker is stopped and
restarted, while 12 cars keep publishing. Nothing is lost, nothing is duplicated.
Bounded: 12 cars x 40 batches, and every wait has a deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from evtwin.fleet import TelemetryStore
from evtwin.telemetry import TelemetryPublisher

from .conftest import INGEST_PASSWORD, INGEST_USER, POSTGRES_DSN, Broker, creds, vin

CARS, BATCHES, SAMPLES = 12, 40, 3
SPEED = "Vehicle.Speed"


def _start_ingest(port: int, schema: str, log: Path) -> subprocess.Popen[bytes]:
    """Start the service and wait until it has subscribed (its broker session exists)."""
    seen = log.read_text().count("subscribed to") if log.exists() else 0
    env = {**os.environ, "EVTWIN_FLEET_INGEST_PASSWORD": INGEST_PASSWORD}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evtwin",
            "fleet",
            "ingest",
            "--broker",
            f"127.0.0.1:{port}",
            "--username",
            INGEST_USER,
            "--client-id",
            f"ingest-fault-{schema}",
            "--postgres",
            POSTGRES_DSN,
            "--schema",
            schema,
        ],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    end = time.monotonic() + 30
    while log.read_text().count("subscribed to") == seen:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < end, "the ingest service did not subscribe in 30 s"
        time.sleep(0.1)
    return proc


@pytest.mark.slow
def test_kill_ingest_and_restart_broker_mid_run_loses_and_duplicates_nothing(
    make_broker,
    pg_schema: str,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    broker: Broker = make_broker(CARS)
    log = tmp_path / "ingest.log"
    ingest = _start_ingest(broker.port, pg_schema, log)
    cars = [
        TelemetryPublisher(
            vin(i),
            creds(i),
            tmp_path / f"spool-{i}",
            port=broker.port,
            intervals_s={SPEED: 0.0},
            batch_samples=SAMPLES,
            batch_age_s=1e9,
        )
        for i in range(CARS)
    ]
    for c in cars:
        c.start()
    assert all(c.wait_connected(10) for c in cars)

    def drive(car: TelemetryPublisher) -> None:
        t0 = time.time() - 3600
        for b in range(BATCHES):
            for s in range(SAMPLES):
                car.record(t0 + b * SAMPLES + s, {SPEED: float(b)})
            time.sleep(0.15)

    threads = [threading.Thread(target=drive, args=(c,)) for c in cars]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        ingest.kill()  # SIGKILL: whatever it had received but not committed comes again
        ingest.wait(10)
        time.sleep(0.5)
        ingest = _start_ingest(broker.port, pg_schema, log)
        broker.stop()  # SIGTERM: the broker saves its sessions and queued messages
        time.sleep(1.0)  # cars keep recording: their batches wait on disk
        broker.start()
        for t in threads:
            t.join(30)
        assert all(c.wait_drained(30) for c in cars), "a car could not drain its buffer"
        store = TelemetryStore.postgres(POSTGRES_DSN, schema=pg_schema)
        expected = CARS * BATCHES * SAMPLES
        end = time.monotonic() + 30
        while store.count() < expected and time.monotonic() < end:
            time.sleep(0.2)
        assert store.count() == expected, log.read_text()[-2000:]
        per_car = dict(
            store.query("SELECT vin, COUNT(DISTINCT message_id) FROM samples GROUP BY vin")
        )
        assert per_car == {vin(i): BATCHES for i in range(CARS)}
        dup = store.query(
            "SELECT message_id, sample_no FROM samples GROUP BY message_id, sample_no "
            "HAVING COUNT(*) > 1"
        )
        assert dup == []
        assert sum(c.buffer.dropped for c in cars) == 0
        store.close()
    finally:
        for c in cars:
            c.stop()
        ingest.terminate()
        ingest.wait(10)
