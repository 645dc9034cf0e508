"""Range bands for vehicles whose specs are not all known (a spec's ``[ranges]``; the
sampling and the band itself are :mod:`evtwin.vehicles.uncertainty`'s, shared with charge
time and cost per mile).

Each unknown is sampled uniformly over its stated range (a fixed seed per vehicle, so the
same question gets the same band), every sample runs through the batched engine in one
batch, and the model's own leave-one-out error (WLTP, ``evtwin validate``) is added as a
log-normal spread. The unknown that moves the answer most is the one whose swing from low to
high, the others at the spec's values, changes the range most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges
from evtwin.vehicles.spec import VehicleSpec
from evtwin.vehicles.uncertainty import Band, band, sample_ranges

__all__ = ["MODEL_LOO_MAE_PCT", "SAMPLES", "Band", "range_band"]

SAMPLES = 64
"""Samples of the unknowns per vehicle (plus two one-at-a-time runs per unknown)."""
MODEL_LOO_MAE_PCT = 5.8
"""The model's WLTP leave-one-out mean absolute error (evtwin validate, 2026-12-07): a
normal error with this mean absolute value has sigma = MAE x sqrt(pi/2)."""


def range_band(
    spec: VehicleSpec,
    queries_for: Callable[[Sequence[VehicleSpec]], list[RangeQuery]],
    scale: float = 1.0,
) -> Band:
    """P10/P50/P90 of the range (km) for ``spec``'s unknowns; ``queries_for`` turns specs into
    the question's engine queries; ``scale`` carries a calibration factor on range."""
    drawn = sample_ranges(spec, SAMPLES)
    est: list[RangeEstimate] = estimate_ranges(queries_for(list(drawn.variants)))
    return band([e.range_km * scale for e in est], drawn, MODEL_LOO_MAE_PCT)
