"""Parked-car climate: keep-climate modes (dog/camp) and preconditioning before departure.

- **Keep climate** holds the cabin at a set point with the car parked (speed 0): the drain is
  the climate system's power plus the car's own load while awake (12 V controllers, screen,
  contactors closed; ESTIMATE 250 W), reported per hour and in % of the battery per hour.
- **Preconditioning** warms (or cools) the cabin from its soak temperature to the set point
  by departure. Plugged in, the energy comes from the grid through the onboard charger (so
  it does not cost range); unplugged, from the battery.

One cabin model: every function here runs the time-stepped controller
(:func:`evtwin.climate.controller.simulate_cabin`). :func:`keep_climate_run` and
:func:`precondition_schedule` are what ``evtwin climate`` reports; :func:`keep_climate`
(one hour held, per hour) and :func:`precondition_cabin` (the warm-up alone) are short
summaries of the same runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evtwin.climate.cabin import CabinParams
from evtwin.climate.constants import ClimateConstants, default_climate_constants
from evtwin.climate.controller import (
    CabinState,
    CabinTrace,
    ClimateControl,
    humidity_ratio,
    simulate_cabin,
)
from evtwin.climate.hvac import ClimateSetting, effective_setpoint_c
from evtwin.errors import ClimateError
from evtwin.units import J_PER_KWH, S_PER_H, S_PER_MIN

__all__ = [
    "AWAKE_LOAD_W",
    "CAMP_ACCESSORY_W",
    "KeepClimate",
    "KeepClimateRun",
    "Precondition",
    "PreconditionPlan",
    "keep_climate",
    "keep_climate_run",
    "precondition_cabin",
    "precondition_schedule",
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
    """Drain of a parked car holding the cabin at ``setting`` (dog mode), per hour.

    A summary of one hour of :func:`keep_climate_run` (the time-stepped controller, the one
    cabin model): its mean power, and the hours from ``soc`` down to 0 % at that drain.
    """
    if setting.cabin_temp_c is None:
        raise ClimateError("keep-climate needs a cabin set point (cabin_temp_c)")
    if not 0.0 < soc <= 1.0:
        raise ClimateError(f"SOC = {soc * 100:g} % is outside 0..100 % (above 0)")
    k = constants if constants is not None else default_climate_constants()
    tr, own_w = _hold_cabin(
        cabin,
        setting,
        ambient_c=ambient_c,
        hours=1.0,
        mode="dog",
        solar_w_per_m2=solar_w_per_m2,
        dt_s=60.0,
        constants=k,
    )
    power = float(np.mean(tr.total_w)) + own_w
    kwh_h = power * S_PER_H / J_PER_KWH
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

    A summary of :func:`precondition_schedule`'s warm-up (the time-stepped controller, the
    one cabin model) from a cabin soaked at ``soak_c`` (default: ambient): the HV-bus energy
    of the climate system and the awake car until the cabin is within 0.5 K of the set
    point, and the whole minutes that takes. ``obc_efficiency`` turns HV-bus energy into
    grid energy when plugged in (onboard charger; the charging model's
    ``[ac] obc_efficiency``). A set point the cabin cannot reach within 90 min raises
    :class:`~evtwin.errors.ClimateError`.
    """
    if setting.cabin_temp_c is None:
        raise ClimateError("preconditioning needs a cabin set point (cabin_temp_c)")
    if not 0.5 <= obc_efficiency <= 1.0:
        raise ClimateError(f"onboard charger efficiency = {obc_efficiency:g} is outside 0.5..1")
    k = constants if constants is not None else default_climate_constants()
    w = _warm_up(
        cabin,
        setting,
        ambient_c=ambient_c,
        soak_c=soak_c,
        solar_w_per_m2=0.0,
        dt_s=15.0,
        constants=k,
    )
    return Precondition(
        energy_kwh=w.hv_kwh,
        grid_kwh=w.hv_kwh / obc_efficiency if plugged_in else 0.0,
        battery_kwh=0.0 if plugged_in else w.hv_kwh,
        minutes=float(w.minutes),
    )


# -- time-stepped parked climate: scheduled preconditioning and keep-climate runs ----------

