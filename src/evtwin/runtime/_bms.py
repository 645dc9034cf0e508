"""Battery management: pack temperature, displayed SOC, net power, energy counters, range.

Every service that moves charge in or out of the pack (driving, climate, charging) updates
``StateOfCharge.Current`` itself through the broker, in the host's fixed order, one after
another; the BMS runs last and reports what happened over the step:

- ``CurrentPower`` (W, + into the pack): change of stored energy over the step;
- ``AccumulatedConsumedEnergy``/``AccumulatedChargedEnergy`` (kWh);
- ``StateOfCharge.Displayed``: the current SOC rounded to a whole percent, as a screen shows;
- ``CurrentEnergy`` (kWh), ``Temperature.Average`` (°C), ``Range`` (m).

While the car is off it draws a standby load (:data:`STANDBY_W`) from the pack, unless a
charging session is active (the charger feeds it). The pack's temperature
relaxes to the outside air with time constant :data:`PACK_THERMAL_TAU_S` (interim lumped
model; no self-heating or battery heater yet). Range = energy left / expected consumption,
where the expected consumption starts at the car's WLTP DC consumption (from the engine) and
follows what the car actually used while driving (exponential average over
:data:`RANGE_WINDOW_KM`), heating and towing included. The range stays unpublished until the
reference is known (``evtwin up`` computes it in the background).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from evtwin.runtime._signalio import read_float, read_str
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P

__all__ = ["PACK_THERMAL_TAU_S", "RANGE_WINDOW_KM", "STANDBY_W", "BatteryService"]

STANDBY_W: Final = 30.0
"""Parked, locked standby draw from the traction pack via the DC/DC converter (assumption:
EV 'vampire' drain of 0.5-1 kWh a day is commonly reported)."""
PACK_THERMAL_TAU_S: Final = 8.0 * 3600.0
"""Time constant of a parked pack following the outside air (assumption: large packs take
most of a night to cold-soak)."""
RANGE_WINDOW_KM: Final = 30.0
"""Distance over which the range estimate forgets earlier consumption (assumption)."""
MIN_CONSUMPTION_WH_PER_KM: Final = 80.0
"""Floor of the expected consumption, so coasting downhill cannot promise unbounded range."""


class BatteryService:
    """The BMS (see module docstring)."""

    name = "bms"

    def __init__(
        self,
        broker: Broker,
        *,
        usable_kwh: float,
        reference_wh_per_km: Callable[[], float | None],
        battery_temp_c: float,
    ) -> None:
        self._broker = broker
        self.usable_j = usable_kwh * 3.6e6
        self._reference = reference_wh_per_km
        self.expected_wh_per_km: float | None = None
        self.battery_temp_c = battery_temp_c
        self.consumed_j = 0.0
        self.charged_j = 0.0
        self._last_energy_j: float | None = None
        self._last_odometer_m: float | None = None

    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        soc = read_float(b, P.SOC_CURRENT_PCT, 0.0) / 100.0
        on_grid = read_str(b, P.CHARGE_START_STOP) == "START"  # a session feeds standby
        if read_str(b, P.POWER_STATE, "OFF") != "ON" and not on_grid and dt_s > 0:
            soc = max(0.0, soc - STANDBY_W * dt_s / self.usable_j)
        energy = soc * self.usable_j
        odometer = read_float(b, P.TRAVELED_DISTANCE_M, 0.0)
        last_e = energy if self._last_energy_j is None else self._last_energy_j
        last_odo = odometer if self._last_odometer_m is None else self._last_odometer_m
        delta_j = energy - last_e
        if delta_j < 0:
            self.consumed_j -= delta_j
        else:
            self.charged_j += delta_j
        if self.expected_wh_per_km is None:
            self.expected_wh_per_km = self._reference()  # None: not known yet
        driven_km = (odometer - last_odo) / 1000.0
        if self.expected_wh_per_km is not None and driven_km > 0 and delta_j < 0:
            used = -delta_j / 3600.0 / driven_km
            w = 1.0 - math.exp(-driven_km / RANGE_WINDOW_KM)
            self.expected_wh_per_km += w * (used - self.expected_wh_per_km)
        self._last_energy_j, self._last_odometer_m = energy, odometer
        ambient = read_float(b, P.AMBIENT_AIR_C, self.battery_temp_c)
        if dt_s > 0:
            k = math.exp(-dt_s / PACK_THERMAL_TAU_S)
            self.battery_temp_c = ambient + (self.battery_temp_c - ambient) * k
        changes: list[Change] = [
            (P.SOC_CURRENT_PCT, Field.VALUE, soc * 100.0),
            (P.SOC_DISPLAYED_PCT, Field.VALUE, float(round(soc * 100.0))),
            (P.PACK_ENERGY_KWH, Field.VALUE, energy / 3.6e6),
            (P.PACK_POWER_W, Field.VALUE, delta_j / dt_s if dt_s > 0 else 0.0),
            (P.CONSUMED_ENERGY_KWH, Field.VALUE, self.consumed_j / 3.6e6),
            (P.CHARGED_ENERGY_KWH, Field.VALUE, self.charged_j / 3.6e6),
            (P.BATTERY_TEMP_C, Field.VALUE, self.battery_temp_c),
        ]
        if self.expected_wh_per_km is not None:
            expected = max(self.expected_wh_per_km, MIN_CONSUMPTION_WH_PER_KM)
            range_m = round(energy / 3600.0 / expected * 1000.0)
            changes += [
                (P.RANGE_M, Field.VALUE, range_m),
                (P.BATTERY_RANGE_M, Field.VALUE, range_m),
            ]
        b.update(changes)
