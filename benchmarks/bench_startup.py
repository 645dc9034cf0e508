"""CLI start-up: wall time of whole ``evtwin`` commands, median of N runs on a warm cache.

Usage: ``.venv/bin/python benchmarks/bench_startup.py [--runs 10]``

Each command runs once to warm the OS file cache and numba's kernel cache, then ``--runs``
times; the table shows the median and the spread against the goals of issue 14. It also
checks that the range command loads the numba kernel from its cache (``NUMBA_DEBUG_CACHE``)
instead of compiling it, and lists which heavy packages each command imported.

Below the commands, in the same run, the floors any numba program pays: the bare
interpreter, ``import numpy``, ``import numba``, and ``import numba`` plus one call of a tiny
``@njit(cache=True)`` function loaded from a warm on-disk cache (numba initialises its CPU
target on the first cached call). The range command cannot start faster than the last one
while its kernel is compiled by numba at run time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVTWIN = [sys.executable, "-m", "evtwin"]
COMMANDS: list[tuple[str, list[str], float]] = [
    ("evtwin --help", ["--help"], 0.2),
    ("evtwin vehicles", ["vehicles"], 0.3),
    ("evtwin range defender-sport --json", ["range", "defender-sport", "--json"], 0.4),
]
HEAVY = ("numba", "numpy", "matplotlib", "grpc", "fastapi", "evtwin.ota", "evtwin.runtime")
_PROBE = (
    "import sys, io, contextlib\n"
    "from evtwin.cli.main import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n"
    "        main(sys.argv[1:])\n"
    "    except SystemExit:\n"
    "        pass\n"
    "heavy = {HEAVY!r}\n"
    "print(','.join(h for h in heavy if h in sys.modules))\n"
)


def _time(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([*EVTWIN, *argv], stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - t0


_TINY_KERNEL = """
import numpy as np
from numba import njit


@njit(cache=True)
def total(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s
"""
FLOORS: list[tuple[str, str]] = [
    ("python -c pass", "pass"),
    ("python -c 'import numpy'", "import numpy"),
    ("python -c 'import numba'", "import numba"),
    ("numba + 1 cached @njit call", "import numpy, tiny; tiny.total(numpy.ones(3))"),
]


def _time_code(code: str, cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, check=True, cwd=cwd)
    return time.perf_counter() - t0


def _heavy_imports(argv: list[str]) -> str:
    probe = _PROBE.replace("{HEAVY!r}", repr(HEAVY))
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return out.stdout.strip() or "-"


def _kernel_cache() -> str:
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    out = subprocess.run(
        [*EVTWIN, "range", "defender-sport", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    ).stdout
    loaded = out.count("data loaded from")
    saved = out.count("data saved to")
    return f"kernel cache: {loaded} overload(s) loaded, {saved} compiled and saved"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs; python "
        f"{platform.python_version()}; load average {load:.1f} at start"
    )
    print(
        f"median of {args.runs} interleaved rounds (each command and floor once per round) "
        "after one warm-up run each (wall time, s)\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "tiny.py").write_text(_TINY_KERNEL, encoding="utf-8")
        cmd_times: list[list[float]] = [[] for _ in COMMANDS]
        floor_times: list[list[float]] = [[] for _ in FLOORS]
        for _, argv, _ in COMMANDS:
            _time(argv)  # warm-up: file cache, numba cache
        for _, code in FLOORS:
            _time_code(code, d)  # warm-up (fills the tiny kernel's cache)
        for _ in range(args.runs):
            for i, (_, argv, _) in enumerate(COMMANDS):
                cmd_times[i].append(_time(argv))
            for i, (_, code) in enumerate(FLOORS):
                floor_times[i].append(_time_code(code, d))
    print(f"{'command':40} {'median':>7} {'min':>6} {'max':>6} {'goal':>6}  met  heavy imports")
    for (label, argv, goal), times in zip(COMMANDS, cmd_times, strict=True):
        med = statistics.median(times)
        print(
            f"{label:40} {med:7.3f} {min(times):6.3f} {max(times):6.3f} {goal:6.2f}  "
            f"{'yes' if med <= goal else 'NO ':3}  {_heavy_imports(argv)}"
        )
    print()
    print(_kernel_cache())
    print("\nfloors, same rounds (wall time, s)")
    for (label, _), times in zip(FLOORS, floor_times, strict=True):
        print(f"{label:40} {statistics.median(times):7.3f} {min(times):6.3f} {max(times):6.3f}")


if __name__ == "__main__":
    main()
