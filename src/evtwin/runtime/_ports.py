"""The interfaces of the runtime's charging and cabin physics, and their shared settings.

The twin uses ``evtwin.charging``'s and ``evtwin.climate``'s models through
:class:`ChargePowerModel`, :class:`ChargePlanner` and :class:`CabinModel` (the adapters are in
:mod:`evtwin.runtime._models`); a test may pass a small fake of its own instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

__all__ = [
    "ECO_POWER_FRACTION",
    "SUBSTEP_S",
    "CabinModel",
    "CabinStep",
    "ChargePlanner",
    "ChargePowerModel",
    "PlannedCharge",
]

ECO_POWER_FRACTION: Final = 0.7
"""HVAC power ceiling in a mode with ``hvac_eco`` (assumption)."""
SUBSTEP_S: Final = 10.0
"""Longest explicit integration step of the cabin model."""


class ChargePowerModel(Protocol):
    """How much power the pack accepts now."""

    def pack_power_w(
        self, *, soc: float, charger_w: float, dc: bool, battery_temp_c: float
    ) -> float:
        """Power into the pack (W, >= 0) at ``soc`` (0-1) from a charger offering
        ``charger_w`` (W); ``dc`` True for a DC charger, False for AC; the pack at
        ``battery_temp_c`` (°C)."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedCharge:
    """Charging windows (twin time, s since the epoch) and the energy they put in (kWh)."""

    windows: tuple[tuple[float, float], ...]
    energy_kwh: float


class ChargePlanner(Protocol):
    """When to charge so the pack reaches ``limit`` by ``ready_by_s``."""

    def plan(
        self,
        *,
        mode: str,
        now_s: float,
        ready_by_s: float,
        soc: float,
        limit: float,
        charger_w: float,
        battery_temp_c: float,
    ) -> PlannedCharge:
        """Windows for plan ``mode`` (READY_BY or CHEAPEST) on an AC supply of ``charger_w``;
        raises :class:`~evtwin.errors.ChargingError` when no plan can reach the limit."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class CabinStep:
    """Cabin temperature after a step and the mean electric HVAC power over it."""

    cabin_temp_c: float
    hvac_electric_w: float
    cooling: bool
    heat_pump_w: float = 0.0
    """Mean electric power of the heat pump's compressor (heating, or cooling on a car whose
    heat pump is its air conditioner); 0 without one."""
    heat_pump_fitted: bool = False


class CabinModel(Protocol):
    """Cabin temperature and the HVAC's electric draw."""

    def step(
        self,
        *,
        cabin_temp_c: float,
        ambient_temp_c: float,
        setpoint_c: float | None,
        power_fraction: float,
        dt_s: float,
        speed_mps: float = 0.0,
        occupied: bool = True,
    ) -> CabinStep:
        """Advance ``dt_s`` seconds. ``setpoint_c`` None = HVAC off (the cabin drifts to
        ambient); ``power_fraction`` < 1 is the eco setting; ``speed_mps`` the car's speed (a
        moving car loses more heat); ``occupied`` False: nobody aboard and the car asleep
        (preconditioning, parked), so no occupant or electronics heat."""
        ...
