"""Cabin thermal model: envelope, ventilation, solar, occupants, thermal mass.

Heat the climate system must *add* to hold the cabin at its set point ``T_set`` (negative:
heat it must remove), steady state::

    Q = UA(v) (T_set - T_amb) + m_fresh c_p (T_set - T_amb) - Q_solar - Q_people - Q_internal

- envelope ``UA(v) = A / (1/h_in + R_wall + 1/h_out(v))`` with the McAdams outside film
  coefficient ``h_out = 5.7 + 3.8 v`` (W/(m² K), v in m/s): a moving car loses more heat;
- ventilation: outside air at ``m_fresh (1 - recirculation)`` is brought to the set point;
- solar: irradiance on the glazing times a gain fraction.

Warming (or cooling) the cabin's thermal mass from soak is a one-off energy
:func:`warmup_heat_j`. Lumped-capacitance cabin models: e.g. Kambly & Bradley, J. Power
Sources 275 (2015) 468; Torregrosa-Jaime et al., Appl. Therm. Eng. 2015.
All functions are pure and broadcast over numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.climate.constants import ClimateConstants, default_climate_constants
from evtwin.vehicles import VehicleSpec, frontal_area

__all__ = [
    "CabinParams",
    "cabin_heat_load_w",
    "cabin_params",
    "envelope_ua_w_per_k",
    "warmup_heat_j",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | FloatArray


@dataclass(frozen=True, kw_only=True, slots=True)
class CabinParams:
    """One cabin (SI). Built from a spec by :func:`cabin_params`; all values estimates."""

    envelope_area_m2: float
    glass_area_m2: float
    h_inside_w_per_m2k: float
    wall_resistance_m2k_per_w: float
    h_outside_w_per_m2k: float
    h_outside_w_per_m2k_per_mps: float
    thermal_mass_j_per_k: float
    fresh_air_kg_per_s: float
    air_cp_j_per_kgk: float
    solar_gain_fraction: float
    occupant_heat_w: float
    internal_heat_w: float


def cabin_params(spec: VehicleSpec, constants: ClimateConstants | None = None) -> CabinParams:
    """Cabin of ``spec``: envelope scaled by the car's frontal area (rule, estimate)."""
    c = constants if constants is not None else default_climate_constants()
    area = c.envelope_area_per_frontal_m2 * frontal_area(spec).value
    return CabinParams(
        envelope_area_m2=area,
        glass_area_m2=c.glass_fraction * area,
        h_inside_w_per_m2k=c.h_inside_w_per_m2k,
        wall_resistance_m2k_per_w=c.wall_resistance_m2k_per_w,
        h_outside_w_per_m2k=c.h_outside_w_per_m2k,
        h_outside_w_per_m2k_per_mps=c.h_outside_w_per_m2k_per_mps,
        thermal_mass_j_per_k=c.thermal_mass_j_per_k,
        fresh_air_kg_per_s=c.fresh_air_kg_per_s,
        air_cp_j_per_kgk=c.air_cp_j_per_kgk,
        solar_gain_fraction=c.solar_gain_fraction,
        occupant_heat_w=c.occupant_heat_w,
        internal_heat_w=c.internal_heat_w,
    )


def envelope_ua_w_per_k(cabin: CabinParams, speed_mps: ArrayLike) -> FloatArray:
    """Envelope conductance (W/K) at vehicle speed ``speed_mps`` (series film resistances)."""
    v = np.maximum(np.asarray(speed_mps, dtype=np.float64), 0.0)
    h_out = cabin.h_outside_w_per_m2k + cabin.h_outside_w_per_m2k_per_mps * v
    r = 1.0 / cabin.h_inside_w_per_m2k + cabin.wall_resistance_m2k_per_w + 1.0 / h_out
    return np.asarray(cabin.envelope_area_m2 / r, dtype=np.float64)


def cabin_heat_load_w(
    cabin: CabinParams,
    *,
    ambient_c: ArrayLike,
    setpoint_c: ArrayLike,
    speed_mps: ArrayLike = 0.0,
    solar_w_per_m2: ArrayLike = 0.0,
    occupants: ArrayLike = 1.0,
    recirculation: ArrayLike = 0.0,
) -> FloatArray:
    """Sensible heat (W) the HVAC must add (>0) or remove (<0) to hold ``setpoint_c``."""
    dt = np.asarray(setpoint_c, dtype=np.float64) - np.asarray(ambient_c, dtype=np.float64)
    fresh = cabin.fresh_air_kg_per_s * (1.0 - np.asarray(recirculation, dtype=np.float64))
    gains = (
        cabin.solar_gain_fraction * cabin.glass_area_m2 * np.asarray(solar_w_per_m2)
        + cabin.occupant_heat_w * np.asarray(occupants)
        + cabin.internal_heat_w
    )
    q = (envelope_ua_w_per_k(cabin, speed_mps) + fresh * cabin.air_cp_j_per_kgk) * dt - gains
    return np.asarray(q, dtype=np.float64)


def warmup_heat_j(cabin: CabinParams, *, soak_c: ArrayLike, setpoint_c: ArrayLike) -> FloatArray:
    """Heat (J) to bring the cabin's thermal mass from its soak temperature to the set point.

    Positive when warming, negative when cooling down a hot-soaked cabin.
    """
    d = np.asarray(setpoint_c, dtype=np.float64) - np.asarray(soak_c, dtype=np.float64)
    return np.asarray(cabin.thermal_mass_j_per_k * d, dtype=np.float64)
