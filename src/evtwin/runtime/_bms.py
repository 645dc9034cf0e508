"""Battery management: the one owner of the charge. Energy, SOC, temperature, counters, range.

Every service that moves energy in or out of the pack publishes its mean power over the
step as a power flow (``TractionBattery.PowerFlow.*``, W, + into the pack): drive, climate,
charging, the 12 V system (:class:`LowVoltageService`) and battery heating. Only the battery
service writes the state of charge: it is the host's integrator
(``step_phase = PHASE_INTEGRATE``), so it steps after every other service has published.

It is two things, as in a car: the pack itself (the physics) and its BMS.

- The pack integrates the flows into the true SOC (``StateOfCharge.Truth``, a project overlay
  signal a real car cannot know) and a first-order equivalent circuit (the OCV curve of
  the car's cell chemistry, :mod:`evtwin.battery.chemistry`; ``R0`` with Arrhenius
  temperature dependence, one RC pair).
- The BMS reads the pack's current, voltage and temperature through its sensors (ideal by
  default; :class:`~evtwin.battery.SensorNoise` with a seed for noisy ones) and estimates
  the SOC with the extended Kalman filter of :mod:`evtwin.battery.bms`. Its estimate is
  ``StateOfCharge.Current``; ``Displayed`` (the customer's whole percent), ``CurrentEnergy``
  and ``Range`` derive from it.

The twin's SOC is an energy fraction (the drive engine's convention), so the circuit's charge
counts in units of the pack's energy over its nominal voltage: the current the pack sees is
the net flow over the nominal voltage, and with ideal sensors the estimate equals the truth.

Also published: ``CurrentPower`` (W, + into the pack, the net flow),
``AccumulatedConsumedEnergy``/``AccumulatedChargedEnergy`` (kWh), ``Temperature.Average``
(°C): the pack's temperature follows the one lumped pack thermal model
(:mod:`evtwin.battery.thermal`, the charging model's heat capacity and enclosure loss) with
the Joule heat of its current; no heater or chiller runs yet outside a charging session.
Range = estimated energy left / expected consumption, where the expected consumption starts
at the car's WLTP DC consumption (from the engine) and follows what the car actually used
while driving (exponential average over :data:`RANGE_WINDOW_KM`), heating and towing
included. The range stays unpublished until the reference is known (``evtwin up`` computes
it in the background).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

import numpy as np

from evtwin.battery import (
    EcmParams,
    EkfState,
    SensorNoise,
    ThermalParams,
    advance_temperature,
    ekf_step,
    ocv_rel,
    resistance_ohm,
)
from evtwin.battery.chemistry import DEFAULT_CHEMISTRY
from evtwin.physics import ModelConstants
from evtwin.runtime._services import PHASE_INTEGRATE
from evtwin.runtime._signalio import read_float, read_str
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P

__all__ = [
    "IDEAL_SENSORS",
    "RANGE_WINDOW_KM",
    "RC_TIME_CONSTANT_S",
    "STANDBY_W",
    "BatteryService",
    "LowVoltageService",
    "pack_circuit",
]

STANDBY_W: Final = 30.0
"""Parked, locked standby draw from the traction pack via the DC/DC converter (assumption:
EV 'vampire' drain of 0.5-1 kWh a day is commonly reported)."""
RANGE_WINDOW_KM: Final = 30.0
"""Distance over which the range estimate forgets earlier consumption (assumption)."""
MIN_CONSUMPTION_WH_PER_KM: Final = 80.0
"""Floor of the expected consumption, so coasting downhill cannot promise unbounded range."""
RC_TIME_CONSTANT_S: Final = 60.0
"""Time constant of the circuit's RC pair (assumption: diffusion relaxes within minutes)."""
RC_SHARE_OF_R0: Final = 0.5
"""The RC pair's resistance relative to ``R0`` (assumption)."""
IDEAL_SENSORS: Final = SensorNoise(
    current_sigma_a=0.0, current_offset_a=0.0, voltage_sigma_v=0.0, temp_sigma_c=0.0
)
"""Sensors without noise or offset: the BMS estimate then equals the truth."""


