"""Image downloads from the OTA server: throughput and the server's peak memory (issue 12).

A server process (uvicorn, artefacts on disk under a temporary ``--state``) serves one
released image; the benchmark reads the server's peak resident memory (``VmHWM``) after
start-up, then after N concurrent full downloads and M one-byte ``Range`` requests, and the
download throughput. Never run by the tests.

    .venv/bin/python benchmarks/bench_ota_image_serving.py --size-mb 128 --downloads 4

``--postgres DSN --workers 1,2``: also serve with ``evtwin ota server --workers N`` over
PostgreSQL (one row per N; the same state directory, downloads spread over the workers by the
shared socket); memory is then the peak of the largest worker and the sum over the server's
processes.
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

_CLI = (
    "import argparse, sys; from evtwin.cli import ota_cmd; p = argparse.ArgumentParser(); "
    "ota_cmd.register(p.add_subparsers()); a = p.parse_args(); sys.exit(a.func(a))"
)

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
db = (OtaDatabase.postgres(sys.argv[5], schema="ota_bench_img") if len(sys.argv) > 5
      else OtaDatabase.sqlite(state / "db"))
server = OtaServer(OtaBackend.open(state, SystemClock()), db,
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


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's supervisor and worker processes)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(entry)] = int(fields[1])
    out = []
    for p in parent:
        q = p
        while q > 1 and q != pid:
            q = parent.get(q, 0)
        if q == pid:
            out.append(p)
    return out


def memory(pid: int) -> tuple[float, float]:
    """Peak RSS of the largest server process and the sum over all of them [MiB]."""
    peaks = []
    for p in tree(pid):
        try:
            peaks.append(peak_rss_mib(p))
        except (OSError, RuntimeError):
            continue
    return max(peaks), sum(peaks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(args: argparse.Namespace, workers: int | None) -> dict[str, float]:
    """One server (``workers`` None: the SQLite process; else ``evtwin ota server
    --workers N`` on PostgreSQL) serving one released image."""
    size = int(args.size_mb * 1024 * 1024)
    pg = [args.postgres] if workers is not None else []
    if pg:
        _drop(args.postgres)
    with tempfile.TemporaryDirectory(prefix="evtwin-bench-serve-") as tmp:
        state = Path(tmp)
        sha, token = subprocess.run(
            [sys.executable, "-c", RELEASE, str(state), str(size), PROVISIONING, ADMIN, *pg],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        auth = {"Authorization": f"Bearer {token}"}
        port = free_port()
        if workers is None:
            cmd = [sys.executable, "-c", SERVE, str(state), str(port), PROVISIONING, ADMIN]
        else:
            cmd = [sys.executable, "-c", _CLI, "ota", "server", "--port", str(port),
                   "--no-access-log", "--workers", str(workers), "--state", str(state),
                   "--postgres", args.postgres, "--postgres-schema", "ota_bench_img",
                   "--provisioning-token", PROVISIONING, "--admin-token", ADMIN]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib3.request("GET", f"{base}/healthz", retries=False)
                    break
                except urllib3.exceptions.HTTPError:
                    time.sleep(0.1)
            time.sleep(2.0 if workers else 0.0)  # every worker up (the first answers first)
            url = f"{base}/image/targets/{sha}.big.img"
            idle = memory(proc.pid)
            pool = urllib3.PoolManager(maxsize=args.downloads + 1, retries=False)
            for _ in range(args.ranges):
                r = pool.request("GET", url, headers={"Range": "bytes=0-0", **auth})
                assert r.status == 206 and len(r.data) == 1
            after_ranges = memory(proc.pid)
            received = [0] * args.downloads

            def download(i: int) -> None:
                # each download on its own connection: the shared socket spreads them
                r = urllib3.request("GET", url, headers=auth, preload_content=False)
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
            after = memory(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if pg:
        _drop(args.postgres)
    assert received == [size] * args.downloads, received
    return {
        "idle": idle[0],
        "ranges": after_ranges[0],
        "after": after[0],
        "after_sum": after[1],
        "mib_s": size * args.downloads / 2**20 / elapsed,
    }


def _drop(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS ota_bench_img CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=128.0)
    parser.add_argument("--downloads", type=int, default=4, help="concurrent full downloads")
    parser.add_argument("--ranges", type=int, default=50, help="`bytes=0-0` requests")
    parser.add_argument("--postgres", metavar="DSN", help="for --workers")
    parser.add_argument("--workers", default="", help="e.g. 1,2: also serve with N workers")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",") if w]
    if workers and not args.postgres:
        parser.error("--workers needs --postgres")
    configs: list[tuple[str, int | None]] = [("sqlite, 1 process", None)]
    configs += [(f"pg, {w} worker{'s' if w > 1 else ''}", w) for w in workers]
    print(
        f"# image {args.size_mb:.0f} MiB, {args.downloads} concurrent full downloads, "
        f"{args.ranges} one-byte ranges; cpus {os.cpu_count()}; load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'server':<20}{'idle [MiB]':>12}{'ranges [MiB]':>14}{'downloads [MiB]':>17}"
        f"{'all procs [MiB]':>17}{'MiB/s':>9}"
    )
    for label, w in configs:
        r = serve(args, w)
        print(
            f"{label:<20}{r['idle']:>12.0f}{r['ranges']:>14.0f}{r['after']:>17.0f}"
            f"{r['after_sum']:>17.0f}{r['mib_s']:>9.0f}"
        )
    print("# memory: peak RSS (VmHWM) of the largest server process; loopback, client local")


if __name__ == "__main__":
    main()