CAMP_ACCESSORY_W = 60.0
"""Camp mode keeps the screen, interior lights and 12 V/USB outlets on. ESTIMATE."""
READY_TOLERANCE_K = 0.5
"""The cabin counts as ready within this many K of its set point."""
MAX_PRECONDITION_MIN = 90
MINUTES_PER_DAY = 1440
_SOAK_RH = 0.8
"""Outside relative humidity the controller assumes (``simulate_cabin``'s default)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PreconditionPlan:
    """A scheduled cabin preconditioning before departure (time-stepped controller).

    Energies in kWh: ``hv_kwh`` at the car's HV bus (climate system and the awake car);
    plugged in it is drawn from the grid through the onboard charger (``grid_kwh``), so the
    battery gives nothing; unplugged it comes from the battery (``battery_kwh``).
    """

    start_min: int
    depart_min: int
    minutes: float
    ambient_c: float
    setpoint_c: float
    cabin_temp_at_departure_c: float
    plugged_in: bool
    hv_kwh: float
    grid_kwh: float
    battery_kwh: float
    battery_percent: float
    parts_kwh: dict[str, float]
    peak_power_w: float
    trace: CabinTrace | None


@dataclass(frozen=True, kw_only=True, slots=True)
class KeepClimateRun:
    """A parked car holding its cabin (dog or camp mode) for ``hours`` (controller)."""

    mode: str
    hours: float
    ambient_c: float
    setpoint_c: float
    energy_kwh: float
    mean_power_w: float
    kwh_per_hour: float
    percent_per_hour: float
    hourly_kwh: tuple[float, ...]
    soc_start: float
    soc_end: float
    stop_at_soc: float
    hours_until_stop: float
    """From ``soc_start`` down to ``stop_at_soc`` at the run's mean drain."""
    cabin_temp_min_c: float
    cabin_temp_max_c: float
    parts_kwh: dict[str, float]
    trace: CabinTrace


def _parts_kwh(tr: CabinTrace, n: int, dt_s: float, awake_w: float) -> dict[str, float]:
    def kwh(x: npt.NDArray[np.float64]) -> float:
        return float(np.sum(x[:n])) * dt_s / J_PER_KWH

    return {
        "heat_pump": kwh(tr.heat_pump_w),
        "ptc": kwh(tr.ptc_w),
        "ac": kwh(tr.ac_w),
        "blower": kwh(tr.blower_w),
        "comfort": kwh(tr.comfort_w),
        "awake_car": awake_w * n * dt_s / J_PER_KWH,
    }


@dataclass(frozen=True, slots=True)
class _WarmUp:
    setpoint_c: float
    minutes: int
    steps: int
    """Controller steps until ready (0: already comfortable)."""
    cabin_temp_at_ready_c: float
    parts_kwh: dict[str, float]
    hv_kwh: float
    trace: CabinTrace


def _warm_up(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: float,
    soak_c: float | None,
    solar_w_per_m2: float,
    dt_s: float,
    constants: ClimateConstants,
) -> _WarmUp:
    """The controller warms (or cools) a soaked cabin until it is within 0.5 K of the set
    point, in whole minutes; raises when it cannot get there within 90 min."""
    sp = float(effective_setpoint_c(setting, ambient_c, constants))
    steps = int(MAX_PRECONDITION_MIN * S_PER_MIN / dt_s)
    soak = ambient_c if soak_c is None else soak_c
    tr = simulate_cabin(
        cabin,
        ClimateControl(setting=setting),
        ambient_c=ambient_c,
        dt_s=dt_s,
        steps=steps,
        solar_w_per_m2=solar_w_per_m2,
        # soaked: the cabin air holds the outside air's water (simulate_cabin's default)
        initial=None
        if soak_c is None
        else CabinState(soak, float(humidity_ratio(ambient_c, _SOAK_RH))),
        constants=constants,
    )
    temps = np.concatenate([[soak], tr.cabin_temp_c])
    ready = np.flatnonzero(np.abs(temps - sp) <= READY_TOLERANCE_K)
    if ready.size == 0:
        closest = temps[np.argmin(np.abs(temps - sp))]
        raise ClimateError(
            f"the cabin cannot reach {sp:g} °C at {ambient_c:g} °C outside within "
            f"{MAX_PRECONDITION_MIN} min (it gets to {closest:.1f} °C)"
        )
    n = int(ready[0])
    minutes = math.ceil(n * dt_s / S_PER_MIN)
    n = min(round(minutes * S_PER_MIN / dt_s), steps)
    parts = _parts_kwh(tr, n, dt_s, AWAKE_LOAD_W if n else 0.0)
    return _WarmUp(sp, minutes, n, float(temps[n]), parts, sum(parts.values()), tr)


