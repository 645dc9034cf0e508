"""The kernel's two entry points (serial, for a batch that fits one block; parallel, for the
rest) run the same physics: the same answers, and both vectorised.

They compile the same source differently (numba outlines the parallel one's block body into
a function of its own). Until the car loop of a step became a function of its own
(``kernel._step_block``), the parallel entry was vectorised and the serial one scalar (~7x
slower for a block of 64 cars). The batch here is varied on purpose: every catalogue car,
conditions from mild to running the pack flat, traces that some cars cannot follow, several
blocks per trace and short tail blocks, with per-step histories recorded for some cases. On
the machine measured the outputs are bit-identical and the histories differ only in the
recorded terminal voltage, in the last bit (LLVM may fuse ``voc - current * r`` into one
instruction in one compilation and not the other), so the test allows 1e-12.
"""

from __future__ import annotations

import platform
import re

import numba
import numpy as np
import pytest

from evtwin.physics.constants import default_constants
from evtwin.sim import kernel as K
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import make_blocks, pack_conditions, pack_constants, pack_params, pack_traces
from evtwin.sim.traces import constant_speed, cycle
from evtwin.vehicles import derive_params, list_vehicles


def _run_both() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.ndarray]:
    c = default_constants()
    conditions = [
        Conditions(road="test"),
        Conditions(ambient_temp_c=-10.0, hvac_w=3000.0),
        Conditions(trailer_kg=1500.0, headwind_mps=8.0, altitude_m=1500.0),
        Conditions(initial_soc=0.03, ambient_temp_c=-20.0),  # runs the pack flat
    ]
    traces = [cycle("udds"), cycle("us06"), constant_speed(60.0, 300.0, 0.06),
              constant_speed(160.0, 1200.0)]  # fmt: skip
    params = [derive_params(s) for s in list_vehicles()]
    rows = [(p, cd, t) for t in range(len(traces)) for cd in conditions for p in params]
    n = len(rows)
    P = pack_params([r[0] for r in rows])
    C = pack_conditions([r[1] for r in rows], c)
    trace_of = np.array([r[2] for r in rows], dtype=np.int64)
    G = pack_constants(c)
    T, V, COS, SIN, lengths = pack_traces(traces)
    blocks, order = make_blocks(trace_of)
    assert len(blocks) > len(traces)  # several blocks per trace, short tails included
    recorded = np.arange(0, n, 5)
    results = []
    for entry in (K.run_kernel_serial, K.run_kernel):
        out = np.zeros((n, K.N_O))
        hist = np.zeros((len(recorded), K.N_H, T.shape[1]))
        hist_row = np.full(n, -1, dtype=np.int64)
        hist_row[recorded] = np.arange(len(recorded))
        entry(P, C, G, K.OCV_POLY, blocks, order, T, V, COS, SIN, lengths, out, hist, hist_row)
        results.append((out, hist))
    return results[0], results[1], trace_of


def test_serial_and_parallel_entries_give_the_same_answers() -> None:
    (out_s, hist_s), (out_p, hist_p), _ = _run_both()
    # the batch reaches the branches that matter: flat packs and missed traces
    assert np.any(out_p[:, K.O_DEPLETED] > 0) and np.any(out_p[:, K.O_DEPLETED] == 0)
    assert np.any(out_p[:, K.O_MISS_STEPS] > 0) and np.any(out_p[:, K.O_MISS_STEPS] == 0)
    assert np.all(out_p[:, K.O_DIST_M] > 0)
    discrete = [K.O_MISS_STEPS, K.O_FIRST_MISS_S, K.O_DEPLETED]
    assert np.array_equal(out_s[:, discrete], out_p[:, discrete])
    # each output column and history channel to 1e-12 of its largest magnitude
    scale = np.max(np.abs(out_p), axis=0)
    assert np.all(np.abs(out_s - out_p) <= 1e-12 * scale)
    for ch in range(K.N_H):
        tol = 1e-12 * np.max(np.abs(hist_p[:, ch]))
        assert np.max(np.abs(hist_s[:, ch] - hist_p[:, ch])) <= tol, ch


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 assembly")
def test_both_entry_points_compile_to_packed_double_arithmetic() -> None:
    c = default_constants()
    P = pack_params([derive_params(list_vehicles()[0])])
    C = pack_conditions([Conditions()], c)
    T, V, COS, SIN, lengths = pack_traces([cycle("udds")])
    blocks, order = make_blocks(np.zeros(1, dtype=np.int64))
    out, hist = np.zeros((1, K.N_O)), np.zeros((0, K.N_H, 1))
    args = (P, C, pack_constants(c), K.OCV_POLY, blocks, order, T, V, COS, SIN, lengths, out,
            hist, np.full(1, -1, dtype=np.int64))  # fmt: skip
    # fresh compilations (cached ones cannot be inspected); the serial entry used to have no
    # packed multiply at all
    for entry, parallel in ((K.run_kernel_serial, False), (K.run_kernel, True)):
        fresh = numba.njit(parallel=parallel, fastmath=True)(entry.py_func)
        fresh(*args)
        asm = "\n".join(fresh.inspect_asm().values())
        assert len(re.findall(r"\bv?mulpd\b", asm)) >= 8, entry.__name__
