"""HVAC electric power: heat pump with a COP falling with ambient, PTC backup, A/C, comfort.

:func:`hvac_power` turns a climate setting and the conditions (ambient, speed, sun) into the
electric power the climate system draws from the HV battery — the ``hvac_w`` of the drive
engine (:class:`evtwin.sim.conditions.Conditions`). Heating: the heat pump (if the car has
one and it is warm enough) covers what it can at ``COP(T_amb)``, the PTC heater the rest.
Cooling: the A/C removes the sensible load plus the latent load of the outside air at
``COP(T_amb)``. Within a dead band around the set point only the blower runs. Seat and
steering-wheel heaters add their own power (cheap comfort: they warm the occupant directly).
All functions are pure and broadcast over numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.climate.cabin import (
    CabinParams,
    cabin_heat_load_w,
    cabin_params,
    envelope_ua_w_per_k,
    warmup_heat_j,
)
from evtwin.climate.constants import ClimateConstants, default_climate_constants
from evtwin.errors import ClimateError
from evtwin.vehicles import VehicleSpec

__all__ = [
    "ClimateSetting",
    "HvacPower",
    "ac_cop",
    "effective_setpoint_c",
    "heat_pump_capacity_w",
    "heat_pump_cop",
    "hvac_power",
    "mean_hvac_power_w",
    "vehicle_hvac_w",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | FloatArray


@dataclass(frozen=True, kw_only=True, slots=True)
class ClimateSetting:
    """What the driver asks for. ``cabin_temp_c`` None: climate off (no blower either)."""

    cabin_temp_c: float | None = 21.0
    heat_pump: bool = False
    """Whether the car has (and uses) a heat pump."""
    seat_heaters: int = 0
    wheel_heater: bool = False
    recirculation: float = 0.0
    """Share of cabin air recirculated instead of drawn from outside (0..0.8)."""
    occupants: int = 1
    passenger_temp_c: float | None = None
    """Dual zone: the passenger side's set point (None: one zone at ``cabin_temp_c``)."""
    eco: bool = False
    """Eco climate: set point nearer ambient, more recirculation, gentler blower."""

    def __post_init__(self) -> None:
        if self.cabin_temp_c is not None and (
            not math.isfinite(self.cabin_temp_c) or not 14.0 <= self.cabin_temp_c <= 30.0
        ):
            raise ClimateError(f"cabin set point = {self.cabin_temp_c:g} °C is outside 14..30 °C")
        if not 0 <= self.seat_heaters <= 5:
            raise ClimateError(f"seat heaters = {self.seat_heaters} is outside 0..5 seats")
        if not 0.0 <= self.recirculation <= 0.8:
            raise ClimateError(
                f"recirculation = {self.recirculation:g} is outside 0..0.8 (share of air; "
                "some outside air is always needed against fogging)"
            )
        if not 1 <= self.occupants <= 7:
            raise ClimateError(f"occupants = {self.occupants} is outside 1..7")
        if self.passenger_temp_c is not None:
            if self.cabin_temp_c is None:
                raise ClimateError("a passenger set point needs the driver's (cabin_temp_c)")
            if (
                not math.isfinite(self.passenger_temp_c)
                or not 14.0 <= self.passenger_temp_c <= 30.0
            ):
                raise ClimateError(
                    f"passenger set point = {self.passenger_temp_c:g} °C is outside 14..30 °C"
                )


@dataclass(frozen=True, slots=True)
class HvacPower:
    """Electric power (W) of each part, and the cabin heat load it answers."""

    total_w: FloatArray
    heat_pump_w: FloatArray
    ptc_w: FloatArray
    ac_w: FloatArray
    blower_w: FloatArray
    comfort_w: FloatArray
    heat_load_w: FloatArray
    """Sensible heat the cabin needs (>0 heating, <0 cooling)."""


