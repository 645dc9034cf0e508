"""Optional CUDA driver for the engine (numba.cuda): the same per-slot physics, one GPU
thread per batch element.

The physics is not written twice: the GPU kernel calls the CPU kernel's own slot functions
(:func:`evtwin.sim.kernel._init_slot`, ``_step_slot``, ``_finish_slot``): numba-cuda compiles
the same ``@njit`` functions for the CUDA target. The
workspace is one flat array with row stride = batch size, so consecutive threads touch
consecutive addresses (coalesced loads). No history is recorded on the GPU.

Needs an NVIDIA GPU and ``numba-cuda``; nothing else in evtwin imports this module.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

import numba
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


def _slot_functions() -> tuple[Any, Any, Any]:
    """The CPU kernel's slot functions, as this kernel calls them.

    On a GPU, numba-cuda compiles the ``@njit`` functions for the CUDA target (measured on an
    H200: identical results to 1e-15). numba's CUDA simulator runs kernels as Python instead,
    so there they are the plain Python sources, calling the Python sources of their helpers.
    """
    if getattr(numba.config, "ENABLE_CUDASIM", False):
        glb = {
            **vars(K),
            "_ocv": K._ocv.py_func,
            "_loss": K._loss.py_func,
            "_arrhenius_exponent": K._arrhenius_exponent.py_func,
        }

        def py(f: Any) -> Any:
            return types.FunctionType(f.py_func.__code__, glb, f.py_func.__name__)

        return py(K._init_slot), py(K._step_slot), py(K._finish_slot)
    return K._init_slot, K._step_slot, K._finish_slot


_init, _step, _finish = _slot_functions()


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
