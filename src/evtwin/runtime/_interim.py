"""The interfaces of the runtime's charging and cabin physics, and the interim rules.

The twin uses ``evtwin.charging``'s and ``evtwin.climate``'s models through
:class:`ChargePowerModel` and :class:`CabinModel` (adapters in :mod:`evtwin.runtime._models`).
The **interim** rules below came first, as placeholders; they stay as simple, hand-checkable
alternatives (``build_twin(charge_model=..., cabin_model=...)``):

- charging: power into the pack = min(charger power, the car's limit — ``dc_peak_power_kw``
  for DC, ``ac_onboard_kw`` for AC) × an SOC taper (flat to 80 %, falling linearly to 10 %
  of that at 100 %), × wall-to-pack efficiency for AC (the engine's calibrated constant) or
  :data:`DC_CHARGE_EFFICIENCY` for DC;
- cabin: one lumped air-and-interior heat capacity losing heat to ambient through one
  conductance, heated or cooled by an HVAC whose thermal power follows a proportional
  controller, bounded by a maximum, with a coefficient of performance turning thermal into
  electric power (heat pump or PTC heater, A/C).

Every number here is an assumption, named and explained beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Protocol

__all__ = [
    "CABIN_HEAT_CAPACITY_J_PER_K",
    "CABIN_UA_W_PER_K",
    "DC_CHARGE_EFFICIENCY",
    "TAPER_START_SOC",
    "CabinModel",
    "CabinStep",
    "ChargePlanner",
    "ChargePowerModel",
    "InterimCabin",
    "InterimChargePower",
    "PlannedCharge",
]

TAPER_START_SOC: Final = 0.80
"""SOC above which charge power tapers (assumption: typical CC/CV knee of NMC packs)."""
TAPER_END_FRACTION: Final = 0.10
"""Fraction of full power left at 100 % SOC (assumption)."""
DC_CHARGE_EFFICIENCY: Final = 0.95
"""DC charger terminal → pack chemistry (assumption: cable and pack resistive losses)."""

CABIN_HEAT_CAPACITY_J_PER_K: Final = 120_000.0
"""Cabin air plus the interior surfaces that follow it within minutes (assumption: ~3 m³ of
air is ~4 kJ/K; seats, trim and glass add ~100+ kJ/K in compact-SUV cabin models)."""
CABIN_UA_W_PER_K: Final = 45.0
"""Cabin-to-ambient conductance, parked, windows closed (assumption: 30-60 W/K reported for
compact cars' cabins)."""
HEAT_MAX_W: Final = 6_000.0
"""Peak thermal heating power (assumption: 5-7 kW HVAC heaters in this class)."""
COOL_MAX_W: Final = 4_500.0
"""Peak thermal cooling power (assumption)."""
CONTROL_TIME_S: Final = 300.0
"""The controller aims to close the set-point error in about five minutes (assumption)."""
BLOWER_W: Final = 150.0
"""Blower and controls while the HVAC runs (assumption)."""
HEAT_PUMP_COP: Final = 2.0
"""Heat pump coefficient of performance when it works (assumption; falls in deep cold)."""
HEAT_PUMP_MIN_AMBIENT_C: Final = -10.0
"""Below this the heat pump hands over to the PTC heater, COP 1 (assumption)."""
AC_COP: Final = 2.5
"""Air-conditioning coefficient of performance (assumption)."""
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
class InterimChargePower:
    """The interim rule (see module docstring)."""

    dc_limit_w: float
    ac_limit_w: float
    ac_efficiency: float

    def taper(self, soc: float) -> float:
        if soc <= TAPER_START_SOC:
            return 1.0
        x = min(1.0, (soc - TAPER_START_SOC) / (1.0 - TAPER_START_SOC))
        return 1.0 - (1.0 - TAPER_END_FRACTION) * x

    def pack_power_w(
        self, *, soc: float, charger_w: float, dc: bool, battery_temp_c: float = 25.0
    ) -> float:
        limit = self.dc_limit_w if dc else self.ac_limit_w
        efficiency = DC_CHARGE_EFFICIENCY if dc else self.ac_efficiency
        return max(0.0, min(charger_w, limit) * self.taper(soc) * efficiency)


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
    ) -> CabinStep:
        """Advance ``dt_s`` seconds. ``setpoint_c`` None = HVAC off (the cabin drifts to
        ambient); ``power_fraction`` < 1 is the eco setting (a lower HVAC power ceiling);
        ``speed_mps`` the car's speed (a moving car loses more heat)."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class InterimCabin:
    """Lumped cabin (see module docstring): C dT/dt = Q_hvac − UA (T − T_ambient)."""

    heat_pump: bool
    heat_capacity_j_per_k: float = CABIN_HEAT_CAPACITY_J_PER_K
    ua_w_per_k: float = CABIN_UA_W_PER_K

    def _cop_heat(self, ambient_temp_c: float) -> float:
        return HEAT_PUMP_COP if self.heat_pump and ambient_temp_c > HEAT_PUMP_MIN_AMBIENT_C else 1.0

    def step(
        self,
        *,
        cabin_temp_c: float,
        ambient_temp_c: float,
        setpoint_c: float | None,
        power_fraction: float,
        dt_s: float,
        speed_mps: float = 0.0,
    ) -> CabinStep:
        c, ua = self.heat_capacity_j_per_k, self.ua_w_per_k
        if setpoint_c is None or dt_s <= 0:
            # Off: exact exponential relaxation to ambient.
            t = ambient_temp_c + (cabin_temp_c - ambient_temp_c) * math.exp(-ua * dt_s / c)
            return CabinStep(cabin_temp_c=t, hvac_electric_w=0.0, cooling=False)
        n = max(1, math.ceil(dt_s / SUBSTEP_S))
        h = dt_s / n
        temp, energy_j, cooling = cabin_temp_c, 0.0, False
        for _ in range(n):
            # Hold the loss at the set point plus close the error in CONTROL_TIME_S.
            q = ua * (setpoint_c - ambient_temp_c) + c * (setpoint_c - temp) / CONTROL_TIME_S
            q = min(max(q, -COOL_MAX_W * power_fraction), HEAT_MAX_W * power_fraction)
            if q >= 0:
                electric = q / self._cop_heat(ambient_temp_c)
            else:
                electric = -q / AC_COP
                cooling = True
            energy_j += (electric + BLOWER_W) * h
            # Exact step of the linear ODE with q held over the substep.
            t_eq = ambient_temp_c + q / ua
            temp = t_eq + (temp - t_eq) * math.exp(-ua * h / c)
        return CabinStep(cabin_temp_c=temp, hvac_electric_w=energy_j / dt_s, cooling=cooling)
