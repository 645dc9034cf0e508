"""Battery management: the one owner of the charge. Energy, SOC, temperature, counters, range.

Every service that moves energy in or out of the pack publishes its mean power over the
step as a power flow (``TractionBattery.PowerFlow.*``, W, + into the pack): drive, climate,
charging, the 12 V system (:class:`LowVoltageService`) and battery heating. Only the BMS
writes ``StateOfCharge.Current``: it is the host's integrator (``step_phase = PHASE_INTEGRATE``),
so it steps after every other service has published, and turns the sum of the flows into:

- ``StateOfCharge.Current`` and ``CurrentEnergy`` (kWh);
- ``CurrentPower`` (W, + into the pack): the net flow;
- ``AccumulatedConsumedEnergy``/``AccumulatedChargedEnergy`` (kWh);
- ``StateOfCharge.Displayed``: the current SOC rounded to a whole percent, as a screen shows;
- ``Temperature.Average`` (°C), ``Range`` (m).

The pack's temperature
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

from evtwin.runtime._services import PHASE_INTEGRATE
from evtwin.runtime._signalio import read_float, read_str
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P

__all__ = [
    "PACK_THERMAL_TAU_S",
    "RANGE_WINDOW_KM",
    "STANDBY_W",
    "BatteryService",
    "LowVoltageService",
]

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


class LowVoltageService:
    """The 12 V system: while the car is off it draws a standby load (:data:`STANDBY_W`) from
    the traction pack through the DC/DC converter, unless a charging session is active (the
    charger feeds it). While the car is on, the drive engine's auxiliary load covers it."""

    name = "low-voltage"

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self.energy_j = 0.0
        """Energy moved into the pack so far (J; standby draws make it negative)."""

    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        on_grid = read_str(b, P.CHARGE_START_STOP) == "START"  # a session feeds standby
        off = read_str(b, P.POWER_STATE, "OFF") != "ON"
        flow_w = -STANDBY_W if off and not on_grid and dt_s > 0 else 0.0
        self.energy_j += flow_w * max(dt_s, 0.0)
        b.update([(P.FLOW_LOW_VOLTAGE_W, Field.VALUE, flow_w)])


class BatteryService:
    """The BMS (see module docstring)."""

    name = "bms"
    step_phase = PHASE_INTEGRATE

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
        self._last_odometer_m: float | None = None

    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        soc = read_float(b, P.SOC_CURRENT_PCT, 0.0) / 100.0
        last_e = soc * self.usable_j
        if dt_s > 0:
            net_w = 0.0
            for path in P.POWER_FLOWS_W:  # a fixed order: the same sum whatever steps first
                net_w += read_float(b, path, 0.0)
            soc = min(1.0, max(0.0, soc + net_w * dt_s / self.usable_j))
        energy = soc * self.usable_j
        odometer = read_float(b, P.TRAVELED_DISTANCE_M, 0.0)
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
        self._last_odometer_m = odometer
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