def _hold_cabin(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: float,
    hours: float,
    mode: str,
    solar_w_per_m2: float,
    dt_s: float,
    constants: ClimateConstants,
) -> tuple[CabinTrace, float]:
    """The controller holds a cabin that starts at its set point (the car was just
    driven): the trace and the car's own load (W; awake car, camp accessories)."""
    sp = float(effective_setpoint_c(setting, ambient_c, constants))
    steps = max(1, round(hours * S_PER_H / dt_s))
    tr = simulate_cabin(
        cabin,
        ClimateControl(setting=setting),
        ambient_c=ambient_c,
        dt_s=dt_s,
        steps=steps,
        solar_w_per_m2=solar_w_per_m2,
        initial=CabinState(sp, float(humidity_ratio(sp, 0.4))),
        constants=constants,
    )
    own_w = AWAKE_LOAD_W + (CAMP_ACCESSORY_W if mode == "camp" else 0.0)
    return tr, own_w


def precondition_schedule(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: float,
    depart_min: int,
    plugged_in: bool,
    usable_battery_kwh: float,
    now_min: int | None = None,
    soc: float | None = None,
    obc_efficiency: float = 0.93,
    solar_w_per_m2: float = 0.0,
    dt_s: float = 15.0,
    constants: ClimateConstants | None = None,
) -> PreconditionPlan:
    """When to start warming (or cooling) a soaked cabin so it is ready at ``depart_min``.

    The automatic controller runs from a cabin soaked at ambient (parked, no wind) until the
    cabin is within 0.5 K of the set point; the start is that long before departure.
    Impossible requests raise :class:`~evtwin.errors.ClimateError`: a set point the cabin
    cannot reach within 90 min, less time until departure (``now_min``) than the warm-up
    needs, or (unplugged) more energy than the battery holds at ``soc``.
    """
    if setting.cabin_temp_c is None:
        raise ClimateError("preconditioning needs a cabin set point (cabin_temp_c)")
    for name, m in (("departure", depart_min), ("now", now_min)):
        if m is not None and not 0 <= m < MINUTES_PER_DAY:
            raise ClimateError(f"{name} = {m} min is not a time of day (0..1439 min)")
    if not 0.5 <= obc_efficiency <= 1.0:
        raise ClimateError(f"onboard charger efficiency = {obc_efficiency:g} is outside 0.5..1")
    if soc is not None and not 0.0 <= soc <= 1.0:
        raise ClimateError(f"SOC = {soc * 100:g} % is outside 0..100 %")
    k = constants if constants is not None else default_climate_constants()
    w = _warm_up(
        cabin,
        setting,
        ambient_c=ambient_c,
        soak_c=None,
        solar_w_per_m2=solar_w_per_m2,
        dt_s=dt_s,
        constants=k,
    )
    minutes, n, tr, parts, hv = w.minutes, w.steps, w.trace, w.parts_kwh, w.hv_kwh
    if now_min is not None:
        available = (depart_min - now_min) % MINUTES_PER_DAY
        if available < minutes:
            raise ClimateError(
                f"impossible schedule: preconditioning to {w.setpoint_c:g} °C at {ambient_c:g} °C "
                f"needs {minutes} min, only {available} min until departure"
            )
    battery = 0.0 if plugged_in else hv
    if soc is not None and not plugged_in and battery > soc * usable_battery_kwh:
        raise ClimateError(
            f"preconditioning needs {battery:.2f} kWh from the battery; only "
            f"{soc * usable_battery_kwh:.2f} kWh left at {soc * 100:g} %"
        )
    return PreconditionPlan(
        start_min=(depart_min - minutes) % MINUTES_PER_DAY,
        depart_min=depart_min,
        minutes=float(minutes),
        ambient_c=ambient_c,
        setpoint_c=w.setpoint_c,
        cabin_temp_at_departure_c=w.cabin_temp_at_ready_c,
        plugged_in=plugged_in,
        hv_kwh=hv,
        grid_kwh=hv / obc_efficiency if plugged_in else 0.0,
        battery_kwh=battery,
        battery_percent=battery / usable_battery_kwh * 100.0,
        parts_kwh=parts,
        peak_power_w=float(np.max(tr.total_w[:n]) + AWAKE_LOAD_W) if n else 0.0,
        trace=tr if n else None,
    )


