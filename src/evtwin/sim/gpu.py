"""Optional CUDA driver for the engine (numba.cuda): the same per-slot physics, one GPU
thread per batch element.

The physics is not written twice: the GPU kernel calls the CPU kernel's own slot functions
(:func:`evtwin.sim.kernel._init_slot`, ``_step_slot``, ``_finish_slot``), registered with
``register_jitable`` so numba compiles the same source for the CPU or the CUDA target. The
workspace is one flat array with row stride = batch size, so consecutive threads touch
consecutive addresses (coalesced loads). No history is recorded on the GPU.

Needs an NVIDIA GPU and ``numba-cuda``; nothing else in evtwin imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba.cuda as _numba_cuda
import numpy as np
import numpy.typing as npt

from evtwin.errors import SimulationError
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.sim import kernel as K
from evtwin.sim.engine import pack_constants, pack_traces
from evtwin.sim.traces import Trace

__all__ = ["gpu_available", "run_arrays_gpu"]

cuda: Any = _numba_cuda  # numba.cuda ships no usable type information

# The slot functions are registered with numba.extending.register_jitable: compiled for
# whichever target calls them (the CPU block loop or this CUDA kernel).
_init = K._init_slot
_step = K._step_slot
_finish = K._finish_slot


@cuda.jit(fastmath=True)
def _run(P, C, Gc, ocv_c, trace_of, TT, VT, COS, SIN, lengths, W, out):  # type: ignore[no-untyped-def]
    j = cuda.grid(1)
    n = P.shape[0]
    if j >= n:
        return
    tr = trace_of[j]
    nt = lengths[tr]
    _init(W, n, j, P, C, Gc, j, VT[tr, 0])
    for k in range(1, nt):
        dt = TT[tr, k] - TT[tr, k - 1]
        _step(W, n, j, dt, 1.0 / dt, VT[tr, k], COS[tr, k], SIN[tr, k], TT[tr, k], ocv_c, Gc)
    _finish(W, n, j, out, C, j, TT[tr, nt - 1] - TT[tr, 0])


def gpu_available() -> bool:
    """True if numba can see a CUDA device (or runs its CUDA simulator)."""
    try:
        return bool(cuda.is_available())
    except Exception:
        return False


def run_arrays_gpu(
    P: npt.NDArray[np.float64],
    C: npt.NDArray[np.float64],
    traces: Sequence[Trace],
    trace_of: npt.NDArray[np.int64],
    *,
    constants: ModelConstants | None = None,
    threads_per_block: int = 128,
) -> npt.NDArray[np.float64]:
    """The ``out`` array of :func:`evtwin.sim.engine.run_arrays`, computed on the GPU."""
    if not gpu_available():
        raise SimulationError("no CUDA device visible to numba: run the CPU engine instead")
    n = P.shape[0]
    G = pack_constants(constants if constants is not None else default_constants())
    T, V, COS, SIN, lengths = pack_traces(traces)
    W = cuda.to_device(np.zeros(K.N_W * n))  # accumulators start at zero
    out = cuda.device_array((n, K.N_O))
    args = [cuda.to_device(a) for a in (P, C, G, K.OCV_POLY, trace_of, T, V, COS, SIN, lengths)]
    grid = (n + threads_per_block - 1) // threads_per_block
    _run[grid, threads_per_block](*args, W, out)
    cuda.synchronize()
    return np.asarray(out.copy_to_host())