def effective_setpoint_c(
    setting: ClimateSetting, ambient_c: ArrayLike, c: ClimateConstants | None = None
) -> FloatArray:
    """Cabin air temperature the system holds: zone mean, moved towards ambient in eco."""
    k = c if c is not None else default_climate_constants()
    if setting.cabin_temp_c is None:
        raise ClimateError("climate is off: no set point")
    sp = setting.cabin_temp_c
    if setting.passenger_temp_c is not None:
        sp = 0.5 * (sp + setting.passenger_temp_c)
    t = np.asarray(ambient_c, dtype=np.float64)
    if not setting.eco:
        return np.asarray(np.full_like(t, sp), dtype=np.float64)
    gap = sp - t
    shift = np.sign(gap) * np.minimum(np.abs(gap), k.eco_setpoint_offset_k)
    return np.asarray(sp - shift, dtype=np.float64)


def heat_pump_cop(ambient_c: ArrayLike, c: ClimateConstants | None = None) -> FloatArray:
    """Heating COP of the heat pump at ``ambient_c`` (0 where it cannot run).

    Linear in ambient, floored; in the frosting band (-8.3..7.2 °C) lowered by the frost
    and defrost degradation of AHRI 210/240 (capacity x 0.90, power x 0.985).
    """
    k = c if c is not None else default_climate_constants()
    t = np.asarray(ambient_c, dtype=np.float64)
    cop = np.maximum(k.hp_cop_at_0c + k.hp_cop_slope_per_k * t, k.hp_cop_min)
    cop = cop * np.where(_frosting(t, k), k.hp_frost_capacity_factor / k.hp_frost_power_factor, 1.0)
    return np.asarray(np.where(t >= k.hp_min_ambient_c, cop, 0.0), dtype=np.float64)


def _frosting(t: FloatArray, k: ClimateConstants) -> npt.NDArray[np.bool_]:
    """Where the outdoor heat exchanger frosts and defrosts (AHRI 210/240 band)."""
    return np.asarray((t >= k.hp_frost_min_c) & (t <= k.hp_frost_max_c))


def heat_pump_capacity_w(ambient_c: ArrayLike, c: ClimateConstants | None = None) -> FloatArray:
    """Heat (W) the heat pump can deliver at ``ambient_c`` (0 below its limit)."""
    k = c if c is not None else default_climate_constants()
    t = np.asarray(ambient_c, dtype=np.float64)
    cap = k.hp_capacity_at_0c_w * np.clip(
        1.0 + k.hp_capacity_slope_per_k * np.minimum(t, 0.0), 0, 1
    )
    cap = cap * np.where(_frosting(t, k), k.hp_frost_capacity_factor, 1.0)
    return np.asarray(np.where(t >= k.hp_min_ambient_c, cap, 0.0), dtype=np.float64)


def ac_cop(ambient_c: ArrayLike, c: ClimateConstants | None = None) -> FloatArray:
    """Cooling COP of the A/C at ``ambient_c``."""
    k = c if c is not None else default_climate_constants()
    t = np.asarray(ambient_c, dtype=np.float64)
    return np.asarray(
        np.maximum(k.ac_cop_at_25c + k.ac_cop_slope_per_k * (t - 25.0), k.ac_cop_min),
        dtype=np.float64,
    )


