"""OTA server check-ins per second: in process vs over HTTP on loopback (issue 5 goal: ≥ 2,000/s).

Each check-in is the real protocol: fetch a nonce, build a manifest signed by 5 ECU keys and
the Primary key, upload it; the server verifies 6 ed25519 signatures, stores it (SQLite or
PostgreSQL) and answers with the Director's assignments. The car's signing (one manifest per
nonce, so it cannot be pre-computed) runs in the same process and is included. Bounded:
``--cars`` cars × ``--rounds`` check-ins each; HTTP uses one uvicorn worker and 8 client
threads.

    .venv/bin/python benchmarks/bench_ota_checkins.py --cars 20 --rounds 10
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import urllib3
import uvicorn

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import ManualClock, OtaBackend, Primary, Registration, StoreFetcher, build_vehicle

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


def over_http(server: OtaServer, cars: list[Primary], tokens: dict[str, str], rounds: int) -> float:
    uv = uvicorn.Server(uvicorn.Config(create_app(server), port=0, log_level="warning"))
    threading.Thread(target=uv.run, daemon=True).start()
    while not uv.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    pool = urllib3.PoolManager(maxsize=8)

    def one(car: Primary) -> None:
        auth = {"Authorization": f"Bearer {tokens[car.vin]}"}
        r = pool.request("GET", f"{base}/api/v1/vehicles/{car.vin}/nonce", headers=auth)
        nonce = json.loads(r.data)["nonce"]
        body = json.dumps(car.manifest(nonce)).encode()
        r = pool.request(
            "POST",
            f"{base}/api/v1/vehicles/{car.vin}/manifest",
            body=body,
            headers={**auth, "Content-Type": "application/json"},
        )
        assert r.status == 200, r.data

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as ex:
        for _ in range(rounds):
            list(ex.map(one, cars))
    rate = len(cars) * rounds / (time.perf_counter() - t0)
    uv.should_exit = True
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cars", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres", metavar="DSN", help="also measure on PostgreSQL")
    args = parser.parse_args()
    engines = {"sqlite": lambda d: OtaDatabase.sqlite(d / "ota.sqlite")}
    if args.postgres:
        engines["postgres"] = lambda d: OtaDatabase.postgres(args.postgres, schema="ota_bench")
    print(f"{'engine':<10}{'in process [/s]':>18}{'HTTP loopback [/s]':>20}{'goal [/s]':>12}")
    for name, open_db in engines.items():
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            server = OtaServer(OtaBackend.create(ManualClock()), open_db(d), **TOKENS)
            cars, tokens = fleet(server, args.cars, d)
            a = in_process(server, cars, args.rounds)
            b = over_http(server, cars, tokens, args.rounds)
            print(f"{name:<10}{a:>18.0f}{b:>20.0f}{2000:>12}")
            server.db.close()


if __name__ == "__main__":
    main()
