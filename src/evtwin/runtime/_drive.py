"""Vehicle dynamics and traction energy: the car moving, stepped on the one energy engine.

Each step simulates the next ``dt`` seconds as a short trace (1 s sub-steps) starting at the
car's current speed, with the pack's current SOC: a batch of one through
:func:`evtwin.sim.engine.simulate`. The trace is what the driver asks for, shaped by the car:

- the driver's wished speed (:class:`~evtwin.runtime._world.DriveLeg`), reached no faster than
  the mode's throttle map allows (:data:`FULL_THROTTLE_ACCEL_MPS2` × its torque ceiling);
- capped by the mode's speed limit, towing mode (:data:`TOWING_SPEED_LIMIT_KPH`) and hill
  descent control on a downhill;
- zero while a charging cable is connected (drive-away lock) or the water is deeper than the
  car's wading depth.

The engine decides what the car actually does: a surface's rolling resistance and the grip
the mode's traction control can use on it (``Conditions.rolling_factor``/``friction``, see
:meth:`evtwin.modes.Surface.usable_friction`), the grade, the trailer and the pack limit it.
A car that lacks grip falls behind its trace; the next step starts from the speed it reached.

Reads (broker): mode, hill descent, towing mode, cable, wading limit, outside temperature,
battery temperature, the pack's true SOC (``StateOfCharge.Truth``: the plant is physics).
Reads (world): the driver's wish, grade, true surface, trailer.
Publishes: speed, odometer, acceleration, moving, power state, motor power, pack current and
voltage, and the drive's power flow into the pack (``PowerFlow.Drive``: the engine's change of
stored energy over the step; the BMS integrates it into the SOC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Final

import numpy as np

from evtwin.modes import DriveMode, load_mode, load_surface
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.runtime._signalio import read_bool, read_float, read_str
from evtwin.runtime._world import World
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P
from evtwin.sim.conditions import Conditions
from evtwin.sim.engine import CaseResult, simulate
from evtwin.sim.traces import Trace
from evtwin.units import KPH_PER_MPS
from evtwin.vehicles.derive import VehicleParams

__all__ = [
    "BRAKE_DECEL_MPS2",
    "DEFAULT_HDC_SPEED_KPH",
    "FULL_THROTTLE_ACCEL_MPS2",
    "HDC_MIN_DOWNHILL_GRADE",
    "TOWING_SPEED_LIMIT_KPH",
    "DriveService",
    "LegStats",
    "regen_decel_mps2",
]

FULL_THROTTLE_ACCEL_MPS2: Final = 4.0
"""Acceleration the driver asks for at a full-torque throttle map (assumption: brisk; US06
peaks near 3.8 m/s², WLTC near 1.6 m/s²). A mode's torque ceiling scales it."""
BRAKE_DECEL_MPS2: Final = 5.0
"""Firmest deceleration the driver asks for (assumption; regulatory cycles stay below 3.5)."""
TOWING_SPEED_LIMIT_KPH: Final = 96.5
"""Towing mode caps speed at 60 mph, the UK limit for a car with a trailer on motorways and
dual carriageways (Highway Code rule 124)."""
DEFAULT_HDC_SPEED_KPH: Final = 8.0
"""Hill descent speed when none was requested (assumption: walking-to-jogging pace)."""
HDC_MIN_DOWNHILL_GRADE: Final = 0.05
"""Hill descent control acts on descents steeper than 5 % (assumption)."""
SUBSTEP_S: Final = 1.0
"""Longest time step of the short traces handed to the engine (the cycles' own step)."""


@cache
def _reference_regen_fraction() -> float:
    return load_mode("COMFORT").regen_fraction


def regen_decel_mps2(mode: DriveMode, params: VehicleParams, constants: ModelConstants) -> float:
    """A mode's regeneration threshold (m/s²) for this car.

    The car's own threshold (``params.regen_max_decel_mps2``: the global rule by model year,
    fitted on EPA dyno tests driven in the default mode) belongs to the default mode,
    Comfort; a mode scales it by its ``regen_fraction`` relative to Comfort's (0 =
    coasting), never beyond the rule's cap (``regen_cap_mps2``, ~0.3 g: the strongest
    one-pedal modes). So Eco regenerates more than Comfort on every car, and a current car
    in Eco far more than a 2012 car in Eco.
    """
    scaled = params.regen_max_decel_mps2 * mode.regen_fraction / _reference_regen_fraction()
    return min(scaled, max(constants.regen_cap_mps2, params.regen_max_decel_mps2))


