"""Leg energy from the batched drive engine: speed classes × condition samples in one batch.

A route is a list of segments, each with a cruise speed (its speed limit, from the routing
engine's road class and ``maxspeed``). Segments are grouped into speed classes (10 km/h
bins). For each class the engine drives a *junction-to-junction* trace: accelerate from the
junction speed to the cruise speed, cruise, slow down for the next junction (spacing and
rates per class below, assumptions). The engine's DC energy per km on that trace, times the
class's distance, is the route's energy. Every class × every condition sample (nominal,
then the Monte Carlo samples) runs in **one** :func:`evtwin.sim.engine.run_batch` call; no
constant Wh/km is used anywhere.

Junction model (assumption, stated in every plan): urban classes (≤ 50 km/h) stop every
0.5 km, rural classes (60-80 km/h) slow to 0 every 4 km, fast roads (≥ 90 km/h) slow to
60 % of cruise every 15 km; acceleration 1.0 m/s², braking 0.8 m/s².

Model uncertainty: :data:`MODEL_ERROR_SD` and :data:`MODEL_ERROR_BIAS` are the spread and mean
of the engine's leave-one-car-out errors against independent real-road consumption tests at
90/120 km/h (27 tests, 13 cars; ``evtwin validate``, BENCHMARKS.md "Real-road consumption":
MAE 4.4 %, bias +0.8 %, standard deviation 5.2 % since 2026-12-08 (EPA carry-over refit);
4.0 %, +0.4 %, 4.7 % after issue 13; 4.8 %, +0.2 %, 6.1 % before). The engine here runs
from the spec (not calibrated to official WLTP), so the from-spec report is the one that
applies. ``tests/nav`` re-derives them from
:func:`evtwin.validation.realworld_report`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.errors import NavigationError
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import Case, run_batch
from evtwin.sim.request import DEFAULT_TRAILER_CDA_M2
from evtwin.sim.traces import Trace
from evtwin.units import KPH_PER_MPS
from evtwin.vehicles import VehicleSpec, derive_params

__all__ = [
    "GRADE_STEP",
    "MODEL_ERROR_BIAS",
    "MODEL_ERROR_SD",
    "SPEED_BIN_KPH",
    "ConsumptionTable",
    "DriveConditions",
    "Samples",
    "consumption_table",
    "draw_samples",
    "grade_row_weights",
    "row_of",
    "speed_bin",
]

FloatArray = npt.NDArray[np.float64]

SPEED_BIN_KPH = 10.0
N_SPEED = 13
GRADE_STEP = 0.01
"""Grade classes are 1 % apart, -12 % .. +12 %; a segment's distance is split between the two
classes around its grade (linear in grade, so the route's total rise is kept exactly)."""
GRADE_LEVELS = 12
N_ROWS = N_SPEED * (2 * GRADE_LEVELS + 1)
MODEL_ERROR_SD = 0.052
MODEL_ERROR_BIAS = 0.008
TEMP_SD_C = 3.0
"""Spread of the temperature along a trip around the stated one (assumption)."""
SPEED_FACTOR_SD = 0.05
"""Spread of the driver's speed around the limit (assumption)."""
SPEED_LEVELS = np.array([0.9, 0.95, 1.0, 1.05, 1.1])
"""Speed factors are drawn from N(1, 0.05) and rounded to these levels (one trace each)."""
TRAFFIC_SD = 0.10
"""Log-normal spread of drive time from traffic (assumption)."""
_ACCEL = 1.0
_BRAKE = 0.8


@dataclass(frozen=True, kw_only=True, slots=True)
class DriveConditions:
    """Conditions of a trip (stated by the user; units in names)."""

    temp_c: float = 23.0
    cabin_temp_c: float | None = None
    payload_kg: float = 0.0
    trailer_kg: float = 0.0


@dataclass(frozen=True, slots=True)
class Samples:
    """Monte Carlo samples; sample 0 is always the nominal case (no spread)."""

    temp_c: FloatArray
    speed_level: npt.NDArray[np.int64]
    traffic: FloatArray
    model: FloatArray

    def __len__(self) -> int:
        return len(self.temp_c)


def draw_samples(n: int, temp_c: float, seed: int = 2019) -> Samples:
    """``n`` samples of temperature, speed factor, traffic and model error (seeded)."""
    if n < 1 or n > 100_000:
        raise NavigationError(f"samples = {n} must be within 1..100000")
    rng = np.random.default_rng(seed)
    t = temp_c + rng.normal(0.0, TEMP_SD_C, n)
    sf = np.clip(rng.normal(1.0, SPEED_FACTOR_SD, n), 0.9, 1.1)
    lvl = np.abs(sf[:, None] - SPEED_LEVELS[None, :]).argmin(axis=1).astype(np.int64)
    traffic = np.exp(rng.normal(0.0, TRAFFIC_SD, n))
    model = 1.0 + rng.normal(MODEL_ERROR_BIAS, MODEL_ERROR_SD, n)
    t[0], traffic[0], model[0] = temp_c, 1.0, 1.0
    lvl[0] = int(np.argmin(np.abs(SPEED_LEVELS - 1.0)))
    t = np.clip(t, -40.0, 55.0)
    return Samples(temp_c=t, speed_level=lvl, traffic=traffic, model=model)


def speed_bin(speed_kph: FloatArray) -> npt.NDArray[np.int64]:
    """Speed class index of cruise speeds (10 km/h bins; class k cruises at 10(k+1) km/h)."""
    out: npt.NDArray[np.int64] = np.clip(np.rint(speed_kph / SPEED_BIN_KPH) - 1, 0, 12).astype(
        np.int64
    )
    return out


def row_of(speed_class: npt.NDArray[np.int64], grade_level: npt.NDArray[np.int64]) -> Any:
    """Row of the consumption table for speed class k and grade level L (grade = L %).

    Flat rows are the speed classes themselves (0..12); level L's rows follow at
    ``(L mod 25) * 13``, so negative levels sit at the end.
    """
    n_g = 2 * GRADE_LEVELS + 1
    return (np.asarray(grade_level) % n_g) * N_SPEED + np.asarray(speed_class)


def grade_row_weights(
    grade: FloatArray,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    """The two grade levels around each grade and the weight of the upper one."""
    x = np.clip(grade / GRADE_STEP, -GRADE_LEVELS, GRADE_LEVELS)
    lo = np.minimum(np.floor(x), GRADE_LEVELS - 1).astype(np.int64)
    return lo, lo + 1, x - lo


def _level_of_row(row: int) -> tuple[int, int]:
    g, k = divmod(row, N_SPEED)
    return k, g if g <= GRADE_LEVELS else g - (2 * GRADE_LEVELS + 1)


def bin_speed_kph(k: int) -> float:
    return (k + 1) * SPEED_BIN_KPH


def junction_trace(cruise_kph: float, grade: float = 0.0) -> Trace:
    """One junction-to-junction drive of a speed class (see the module docstring), on a
    constant grade (rise/run)."""
    v = cruise_kph / KPH_PER_MPS
    if cruise_kph <= 50.0:
        spacing_m, v0 = 500.0, 0.0
    elif cruise_kph <= 80.0:
        spacing_m, v0 = 4000.0, 0.0
    else:
        spacing_m, v0 = 15000.0, 0.6 * v
    t_acc = (v - v0) / _ACCEL
    t_dec = (v - v0) / _BRAKE
    d_ramp = 0.5 * (v + v0) * (t_acc + t_dec)
    t_cruise = max(spacing_m - d_ramp, 0.0) / v
    total = t_acc + t_cruise + t_dec
    t = np.arange(0.0, math.ceil(total) + 1.0)
    speed = np.where(
        t < t_acc,
        v0 + _ACCEL * t,
        np.where(t < t_acc + t_cruise, v, np.maximum(v - _BRAKE * (t - t_acc - t_cruise), v0)),
    )
    return Trace(
        f"junction {cruise_kph:g} km/h, grade {grade:g}",
        t,
        np.minimum(speed, v),
        np.full_like(t, grade),
    )


@dataclass(frozen=True, slots=True)
class ConsumptionTable:
    """DC energy per metre by speed class (rows) and sample (columns), J/m.

    ``hvac_w`` is the climate load used for each sample (0 without a cabin set point).
    """

    j_per_m: FloatArray
    samples: Samples
    hvac_w: FloatArray
    battery_j: float

    @property
    def nominal(self) -> FloatArray:
        return self.j_per_m[:, 0]

    def mean_cov(self) -> tuple[FloatArray, FloatArray]:
        """Mean and covariance over samples of J/m per class (for confidence planning)."""
        x = self.j_per_m
        if x.shape[1] < 2:
            return x[:, 0], np.zeros((x.shape[0], x.shape[0]))
        return x.mean(axis=1), np.cov(x)


def consumption_table(
    spec: VehicleSpec,
    cond: DriveConditions,
    samples: Samples,
    classes: Sequence[int],
) -> ConsumptionTable:
    """Run every used table row × every sample through the engine in one batch.

    ``classes`` are table rows (:func:`row_of`; a flat speed class is its own row). Flat rows
    run for every sample. A graded row's *extra* energy over flat is run once per speed level
    at the stated conditions and added to every sample's flat value of that speed class (times
    its model-error factor): the grade's potential energy does not depend on the sample's
    temperature (assumption; keeps a hilly route's batch small).
    """
    from evtwin.climate import vehicle_hvac_w

    params = derive_params(spec)
    n_s = len(samples)
    rows = sorted(set(int(c) for c in classes))
    graded = [(r, *_level_of_row(r)) for r in rows if _level_of_row(r)[1] != 0]
    cls = sorted({_level_of_row(r)[0] for r in rows})
    levels = sorted(set(samples.speed_level.tolist()))
    traces = {
        (k, lv): junction_trace(min(bin_speed_kph(k) * float(SPEED_LEVELS[lv]), 250.0))
        for k in cls
        for lv in levels
    }
    graded_traces = {
        (r, lv): junction_trace(
            min(bin_speed_kph(k) * float(SPEED_LEVELS[lv]), 250.0), g * GRADE_STEP
        )
        for r, k, g in graded
        for lv in levels
    }
    hvac = np.zeros(n_s)
    if cond.cabin_temp_c is not None:
        # climate load at each sample's temperature, steady state at a 90 km/h trip average
        grid = np.arange(math.floor(samples.temp_c.min()), math.ceil(samples.temp_c.max()) + 1.0)
        loads = [
            vehicle_hvac_w(spec, ambient_c=float(g), cabin_temp_c=cond.cabin_temp_c, speed_mps=25.0)
            for g in grid
        ]
        hvac = np.interp(samples.temp_c, grid, np.asarray(loads, dtype=np.float64))
    trailer_cda = DEFAULT_TRAILER_CDA_M2 if cond.trailer_kg > 0 else 0.0
    conds = [
        Conditions(
            ambient_temp_c=float(samples.temp_c[s]),
            payload_kg=cond.payload_kg,
            hvac_w=float(hvac[s]),
            initial_soc=0.8,
            trailer_kg=cond.trailer_kg,
            trailer_cda_m2=trailer_cda,
        )
        for s in range(n_s)
    ]
    cases = [
        Case(params, conds[s], traces[(k, int(samples.speed_level[s]))])
        for k in cls
        for s in range(n_s)
    ]
    nominal = conds[0]
    flat_nom = [(k, lv) for k in cls for lv in levels] if graded else []
    cases += [Case(params, nominal, traces[key]) for key in flat_nom]
    cases += [Case(params, nominal, graded_traces[(r, lv)]) for r, _, _ in graded for lv in levels]
    res = run_batch(cases)
    per_m = res.energy_terminal_j / np.maximum(res.distance_m, 1e-9)
    n_flat = len(cls) * n_s
    table = np.zeros((N_ROWS, n_s))
    table[cls, :] = per_m[:n_flat].reshape(len(cls), n_s) * samples.model[None, :]
    if graded:
        n_lv = len(levels)
        flat0 = per_m[n_flat : n_flat + len(flat_nom)].reshape(len(cls), n_lv)
        up = per_m[n_flat + len(flat_nom) :].reshape(len(graded), n_lv)
        lv_idx = np.searchsorted(levels, samples.speed_level)
        for gi, (r, k, _) in enumerate(graded):
            ki = cls.index(k)
            extra = up[gi] - flat0[ki]
            table[r, :] = table[k, :] + extra[lv_idx] * samples.model
    return ConsumptionTable(
        j_per_m=table,
        samples=samples,
        hvac_w=hvac,
        battery_j=spec.usable_battery_kwh * 3.6e6,
    )
