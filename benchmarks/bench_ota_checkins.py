"""OTA server check-ins per second: in process vs over HTTP on loopback (issue 5 goal: ≥ 2,000/s).

Each check-in is the real protocol: a manifest signed by 5 ECU keys and the Primary key over
a one-time nonce; the server verifies all 6 ed25519 signatures, consumes the nonce, stores
the manifest (SQLite ``synchronous=FULL`` or PostgreSQL, acknowledged once committed) and
answers with the Director's assignments and the next nonce. Bounded: ``--cars`` cars ×
``--rounds`` check-ins each.

``--pending-update`` releases an image first that every car is offered at each check-in and
never installs (a rollout in progress: the Director's assignment logic runs each time).

- *in process*: ``OtaServer`` called directly; each round's manifests are signed first (not
  timed), then the round's check-ins are verified and queued together (as concurrent requests
  would be) and the round waits for their commits. The server's own cost, no HTTP.
- *HTTP loopback*: ``evtwin ota server`` in its own process (one uvicorn worker, optionally
  ``--verify-workers`` processes), pinned to ``--server-cpus``; the cars sign and send from
  ``--client-procs`` processes pinned to ``--client-cpus`` (each car checks in once per round,
  the first time asking for a nonce, then using the one handed back). ``server CPU`` is the
  server's processes' CPU time over the timed run divided by the check-ins: what one check-in
  costs the server whatever else shares the machine.

    .venv/bin/python benchmarks/bench_ota_checkins.py --cars 40 --rounds 10 \\
        --server-cpus 0 --client-cpus 1 --postgres "host=127.0.0.1 dbname=test user=postgres"
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import urllib3

from evtwin.cloud import OtaDatabase, OtaServer
from evtwin.ota import (
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    Primary,
    Registration,
    StoreFetcher,
    build_vehicle,
)

TOKENS = {"provisioning_token": "p" * 20, "admin_token": "a" * 20}
# ``evtwin ota server``, parsed by the ``ota`` command's own parser: the CLI's other commands
# (and the numeric stack they import) are not loaded, so the server starts in a second.
_SERVER = (
    "import argparse, sys; from evtwin.cli import ota_cmd; p = argparse.ArgumentParser(); "
    "ota_cmd.register(p.add_subparsers()); a = p.parse_args(); sys.exit(a.func(a))"
)
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")
_IMAGE = b"DEFENDER-SPORT BMS 9\n" * 1000  # --pending-update: offered, never installed


def _cpus(spec: str | None) -> set[int] | None:
    if not spec:
        return None
    out: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def fleet(server: OtaServer, n: int, root: Path) -> list[Primary]:
    cars = []
    for i in range(n):
        vin = f"SALDS27A1RA{i:06d}"

        def register(inv, vin=vin):  # type: ignore[no-untyped-def]
            creds = server.register(inv.to_dict(), TOKENS["provisioning_token"])
            return Registration(director_root=creds.director_root, image_root=creds.image_root)

        cars.append(
            build_vehicle(
                vin=vin,
                root_dir=root / vin,
                register=register,
                urls=server.backend.urls(vin),
                fetcher=StoreFetcher(server.backend.store),
                clock=server.backend.clock,
            )
        )
    return cars


def in_process(server: OtaServer, cars: list[Primary], rounds: int) -> float:
    """Check-ins per second of the server logic alone (manifests signed beforehand)."""
    elapsed = 0.0
    for _ in range(rounds):
        signed = [(car.vin, car.manifest(server.nonce(car.vin))) for car in cars]
        t0 = time.perf_counter()
        pending = [server.begin_check_in(vin, m) for vin, m in signed]
        for p in pending:
            p.durable.result()
        elapsed += time.perf_counter() - t0
    return len(cars) * rounds / elapsed


def _cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and all its descendants (uvicorn's supervisor, its worker
    processes, their verification workers) [s], from ``/proc``."""
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])  # fields[1]: parent pid
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) * _TICK_S  # utime + stime
    total = 0.0
    for p, seconds in cpu.items():
        q = p
        while q > 1 and q != pid:
            q = parent.get(q, 0)
        if q == pid:
            total += seconds
    return total


