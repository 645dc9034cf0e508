"""evtwin: an open, physics-based software twin of an electric car.

The public Python API, in a few typed calls (loaded lazily, so ``import evtwin`` stays light).
Every function that needs a vehicle takes a catalogue id, a :class:`VehicleSpec` or (for the
engine) derived :class:`VehicleParams`; a trace may be a cycle name::

    >>> import evtwin
    >>> spec = evtwin.load_vehicle("defender-sport")        # or evtwin.load_spec_file(path)
    >>> by_id = evtwin.wltp_range("defender-sport")         # WLTP procedure (GTR 15)
    >>> by_id.range_km == evtwin.wltp_range(spec).range_km
    True
    >>> winter = evtwin.estimate_ranges([evtwin.RangeQuery(spec, evtwin.cycle("us06"),
    ...                                  evtwin.Conditions(ambient_temp_c=-5, hvac_w=3000))])
    >>> winter[0].range_km < evtwin.wltp_range(spec).range_km
    True
    >>> run = evtwin.simulate(spec, evtwin.constant_speed(120), record=True)  # a batch of one
    >>> run.followed_trace
    True
    >>> evtwin.wltp_range(42)
    Traceback (most recent call last):
    ...
    TypeError: expected a vehicle: a catalogue id (str, ...) or a VehicleSpec; got int 42

``evtwin.run_batch([...])`` runs any number of cars x conditions at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Case": "evtwin.sim.engine",
    "CaseResult": "evtwin.sim.engine",
    "Conditions": "evtwin.sim.conditions",
    "EvtwinError": "evtwin.errors",
    "RangeEstimate": "evtwin.sim.range",
    "RangeQuery": "evtwin.sim.range",
    "Trace": "evtwin.sim.traces",
    "VehicleParams": "evtwin.vehicles",
    "VehicleSpec": "evtwin.vehicles",
    "constant_speed": "evtwin.sim.traces",
    "cycle": "evtwin.sim.traces",
    "derive_params": "evtwin.vehicles",
    "estimate_ranges": "evtwin.sim.range",
    "list_vehicles": "evtwin.vehicles",
    "load_profile": "evtwin.sim.traces",
    "load_spec_file": "evtwin.vehicles",
    "load_vehicle": "evtwin.vehicles",
    "run_batch": "evtwin.sim.engine",
    "simulate": "evtwin.sim.engine",
    "wltp_range": "evtwin.sim.range",
}

__all__ = [
    "Case",
    "CaseResult",
    "Conditions",
    "EvtwinError",
    "RangeEstimate",
    "RangeQuery",
    "Trace",
    "VehicleParams",
    "VehicleSpec",
    "__version__",
    "constant_speed",
    "cycle",
    "derive_params",
    "estimate_ranges",
    "list_vehicles",
    "load_profile",
    "load_spec_file",
    "load_vehicle",
    "run_batch",
    "simulate",
    "wltp_range",
]

if TYPE_CHECKING:
    from evtwin.errors import EvtwinError
    from evtwin.sim.conditions import Conditions
    from evtwin.sim.engine import Case, CaseResult, run_batch, simulate
    from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges, wltp_range
    from evtwin.sim.traces import Trace, constant_speed, cycle, load_profile
    from evtwin.vehicles import (
        VehicleParams,
        VehicleSpec,
        derive_params,
        list_vehicles,
        load_spec_file,
        load_vehicle,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evtwin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
