"""What secure time costs the running car and the server (issue 12): one time request with
every ECU's nonce per check-in, beside the check-in itself and a bare nonce request.

The server runs in this process on a loopback port (uvicorn, SQLite); requests are sequential.
"over HTTP" rows time the request alone (no car-side checks); the "car" rows include the car's
side: signing the manifest (check-in), or verifying the attestation in each ECU's clock and
storing it durably (one fsync'ed file per ECU). Never run by the tests.

    .venv/bin/python benchmarks/bench_ota_time.py --requests 300 --ecus 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import urllib3
import uvicorn

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import AttestedClock, ManualClock, OtaBackend, OtaCloudClient, build_vehicle

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"
VIN = "SALDS27A1RA000001"


def _rate(fn: Callable[[], object], n: int) -> float:
    fn()  # warm
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="requests per row")
    parser.add_argument("--ecus", type=int, default=5, help="ECU clocks (nonces) per request")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ota-time-"))
    clock = ManualClock()
    server = OtaServer(
        OtaBackend.create(clock),
        OtaDatabase.sqlite(work / "ota.sqlite"),
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
    )
    config = uvicorn.Config(
        create_app(server), host="127.0.0.1", port=0, log_level="warning", access_log=False
    )
    uv = uvicorn.Server(config)
    threading.Thread(target=uv.run, daemon=True).start()
    while not uv.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    cloud = OtaCloudClient(base)
    car = build_vehicle(
        vin=VIN, root_dir=work / "car", register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN), fetcher=cloud.fetcher(), clock=clock,
    )  # fmt: skip
    clocks = [AttestedClock(work / f"ecu-{i}.json", clock) for i in range(args.ecus)]
    for c in clocks:
        c.pin_key(server.time_key)
    http = urllib3.PoolManager()
    headers = {"Authorization": f"Bearer {cloud.token}", "Content-Type": "application/json"}
    body = json.dumps({"nonces": ["ab" * 16] * args.ecus}).encode()
    rows = [
        ("nonce request over HTTP", lambda: http.request(
            "GET", f"{base}/api/v1/vehicles/{VIN}/nonce", headers=headers)),
        (f"time request over HTTP ({args.ecus} nonces)", lambda: http.request(
            "POST", f"{base}/api/v1/vehicles/{VIN}/time", body=body, headers=headers)),
        ("check-in, car + server", lambda: cloud.check_in(car)),
        (f"time request, car + server ({args.ecus} ECUs)",
         lambda: cloud.attest_time_for(VIN, clocks)),
    ]  # fmt: skip
    results = [(label, _rate(fn, args.requests)) for label, fn in rows]
    uv.should_exit = True
    nonce_s = results[0][1]
    print(f"# {args.requests} sequential requests per row, loopback, one process")
    print(f"{'':<44}{'ms each':>9}{'per s':>8}{'x nonce':>9}")
    for label, each_s in results:
        print(f"{label:<44}{each_s * 1e3:>9.2f}{1 / each_s:>8.0f}{each_s / nonce_s:>9.2f}")


if __name__ == "__main__":
    main()