def keep_climate_run(
    cabin: CabinParams,
    setting: ClimateSetting,
    *,
    ambient_c: float,
    hours: float,
    usable_battery_kwh: float,
    soc: float = 0.8,
    stop_at_soc: float = 0.2,
    mode: str = "dog",
    solar_w_per_m2: float = 0.0,
    dt_s: float = 60.0,
    constants: ClimateConstants | None = None,
) -> KeepClimateRun:
    """Drain of a parked car holding ``setting`` for ``hours`` (dog or camp mode).

    The cabin starts at the set point (the car was just driven), the controller holds it;
    the awake car (and in camp mode its screen and outlets) adds its own load. A run the
    battery cannot carry above ``stop_at_soc`` (where the car ends keep-climate) raises
    :class:`~evtwin.errors.ClimateError` saying when it would stop.
    """
    if setting.cabin_temp_c is None:
        raise ClimateError("keep-climate needs a cabin set point (cabin_temp_c)")
    if mode not in ("dog", "camp"):
        raise ClimateError(f"keep-climate mode = {mode!r} is not 'dog' or 'camp'")
    if not math.isfinite(hours) or not 0.0 < hours <= 72.0:
        raise ClimateError(f"hours = {hours:g} is outside (0, 72] h")
    if not 0.0 <= stop_at_soc < 1.0:
        raise ClimateError(f"stop at SOC = {stop_at_soc * 100:g} % is outside 0..100 %")
    if not 0.0 < soc <= 1.0:
        raise ClimateError(f"SOC = {soc * 100:g} % is outside 0..100 % (above 0)")
    if soc <= stop_at_soc:
        raise ClimateError(
            f"SOC = {soc * 100:g} % is already at or below the {stop_at_soc * 100:g} % where "
            "keep-climate stops"
        )
    k = constants if constants is not None else default_climate_constants()
    sp = float(effective_setpoint_c(setting, ambient_c, k))
    tr, own_w = _hold_cabin(
        cabin,
        setting,
        ambient_c=ambient_c,
        hours=hours,
        mode=mode,
        solar_w_per_m2=solar_w_per_m2,
        dt_s=dt_s,
        constants=k,
    )
    steps = tr.time_s.size
    power = tr.total_w + own_w
    cum_kwh = np.cumsum(power) * dt_s / J_PER_KWH
    energy = float(cum_kwh[-1])
    available = (soc - stop_at_soc) * usable_battery_kwh
    real_h = steps * dt_s / S_PER_H
    if energy > available:
        stop_h = float(np.searchsorted(cum_kwh, available) + 1) * dt_s / S_PER_H
        raise ClimateError(
            f"keep-climate for {hours:g} h needs {energy:.1f} kWh, but only {available:.1f} "
            f"kWh lie above the {stop_at_soc * 100:g} % floor at {soc * 100:g} %: it would "
            f"stop after {stop_h:.1f} h"
        )
    per_h = energy / real_h
    per_step_h = max(1, round(S_PER_H / dt_s))
    hourly = tuple(
        float(np.sum(power[i : i + per_step_h])) * dt_s / J_PER_KWH
        for i in range(0, steps, per_step_h)
    )
    return KeepClimateRun(
        mode=mode,
        hours=real_h,
        ambient_c=ambient_c,
        setpoint_c=sp,
        energy_kwh=energy,
        mean_power_w=energy * J_PER_KWH / (steps * dt_s),
        kwh_per_hour=per_h,
        percent_per_hour=per_h / usable_battery_kwh * 100.0,
        hourly_kwh=hourly,
        soc_start=soc,
        soc_end=soc - energy / usable_battery_kwh,
        stop_at_soc=stop_at_soc,
        hours_until_stop=available / per_h,
        cabin_temp_min_c=float(np.min(tr.cabin_temp_c)),
        cabin_temp_max_c=float(np.max(tr.cabin_temp_c)),
        parts_kwh=_parts_kwh(tr, steps, dt_s, own_w),
        trace=tr,
    )
