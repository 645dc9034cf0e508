"""Charge time between any two SOC levels at a charger of a given power, from the charging
model (:mod:`evtwin.charging`): one batched session per charger power from 0 to 100 %, with
the car's non-linear curve, the charger's current and voltage class (units up to 100 kW are
taken as 400 V class, where an 800 V car charges through its boost converter) and
preconditioning before DC stops below 20 °C. Charge time from a to b is t(b) - t(a).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.charging import ChargeRequest, car_charge_params, dc_charger, simulate_sessions
from evtwin.vehicles import VehicleSpec

__all__ = ["SOC_STEP", "charge_curves", "charge_matrix"]

FloatArray = npt.NDArray[np.float64]
SOC_STEP = 0.01
"""The planner's SOC grid (1 %)."""

_CURVES: dict[tuple[str, tuple[float, ...], float], Any] = {}
_CURVES_MAX = 32
_CURVES_LOCK = threading.Lock()


def charge_curves(
    spec: VehicleSpec, powers_kw: list[float], temp_c: float
) -> tuple[dict[float, FloatArray], dict[float, float], bool]:
    """Charge time (s) from 0 % to each grid level, per charger power, from the charging
    model's non-linear curve (one batched session per power class). Remembered per car
    (its spec, by value), powers and temperature: the session model is the costly part."""
    key = (repr(spec), tuple(powers_kw), temp_c)
    with _CURVES_LOCK:
        found = _CURVES.get(key)
    if found is None:
        found = _simulate_curves(spec, powers_kw, temp_c)
        with _CURVES_LOCK:
            if len(_CURVES) >= _CURVES_MAX:
                _CURVES.pop(next(iter(_CURVES)))
            _CURVES[key] = found
    result: tuple[dict[float, FloatArray], dict[float, float], bool] = found
    return result


def _simulate_curves(
    spec: VehicleSpec, powers_kw: list[float], temp_c: float
) -> tuple[dict[float, FloatArray], dict[float, float], bool]:
    car = car_charge_params(spec)
    levels = np.arange(0.0, 1.0 + SOC_STEP / 2, SOC_STEP)
    reqs = []
    for kw in powers_kw:
        vclass = 400 if kw <= 100.0 else 800
        reqs.append(
            ChargeRequest(
                car=car,
                charger=dc_charger(kw, vclass),
                from_soc=0.0,
                to_soc=1.0,
                battery_temp_c=max(temp_c, -20.0),
                ambient_temp_c=temp_c,
                precondition=temp_c < 20.0,
            )
        )
    out: dict[float, FloatArray] = {}
    peak: dict[float, float] = {}
    for kw, res in zip(powers_kw, simulate_sessions(reqs), strict=True):
        tr = res.trace
        soc, t = np.maximum.accumulate(tr.soc), tr.time_s - tr.time_s[0]
        curve = np.interp(levels, soc, t, right=math.inf)
        out[kw] = curve
        peak[kw] = float(res.peak_kw)
    return out, peak, car.is_high_voltage


def charge_matrix(curve: FloatArray) -> FloatArray:
    c = curve[None, :] - curve[:, None]
    m = len(curve)
    return np.where(np.triu(np.ones((m, m), dtype=bool), 1), c, math.inf)
