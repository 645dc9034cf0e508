"""Fleet benchmarks (issue 15), loopback only, bounded in count and time.

1. ``evtwin fleet simulate``: wall time and vehicle-steps/s of ``--sim-cars`` cars over
   ``--days`` days (one batched engine run per day; on a machine with a CUDA GPU also with
   ``--gpu``).
2. Telemetry load: ``--cars`` simulated cars, each with its own MQTT 5 connection and
   credentials (derived from an OTA-style token, checked by a Mosquitto this script
   configures and starts on a free port), multiplexed on one thread with ``selectors``
   (epoll); each car publishes ``--messages`` QoS 1 batches of ``--samples`` samples. The
   ingest service (in this process) writes them to PostgreSQL (a throw-away schema) or
   SQLite. Reports messages/s and rows/s end to end, p50/p99 latency from publish to
   committed row, and lost messages (sent but not stored after a ``--drain-s`` wait).
   ``--rate R`` paces publishing at R messages/s (latency under a steady load); without it
   each round is one burst of every car's message (latency = queueing behind the burst).
3. OTA check-ins beside the telemetry (``--ota-cars N``, 0 = off; up to 10,000, every
   telemetry car): ``evtwin ota server`` in its own process on a free loopback port (SQLite,
   or with ``--ota-db postgres`` the ``--postgres`` database in a throw-away schema and
   ``--ota-workers W`` server processes), ``N`` cars registered with it from 8 threads
   (timed apart), then, while the telemetry cars publish, each car checks in
   ``--ota-rounds`` times (the real protocol: nonce, manifest signed by its ECU keys and
   Primary key) from 8 client threads in this process: check-ins/s, p50/p99 latency per
   check-in, failures.

    .venv/bin/python benchmarks/bench_fleet.py --cars 10000 --messages 3 \\
        --postgres "host=127.0.0.1 dbname=test user=postgres"

Stops by itself: every loop has a count and a deadline (``--deadline-s``).
"""

from __future__ import annotations

import argparse
import json
import platform
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from evtwin.fleet import (
    FleetConfig,
    IngestService,
    TelemetryStore,
    simulate_fleet,
    write_mosquitto_config,
)
from evtwin.ota import ManualClock, OtaCloudClient, Primary, build_vehicle
from evtwin.telemetry import Batch, MqttCredentials, Sample, encode_batch, topic_for

INGEST_USER, INGEST_PASSWORD = "evtwin-ingest", uuid.uuid4().hex


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_simulate(cars: int, days: int, gpu: bool) -> dict[str, Any]:
    simulate_fleet(FleetConfig(cars=10, days=1), gpu=gpu)  # warm-up: numba's cache, data files
    t0 = time.perf_counter()
    r = simulate_fleet(FleetConfig(cars=cars, days=days), gpu=gpu).to_json()
    wall = time.perf_counter() - t0
    return {
        "cars": cars,
        "days": days,
        "engine": r["engine"],
        "wall_s": round(wall, 2),
        "vehicle_steps": r["vehicle_steps"],
        "vehicle_steps_per_s": round(r["vehicle_steps"] / wall),
        "distance_km": r["distance_km"],
        "consumption_wh_per_km": r["consumption_wh_per_km"],
    }


class Car:
    def __init__(self, i: int, port: int) -> None:
        self.vin = f"SALDS2027B{i:07d}"
        self.token = f"ota-bearer-token-bench-{i:08d}"
        self.creds = MqttCredentials.for_vehicle(self.vin, self.token)
        c = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.vin,
            protocol=mqtt.MQTTv5,
        )
        c.username_pw_set(self.creds.username, self.creds.password)
        c.max_inflight_messages_set(20)
        c.on_connect = self._on_connect
        c.on_publish = self._on_publish
        self.client = c
        self.port = port
        self.connected = False
        self.acked = 0

    def _on_connect(self, c: Any, u: Any, f: Any, rc: Any, p: Any) -> None:
        self.connected = not rc.is_failure

    def _on_publish(self, c: Any, u: Any, mid: int, rc: Any, p: Any) -> None:
        self.acked += 1


