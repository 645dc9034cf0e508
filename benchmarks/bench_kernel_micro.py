"""Micro-benchmark of the batched engine: vehicle-cycles/s on the WLTC (engine only).

Compares two source trees in one run (e.g. before/after a physics change), alternating
them over rounds so machine load hits both alike; best round per tree.

    .venv/bin/python benchmarks/bench_kernel_micro.py --src OLD/src --src src [--n 8192]

Each tree runs in its own subprocess (its own numba cache and compilation, excluded from
the timing by a warm-up call).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, sys, time
import numpy as np
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import pack_conditions, pack_params, run_arrays
from evtwin.sim.traces import cycle
from evtwin.physics.constants import default_constants
from evtwin.vehicles import derive_params, list_vehicles

n, reps = int(sys.argv[1]), int(sys.argv[2])
c = default_constants()
specs = list_vehicles()
rng = np.random.default_rng(7)
params = []
for i in range(n):
    s = specs[i % len(specs)]
    m = s.kerb_mass_kg * float(rng.uniform(0.9, 1.1))
    params.append(derive_params(s.replace(kerb_mass_kg=m)))
P = pack_params(params)
C = pack_conditions([Conditions(road="test")] * n, c)
wltc = cycle("wltc")
trace_of = np.zeros(n, dtype=np.int64)
run_arrays(P[:64], C[:64], [wltc], trace_of[:64], constants=c)  # compile / load cache
best = float("inf")
for _ in range(reps):
    t0 = time.perf_counter()
    res = run_arrays(P, C, [wltc], trace_of, constants=c)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"rate": n / best, "mean_wh_per_km": float(np.mean(res.dc_wh_per_km))}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", action="append", required=True, help="a tree's src/ directory")
    ap.add_argument("--n", type=int, default=8192, help="vehicle variants per batch")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    ap.add_argument("--reps", type=int, default=3, help="timed runs per round")
    args = ap.parse_args()
    best: dict[str, float] = {}
    wh: dict[str, float] = {}
    for _ in range(args.rounds):
        for src in args.src:
            env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.n), str(args.reps)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            best[src] = max(best.get(src, 0.0), r["rate"])
            wh[src] = r["mean_wh_per_km"]
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f}; n = {args.n}, WLTC")
    for src in args.src:
        print(f"{src}: {best[src]:,.0f} vehicle-cycles/s (mean {wh[src]:.1f} Wh/km DC)")
    if len(args.src) == 2:
        a, b = args.src
        print(f"ratio {b} / {a}: {best[b] / best[a]:.3f}")


if __name__ == "__main__":
    main()