def pack_circuit(
    *,
    energy_j: float,
    nominal_voltage_v: float,
    resistance_ohm: float,
    constants: ModelConstants,
    chemistry: str = DEFAULT_CHEMISTRY,
) -> EcmParams:
    """The pack's equivalent circuit in the twin's energy-SOC units (see module docstring)."""
    r1 = RC_SHARE_OF_R0 * resistance_ohm
    return EcmParams(
        capacity_ah=energy_j / 3600.0 / nominal_voltage_v,
        nominal_voltage_v=nominal_voltage_v,
        r0_25c_ohm=resistance_ohm,
        r1_ohm=r1,
        c1_f=RC_TIME_CONSTANT_S / r1,
        arrhenius_b_k=constants.battery_arrhenius_b_k,
        bottom_buffer=0.0,
        top_buffer=0.0,
        chemistry=chemistry,
    )


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
    """The pack and its BMS (see module docstring)."""

    name = "bms"
    step_phase = PHASE_INTEGRATE

    def __init__(
        self,
        broker: Broker,
        *,
        usable_kwh: float,
        reference_wh_per_km: Callable[[], float | None],
        battery_temp_c: float,
        soc_percent: float,
        circuit: EcmParams,
        thermal: ThermalParams,
        heat_capacity_j_per_k: float,
        noise: SensorNoise | None = None,
        seed: int = 0,
    ) -> None:
        self._broker = broker
        self.usable_j = usable_kwh * 3.6e6
        self._reference = reference_wh_per_km
        self.expected_wh_per_km: float | None = None
        self.battery_temp_c = battery_temp_c
        self.consumed_j = 0.0
        self.charged_j = 0.0
        self._last_odometer_m: float | None = None
        self.circuit = circuit
        self.thermal = thermal
        self.heat_capacity_j_per_k = heat_capacity_j_per_k
        self.noise = noise if noise is not None else IDEAL_SENSORS
        self._rng = np.random.default_rng(seed)
        self.soc = soc_percent / 100.0
        """The true SOC (0..1), the pack's physics."""
        self.v1_v = 0.0
        """The true voltage over the circuit's RC pair."""
        self.ekf = EkfState.start(self.soc, soc0_sigma=0.02)
        self.soc_sigma = 0.02
        """The BMS's 1-sigma uncertainty of its estimate (0..1)."""

    @property
    def estimate(self) -> float:
        """The BMS's SOC estimate (0..1), as published in ``StateOfCharge.Current``."""
        return float(min(1.0, max(0.0, float(self.ekf.soc[0]))))

    def _sense_and_estimate(self, current_a: float, dt_s: float) -> None:
        """The BMS's sensors read the pack over this step; the filter takes the reading."""
        c, nz = self.circuit, self.noise
        r0 = float(resistance_ohm(c.r0_25c_ohm, c.arrhenius_b_k, self.battery_temp_c))
        volt = (
            float(c.nominal_voltage_v * ocv_rel(self.soc, c.chemistry)) + self.v1_v + r0 * current_a
        )
        rng = self._rng
        noisy = nz.current_sigma_a > 0 or nz.voltage_sigma_v > 0 or nz.temp_sigma_c > 0
        if noisy:
            e_i, e_v, e_t = rng.normal(0.0, 1.0, 3)
        else:
            e_i = e_v = e_t = 0.0
        _, sigma = ekf_step(
            c,
            self.ekf,
            current_a=np.array([current_a + nz.current_offset_a + nz.current_sigma_a * e_i]),
            voltage_v=np.array([volt + nz.voltage_sigma_v * e_v]),
            temp_c=np.array([self.battery_temp_c + nz.temp_sigma_c * e_t]),
            dt_s=dt_s,
            noise=nz,
        )
        self.soc_sigma = float(sigma[0])

    def _advance_temperature(self, current_a: float, ambient_c: float, dt_s: float) -> None:
        """The pack's lumped thermal model (:mod:`evtwin.battery.thermal`): Joule heat of the
        step's current, loss to the outside air; no heater or chiller yet (the charging
        session model heats and cools its own pack while it charges)."""
        c = self.circuit
        t = np.array([self.battery_temp_c])
        r0 = resistance_ohm(c.r0_25c_ohm, c.arrhenius_b_k, t)
        zero = np.zeros(1)
        new_t, _ = advance_temperature(
            temp_c=t,
            joule_heat_w=current_a * current_a * r0,
            heater_w=zero,
            chiller_heat_w=zero,
            ambient_c=np.array([ambient_c]),
            heat_capacity_j_per_k=np.array([self.heat_capacity_j_per_k]),
            params=self.thermal,
            dt_s=np.array([dt_s]),
        )
        self.battery_temp_c = float(new_t[0])

    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        c = self.circuit
        last_e = self.soc * self.usable_j
        if dt_s > 0:
            net_w = 0.0
            for path in P.POWER_FLOWS_W:  # a fixed order: the same sum whatever steps first
                net_w += read_float(b, path, 0.0)
            current_a = net_w / c.nominal_voltage_v
            self._sense_and_estimate(current_a, dt_s)
            a = float(np.exp(-dt_s / (c.r1_ohm * c.c1_f)))  # as the filter computes it
            soc = self.soc + current_a * (dt_s / (3600.0 * c.capacity_ah))
            self.soc = min(1.0, max(0.0, soc))
            self.v1_v = a * self.v1_v + c.r1_ohm * (1.0 - a) * current_a
        else:
            current_a = 0.0
        energy = self.soc * self.usable_j
        estimate = self.estimate
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
            self._advance_temperature(current_a, ambient, dt_s)
        estimated_j = estimate * self.usable_j
        changes: list[Change] = [
            (P.SOC_TRUTH_PCT, Field.VALUE, self.soc * 100.0),
            (P.SOC_CURRENT_PCT, Field.VALUE, estimate * 100.0),
            (P.SOC_DISPLAYED_PCT, Field.VALUE, float(round(estimate * 100.0))),
            (P.PACK_ENERGY_KWH, Field.VALUE, estimated_j / 3.6e6),
            (P.PACK_POWER_W, Field.VALUE, delta_j / dt_s if dt_s > 0 else 0.0),
            (P.CONSUMED_ENERGY_KWH, Field.VALUE, self.consumed_j / 3.6e6),
            (P.CHARGED_ENERGY_KWH, Field.VALUE, self.charged_j / 3.6e6),
            (P.BATTERY_TEMP_C, Field.VALUE, self.battery_temp_c),
        ]
        if self.expected_wh_per_km is not None:
            expected = max(self.expected_wh_per_km, MIN_CONSUMPTION_WH_PER_KM)
            range_m = round(estimated_j / 3600.0 / expected * 1000.0)
            changes += [
                (P.RANGE_M, Field.VALUE, range_m),
                (P.BATTERY_RANGE_M, Field.VALUE, range_m),
            ]
        b.update(changes)
