"""Image downloads from the OTA server: throughput and the server's peak memory (issue 12).

A server process (uvicorn, artefacts on disk under a temporary ``--state``) serves one
released image; the benchmark reads the server's peak resident memory (``VmHWM``) after
start-up, then after N concurrent full downloads and M one-byte ``Range`` requests, and the
download throughput. Never run by the tests.

    .venv/bin/python benchmarks/bench_ota_image_serving.py --size-mb 128 --downloads 4
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import urllib3

ADMIN, PROVISIONING = "bench-admin-0123456789", "bench-prov-0123456789"

SERVE = """
import sys, uvicorn
from pathlib import Path
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import OtaBackend, SystemClock
state, port = Path(sys.argv[1]), int(sys.argv[2])
server = OtaServer(OtaBackend.open(state, SystemClock()), OtaDatabase.sqlite(state / "db"),
                   provisioning_token=sys.argv[3], admin_token=sys.argv[4])
uvicorn.run(create_app(server), host="127.0.0.1", port=port, log_level="warning",
            access_log=False)
"""

RELEASE = """
import sys
from pathlib import Path
from evtwin.cloud import OtaDatabase, OtaServer
from evtwin.ota import DEFENDER_SPORT_ECUS, OtaBackend, SystemClock, generate_signer
state, size = Path(sys.argv[1]), int(sys.argv[2])
server = OtaServer(OtaBackend.open(state, SystemClock()), OtaDatabase.sqlite(state / "db"),
                   provisioning_token=sys.argv[3], admin_token=sys.argv[4])
block = bytes(range(256)) * 4096
image = (block * (size // len(block) + 1))[:size]
t = server.release("big.img", image, ["ds-bms-r2"], 1)
keys = {e.serial: generate_signer().public_key for e in DEFENDER_SPORT_ECUS}
inv = {"vin": "SALDS27A1RA000001", "primary_serial": DEFENDER_SPORT_ECUS[0].serial,
       "ecus": [{"serial": e.serial, "hardware_id": e.hardware_id,
                 "public_key": {"keyid": keys[e.serial].keyid, **keys[e.serial].to_dict()}}
                for e in DEFENDER_SPORT_ECUS]}
token = server.register(inv, sys.argv[3]).token  # images are for registered cars
print(t["hashes"]["sha256"], token)
server.close()
"""


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=128.0)
    parser.add_argument("--downloads", type=int, default=4, help="concurrent full downloads")
    parser.add_argument("--ranges", type=int, default=50, help="`bytes=0-0` requests")
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="evtwin-bench-serve-") as tmp:
        state = Path(tmp)
        sha, token = subprocess.run(
            [sys.executable, "-c", RELEASE, str(state), str(size), PROVISIONING, ADMIN],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        auth = {"Authorization": f"Bearer {token}"}
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(state), str(port), PROVISIONING, ADMIN]
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib3.request("GET", f"{base}/healthz", retries=False)
                    break
                except urllib3.exceptions.HTTPError:
                    time.sleep(0.1)
            url = f"{base}/image/targets/{sha}.big.img"
            idle = peak_rss_mib(proc.pid)
            pool = urllib3.PoolManager(maxsize=args.downloads + 1, retries=False)
            for _ in range(args.ranges):
                r = pool.request("GET", url, headers={"Range": "bytes=0-0", **auth})
                assert r.status == 206 and len(r.data) == 1
            after_ranges = peak_rss_mib(proc.pid)
            received = [0] * args.downloads

            def download(i: int) -> None:
                r = pool.request("GET", url, headers=auth, preload_content=False)
                for chunk in r.stream(1024 * 1024):
                    received[i] += len(chunk)
                r.release_conn()

            threads = [threading.Thread(target=download, args=(i,)) for i in range(args.downloads)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            after = peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert received == [size] * args.downloads, received
    total_mib = size * args.downloads / 2**20
    print(
        f"image {size / 2**20:.0f} MiB; cpus {os.cpu_count()}; load {os.getloadavg()[0]:.1f}\n"
        f"server peak RSS: idle {idle:.0f} MiB, after {args.ranges} one-byte ranges "
        f"{after_ranges:.0f} MiB, after {args.downloads} concurrent full downloads "
        f"{after:.0f} MiB\n"
        f"throughput: {total_mib:.0f} MiB in {elapsed:.2f} s = {total_mib / elapsed:.0f} MiB/s "
        "(loopback, client in the same machine)"
    )


if __name__ == "__main__":
    main()
