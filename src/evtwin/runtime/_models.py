"""The physics models behind the runtime's charging and climate services.

- :class:`SessionChargePower` (default): ``evtwin.charging``'s session model. For a charger,
  the pack temperature (5 °C bins) and the SOC the session starts from (5 % bins, rounded
  down), it simulates one session up to 100 % once (a few hundred ms) and the runtime then
  follows that session's power into the cells over SOC. The pack's warming during the
  session is therefore the session model's, not the BMS's.
- :class:`ClimateCabin` (default): ``evtwin.climate``'s time-stepped automatic climate
  control (:func:`evtwin.climate.simulate_cabin`: cabin, HVAC, fan, recirculation,
  humidity), the same integrator ``evtwin climate`` uses, stepped on the runtime's clock.

Their interfaces are in :mod:`evtwin.runtime._ports`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from evtwin.charging import (
    CarChargeParams,
    ChargeRequest,
    SmartRequest,
    ac_supply,
    dc_charger,
    load_tariff,
    plan_charge,
    simulate_session,
)
from evtwin.climate import (
    CabinParams,
    CabinState,
    ClimateConstants,
    ClimateControl,
    ClimateSetting,
    default_climate_constants,
    humidity_ratio,
    simulate_cabin,
)
from evtwin.runtime._ports import (
    SUBSTEP_S,
    CabinStep,
    PlannedCharge,
)

__all__ = [
    "CABIN_AMBIENT_RH",
    "CHEAPEST_TARIFF",
    "READY_BY_TARIFF",
    "TARIFF_ZONE",
    "ClimateCabin",
    "SessionChargePower",
    "SmartChargePlanner",
]

FloatArray = npt.NDArray[np.float64]

CHEAPEST_TARIFF: Final = "octopus-go"
"""Tariff a CHEAPEST plan optimises against (assumption: a common UK EV time-of-use tariff;
VSS has no signal for the household's tariff yet)."""
READY_BY_TARIFF: Final = "price-cap"
"""A flat tariff: READY_BY then charges as late as it can (the planner's tie-break)."""
TARIFF_ZONE: Final = ZoneInfo("Europe/London")
"""Tariff windows are UK clock times; the twin's clock is UTC."""
TEMP_BIN_C: Final = 5.0
SOC_BIN: Final = 0.05
CABIN_AMBIENT_RH: Final = 0.8
"""Relative humidity of the outside air (assumption: a typical UK value)."""


@dataclass(kw_only=True)
class SessionChargePower:
    """``evtwin.charging`` session curves as the runtime's charge power (module docstring)."""

    car: CarChargeParams
    _curves: dict[tuple[tuple[int, bool, float], float], tuple[FloatArray, FloatArray]] = field(
        default_factory=dict, repr=False
    )

    def _curve(
        self, charger_w: float, dc: bool, temp_c: float, soc: float
    ) -> tuple[FloatArray, FloatArray]:
        t_bin = min(max(TEMP_BIN_C * math.floor(temp_c / TEMP_BIN_C + 0.5), -40.0), 60.0)
        key = (round(charger_w), dc, t_bin)
        # a session simulated from a lower SOC already covers this one
        starts = [s for (k, s) in self._curves if k == key and s <= soc + 1e-9]
        if starts:
            return self._curves[(key, max(starts))]
        start = round(min(SOC_BIN * math.floor(soc / SOC_BIN + 1e-9), 1.0 - SOC_BIN), 4)
        kw = charger_w / 1000.0
        charger = dc_charger(kw) if dc else ac_supply(kw)
        trace = simulate_session(
            ChargeRequest(
                car=self.car, charger=charger, from_soc=start, to_soc=1.0, battery_temp_c=t_bin
            )
        ).trace
        curve = (trace.soc.copy(), trace.battery_power_w.copy())
        self._curves[(key, start)] = curve
        return curve

    def pack_power_w(
        self, *, soc: float, charger_w: float, dc: bool, battery_temp_c: float
    ) -> float:
        if soc >= 1.0 or charger_w <= 0:
            return 0.0
        socs, power = self._curve(charger_w, dc, battery_temp_c, soc)
        return max(0.0, float(np.interp(soc, socs, power)))


@dataclass(kw_only=True)
class ClimateCabin:
    """``evtwin.climate``'s time-stepped automatic climate control
    (:func:`evtwin.climate.simulate_cabin`) as the runtime's cabin: the one cabin integrator.

    The adapter keeps the cabin's humidity between steps (the runtime's climate service keeps
    its temperature) and splits a step into sub-steps of at most :data:`SUBSTEP_S`.
    """

    cabin: CabinParams
    heat_pump: bool
    constants: ClimateConstants = field(default_factory=default_climate_constants)
    humidity_ratio: float | None = None
    """Humidity ratio of the cabin air (kg/kg); None: soaked at the outside air's."""

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
        if dt_s <= 0:
            return CabinStep(
                cabin_temp_c=cabin_temp_c,
                hvac_electric_w=0.0,
                cooling=False,
                heat_pump_fitted=self.heat_pump,
            )
        on = setpoint_c is not None
        setting = ClimateSetting(
            cabin_temp_c=min(max(setpoint_c, 14.0), 30.0) if setpoint_c is not None else 21.0,
            heat_pump=self.heat_pump,
            eco=power_fraction < 1.0,
        )
        n = max(1, math.ceil(dt_s / SUBSTEP_S))
        w = self.humidity_ratio
        initial = CabinState(
            cabin_temp_c,
            float(humidity_ratio(ambient_temp_c, CABIN_AMBIENT_RH)) if w is None else w,
        )
        trace = simulate_cabin(
            self.cabin,
            ClimateControl(setting=setting),
            ambient_c=ambient_temp_c,
            dt_s=dt_s / n,
            steps=n,
            speed_mps=speed_mps,
            ambient_rh=CABIN_AMBIENT_RH,
            climate_on=1.0 if on else 0.0,
            occupied=1.0 if occupied else 0.0,
            initial=initial,
            constants=self.constants,
        )
        self.humidity_ratio = trace.final.humidity_ratio
        cooling = bool(np.any(trace.ac_w > 0.0))
        pump_w = float(np.mean(trace.heat_pump_w)) if on else 0.0
        if on and self.heat_pump and cooling:  # a heat pump is also the car's A/C
            pump_w += float(np.mean(trace.ac_w))
        return CabinStep(
            cabin_temp_c=trace.final.cabin_temp_c,
            hvac_electric_w=float(np.mean(trace.total_w)) if on else 0.0,
            cooling=cooling,
            heat_pump_w=pump_w,
            heat_pump_fitted=self.heat_pump,
        )


@dataclass(frozen=True, kw_only=True)
class SmartChargePlanner:
    """``evtwin.charging``'s smart planner (``plan_charge``) as the runtime's charging plan.

    CHEAPEST fills the cheapest slots of :data:`CHEAPEST_TARIFF`; READY_BY plans on the flat
    :data:`READY_BY_TARIFF`, so it charges as late as still reaches the limit. Windows longer
    than a day are planned over the last 24 hours before the ready-by time's clock time (the
    planner works on one day).
    """

    car: CarChargeParams
    cheapest_tariff: str = CHEAPEST_TARIFF
    ready_by_tariff: str = READY_BY_TARIFF

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
        tariff = load_tariff(self.cheapest_tariff if mode == "CHEAPEST" else self.ready_by_tariff)
        start = datetime.fromtimestamp(now_s, TARIFF_ZONE)
        end = datetime.fromtimestamp(ready_by_s, TARIFF_ZONE)
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        plan = plan_charge(
            SmartRequest(
                car=self.car,
                supply=ac_supply(min(charger_w / 1000.0, 22.0)),
                tariff=tariff,
                from_soc=soc,
                target_soc=limit,
                charge_limit_soc=limit,
                plug_in_min=start.hour * 60 + start.minute,
                depart_min=end.hour * 60 + end.minute,
                battery_temp_c=min(max(battery_temp_c, -40.0), 60.0),
            )
        )
        windows = tuple(
            (float(max(midnight + s.start_min * 60.0, now_s)), float(midnight + s.end_min * 60.0))
            for s in plan.slots
        )
        return PlannedCharge(windows=windows, energy_kwh=float(plan.energy_battery_kwh))