def _client(
    base: str, index: int, n: int, rounds: int, root: str, cpus: set[int] | None, q: Any, go: Any
) -> None:
    """One client process: registers its cars, waits for ``go``, checks them in."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    clock = ManualClock()
    cars, clients = [], {}
    for i in range(n):
        vin = f"SALDS27A1RB{index:02d}{i:04d}"
        client = OtaCloudClient(base)
        clients[vin] = client
        cars.append(
            build_vehicle(
                vin=vin,
                root_dir=Path(root) / vin,
                register=lambda inv, c=client: c.register(inv, TOKENS["provisioning_token"]),
                urls=client.urls(vin),
                fetcher=client.fetcher(),
                clock=clock,
            )
        )
    q.put(("ready", index))
    go.wait()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(min(n, 8)) as ex:
        for _ in range(rounds):
            list(ex.map(lambda car: clients[car.vin].check_in(car), cars))
    t1 = time.perf_counter()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    q.put(("done", (t0, t1, cpu)))


def over_http(args: argparse.Namespace, root: Path, db_args: list[str]) -> dict[str, float]:
    """The server in its own process (``evtwin ota server``), cars in client processes."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EVTWIN_OTA_PROVISIONING_TOKEN": TOKENS["provisioning_token"],
           "EVTWIN_OTA_ADMIN_TOKEN": TOKENS["admin_token"]}  # fmt: skip
    server_cpus = _cpus(args.server_cpus)
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, "ota", "server", "--port", str(port), "--no-access-log",
         "--verify-workers", str(args.verify_workers), *db_args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, server_cpus)) if server_cpus else None,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    ctx = mp.get_context("spawn")
    q, go = ctx.Queue(), ctx.Event()
    procs = []
    try:
        for _ in range(600):
            try:
                urllib3.request("GET", f"{base}/healthz", retries=False)
                break
            except urllib3.exceptions.HTTPError:
                time.sleep(0.05)
        if args.pending_update:
            resp = urllib3.request(
                "PUT",
                f"{base}/api/v1/images/bms-9.img?hardware_id=ds-bms-r2&release_counter=9",
                body=_IMAGE,
                headers={"X-Admin-Token": TOKENS["admin_token"]},
            )
            assert resp.status == 201, resp.data
        per = -(-args.cars // args.client_procs)
        sizes = [min(per, args.cars - i * per) for i in range(args.client_procs)]
        client_cpus = _cpus(args.client_cpus)
        for i, n in enumerate(s for s in sizes if s > 0):
            work = (base, i, n, args.rounds, str(root / "http"), client_cpus, q, go)
            procs.append(ctx.Process(target=_client, args=work))
            procs[-1].start()
        for _ in procs:
            assert q.get(timeout=300)[0] == "ready"
        cpu0 = _cpu_seconds(proc.pid)
        go.set()
        results = [q.get(timeout=600)[1] for _ in procs]
        cpu1 = _cpu_seconds(proc.pid)
        start, end = min(r[0] for r in results), max(r[1] for r in results)
        n_checkins = args.cars * args.rounds
        return {
            "rate": n_checkins / (end - start),
            "server_ms": (cpu1 - cpu0) / n_checkins * 1e3,
            "client_ms": sum(r[2] for r in results) / n_checkins * 1e3,
        }
    finally:
        for p in procs:
            p.join(timeout=60)
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cars", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres", metavar="DSN", help="also measure on PostgreSQL")
    parser.add_argument("--server-cpus", help="CPUs for the HTTP server, e.g. 0 or 0-1")
    parser.add_argument("--client-cpus", help="CPUs for the car processes, e.g. 1 or 2-15")
    parser.add_argument("--client-procs", type=int, default=2, help="car processes")
    parser.add_argument(
        "--verify-workers", type=int, default=0, help="server's signature-verifying processes"
    )
    parser.add_argument("--no-in-process", action="store_true", help="HTTP column only")
    parser.add_argument(
        "--workers",
        default="",
        help="with --postgres: also serve with each of these worker-process counts (e.g. "
        "1,2), side by side (shared state, keys in a state directory)",
    )
    parser.add_argument(
        "--pending-update",
        action="store_true",
        help="release a BMS image first: every check-in is offered it (a rollout in progress)",
    )
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",") if w]
    if workers and not args.postgres:
        parser.error("--workers needs --postgres")
    _drop_schemas(args.postgres, workers)
    engines = {"sqlite": lambda d: OtaDatabase.sqlite(d / "ota.sqlite")}
    http_args = {"sqlite": lambda d: ["--db", str(d / "http.sqlite")]}
    if args.postgres:
        engines["postgres"] = lambda d: OtaDatabase.postgres(args.postgres, schema="ota_bench")
        http_args["postgres"] = lambda d: [
            "--postgres", args.postgres, "--postgres-schema", "ota_bench_http"
        ]  # fmt: skip
    print(
        f"# {args.cars} cars × {args.rounds} rounds; server CPUs {args.server_cpus or 'any'}, "
        f"{args.verify_workers} verify worker(s); {args.client_procs} car process(es) on CPUs "
        f"{args.client_cpus or 'any'}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'engine':<14}{'in process [/s]':>17}{'HTTP loopback [/s]':>20}"
        f"{'server CPU [ms]':>17}{'car CPU [ms]':>14}{'goal [/s]':>11}"
    )
    for name, open_db in engines.items():
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            a = float("nan")
            if not args.no_in_process:
                db = open_db(d)  # PostgreSQL: listening for other processes, as the CLI's server
                server = OtaServer(
                    OtaBackend.create(ManualClock()), db, listen=db.engine == "postgres", **TOKENS
                )
                cars = fleet(server, args.cars, d)
                if args.pending_update:
                    server.release("bms-9.img", _IMAGE, ["ds-bms-r2"], 9)
                a = in_process(server, cars, args.rounds)
                server.close()
            b = over_http(args, d, http_args[name](d))
            print(
                f"{name:<14}{a:>17.0f}{b['rate']:>20.0f}{b['server_ms']:>17.2f}"
                f"{b['client_ms']:>14.2f}{2000:>11}"
            )
    rows = {}
    for w in workers:  # the same PostgreSQL, served by w worker processes (--workers w)
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            pg = ["--postgres", args.postgres, "--postgres-schema", f"ota_bench_w{w}"]
            rows[w] = b = over_http(
                args, d, [*pg, "--workers", str(w), "--state", str(d / "state")]
            )
            label = f"pg {w} worker{'s' if w > 1 else ''}"
            print(
                f"{label:<14}{'-':>17}{b['rate']:>20.0f}{b['server_ms']:>17.2f}"
                f"{b['client_ms']:>14.2f}{2000:>11}"
            )
    if len(rows) > 1:
        base = min(rows)
        for w in sorted(rows)[1:]:
            print(
                f"# {w} vs {base} worker(s): {rows[w]['rate'] / rows[base]['rate']:.2f}x "
                f"check-ins/s, {rows[w]['server_ms'] / rows[base]['server_ms']:.2f}x server "
                "CPU per check-in"
            )
    _drop_schemas(args.postgres, workers)


def _drop_schemas(dsn: str | None, workers: list[int] | None = None) -> None:
    """Leave the shared database as found (and start from empty schemas)."""
    if dsn:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            for schema in (
                "ota_bench",
                "ota_bench_http",
                *(f"ota_bench_w{w}" for w in workers or []),
            ):
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
