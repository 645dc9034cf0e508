"""The kernel's two entry points at small batch sizes, two kernel files in one process.

``run_kernel_serial`` answers every batch that fits one block (1-64 cars: ``evtwin range``,
validation fits, per-step runtime calls); ``run_kernel`` (parallel over blocks) the rest.
This times both entry points of two kernel source files (e.g. before/after a change) on
1, 8 and 64 catalogue cars over the WLTC, interleaved in shuffled order within each round so
machine load hits all alike, and checks that every variant gives the same answers.

    git show HEAD~1:src/evtwin/sim/kernel.py > /tmp/kernel_before.py
    .venv/bin/python benchmarks/bench_kernel_entries.py --a /tmp/kernel_before.py [--rounds 60]

``--b`` defaults to this tree's ``src/evtwin/sim/kernel.py``. Times are per call (ms):
median, min and max over the rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy as np

from evtwin.physics.constants import default_constants
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import make_blocks, pack_conditions, pack_constants, pack_params, pack_traces
from evtwin.sim.traces import cycle
from evtwin.vehicles import derive_params, list_vehicles

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"evtwin.sim._{name}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _run(k: Any, entry: str, arrays: tuple[np.ndarray, ...]) -> tuple[float, np.ndarray]:
    """One call of kernel module ``k``'s ``entry``: seconds and the ``out`` array."""
    P, C, G, T, V, COS, SIN, lengths, blocks, order = arrays
    n = P.shape[0]
    out = np.zeros((n, k.N_O))
    hist = np.zeros((0, k.N_H, 1))
    hist_row = np.full(n, -1, dtype=np.int64)
    f = getattr(k, entry)
    t0 = time.perf_counter()
    f(P, C, G, k.OCV_POLY, blocks, order, T, V, COS, SIN, lengths, out, hist, hist_row)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--a", type=Path, required=True, help="kernel file (e.g. before)")
    ap.add_argument("--b", type=Path, default=ROOT / "src/evtwin/sim/kernel.py")
    ap.add_argument("--sizes", default="1,8,64", help="batch sizes (cars), comma-separated")
    ap.add_argument("--rounds", type=int, default=60, help="interleaved rounds per size")
    args = ap.parse_args()
    kernels = {"a": _load(args.a, "kernel_a"), "b": _load(args.b, "kernel_b")}
    c = default_constants()
    specs = list_vehicles()
    G = pack_constants(c)
    T, V, COS, SIN, lengths = pack_traces([cycle("wltc")])
    rng = random.Random(7)
    load0 = os.getloadavg()[0]
    rows: list[str] = []
    for n in (int(x) for x in args.sizes.split(",")):
        params = [derive_params(specs[i % len(specs)]) for i in range(n)]
        P = pack_params(params)
        C = pack_conditions([Conditions(road="test")] * n, c)
        blocks, order = make_blocks(np.zeros(n, dtype=np.int64))
        combos = [(k, e) for k in kernels for e in ("run_kernel_serial", "run_kernel")]

        arrays = (P, C, G, T, V, COS, SIN, lengths, blocks, order)

        outs = {}
        for key, entry in combos:  # compile or load the cache; answers to compare
            _run(kernels[key], entry, arrays)
            outs[(key, entry)] = _run(kernels[key], entry, arrays)[1]
        times: dict[tuple[str, str], list[float]] = {ce: [] for ce in combos}
        for _ in range(args.rounds):
            rng.shuffle(combos)
            for key, entry in combos:
                times[(key, entry)].append(_run(kernels[key], entry, arrays)[0] * 1e3)
        ref = outs[("b", "run_kernel")]
        nz = np.abs(ref) > 1e-9
        for key, entry in sorted(times):
            t = times[(key, entry)]
            o = outs[(key, entry)]
            rel = float(np.max(np.abs(o - ref)[nz] / np.abs(ref)[nz]))
            rows.append(
                f"{n:>4}  {key}  {entry:<18} {statistics.median(t):8.3f} {min(t):8.3f} "
                f"{max(t):8.3f}   {rel:.1e}"
            )
    print(
        f"machine: {os.cpu_count()} CPUs, numba {numba.__version__} ({numba.get_num_threads()} "
        f"threads), load average {load0:.1f} -> {os.getloadavg()[0]:.1f}; WLTC, "
        f"{args.rounds} interleaved rounds\na: {args.a}\nb: {args.b}\n"
    )
    print("cars  k  entry                 median      min      max   max rel diff vs b parallel")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
