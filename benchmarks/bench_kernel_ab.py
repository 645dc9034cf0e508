"""Two kernel source files in one process, tightly interleaved: speed and answer differences.

For kernel experiments on a shared, busy machine, where separate processes
(``bench_kernel_micro.py``) see different load: both kernels here run the same packed arrays
(catalogue variants on the WLTC, test road load) in alternating order (ABBA...), and the
table gives the best run and the median of the per-pair ratios, plus the largest relative
difference between the two kernels' outputs (every column of every element).

    .venv/bin/python benchmarks/bench_kernel_ab.py --b /tmp/kernel_variant.py [--a FILE]
        [--n 4096] [--pairs 30]

``--a`` defaults to this tree's ``src/evtwin/sim/kernel.py``. A variant file must keep the
kernel's entry points and column layout (``run_kernel``, ``N_O``, ``N_H``, ``OCV_POLY``). To
re-measure the float32-lanes experiment (BENCHMARKS.md, issue 13)::

    git show 384d3e1:src/evtwin/sim/kernel.py > /tmp/kernel_f32.py
    patch /tmp/kernel_f32.py benchmarks/experiments/kernel_float32_lanes.patch
    .venv/bin/python benchmarks/bench_kernel_ab.py --b /tmp/kernel_f32.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--a", type=Path, default=ROOT / "src/evtwin/sim/kernel.py")
    ap.add_argument("--b", type=Path, required=True)
    ap.add_argument("--n", type=int, default=4096, help="vehicle variants")
    ap.add_argument("--pairs", type=int, default=30, help="interleaved pairs of runs")
    args = ap.parse_args()
    ka, kb = _load(args.a, "kernel_a"), _load(args.b, "kernel_b")
    n = args.n
    c = default_constants()
    specs = list_vehicles()
    rng = np.random.default_rng(7)
    params = []
    for i in range(n):
        s = specs[i % len(specs)]
        params.append(derive_params(s.replace(kerb_mass_kg=s.kerb_mass_kg * rng.uniform(0.9, 1.1))))
    P = pack_params(params)
    C = pack_conditions([Conditions(road="test")] * n, c)
    G = pack_constants(c)
    T, V, COS, SIN, lengths = pack_traces([cycle("wltc")])
    blocks, order = make_blocks(np.zeros(n, dtype=np.int64))

    def run(k: Any) -> tuple[float, np.ndarray]:
        out = np.zeros((n, k.N_O))
        hist = np.zeros((0, k.N_H, 1))
        rows = np.full(n, -1, dtype=np.int64)
        t0 = time.perf_counter()
        k.run_kernel(P, C, G, k.OCV_POLY, blocks, order, T, V, COS, SIN, lengths, out, hist, rows)
        return time.perf_counter() - t0, out

    run(ka)  # compile or load the cache
    run(kb)
    ta: list[float] = []
    tb: list[float] = []
    ratios: list[float] = []
    out_a = out_b = np.zeros(0)
    for i in range(args.pairs):
        first, second = (ka, kb) if i % 2 == 0 else (kb, ka)
        r1, r2 = run(first), run(second)
        (t_a, out_a), (t_b, out_b) = (r1, r2) if first is ka else (r2, r1)
        ta.append(t_a)
        tb.append(t_b)
        ratios.append(t_a / t_b)
    nz = np.abs(out_a) > 1e-9
    rel = float(np.max(np.abs(out_b - out_a)[nz] / np.abs(out_a)[nz]))
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; n = {n}, "
        f"WLTC, {args.pairs} interleaved pairs"
    )
    for label, t in ((f"a: {args.a}", ta), (f"b: {args.b}", tb)):
        print(
            f"{label}: best {n / min(t):,.0f}, median {n / statistics.median(t):,.0f} "
            "vehicle-cycles/s"
        )
    print(
        f"speed b/a: best vs best {min(ta) / min(tb):.3f}, median of pair ratios "
        f"{statistics.median(ratios):.3f}; max relative output difference {rel:.2e}"
    )


if __name__ == "__main__":
    main()
