"""Parked-car climate: keep-climate modes (dog/camp) and preconditioning before departure.

- **Keep climate** holds the cabin at a set point with the car parked (speed 0): the drain is
  the steady HVAC power plus the car's own load while awake (12 V controllers, screen,
  contactors closed; ESTIMATE 250 W), reported per hour and in % of the battery per hour.
- **Preconditioning** warms (or cools) the cabin from its soak temperature to the set point
  by departure: the cabin's thermal mass plus the steady load over the warm-up, at the
  efficiency of the heat pump or PTC. Plugged in, the energy comes from the grid through the
  onboard charger (so it does not cost range); unplugged, from the battery.
Pure functions over the cabin and HVAC models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evtwin.climate.cabin import CabinParams, warmup_heat_j
from evtwin.climate.constants import ClimateConstants, default_climate_constants
from evtwin.climate.hvac import ClimateSetting, effective_setpoint_c, hvac_power
from evtwin.errors import ClimateError
from evtwin.units import J_PER_KWH

__all__ = [
    "AWAKE_LOAD_W",
    "KeepClimate",
    "Precondition",
    "keep_climate",
    "precondition_cabin",
]

AWAKE_LOAD_W = 250.0
"""Car's own load while awake and parked (controllers, screen, contactors). ESTIMATE."""


@dataclass(frozen=True, slots=True)
class KeepClimate:
    power_w: float
    kwh_per_hour: float
    percent_per_hour: float
    hours_until_empty: float
    """From the given SOC down to 0 % displayed."""


@dataclass(frozen=True, slots=True)
class Precondition:
    energy_kwh: float
    """Electric energy at the car's HV bus."""
    grid_kwh: float
    """Energy from the grid when plugged in (0 when on battery)."""
    battery_kwh: float
    """Energy from the battery (0 when plugged in)."""
    minutes: float
    """Time the warm-up (or cool-down) takes at full HVAC power."""


def keep_climate(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: float,
    usable_battery_kwh: float,
    soc: float = 1.0,
    solar_w_per_m2: float = 0.0,
    constants: ClimateConstants | None = None,
) -> KeepClimate:
    """Drain of a parked car holding the cabin at ``setting`` (dog/camp mode)."""
    if setting.cabin_temp_c is None:
        raise ClimateError("keep-climate needs a cabin set point (cabin_temp_c)")
    if not 0.0 < soc <= 1.0:
        raise ClimateError(f"SOC = {soc * 100:g} % is outside 0..100 % (above 0)")
    p = hvac_power(
        cabin,
        setting,
        ambient_c=ambient_c,
        speed_mps=0.0,
        solar_w_per_m2=solar_w_per_m2,
        constants=constants,
    )
    power = float(p.total_w) + AWAKE_LOAD_W
    kwh_h = power / 1000.0
    return KeepClimate(
        power_w=power,
        kwh_per_hour=kwh_h,
        percent_per_hour=kwh_h / usable_battery_kwh * 100.0,
        hours_until_empty=soc * usable_battery_kwh / kwh_h,
    )


def precondition_cabin(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: float,
    plugged_in: bool,
    obc_efficiency: float = 0.93,
    soak_c: float | None = None,
    constants: ClimateConstants | None = None,
) -> Precondition:
    """Energy and time to bring a soaked cabin to the set point before departure.

    The HVAC works at the steady-state efficiency of the parked car (electric W per W of
    heat moved) and at full output — twice its steady electric power, at least 3 kW
    (ESTIMATE) — until the cabin's thermal mass is at the set point, while also carrying the
    steady load. ``obc_efficiency`` turns HV-bus energy into grid energy when plugged in
    (onboard charger; the charging model's ``[ac] obc_efficiency``).
    """
    if setting.cabin_temp_c is None:
        raise ClimateError("preconditioning needs a cabin set point (cabin_temp_c)")
    k = constants if constants is not None else default_climate_constants()
    soak = ambient_c if soak_c is None else soak_c
    sp = effective_setpoint_c(setting, ambient_c, k)
    heat_j = abs(float(warmup_heat_j(cabin, soak_c=soak, setpoint_c=sp)))
    steady = hvac_power(cabin, setting, ambient_c=ambient_c, speed_mps=0.0, constants=k)
    active = float(steady.heat_pump_w + steady.ptc_w + steady.ac_w)
    moved = abs(float(steady.heat_load_w))
    per_heat = active / moved if active > 0.0 and moved > 1.0 else 1.0 / k.ptc_efficiency
    # full output while warming: the steady load's electric power doubled, at least 3 kW
    # electric (ESTIMATE for a cabin heater/compressor at full output)
    full_w = max(2.0 * active, 3000.0)
    extra_w = full_w - active
    seconds = heat_j * per_heat / extra_w if heat_j > 0 else 0.0
    energy_j = heat_j * per_heat + (active + float(steady.blower_w)) * seconds
    kwh = energy_j / J_PER_KWH
    if not 0.5 <= obc_efficiency <= 1.0:
        raise ClimateError(f"onboard charger efficiency = {obc_efficiency:g} is outside 0.5..1")
    return Precondition(
        energy_kwh=kwh,
        grid_kwh=kwh / obc_efficiency if plugged_in else 0.0,
        battery_kwh=0.0 if plugged_in else kwh,
        minutes=seconds / 60.0 if np.isfinite(seconds) else float("inf"),
    )
