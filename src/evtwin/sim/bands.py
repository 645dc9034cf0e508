"""Uncertainty bands for vehicles whose specs are not all known (a spec's ``[ranges]``).

Each unknown is sampled uniformly over its stated range (a fixed seed per vehicle, so the
same question gets the same band), every sample runs through the batched engine in one
batch, and the model's own leave-one-out error (WLTP, ``evtwin validate``) is added as a
log-normal spread. The unknown that moves the answer most is the one whose swing from low to
high, the others at the spec's values, changes the range most.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evtwin.sim.range import RangeEstimate, RangeQuery, estimate_ranges
from evtwin.vehicles.spec import VehicleSpec

__all__ = ["MODEL_LOO_MAE_PCT", "SAMPLES", "Band", "range_band"]

SAMPLES = 64
"""Samples of the unknowns per vehicle (plus two one-at-a-time runs per unknown)."""
MODEL_LOO_MAE_PCT = 5.8
"""The model's WLTP leave-one-out mean absolute error (evtwin validate, 2026-12-07): a
normal error with this mean absolute value has sigma = MAE x sqrt(pi/2)."""


@dataclass(frozen=True, slots=True)
class Band:
    p10: float
    p50: float
    p90: float
    dominant_unknown: str

    def to_json(self) -> dict[str, Any]:
        return {
            "p10": round(self.p10, 1),
            "p50": round(self.p50, 1),
            "p90": round(self.p90, 1),
            "dominant_unknown": self.dominant_unknown,
        }


def range_band(
    spec: VehicleSpec,
    queries_for: Callable[[Sequence[VehicleSpec]], list[RangeQuery]],
    scale: float = 1.0,
) -> Band:
    """P10/P50/P90 of the range (km) for ``spec``'s unknowns; ``queries_for`` turns specs into
    the question's engine queries; ``scale`` carries a calibration factor on range."""
    keys = sorted(spec.ranges)
    rng = np.random.default_rng(zlib.crc32(spec.id.encode()))
    variants: list[VehicleSpec] = []
    for _ in range(SAMPLES):
        variants.append(spec.replace(**{k: float(rng.uniform(*spec.ranges[k])) for k in keys}))
    for k in keys:
        lo, hi = spec.ranges[k]
        variants += [spec.replace(**{k: lo}), spec.replace(**{k: hi})]
    est: list[RangeEstimate] = estimate_ranges(queries_for(variants))
    km = np.array([e.range_km for e in est]) * scale
    sampled = km[:SAMPLES]
    sigma = MODEL_LOO_MAE_PCT / 100.0 * np.sqrt(np.pi / 2.0)
    noise = np.exp(rng.normal(0.0, sigma, size=(16, SAMPLES)))
    spread = (sampled[None, :] * noise).ravel()
    p10, p50, p90 = (float(x) for x in np.percentile(spread, [10, 50, 90]))
    swings = {k: abs(km[SAMPLES + 2 * i + 1] - km[SAMPLES + 2 * i]) for i, k in enumerate(keys)}
    swings["model error"] = float(np.exp(sigma) - np.exp(-sigma)) * float(np.median(sampled))
    dominant = max(swings, key=lambda k: swings[k])
    return Band(p10, p50, p90, dominant)
