"""Answers for vehicles whose specs are not all known: sampling a spec's ``[ranges]`` and
turning the answers into P10/P50/P90 bands.

One recipe for every question (range, charge time, cost per mile): each unknown is sampled
uniformly over its stated range with a fixed seed per vehicle (the same question gets the same
band), then each unknown alone at its low and high end (the others at the spec's values). The
caller runs all variants through its model in one batch; :func:`band` adds the model's own
leave-one-out error as a log-normal spread (a normal error whose mean absolute value is the
MAE has sigma = MAE x sqrt(pi/2)) and names the unknown whose low-to-high swing moves the
answer most ("model error" when the model's own spread is larger than every unknown's).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from evtwin.vehicles.spec import VehicleSpec

__all__ = ["Band", "RangeSamples", "band", "sample_ranges"]

_NOISE_DRAWS = 16
"""Model-error draws per sample of the unknowns."""


@dataclass(frozen=True, slots=True)
class Band:
    """P10/P50/P90 of an answer, and the unknown that moves it most."""

    p10: float
    p50: float
    p90: float
    dominant_unknown: str

    def to_json(self, digits: int = 1) -> dict[str, Any]:
        return {
            "p10": round(self.p10, digits),
            "p50": round(self.p50, digits),
            "p90": round(self.p90, digits),
            "dominant_unknown": self.dominant_unknown,
        }


@dataclass(frozen=True, slots=True)
class RangeSamples:
    """The variants to run: ``samples`` random draws first, then each key's low and high."""

    variants: tuple[VehicleSpec, ...]
    keys: tuple[str, ...]
    samples: int
    rng: np.random.Generator
    """The generator that drew the samples; :func:`band` draws the model error from it next,
    so a band is reproducible from the vehicle's id alone."""


def sample_ranges(spec: VehicleSpec, samples: int, *, distinct_ids: bool = False) -> RangeSamples:
    """Variants of ``spec`` over its ``[ranges]``; ``distinct_ids`` gives each its own id
    (``{id}-s{i}``, ``{id}-{key}-lo|hi``) for models that key their answers by vehicle id."""
    keys = tuple(sorted(spec.ranges))
    rng = np.random.default_rng(zlib.crc32(spec.id.encode()))
    variants: list[VehicleSpec] = []
    for i in range(samples):
        drawn: dict[str, Any] = {k: float(rng.uniform(*spec.ranges[k])) for k in keys}
        if distinct_ids:
            drawn["id"] = f"{spec.id}-s{i}"
        variants.append(spec.replace(**drawn))
    for k in keys:
        lo, hi = spec.ranges[k]
        if distinct_ids:
            tag = k.replace("_", "-")
            variants += [
                spec.replace(id=f"{spec.id}-{tag}-lo", **{k: lo}),
                spec.replace(id=f"{spec.id}-{tag}-hi", **{k: hi}),
            ]
        else:
            variants += [spec.replace(**{k: lo}), spec.replace(**{k: hi})]
    return RangeSamples(tuple(variants), keys, samples, rng)


def band(values: Any, drawn: RangeSamples, model_mae_pct: float) -> Band:
    """The band of ``values`` (one answer per variant of ``drawn``, in its order)."""
    v = np.asarray(values, dtype=float)
    n = drawn.samples
    sampled = v[:n]
    sigma = model_mae_pct / 100.0 * np.sqrt(np.pi / 2.0)
    noise = np.exp(drawn.rng.normal(0.0, sigma, size=(_NOISE_DRAWS, n)))
    p10, p50, p90 = (
        float(x) for x in np.percentile((sampled[None, :] * noise).ravel(), [10, 50, 90])
    )
    swings = {k: float(abs(v[n + 2 * i + 1] - v[n + 2 * i])) for i, k in enumerate(drawn.keys)}
    swings["model error"] = float(np.exp(sigma) - np.exp(-sigma)) * float(np.median(sampled))
    return Band(p10, p50, p90, max(swings, key=lambda k: swings[k]))
