"""Column layout of the engine's packed arrays, re-exported from :mod:`evtwin.sim.kernel`.

The definitions live in the kernel's own file so that numba's cache, keyed on that file,
recompiles the kernel whenever the layout changes.
"""

from __future__ import annotations

from evtwin.sim.kernel import *  # noqa: F403
from evtwin.sim.kernel import __all__ as __all__
