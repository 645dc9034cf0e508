"""The engine's CUDA driver vs its CPU driver, same machine, same run (needs an NVIDIA GPU).

Both run the same slot physics (``evtwin.sim.kernel``'s register_jitable functions). For
N = 10^4, 10^5, 10^6 WLTC vehicle variants it prints vehicle-cycles per second for the CPU
engine (all cores, numba threads) and the GPU kernel (host->device copies, kernel, copy
back: end to end), best of 3, and checks that both give the same answers.

Run on a GPU machine: ``PYTHONPATH=src python3 benchmarks/bench_gpu.py [--out results.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numba
import numpy as np

# numba-cuda 0.30 still registers an overload for np.row_stack, which numpy 2.5 removed
# (its alias np.vstack remains): restore the alias so numba-cuda can load its typing.
if not hasattr(np, "row_stack"):
    np.row_stack = np.vstack  # type: ignore[attr-defined]

from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import pack_conditions, pack_params, run_arrays
from evtwin.sim.gpu import gpu_available, run_arrays_gpu
from evtwin.sim.traces import cycle
from evtwin.vehicles import derive_params, list_vehicles

SIZES = (10_000, 100_000, 1_000_000)


def arrays(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n variants: catalogue cars with mass, battery, power, Cd and ambient varied (arrays)."""
    c = default_constants()
    base = [derive_params(s, c) for s in list_vehicles()]
    P0 = pack_params(base)
    rng = np.random.default_rng(2027)
    idx = rng.integers(0, len(base), n)
    P = P0[idx].copy()
    from evtwin.sim import kernel as K

    P[:, K.P_MASS] *= rng.uniform(0.9, 1.1, n)
    P[:, K.P_F2] *= rng.uniform(0.85, 1.15, n)
    P[:, K.P_BATT_J] *= rng.uniform(0.8, 1.2, n)
    P[:, K.P_MOTOR_W] *= rng.uniform(0.8, 1.2, n)
    C0 = pack_conditions([Conditions(road="test")], c)
    C = np.repeat(C0, n, axis=0)
    C[:, K.C_AMBIENT_C] = rng.uniform(-10, 35, n)
    C[:, K.C_BATT_TEMP_C] = C[:, K.C_AMBIENT_C]
    return P, C


def best_of(fn, rounds: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if not gpu_available():
        raise SystemExit("no CUDA device visible to numba")
    from numba import cuda

    dev = cuda.get_current_device()
    wltc = [cycle("wltc")]
    print(
        f"GPU: {dev.name.decode() if isinstance(dev.name, bytes) else dev.name}; CPU: "
        f"{os.cpu_count()} cores, numba {numba.__version__} ({numba.get_num_threads()} threads)"
    )
    # correctness first
    P, C = arrays(2000)
    trace_of = np.zeros(len(P), dtype=np.int64)
    cpu = run_arrays(P, C, wltc, trace_of).out
    gpu = run_arrays_gpu(P, C, wltc, trace_of)
    rel = float(np.max(np.abs(gpu - cpu) / np.maximum(np.abs(cpu), 1e-9)))
    print(f"GPU vs CPU on 2,000 variants: max relative difference {rel:.2e}\n")
    rows = []
    print(f"{'variants':>10}  {'CPU veh-cycles/s':>17}  {'GPU veh-cycles/s':>17}  {'GPU/CPU':>8}")
    for n in SIZES:
        P, C = arrays(n)
        trace_of = np.zeros(n, dtype=np.int64)
        run_arrays(P[:64], C[:64], wltc, trace_of[:64])
        run_arrays_gpu(P[:256], C[:256], wltc, trace_of[:256])
        t_cpu = best_of(
            lambda P=P, C=C, t=trace_of: run_arrays(P, C, wltc, t), 2 if n >= 10**6 else 3
        )
        t_gpu = best_of(lambda P=P, C=C, t=trace_of: run_arrays_gpu(P, C, wltc, t))
        row = {"variants": n, "cpu_rate": n / t_cpu, "gpu_rate": n / t_gpu, "ratio": t_cpu / t_gpu}
        rows.append(row)
        print(
            f"{n:>10,}  {row['cpu_rate']:>17,.0f}  {row['gpu_rate']:>17,.0f}  {row['ratio']:>7.1f}x"
        )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"max_rel_diff": rel, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
