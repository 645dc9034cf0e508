"""The CUDA driver runs the CPU engine's own slot physics: checked in numba's CUDA simulator.

(The simulator executes the kernel in Python threads on the CPU, so this test needs no GPU;
``benchmarks/bench_gpu.py`` checks the same on real hardware.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from evtwin.sim import gpu
    from evtwin.sim.conditions import Conditions
    from evtwin.sim.engine import pack_conditions, pack_params, run_arrays
    from evtwin.sim.traces import Trace, cycle
    from evtwin.physics.constants import default_constants
    from evtwin.vehicles import derive_params, list_vehicles

    c = default_constants()
    w = cycle("us06")
    hill = Trace("hill", np.arange(90.0), np.full(90, 12.0), np.full(90, 0.08))
    short = Trace("us06 start", w.time_s[:90].copy(), w.speed_mps[:90].copy(), w.grade[:90].copy())
    specs = list_vehicles()
    params = [derive_params(s) for s in specs[:4]]
    conds = [
        Conditions(),
        Conditions(ambient_temp_c=-10, hvac_w=2500, initial_soc=0.1),
        Conditions(trailer_kg=1200, trailer_cda_m2=0.6, regen_max_decel_mps2=0.0),
        Conditions(road="test", payload_kg=300),
    ]
    P, C = pack_params(params), pack_conditions(conds, c)
    trace_of = np.array([0, 1, 0, 1], dtype=np.int64)
    g = gpu.run_arrays_gpu(P, C, [short, hill], trace_of, threads_per_block=2)
    cpu = run_arrays(P, C, [short, hill], trace_of).out
    rel = np.abs(g - cpu) / np.maximum(np.abs(cpu), 1e-9)
    print("MAXREL", float(rel.max()))
    """
)


def test_the_gpu_kernel_computes_what_the_cpu_engine_computes() -> None:
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("MAXREL"))
    assert float(line.split()[1]) < 1e-9