def _simulate_one_thread(
    params: VehicleParams, trace: Trace, conditions: Conditions, constants: ModelConstants
) -> CaseResult:
    """A batch of one: the engine runs a single block on its serial path (no thread-pool
    wake-up), ~0.1 ms for the few steps of a runtime chunk."""
    return simulate(params, trace, conditions, constants=constants, record=True)


@dataclass(kw_only=True, slots=True)
class LegStats:
    """What the plant measured over the current drive leg (for scenario reports)."""

    distance_m: float = 0.0
    duration_s: float = 0.0
    energy_terminal_j: float = 0.0
    trace_miss_steps: int = 0
    max_speed_deficit_mps: float = 0.0
    depleted: bool = False
    speeds_kph: list[float] = field(default_factory=list)


class DriveService:
    """The moving car (see module docstring)."""

    name = "vehicle-dynamics"

    def __init__(
        self,
        broker: Broker,
        world: World,
        params: VehicleParams,
        *,
        constants: ModelConstants | None = None,
    ) -> None:
        self._broker = broker
        self.world = world
        self.params = params
        self.constants = constants if constants is not None else default_constants()
        self.speed_mps = 0.0
        self.odometer_m = 0.0
        self.leg = LegStats()
        self.last_result: CaseResult | None = None
        self._asphalt_crr = load_surface("asphalt").rolling_resistance_coefficient
        self._was_on = False
        self.energy_j = 0.0
        """Energy the drive moved into the pack so far (J; driving makes it negative)."""

    def reset_leg(self) -> None:
        self.leg = LegStats()

    # -- the driver's request, shaped by the car -----------------------------------------------
    def _cap_mps(self, mode: DriveMode, grade: float) -> float:
        cap = math.inf
        if mode.speed_limit_kph is not None:
            cap = mode.speed_limit_kph / KPH_PER_MPS
        b = self._broker
        if read_bool(b, P.TOWING_MODE) and read_bool(b, P.TRAILER_CONNECTED):
            cap = min(cap, TOWING_SPEED_LIMIT_KPH / KPH_PER_MPS)
        if read_bool(b, P.HDC_ENABLED) and grade <= -HDC_MIN_DOWNHILL_GRADE:
            cap = min(cap, read_float(b, P.HDC_SPEED_KPH, DEFAULT_HDC_SPEED_KPH) / KPH_PER_MPS)
        return cap

    def _blocked(self) -> bool:
        b = self._broker
        return read_bool(b, P.CHARGING_CABLE_CONNECTED) or read_bool(b, P.WADING_LIMIT_EXCEEDED)

    def _command(self, mode: DriveMode, t0_s: float, dt_s: float) -> Trace:
        leg = self.world.leg
        n = max(1, math.ceil(dt_s / SUBSTEP_S - 1e-9))
        h = dt_s / n
        times = np.linspace(0.0, dt_s, n + 1)
        speeds = np.empty(n + 1)
        grades = np.zeros(n + 1)
        speeds[0] = self.speed_mps
        a_up = FULL_THROTTLE_ACCEL_MPS2 * mode.throttle_map.max_torque_fraction
        blocked = self._blocked()
        for k in range(1, n + 1):
            t = t0_s + times[k]
            grade = leg.grade(t) if leg is not None else 0.0
            wish = 0.0 if leg is None or blocked else leg.wished_speed_mps(t)
            wish = min(wish, self._cap_mps(mode, grade))
            prev = speeds[k - 1]
            speeds[k] = min(max(wish, prev - BRAKE_DECEL_MPS2 * h), prev + a_up * h)
            grades[k] = grade
        grades[0] = grades[1]
        return Trace("runtime step", times, np.maximum(speeds, 0.0), grades)

    def _conditions(self, mode: DriveMode, soc: float) -> Conditions:
        b, w = self._broker, self.world
        ambient = read_float(b, P.AMBIENT_AIR_C, w.ambient_temp_c)
        trailer = w.trailer
        return Conditions(
            ambient_temp_c=ambient,
            trailer_kg=trailer.mass_kg if trailer else 0.0,
            trailer_cda_m2=trailer.cda_m2 if trailer else 0.0,
            hvac_w=0.0,  # the climate service draws its own power from the pack
            initial_soc=soc,
            battery_temp_c=read_float(b, P.BATTERY_TEMP_C, ambient),
            rolling_factor=w.surface.rolling_resistance_coefficient / self._asphalt_crr,
            friction=w.surface.usable_friction(mode.traction_slip_target),
            regen_max_decel_mps2=regen_decel_mps2(mode, self.params, self.constants),
        )

    # -- the step ------------------------------------------------------------------------------
    def step(self, now_s: float, dt_s: float) -> None:
        b = self._broker
        driving = self.world.leg is not None
        if dt_s <= 0 or (not driving and self.speed_mps == 0.0):
            if self._was_on or dt_s <= 0:
                self._publish_parked()
            return
        # the plant drives on the pack's true charge, not the BMS's estimate of it
        soc = min(
            read_float(b, P.SOC_TRUTH_PCT, read_float(b, P.SOC_CURRENT_PCT, 0.0)) / 100.0, 1.0
        )
        if soc <= 1e-6:
            self.speed_mps = 0.0
            self.leg.depleted = True
            self._publish_parked()
            return
        mode = load_mode(read_str(b, P.TERRAIN_MODE, "COMFORT"))
        trace = self._command(mode, now_s - dt_s, dt_s)
        result = _simulate_one_thread(
            self.params, trace, self._conditions(mode, soc), self.constants
        )
        self.last_result = result
        hist = result.history
        assert hist is not None
        v_end = float(hist.speed_mps[-1])
        accel = (v_end - self.speed_mps) / dt_s
        self.speed_mps = v_end
        self.odometer_m += result.distance_m
        leg = self.leg
        leg.distance_m += result.distance_m
        leg.duration_s += dt_s
        leg.energy_terminal_j += result.energy_terminal_j
        leg.trace_miss_steps += result.trace_miss_steps
        leg.max_speed_deficit_mps = max(leg.max_speed_deficit_mps, result.max_speed_deficit_mps)
        leg.depleted = leg.depleted or result.depleted
        leg.speeds_kph.append(v_end * KPH_PER_MPS)
        wheel_kw = float(np.mean(hist.wheel_power_w[1:])) / 1000.0
        # the engine's change of stored energy, as a mean power over the step (+ into the pack)
        flow_w = (min(1.0, max(0.0, result.soc_end)) - soc) * self.params.battery_energy_j / dt_s
        self.energy_j += flow_w * dt_s
        changes: list[Change] = [
            (P.SPEED_KPH, Field.VALUE, v_end * KPH_PER_MPS),
            (P.TRAVELED_DISTANCE_M, Field.VALUE, round(self.odometer_m)),
            (P.IS_MOVING, Field.VALUE, v_end > 0.0),
            (P.LONGITUDINAL_ACCEL_MPS2, Field.VALUE, accel),
            (P.POWER_STATE, Field.VALUE, "ON"),
            (P.SELECTED_GEAR, Field.VALUE, 127),  # D while a leg is driven
            (P.MOTOR_POWER_KW, Field.VALUE, max(-32768, min(32767, round(wheel_kw)))),
            (P.PACK_CURRENT_A, Field.VALUE, float(hist.current_a[-1])),
            (P.PACK_VOLTAGE_V, Field.VALUE, float(hist.voltage_v[-1])),
            (P.FLOW_DRIVE_W, Field.VALUE, flow_w),
        ]
        b.update(changes)
        self._was_on = True

    def _publish_parked(self) -> None:
        self._broker.update(
            [
                (P.SPEED_KPH, Field.VALUE, 0.0),
                (P.IS_MOVING, Field.VALUE, False),
                (P.LONGITUDINAL_ACCEL_MPS2, Field.VALUE, 0.0),
                (P.POWER_STATE, Field.VALUE, "OFF"),
                (P.SELECTED_GEAR, Field.VALUE, 126),  # P once parked
                (P.MOTOR_POWER_KW, Field.VALUE, 0),
                (P.PACK_CURRENT_A, Field.VALUE, 0.0),
                (P.FLOW_DRIVE_W, Field.VALUE, 0.0),
            ]
        )
        self._was_on = False
