"""Faults mid-run, on instances this test starts itself (never the machine's shared ones):
the ingest service is killed (SIGKILL) and restarted, then the broker is stopped and
restarted, while 12 cars keep publishing. Nothing is lost, nothing is duplicated.
Bounded: 12 cars x 40 batches, and every wait has a deadline."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from evtwin.fleet import TelemetryStore
from evtwin.telemetry import TelemetryPublisher

from .conftest import INGEST_PASSWORD, INGEST_USER, POSTGRES_DSN, Broker, creds, free_port, vin

CARS, BATCHES, SAMPLES = 12, 40, 3
SPEED = "Vehicle.Speed"


def _start_ingest(
    port: int, schema: str, log: Path, dsn: str = POSTGRES_DSN
) -> subprocess.Popen[bytes]:
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
            dsn,
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


class OwnPostgres:
    """A PostgreSQL cluster this test creates (initdb) and runs on a free port as the
    ``postgres`` user: never the machine's shared server."""

    def __init__(self) -> None:
        import glob
        import pwd
        import shutil
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins or shutil.which("runuser") is None:
            _missing_tools("PostgreSQL server binaries (initdb, pg_ctl) and runuser")
        self.bin = Path(bins[-1]).parent
        pw = pwd.getpwnam("postgres")
        self.dir = Path(tempfile.mkdtemp(prefix="evtwin-pg-"))
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = free_port()
        self.dsn = (
            f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres connect_timeout=3"
        )
        self._as_pg(
            str(self.bin / "initdb"),
            "-D",
            str(self.dir / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )
        self.start()

    def _as_pg(self, *cmd: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *cmd],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._as_pg(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def kill(self) -> None:
        """SIGKILL the postmaster (a crash: the next start runs WAL recovery)."""
        pid = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 9)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                os.kill(pid, 0)
                time.sleep(0.05)
            except ProcessLookupError:
                break
        time.sleep(0.5)  # its backends notice the postmaster is gone and exit

    def stop(self) -> None:
        import shutil

        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def _missing_tools(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} required in CI")
    pytest.skip(f"{what} not available on this developer machine")


@pytest.mark.slow
def test_postgres_crash_mid_run_loses_and_duplicates_nothing(
    make_broker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    with contextlib.ExitStack() as stack:
        pg = OwnPostgres()
        stack.callback(pg.stop)
        broker: Broker = make_broker(4)
        log = tmp_path / "ingest.log"
        ingest = _start_ingest(broker.port, "fleet_pgcrash", log, dsn=pg.dsn)
        stack.callback(lambda: (ingest.terminate(), ingest.wait(10)))
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
            for i in range(4)
        ]
        for c in cars:
            c.start()
            stack.callback(c.stop)
        assert all(c.wait_connected(10) for c in cars)

        def drive(car: TelemetryPublisher) -> None:
            t0 = time.time() - 3600
            for b in range(30):
                for s in range(SAMPLES):
                    car.record(t0 + b * SAMPLES + s, {SPEED: float(b)})
                time.sleep(0.1)

        threads = [threading.Thread(target=drive, args=(c,)) for c in cars]
        for t in threads:
            t.start()
        time.sleep(1.0)
        pg.kill()
        time.sleep(1.0)  # writes fail meanwhile: the ingest retries, acknowledging nothing
        pg.start()
        for t in threads:
            t.join(30)
        assert all(c.wait_drained(30) for c in cars)
        store = TelemetryStore.postgres(pg.dsn, schema="fleet_pgcrash")
        expected = 4 * 30 * SAMPLES
        end = time.monotonic() + 40
        while store.count() < expected and time.monotonic() < end:
            time.sleep(0.2)
        assert store.count() == expected, log.read_text()[-2000:]
        assert "telemetry write failed" in log.read_text()  # the crash was felt ...
        assert (
            store.query(
                "SELECT message_id, sample_no FROM samples GROUP BY message_id, sample_no "
                "HAVING COUNT(*) > 1"
            )
            == []
        )  # ... and nothing was stored twice
        store.close()
