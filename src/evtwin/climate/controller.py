"""Automatic climate control, time-stepped: fan stages, recirculation vs fogging, defrost, eco.

The cabin is one lumped air-and-trim node of heat capacity ``C`` (``CabinParams``) plus the
water vapour in its air. Per step the controller (pure function, explicit state):

1. **fan stage** (manual, or auto: one stage per ``fan_k_per_stage`` K of error, eco caps
   it, defrost runs the top stage) gives the air mass flow ``m`` through the HVAC unit;
2. **recirculation**: the share of cabin air sent back through the unit instead of outside
   air. Outside air must cover the occupants' CO2 (``fresh_air_per_occupant``) and carry
   their moisture away so that the cabin air's dew point stays ``fog_margin_k`` below the
   inner glass temperature (glass between cabin and outside air, film resistances of the
   cabin model): ``m_fresh >= n g / (w_sat(T_glass - margin) - w_amb)``. Auto takes as much
   recirculation as that allows (it saves heating); a requested share above it is reduced and
   the step marked ``fog_limited``. Defrost: outside air only, top fan, hottest supply air,
   and the A/C dehumidifies (cools to ``dehumidify_evaporator_c`` and the heater re-heats)
   when it is warm enough outside for the compressor;
3. **supply air temperature**: feed-forward that would hold the set point in steady state
   plus a proportional term on the error, clipped to the evaporator/heater range and to the
   heating (heat pump + PTC) or cooling (A/C) capacity;
4. **electric power**: heat pump at ``COP(T_amb)`` up to its capacity, PTC the rest, A/C on
   the sensible plus latent load, blower by the fan affinity law (power ~ flow³), seat and
   steering-wheel heaters (their heat ends in the cabin as a gain);
5. **cabin**: ``C dT/dt = m c_p (T_sup - T) - UA(v) (T - T_amb) + gains`` integrated exactly
   over the step with the inputs held (so ``T`` never overshoots the equilibrium between
   supply air, outside air and gains), and the humidity ratio
   ``M dw/dt = m_fresh (w_amb - w) + n g`` likewise.

The heat flows are integrated with the same exact solution, so
``supply - envelope + gains = C ΔT`` closes to rounding (property-tested).
Psychrometrics: Magnus formula over water (Alduchov & Eskridge, J. Appl. Meteor. 35 (1996)
601), ``w = 0.622 p / (P - p)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.climate.cabin import CabinParams, envelope_ua_w_per_k
from evtwin.climate.constants import ClimateConstants, default_climate_constants
from evtwin.climate.hvac import (
    ClimateSetting,
    ac_cop,
    effective_setpoint_c,
    heat_pump_capacity_w,
    heat_pump_cop,
)
from evtwin.errors import ClimateError
from evtwin.units import J_PER_KWH

__all__ = [
    "CabinState",
    "CabinTrace",
    "ClimateControl",
    "dew_point_c",
    "humidity_ratio",
    "simulate_cabin",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = float | FloatArray

ATM_PA = 101_325.0
_MAGNUS_A, _MAGNUS_B, _MAGNUS_C = 610.94, 17.625, 243.04


def humidity_ratio(temp_c: ArrayLike, rh: ArrayLike) -> FloatArray:
    """Water per dry air (kg/kg) of air at ``temp_c`` and relative humidity ``rh`` (0..1)."""
    t = np.asarray(temp_c, dtype=np.float64)
    p = np.asarray(rh, dtype=np.float64) * _MAGNUS_A * np.exp(_MAGNUS_B * t / (t + _MAGNUS_C))
    return np.asarray(0.622 * p / (ATM_PA - p), dtype=np.float64)


def dew_point_c(w: ArrayLike) -> FloatArray:
    """Dew point (°C) of air with humidity ratio ``w`` (kg/kg)."""
    x = np.maximum(np.asarray(w, dtype=np.float64), 1e-9)
    p = x * ATM_PA / (0.622 + x)
    g = np.log(p / _MAGNUS_A)
    return np.asarray(_MAGNUS_C * g / (_MAGNUS_B - g), dtype=np.float64)


def _w_sat(temp_c: float) -> float:
    p = _MAGNUS_A * math.exp(_MAGNUS_B * temp_c / (temp_c + _MAGNUS_C))
    return 0.622 * p / (ATM_PA - p)


@dataclass(frozen=True, kw_only=True, slots=True)
class ClimateControl:
    """The driver's climate controls for the time-stepped controller.

    ``setting`` holds the zone set points, eco, heat pump, seat/wheel heaters and occupants
    (its ``recirculation`` share is the steady-state model's and is not used here).
    ``fan_stage`` None: auto. ``recirculation`` None: auto (as much as fogging and CO2
    allow); a share 0..1 asks for that much (reduced when the glass would fog).
    """

    setting: ClimateSetting
    fan_stage: int | None = None
    recirculation: float | None = None
    defrost: bool = False

    def __post_init__(self) -> None:
        if self.fan_stage is not None and not 1 <= self.fan_stage <= 7:
            raise ClimateError(f"fan stage = {self.fan_stage} is outside 1..7")
        if self.recirculation is not None and (
            not math.isfinite(self.recirculation) or not 0.0 <= self.recirculation <= 1.0
        ):
            raise ClimateError(
                f"recirculation = {self.recirculation:g} is outside 0..1 (share of air)"
            )
        if self.defrost and self.setting.cabin_temp_c is None:
            raise ClimateError("defrost needs the climate system on (a cabin set point)")


@dataclass(frozen=True, slots=True)
class CabinState:
    """The cabin now: air-and-trim temperature (°C) and humidity ratio (kg/kg)."""

    cabin_temp_c: float
    humidity_ratio: float


@dataclass(frozen=True, slots=True)
class CabinTrace:
    """History of :func:`simulate_cabin`, one entry per step (temperatures at step end).

    Powers are step means (W); ``*_j`` totals are over the whole run.
    """

    time_s: FloatArray
    cabin_temp_c: FloatArray
    driver_temp_c: FloatArray
    passenger_temp_c: FloatArray
    supply_temp_c: FloatArray
    fan_stage: npt.NDArray[np.int64]
    recirculation: FloatArray
    fog_limited: BoolArray
    glass_temp_c: FloatArray
    dew_point_c: FloatArray
    heat_pump_w: FloatArray
    ptc_w: FloatArray
    ac_w: FloatArray
    blower_w: FloatArray
    comfort_w: FloatArray
    total_w: FloatArray
    """Electric power of the climate system from the HV bus."""
    supply_heat_w: FloatArray
    """Heat the supply air gives the cabin, m c_p (T_sup - T_cabin) (negative: cooling)."""
    envelope_loss_w: FloatArray
    """Heat lost through the envelope, UA (T_cabin - T_amb)."""
    gains_w: FloatArray
    """Sun, occupants, electronics and comfort heaters."""
    heat_capacity_j_per_k: float
    final: CabinState

    @property
    def energy_kwh(self) -> float:
        """Electric energy of the climate system over the run (kWh)."""
        dt = np.diff(np.concatenate([[0.0], self.time_s]))
        return float(np.sum(self.total_w * dt)) / J_PER_KWH


def _series(name: str, x: ArrayLike | BoolArray, n: int) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        return np.full(n, float(a))
    if a.shape != (n,):
        raise ClimateError(f"{name} has {a.size} values; expected 1 or {n} (one per step)")
    return a


def simulate_cabin(
    cabin: CabinParams,
    control: ClimateControl,
    *,
    ambient_c: ArrayLike,
    dt_s: float,
    steps: int,
    speed_mps: ArrayLike = 0.0,
    solar_w_per_m2: ArrayLike = 0.0,
    ambient_rh: ArrayLike = 0.8,
    climate_on: ArrayLike | BoolArray = 1.0,
    initial: CabinState | None = None,
    constants: ClimateConstants | None = None,
    occupied: ArrayLike | BoolArray = 1.0,
) -> CabinTrace:
    """Cabin temperature and HVAC electric power over ``steps`` steps of ``dt_s`` seconds.

    Inputs are scalars or one value per step. ``climate_on`` (per step) switches the
    climate system (fan, heating, cooling) off where false: the cabin then drifts with the
    envelope, gains and leakage; seat and wheel heaters follow it too. ``occupied`` (per
    step) false: nobody aboard and the car asleep, so no occupant or electronics heat (a
    parked, locked car). ``initial`` defaults to a cabin soaked at the first ambient
    temperature and humidity.
    """
    k = constants if constants is not None else default_climate_constants()
    if not math.isfinite(dt_s) or not 0.0 < dt_s <= 600.0:
        raise ClimateError(f"time step = {dt_s:g} s is outside (0, 600] s")
    if steps < 1:
        raise ClimateError(f"steps = {steps} must be at least 1")
    t_amb = _series("ambient_c", ambient_c, steps)
    bad = ~np.isfinite(t_amb) | (t_amb < -40.0) | (t_amb > 55.0)
    if bad.any():
        raise ClimateError(
            f"ambient temperature = {float(t_amb[bad][0]):g} °C is outside -40..55 °C"
        )
    v = _series("speed_mps", speed_mps, steps)
    sun = _series("solar_w_per_m2", solar_w_per_m2, steps)
    rh = _series("ambient_rh", ambient_rh, steps)
    if np.any((rh < 0.0) | (rh > 1.0)):
        raise ClimateError("ambient relative humidity must be within 0..1")
    on = _series("climate_on", climate_on, steps) > 0.5
    aboard = _series("occupied", occupied, steps) > 0.5
    s = control.setting
    n_occ = float(s.occupants)
    # per-step quantities that do not depend on the state
    ua = envelope_ua_w_per_k(cabin, v)
    h_out = cabin.h_outside_w_per_m2k + cabin.h_outside_w_per_m2k_per_mps * np.maximum(v, 0.0)
    r_in = 1.0 / cabin.h_inside_w_per_m2k
    glass_share = (k.glass_resistance_m2k_per_w + 1.0 / h_out) / (
        r_in + k.glass_resistance_m2k_per_w + 1.0 / h_out
    )
    comfort_w = s.seat_heaters * k.seat_heater_w + (k.wheel_heater_w if s.wheel_heater else 0.0)
    gains = (
        cabin.solar_gain_fraction * cabin.glass_area_m2 * sun
        + np.where(aboard, cabin.occupant_heat_w * n_occ, 0.0)
        + np.where(aboard, cabin.internal_heat_w, 0.0)
        + np.where(on, comfort_w, 0.0)
    )
    w_amb = humidity_ratio(t_amb, rh)
    hp_cap = heat_pump_capacity_w(t_amb, k) if s.heat_pump else np.zeros(steps)
    hp_cop = heat_pump_cop(t_amb, k)
    hp_cap = np.where(hp_cop > 0.0, hp_cap, 0.0)
    a_cop = ac_cop(t_amb, k)
    climate = s.cabin_temp_c is not None
    sp = effective_setpoint_c(s, t_amb, k) if climate else np.full(steps, np.nan)
    zone_offset = (
        0.5 * (s.cabin_temp_c - s.passenger_temp_c)
        if s.passenger_temp_c is not None and s.cabin_temp_c is not None
        else 0.0
    )
    mixing_w = k.zone_mixing_w_per_k * abs(2.0 * zone_offset)
    stages = int(k.fan_stages)
    if control.fan_stage is not None and control.fan_stage > stages:
        raise ClimateError(f"fan stage = {control.fan_stage} is above the top stage {stages}")
    max_stage = min(stages, int(k.eco_max_fan_stage)) if s.eco else stages
    cp = cabin.air_cp_j_per_kgk
    cap = cabin.thermal_mass_j_per_k
    moisture = n_occ * k.occupant_moisture_kg_per_s

    state = initial if initial is not None else CabinState(float(t_amb[0]), float(w_amb[0]))
    t_cab, w = state.cabin_temp_c, state.humidity_ratio
    out = {
        name: np.zeros(steps)
        for name in (
            "cabin",
            "supply",
            "recirc",
            "glass",
            "dew",
            "hp",
            "ptc",
            "ac",
            "blower",
            "comfort",
            "q_supply",
            "q_env",
            "stage",
            "fog",
        )
    }
    for i in range(steps):
        moisture_i = moisture if aboard[i] else 0.0
        ta = float(t_amb[i])
        g_w = float(gains[i])
        u = float(ua[i])
        t_glass_now = ta + (t_cab - ta) * float(glass_share[i])
        fog = False
        heat_q = cool_q = latent = 0.0
        m_air = 0.0
        t_sup = t_cab
        blower = 0.0
        condense_to: float | None = None
        if climate and on[i]:
            sp_i = float(sp[i])
            err = sp_i - t_cab
            if control.defrost:
                stage = stages
            elif control.fan_stage is not None:
                stage = control.fan_stage
            else:
                # one stage per fan_k_per_stage of error, and at least the flow that holds
                # the set point in steady state within the supply air's range
                load = u * (sp_i - ta) - g_w
                span = (k.supply_max_c - sp_i) if load > 0.0 else (sp_i - k.supply_min_c)
                m_need = abs(load) / (cp * max(span, 1.0))
                step_kg = (k.fan_max_kg_per_s - k.fan_min_kg_per_s) / max(stages - 1, 1)
                need_stage = 1 + math.ceil(max(m_need - k.fan_min_kg_per_s, 0.0) / step_kg)
                err_stage = 1 + int(abs(err) / k.fan_k_per_stage)
                stage = min(max(err_stage, need_stage), max_stage)
            m_air = k.fan_min_kg_per_s + (k.fan_max_kg_per_s - k.fan_min_kg_per_s) * (
                stage - 1
            ) / max(stages - 1, 1)
            # outside air needed against CO2 and against fogging of the glass
            # (only when it is colder outside than the set point: otherwise the glass is
            # warmer than the cabin air and cannot fog on the inside)
            need = n_occ * k.fresh_air_per_occupant_kg_per_s
            if ta < sp_i:
                w_allowed = _w_sat(t_glass_now - k.fog_margin_k)
                if w_allowed > float(w_amb[i]):
                    need = max(need, moisture_i / (w_allowed - float(w_amb[i])))
                else:
                    need = math.inf
            allowed = min(max(1.0 - need / m_air, 0.0), k.max_recirculation)
            if control.defrost:
                r = 0.0
            elif control.recirculation is None:
                r = allowed
            else:
                r = min(control.recirculation, allowed)
                fog = control.recirculation > allowed + 1e-12
            t_mix = r * t_cab + (1.0 - r) * ta
            # feed-forward to hold the set point, plus a proportional term on the error
            t_ff = sp_i + (u * (sp_i - ta) - g_w) / (m_air * cp)
            t_sup = k.supply_max_c if control.defrost else t_ff + k.supply_gain * err
            t_sup = min(max(t_sup, k.supply_min_c), k.supply_max_c)
            heat_cap = float(hp_cap[i]) + k.ptc_max_w * k.ptc_efficiency
            dehumidify = control.defrost and ta >= k.dehumidify_min_ambient_c
            t_coil_in = t_mix
            if dehumidify and t_mix > k.dehumidify_evaporator_c:
                cool_q = min(m_air * cp * (t_mix - k.dehumidify_evaporator_c), k.ac_capacity_w)
                t_coil_in = t_mix - cool_q / (m_air * cp)
            q = m_air * cp * (t_sup - t_coil_in)
            if q >= 0.0:
                heat_q = min(q, heat_cap)
            else:
                cool_q = min(-q, k.ac_capacity_w)
            t_sup = t_coil_in + (heat_q - (0.0 if dehumidify else cool_q)) / (m_air * cp)
            if cool_q > 0.0:
                latent = k.latent_cooling_factor * (1.0 - r) * m_air * cp * max(ta - t_sup, 0.0)
            blower = k.fan_base_w + k.fan_max_w * (m_air / k.fan_max_kg_per_s) ** 3
            m_fresh = (1.0 - r) * m_air
            # air leaving an evaporator colder than the mixed air's dew point is saturated
            t_evap = t_coil_in if (dehumidify and cool_q > 0.0) else t_sup
            w_mix = r * w + (1.0 - r) * float(w_amb[i])
            if cool_q > 0.0 and w_mix > _w_sat(t_evap):
                condense_to = _w_sat(t_evap)
            out["stage"][i] = stage
            out["recirc"][i] = r
        else:
            m_fresh = k.leakage_kg_per_s
        # heat pump first, PTC the rest; zone mixing costs heat moved at the active source
        hp_heat = min(heat_q, float(hp_cap[i]))
        hp_w = hp_heat / float(hp_cop[i]) if hp_heat > 0.0 else 0.0
        ptc_w = (heat_q - hp_heat) / k.ptc_efficiency
        ac_w = (cool_q + latent) / float(a_cop[i])
        if mixing_w > 0.0 and (heat_q > 0.0 or cool_q > 0.0):
            if heat_q > 0.0:
                ptc_w += mixing_w / k.ptc_efficiency
            else:
                ac_w += mixing_w / float(a_cop[i])
        # exact step of C dT/dt = m cp (T_sup - T) - UA (T - T_amb) + gains, inputs held
        g_total = m_air * cp + u
        t_eq = (m_air * cp * t_sup + u * ta + g_w) / g_total
        decay = math.exp(-g_total * dt_s / cap)
        t_new = t_eq + (t_cab - t_eq) * decay
        t_avg = t_eq + (t_cab - t_eq) * (1.0 - decay) * cap / (g_total * dt_s)
        # humidity: M dw/dt = m_fresh (w_amb - w) + moisture, or with the evaporator
        # condensing, M dw/dt = m_air (w_evap - w) + moisture
        if condense_to is not None:
            w_eq = condense_to + moisture_i / m_air
            w = w_eq + (w - w_eq) * math.exp(-m_air * dt_s / k.cabin_air_kg)
        else:
            w_eq = float(w_amb[i]) + moisture_i / m_fresh
            w = w_eq + (w - w_eq) * math.exp(-m_fresh * dt_s / k.cabin_air_kg)
        t_cab = t_new
        out["cabin"][i] = t_cab
        out["supply"][i] = t_sup
        out["glass"][i] = ta + (t_cab - ta) * float(glass_share[i])
        out["dew"][i] = float(dew_point_c(w))
        out["hp"][i] = hp_w
        out["ptc"][i] = ptc_w
        out["ac"][i] = ac_w
        out["blower"][i] = blower
        out["comfort"][i] = comfort_w if on[i] else 0.0
        out["q_supply"][i] = m_air * cp * (t_sup - t_avg)
        out["q_env"][i] = u * (t_avg - ta)
        out["fog"][i] = float(fog)
    total = out["hp"] + out["ptc"] + out["ac"] + out["blower"] + out["comfort"]
    zone = np.where(on & climate, zone_offset, 0.0)
    return CabinTrace(
        time_s=dt_s * np.arange(1, steps + 1, dtype=np.float64),
        cabin_temp_c=out["cabin"],
        driver_temp_c=out["cabin"] + zone,
        passenger_temp_c=out["cabin"] - zone,
        supply_temp_c=out["supply"],
        fan_stage=out["stage"].astype(np.int64),
        recirculation=out["recirc"],
        fog_limited=out["fog"] > 0.5,
        glass_temp_c=out["glass"],
        dew_point_c=out["dew"],
        heat_pump_w=out["hp"],
        ptc_w=out["ptc"],
        ac_w=out["ac"],
        blower_w=out["blower"],
        comfort_w=out["comfort"],
        total_w=total,
        supply_heat_w=out["q_supply"],
        envelope_loss_w=out["q_env"],
        gains_w=np.asarray(gains, dtype=np.float64),
        heat_capacity_j_per_k=cap,
        final=CabinState(t_cab, w),
    )