def hvac_power(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: ArrayLike,
    speed_mps: ArrayLike = 0.0,
    solar_w_per_m2: ArrayLike = 0.0,
    constants: ClimateConstants | None = None,
) -> HvacPower:
    """Steady-state electric power of the climate system (W), per part."""
    k = constants if constants is not None else default_climate_constants()
    t_amb = np.asarray(ambient_c, dtype=np.float64)
    bad = ~np.isfinite(t_amb) | (t_amb < -40.0) | (t_amb > 55.0)
    if np.any(bad):
        raise ClimateError(
            f"ambient temperature = {float(t_amb[bad].flat[0]):g} °C is outside -40..55 °C"
        )
    zero = np.zeros_like(t_amb + np.asarray(speed_mps) + np.asarray(solar_w_per_m2))
    comfort = (
        zero
        + setting.seat_heaters * k.seat_heater_w
        + (k.wheel_heater_w if setting.wheel_heater else 0.0)
    )
    if setting.cabin_temp_c is None:
        return HvacPower(comfort, zero, zero, zero, zero, comfort, zero)
    sp = effective_setpoint_c(setting, t_amb, k)
    recirc = (
        max(setting.recirculation, k.eco_min_recirculation)
        if setting.eco
        else (setting.recirculation)
    )
    q = cabin_heat_load_w(
        cabin,
        ambient_c=t_amb,
        setpoint_c=sp,
        speed_mps=speed_mps,
        solar_w_per_m2=solar_w_per_m2,
        occupants=float(setting.occupants),
        recirculation=recirc,
    )
    # dead band: the cabin may drift dead_band_k from the set point before heating/cooling
    fresh = cabin.fresh_air_kg_per_s * (1.0 - recirc)
    conductance = envelope_ua_w_per_k(cabin, speed_mps) + fresh * cabin.air_cp_j_per_kgk
    heat = np.maximum(q - conductance * k.dead_band_k, 0.0)
    cool = np.maximum(-q - conductance * k.dead_band_k, 0.0)
    if setting.passenger_temp_c is not None:
        mixing = k.zone_mixing_w_per_k * abs(setting.cabin_temp_c - setting.passenger_temp_c)
        heat = np.where(heat > 0.0, heat + mixing, heat)
        cool = np.where(cool > 0.0, cool + mixing, cool)
    if setting.heat_pump:
        hp_heat = np.minimum(heat, heat_pump_capacity_w(t_amb, k))
        cop = heat_pump_cop(t_amb, k)
        hp_w = np.divide(hp_heat, cop, out=np.zeros_like(hp_heat), where=cop > 0)
    else:
        hp_heat = zero
        hp_w = zero
    ptc_w = (heat - hp_heat) / k.ptc_efficiency
    latent = np.where(
        cool > 0.0,
        k.latent_cooling_factor * fresh * cabin.air_cp_j_per_kgk * np.maximum(t_amb - sp, 0.0),
        0.0,
    )
    ac_w = (cool + latent) / ac_cop(t_amb, k)
    blower = zero + k.blower_w * (k.eco_blower_factor if setting.eco else 1.0)
    total = hp_w + ptc_w + ac_w + blower + comfort
    return HvacPower(
        total_w=np.asarray(total, dtype=np.float64),
        heat_pump_w=np.asarray(hp_w + zero, dtype=np.float64),
        ptc_w=np.asarray(ptc_w, dtype=np.float64),
        ac_w=np.asarray(ac_w, dtype=np.float64),
        blower_w=np.asarray(blower, dtype=np.float64),
        comfort_w=np.asarray(comfort, dtype=np.float64),
        heat_load_w=q,
    )


