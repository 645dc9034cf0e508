"""OTA server check-ins per second: in process vs over HTTP on loopback (issue 5 goal: ≥ 2,000/s).

Each check-in is the real protocol: fetch a nonce, build a manifest signed by 5 ECU keys and
the Primary key, upload it; the server verifies 6 ed25519 signatures, stores it (SQLite or
PostgreSQL) and answers with the Director's assignments. The car's signing (one manifest per
nonce, so it cannot be pre-computed) runs in the same process and is included. Bounded:
``--cars`` cars × ``--rounds`` check-ins each. Over HTTP the server is ``evtwin ota server``
in its own process (one uvicorn worker) and the cars are 8 client threads in this one.

    .venv/bin/python benchmarks/bench_ota_checkins.py --cars 20 --rounds 10
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def fleet(server: OtaServer, n: int, root: Path) -> tuple[list[Primary], dict[str, str]]:
    cars, tokens = [], {}
    for i in range(n):
        vin = f"SALDS27A1RA{i:06d}"

        def register(inv, vin=vin):  # type: ignore[no-untyped-def]
            creds = server.register(inv.to_dict(), TOKENS["provisioning_token"])
            tokens[vin] = creds.token
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
    return cars, tokens


def in_process(server: OtaServer, cars: list[Primary], rounds: int) -> float:
    t0 = time.perf_counter()
    for _ in range(rounds):
        for car in cars:
            server.check_in(car.vin, car.manifest(server.nonce(car.vin)))
    return len(cars) * rounds / (time.perf_counter() - t0)


def over_http(cars_n: int, rounds: int, root: Path, db_args: list[str]) -> float:
    """The server in its own process (``evtwin ota server``), cars in this one over loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EVTWIN_OTA_PROVISIONING_TOKEN": TOKENS["provisioning_token"],
           "EVTWIN_OTA_ADMIN_TOKEN": TOKENS["admin_token"]}  # fmt: skip
    evtwin = Path(sys.executable).parent / "evtwin"
    proc = subprocess.Popen(
        [evtwin, "ota", "server", "--port", str(port), *db_args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib3.request("GET", f"{base}/healthz", retries=False)
                break
            except urllib3.exceptions.HTTPError:
                time.sleep(0.05)
        clock = ManualClock()
        cars, clients = [], {}
        for i in range(cars_n):
            vin = f"SALDS27A1RB{i:06d}"
            client = OtaCloudClient(base)
            clients[vin] = client
            cars.append(
                build_vehicle(
                    vin=vin,
                    root_dir=root / "http" / vin,
                    register=lambda inv, c=client: c.register(inv, TOKENS["provisioning_token"]),
                    urls=client.urls(vin),
                    fetcher=client.fetcher(),
                    clock=clock,
                )
            )
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex:
            for _ in range(rounds):
                list(ex.map(lambda car: clients[car.vin].check_in(car), cars))
        return len(cars) * rounds / (time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cars", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres", metavar="DSN", help="also measure on PostgreSQL")
    args = parser.parse_args()
    engines = {"sqlite": lambda d: OtaDatabase.sqlite(d / "ota.sqlite")}
    http_args = {"sqlite": lambda d: ["--db", str(d / "http.sqlite")]}
    if args.postgres:
        engines["postgres"] = lambda d: OtaDatabase.postgres(args.postgres, schema="ota_bench")
        http_args["postgres"] = lambda d: [
            "--postgres", args.postgres, "--postgres-schema", "ota_bench_http"
        ]  # fmt: skip
    print(f"{'engine':<10}{'in process [/s]':>18}{'HTTP loopback [/s]':>20}{'goal [/s]':>12}")
    for name, open_db in engines.items():
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            server = OtaServer(OtaBackend.create(ManualClock()), open_db(d), **TOKENS)
            cars, _ = fleet(server, args.cars, d)
            a = in_process(server, cars, args.rounds)
            b = over_http(args.cars, args.rounds, d, http_args[name](d))
            print(f"{name:<10}{a:>18.0f}{b:>20.0f}{2000:>12}")
            server.db.close()
    if args.postgres:  # leave the shared database as found
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            for schema in ("ota_bench", "ota_bench_http"):
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