OTA_TOKENS = {"provisioning": "p" * 20, "admin": "a" * 20}
# ``evtwin ota server`` parsed by the ``ota`` command's own parser (starts in a second)
_OTA_SERVER = (
    "import argparse, sys; from evtwin.cli import ota_cmd; p = argparse.ArgumentParser(); "
    "ota_cmd.register(p.add_subparsers()); a = p.parse_args(); sys.exit(a.func(a))"
)


OTA_CMD = [sys.executable, "-c", _OTA_SERVER, "ota", "server"]


class OtaLoad:
    """An OTA server subprocess and ``cars`` registered cars that check in on demand."""

    def __init__(
        self, cars: int, rounds: int, root: Path, *, postgres: str | None = None, workers: int = 1
    ) -> None:
        import os

        import urllib3

        self.rounds = rounds
        self.workers = workers
        self.postgres = postgres
        self.schema = f"bench_ota_{uuid.uuid4().hex[:10]}"
        root.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = {
            **os.environ,
            "EVTWIN_OTA_PROVISIONING_TOKEN": OTA_TOKENS["provisioning"],
            "EVTWIN_OTA_ADMIN_TOKEN": OTA_TOKENS["admin"],
        }
        if postgres:
            db = ["--postgres", postgres, "--postgres-schema", self.schema]
        else:
            db = ["--db", str(root / "ota.sqlite")]
        self.proc = subprocess.Popen(
            [*OTA_CMD, "--port", str(port), "--no-access-log", *db,
             "--state", str(root / "ota-state"), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the server and its worker processes: one group
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib3.request("GET", f"{base}/healthz", retries=False)
                break
            except urllib3.exceptions.HTTPError:
                if self.proc.poll() is not None:
                    raise SystemExit("evtwin ota server exited") from None
                time.sleep(0.05)
        clock = ManualClock()

        def register(i: int) -> tuple[OtaCloudClient, Primary]:
            vin = f"SALDS27A1RF{i:06d}"
            client = OtaCloudClient(base)
            car = build_vehicle(
                vin=vin,
                root_dir=root / vin,
                register=lambda inv, c=client: c.register(inv, OTA_TOKENS["provisioning"]),
                urls=client.urls(vin),
                fetcher=client.fetcher(),
                clock=clock,
            )
            client.close()  # 10,000 idle keep-alive sockets would exhaust the file limit
            return client, car

        from concurrent.futures import ThreadPoolExecutor

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex:
            self.cars: list[tuple[OtaCloudClient, Primary]] = list(ex.map(register, range(cars)))
        self.register_s = time.perf_counter() - t0
        self.latency_s: list[float] = []
        self.failures: list[str] = []
        self.wall_s = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _one(self, pair: tuple[OtaCloudClient, Primary]) -> None:
        t = time.perf_counter()
        try:
            pair[0].check_in(pair[1])
        except Exception as e:  # counted and reported, not hidden
            self.failures.append(f"{type(e).__name__}: {e}"[:200])
            return
        finally:  # one connection per check-in (as a car waking up): at most 8 open at once
            pair[0].close()
        self.latency_s.append(time.perf_counter() - t)

    def _run(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex:
            for _ in range(self.rounds):
                list(ex.map(self._one, self.cars))
        self.wall_s = time.perf_counter() - t0

    def result(self) -> dict[str, Any]:
        lat = np.array(self.latency_s) * 1000.0
        done = len(self.latency_s)
        return {
            "server": f"{'postgres' if self.postgres else 'sqlite'}, {self.workers} worker(s)",
            "cars": len(self.cars),
            "rounds": self.rounds,
            "register_s": round(self.register_s, 2),
            "check_ins": done,
            "failures": len(self.failures),
            "first_failures": self.failures[:3],
            "wall_s": round(self.wall_s, 2),
            "check_ins_per_s": round(done / self.wall_s, 1) if self.wall_s else None,
            "latency_ms_p50": round(float(np.percentile(lat, 50)), 1) if done else None,
            "latency_ms_p99": round(float(np.percentile(lat, 99)), 1) if done else None,
        }

    def close(self) -> None:
        import os
        import signal

        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self.postgres:
            import psycopg

            with psycopg.connect(self.postgres, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


def bench_telemetry(args: argparse.Namespace) -> dict[str, Any]:
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    port = free_port()
    cars = [Car(i, port) for i in range(args.cars)]
    accounts = {c.vin: c.creds.password for c in cars}
    accounts[INGEST_USER] = INGEST_PASSWORD
    conf = write_mosquitto_config(
        tmp / "broker", port=port, accounts=accounts, ingest_user=INGEST_USER, persistence=False
    )
    broker = subprocess.Popen([mosquitto, "-c", str(conf)])
    schema = f"bench_fleet_{uuid.uuid4().hex[:10]}"
    if args.postgres:
        store = TelemetryStore.postgres(args.postgres, schema=schema)
    else:
        store = TelemetryStore.sqlite(tmp / "telemetry.sqlite")
    sent_at: dict[str, float] = {}
    latency: list[float] = []
    stored_ids: set[str] = set()
    lock = threading.Lock()

    def on_stored(batches: list[Batch]) -> None:
        now = time.perf_counter()
        with lock:
            for b in batches:
                if b.message_id not in stored_ids:
                    stored_ids.add(b.message_id)
                    latency.append(now - sent_at[b.message_id])

    ota: OtaLoad | None = None
    deadline = time.monotonic() + args.deadline_s
    try:
        time.sleep(0.5)
        ingest = IngestService(
            store,
            host="127.0.0.1",
            port=port,
            username=INGEST_USER,
            password=INGEST_PASSWORD,
            client_id=f"ingest-{schema}",
            on_stored=on_stored,
        )
        ingest.start()
        if not ingest.wait_connected(30):
            raise SystemExit("ingest did not connect")
        if args.ota_cars:
            ota = OtaLoad(
                args.ota_cars,
                args.ota_rounds,
                tmp / "ota",
                postgres=args.postgres if args.ota_db == "postgres" else None,
                workers=args.ota_workers,
            )
        sel = selectors.DefaultSelector()
        t_conn = time.perf_counter()
        for c in cars:
            c.client.connect("127.0.0.1", port, keepalive=120)
            c.client.socket().setblocking(False)
            sel.register(c.client.socket(), selectors.EVENT_READ, c)

        def pump(until: Any) -> None:
            while not until() and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=0.05):
                    key.data.client.loop_read()
                for c in cars:
                    if c.client.want_write():
                        c.client.loop_write()
                for c in cars[:: max(1, len(cars) // 200)]:
                    c.client.loop_misc()

        pump(lambda: all(c.connected for c in cars))
        connect_s = time.perf_counter() - t_conn
        t0 = time.perf_counter()
        if ota is not None:
            ota.thread.start()  # the cars check in with the OTA server while they publish
        now = time.time()
        sent = 0
        chunk = 100
        for m in range(args.messages):
            for k, c in enumerate(cars):
                samples = tuple(
                    Sample(now - 60 + m * args.samples + s, {"Vehicle.Speed": 50.0 + s})
                    for s in range(args.samples)
                )
                mid = uuid.uuid4().hex
                payload = encode_batch(Batch(mid, c.vin, samples))
                sent_at[mid] = time.perf_counter()
                c.client.publish(topic_for(c.vin), payload, qos=1)
                sent += 1
                if args.rate and (k + 1) % chunk == 0:
                    due = t0 + sent / args.rate  # paced: I/O until the next chunk is due
                    pump(lambda due=due: time.perf_counter() >= due)
            pump(lambda: True)  # one pass of I/O between rounds
        pump(lambda: sum(c.acked for c in cars) >= sent)
        publish_s = time.perf_counter() - t0
        drain_end = time.monotonic() + args.drain_s
        while len(stored_ids) < sent and time.monotonic() < min(drain_end, deadline):
            time.sleep(0.05)
        total_s = time.perf_counter() - t0
        if ota is not None:
            ota.thread.join(max(1.0, deadline - time.monotonic()))
        ingest.stop()
        lat = np.array(latency) * 1000.0
        rows = store.count()
        return {
            "cars": len(cars),
            "connections": sum(c.connected for c in cars),
            "connect_s": round(connect_s, 2),
            "messages_sent": sent,
            "broker_acks": sum(c.acked for c in cars),
            "messages_stored": len(stored_ids),
            "lost": sent - len(stored_ids),
            "rows": rows,
            "store": store.kind,
            "publish_s": round(publish_s, 2),
            "end_to_end_s": round(total_s, 2),
            "messages_per_s": round(len(stored_ids) / total_s),
            "rows_per_s": round(rows / total_s),
            "paced_messages_per_s": args.rate or None,
            "latency_ms_p50": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
            "latency_ms_p99": round(float(np.percentile(lat, 99)), 1) if len(lat) else None,
            "ota_check_ins": ota.result() if ota is not None else None,
        }
    finally:
        if ota is not None:
            try:
                ota.close()
            except Exception as e:  # the telemetry's clean-up below still runs
                print(f"OTA server clean-up failed: {e}", file=sys.stderr)
        for c in cars:
            sock = c.client.socket()
            if sock is not None:
                sock.close()
        broker.terminate()
        broker.wait(10)
        if args.postgres:
            import psycopg

            store.close()
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sim-cars", type=int, default=10_000)
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--gpu", action="store_true", help="also run the simulation on CUDA")
    p.add_argument("--cars", type=int, default=1000, help="telemetry: cars (connections)")
    p.add_argument("--messages", type=int, default=3, help="telemetry: batches per car")
    p.add_argument("--samples", type=int, default=10, help="telemetry: samples per batch")
    p.add_argument(
        "--rate", type=float, default=0.0, help="messages/s to publish at (default: bursts)"
    )
    p.add_argument("--postgres", metavar="DSN", help="store in PostgreSQL (else SQLite)")
    p.add_argument("--drain-s", type=float, default=60.0)
    p.add_argument("--deadline-s", type=float, default=300.0)
    p.add_argument("--ota-cars", type=int, default=0, help="cars that also check in (0: off)")
    p.add_argument("--ota-rounds", type=int, default=3, help="check-ins per OTA car")
    p.add_argument(
        "--ota-db",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="the OTA server's database (postgres: the --postgres DSN, a throw-away schema)",
    )
    p.add_argument("--ota-workers", type=int, default=1, help="OTA server processes")
    p.add_argument("--skip-sim", action="store_true")
    p.add_argument("--skip-telemetry", action="store_true")
    args = p.parse_args()
    if not 1 <= args.cars <= 15_000 or not 1 <= args.messages <= 100:
        raise SystemExit("--cars must be within 1..15000 and --messages within 1..100")
    if not 0 <= args.ota_cars <= 10_000 or not 1 <= args.ota_rounds <= 100:
        raise SystemExit("--ota-cars must be within 0..10000 and --ota-rounds within 1..100")
    if not 1 <= args.ota_workers <= 8:
        raise SystemExit("--ota-workers must be within 1..8")
    if args.ota_db == "postgres" and not args.postgres:
        raise SystemExit("--ota-db postgres needs --postgres DSN")
    if args.ota_workers > 1 and args.ota_db != "postgres":
        raise SystemExit("--ota-workers above 1 needs --ota-db postgres (SQLite: one process)")
    out: dict[str, Any] = {
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} CPUs, "
        f"python {platform.python_version()}",
    }
    if not args.skip_sim:
        out["simulate"] = bench_simulate(args.sim_cars, args.days, False)
        if args.gpu:
            out["simulate_gpu"] = bench_simulate(args.sim_cars, args.days, True)
    if not args.skip_telemetry:
        out["telemetry"] = bench_telemetry(args)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