def mean_hvac_power_w(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: ArrayLike,
    duration_s: ArrayLike,
    speed_mps: ArrayLike = 0.0,
    solar_w_per_m2: ArrayLike = 0.0,
    soak_c: ArrayLike | None = None,
    constants: ClimateConstants | None = None,
) -> FloatArray:
    """Mean electric HVAC power (W) over a trip of ``duration_s`` from a soaked cabin.

    Steady-state power plus the warm-up (or cool-down) of the cabin's thermal mass from
    ``soak_c`` (default: ambient). A cool-down, or a warm-up without a heat pump, is
    delivered at the steady state's mean efficiency (heat per electric W); a warm-up with a
    heat pump runs at full output, as the time-stepped controller does: the heat pump's
    capacity beyond the steady load at its COP, the PTC heater the rest. A constant for the
    engine's ``hvac_w``.
    """
    k = constants if constants is not None else default_climate_constants()
    p = hvac_power(
        cabin,
        setting,
        ambient_c=ambient_c,
        speed_mps=speed_mps,
        solar_w_per_m2=solar_w_per_m2,
        constants=k,
    )
    dur = np.asarray(duration_s, dtype=np.float64)
    if np.any(dur <= 0.0):
        raise ClimateError(f"trip duration = {float(dur[dur <= 0.0].flat[0]):g} s must be positive")
    if setting.cabin_temp_c is None:
        return p.total_w
    soak = ambient_c if soak_c is None else soak_c
    sp = effective_setpoint_c(setting, ambient_c, k)
    e_heat = np.abs(warmup_heat_j(cabin, soak_c=soak, setpoint_c=sp))
    active = p.heat_pump_w + p.ptc_w + p.ac_w
    delivered = np.abs(p.heat_load_w)
    # electric W per W of heat moved at this operating point (PTC-like 1/eta when idle)
    per_heat = np.divide(
        active, delivered, out=np.full_like(active, 1.0 / k.ptc_efficiency), where=delivered > 1.0
    )
    per_heat = np.where(active > 0.0, per_heat, 1.0 / k.ptc_efficiency)
    if setting.heat_pump:
        # a warm-up runs at full output (as the time-stepped controller does): the heat
        # pump's capacity left over from the steady load at its COP, the PTC the rest
        t = np.asarray(ambient_c, dtype=np.float64)
        cap = heat_pump_capacity_w(t, k)
        cop = heat_pump_cop(t, k)
        spare = np.maximum(cap - np.minimum(np.maximum(p.heat_load_w, 0.0), cap), 0.0)
        extra = np.maximum(spare + k.ptc_max_w * k.ptc_efficiency, 1.0)
        hp_share = spare / extra
        warm = (
            hp_share
            * np.divide(1.0, cop, out=np.full_like(cop, 1.0 / k.ptc_efficiency), where=cop > 0)
            + (1.0 - hp_share) / k.ptc_efficiency
        )
        warming = np.asarray(warmup_heat_j(cabin, soak_c=soak, setpoint_c=sp)) > 0.0
        per_heat = np.where(warming, warm, per_heat)
    return np.asarray(p.total_w + e_heat * per_heat / dur, dtype=np.float64)


def vehicle_hvac_w(
    spec: VehicleSpec,
    *,
    ambient_c: float,
    cabin_temp_c: float | None,
    speed_mps: float,
    solar_w_per_m2: float = 0.0,
    heat_pump: bool | None = None,
    seat_heat: bool = False,
    duration_s: float | None = None,
    constants: ClimateConstants | None = None,
) -> float:
    """The constant ``hvac_w`` (W) for the drive engine: one car, one set of conditions.

    ``heat_pump`` None uses the spec's ``heat_pump`` (missing: no heat pump, the
    conservative rule). ``seat_heat`` switches on the driver's seat and the steering wheel.
    With ``duration_s`` the cabin warm-up from a soak at ambient is spread over the trip
    (:func:`mean_hvac_power_w`); without it the answer is the steady state.
    """
    setting = ClimateSetting(
        cabin_temp_c=cabin_temp_c,
        heat_pump=bool(spec.heat_pump) if heat_pump is None else heat_pump,
        seat_heaters=1 if seat_heat else 0,
        wheel_heater=seat_heat,
    )
    cabin = cabin_params(spec, constants)
    if duration_s is None:
        p = hvac_power(
            cabin,
            setting,
            ambient_c=ambient_c,
            speed_mps=speed_mps,
            solar_w_per_m2=solar_w_per_m2,
            constants=constants,
        )
        return float(p.total_w)
    return float(
        mean_hvac_power_w(
            cabin,
            setting,
            ambient_c=ambient_c,
            duration_s=duration_s,
            speed_mps=speed_mps,
            solar_w_per_m2=solar_w_per_m2,
            constants=constants,
        )
    )
