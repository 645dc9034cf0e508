"""Lumped pack thermal model: cells + coolant loop as one heat capacity.

``C dT/dt = I^2 R + eta_h P_heater - Q_chiller - UA (T - T_ambient)``

- the heater (PTC coolant heater, or the heat pump) and the chiller are electric loads on the
  HV bus, each with a power limit; the chiller moves heat with a coefficient of performance;
- both run as proportional controllers over a small band (``band_k``) around their set
  points, as a BMS thermal controller does;
- ``UA`` is the pack's heat loss to ambient through its enclosure.

Lumped-capacitance modelling of battery packs: Bernardi, Pawlikowski & Newman,
J. Electrochem. Soc. 132 (1985) 5 (heat generation), Incropera ch. 5 (lumped capacitance).
All functions are pure and broadcast over numpy arrays (vehicles x conditions): every field
of :class:`ThermalParams` may be a float or an array over the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.errors import ChargingError

__all__ = [
    "ThermalLoads",
    "ThermalParams",
    "advance_temperature",
    "precondition_cost",
    "thermal_loads",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | FloatArray


@dataclass(frozen=True, kw_only=True, slots=True)
class ThermalParams:
    """Pack thermal-management limits and set points (units in names). Estimates."""

    heater_power_w: ArrayLike
    heater_efficiency: ArrayLike
    chiller_heat_w: ArrayLike
    """Most heat the chiller removes from the pack (W thermal)."""
    chiller_cop: ArrayLike
    ua_w_per_k: ArrayLike
    heat_target_c: ArrayLike
    """The BMS heats the pack up to this while fast charging or preconditioning."""
    cool_on_c: ArrayLike
    band_k: ArrayLike


@dataclass(frozen=True, slots=True)
class ThermalLoads:
    """What the thermal controller asks for at the present temperature (W)."""

    heater_w: FloatArray
    """Electric power of the heater."""
    chiller_heat_w: FloatArray
    """Heat the chiller removes from the pack."""
    chiller_w: FloatArray
    """Electric power of the chiller (compressor)."""


def thermal_loads(
    temp_c: FloatArray, heating_enabled: npt.NDArray[np.bool_], params: ThermalParams
) -> ThermalLoads:
    """Heater and chiller demand of a proportional controller at ``temp_c`` (pure)."""
    heat_need = np.clip((params.heat_target_c - temp_c) / params.band_k, 0.0, 1.0)
    heater = np.where(heating_enabled, heat_need * params.heater_power_w, 0.0)
    cool_need = np.clip((temp_c - params.cool_on_c) / params.band_k, 0.0, 1.0)
    chiller_heat = cool_need * params.chiller_heat_w
    return ThermalLoads(
        heater_w=np.asarray(heater, dtype=np.float64),
        chiller_heat_w=np.asarray(chiller_heat, dtype=np.float64),
        chiller_w=np.asarray(chiller_heat / params.chiller_cop, dtype=np.float64),
    )


def advance_temperature(
    *,
    temp_c: FloatArray,
    joule_heat_w: FloatArray,
    heater_w: FloatArray,
    chiller_heat_w: FloatArray,
    ambient_c: FloatArray,
    heat_capacity_j_per_k: FloatArray,
    params: ThermalParams,
    dt_s: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """New pack temperature after ``dt_s`` (explicit Euler) and the net heat in (W)."""
    q = (
        joule_heat_w
        + params.heater_efficiency * heater_w
        - chiller_heat_w
        - params.ua_w_per_k * (temp_c - ambient_c)
    )
    new_t = temp_c + q * dt_s / heat_capacity_j_per_k
    return np.asarray(new_t, dtype=np.float64), np.asarray(q, dtype=np.float64)


def precondition_cost(
    *,
    temp_c: ArrayLike,
    target_c: ArrayLike,
    ambient_c: ArrayLike,
    heat_capacity_j_per_k: ArrayLike,
    params: ThermalParams,
) -> tuple[FloatArray, FloatArray]:
    """Electric energy (J) and time (s) to heat a pack from ``temp_c`` to ``target_c``.

    The heater runs at full power; the loss to ambient is taken at the mean temperature of
    the warm-up (first-order closed form of the lumped model). A pack already at or above
    the target costs nothing.
    """
    t0 = np.asarray(temp_c, dtype=np.float64)
    t1 = np.maximum(np.asarray(target_c, dtype=np.float64), t0)
    heat_j = np.asarray(heat_capacity_j_per_k, dtype=np.float64) * (t1 - t0)
    loss_w = params.ua_w_per_k * np.maximum(0.5 * (t0 + t1) - np.asarray(ambient_c), 0.0)
    net_w = np.asarray(params.heater_efficiency * params.heater_power_w - loss_w)
    if np.any(net_w <= 0.0):
        raise ChargingError(
            "the pack heater cannot overcome the pack's heat loss to ambient: "
            "preconditioning would never reach its target"
        )
    time_s = heat_j / net_w
    energy_j = time_s * params.heater_power_w
    return np.asarray(energy_j, dtype=np.float64), np.asarray(time_s, dtype=np.float64)
