"""The world around the car: weather, road, water, trailer, charger and the driver's wish.

None of this is the car. The car learns about it only through its sensors:
:class:`WorldSensors` publishes what a real car would measure (outside air temperature, the
surface it estimates, wading depth, trailer mass, a charging cable and the current the charger
offers) into the broker, and the car's services read those signals. Only the vehicle
dynamics plant (:mod:`evtwin.runtime._drive`) touches the world directly, because it *is*
the physics: the road's grade and the true surface decide the forces on the car, and the
driver's wished speed is the pedal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from evtwin.errors import ChargingError, ScenarioError
from evtwin.modes import Surface, load_surface
from evtwin.runtime._services import PHASE_INPUTS
from evtwin.runtime._signalio import read_float
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P
from evtwin.sim.traces import Trace

__all__ = ["AC_PHASE_VOLTAGE_V", "Charger", "DriveLeg", "Trailer", "World", "WorldSensors"]

AC_PHASE_VOLTAGE_V: Final = 230.0
"""UK/EU phase voltage (BS EN 50160 nominal)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Charger:
    """A charge point at the end of the cable: its power and kind."""

    power_kw: float
    dc: bool = False

    def __post_init__(self) -> None:
        low, top = (5.0, 400.0) if self.dc else (1.0, 22.0)
        if not low <= self.power_kw <= top:
            kind = "DC" if self.dc else "AC"
            raise ChargingError(
                f"{kind} charger power {self.power_kw:g} kW is outside {low:g}..{top:g} kW"
            )

    @property
    def phases(self) -> int:
        """AC phases: single-phase up to 7.4 kW (32 A), three-phase above."""
        return 1 if self.power_kw <= 7.4 else 3


@dataclass(frozen=True, kw_only=True, slots=True)
class Trailer:
    """A hitched trailer: laden mass and its extra drag area (Cd·A)."""

    mass_kg: float
    cda_m2: float = 1.5
    """Default: extra drag area of a small box/camping trailer behind an SUV (assumption)."""

    def __post_init__(self) -> None:
        if not 0.0 < self.mass_kg <= 5000.0:
            raise ScenarioError(f"trailer mass {self.mass_kg:g} kg is outside 0..5000 kg")
        if not 0.0 <= self.cda_m2 <= 10.0:
            raise ScenarioError(f"trailer drag area {self.cda_m2:g} m² is outside 0..10 m²")


@dataclass(kw_only=True, slots=True)
class DriveLeg:
    """What the driver wants: the speed (and the road's grade) over time from ``start_s``
    (twin time), along ``trace``; optionally until ``distance_m`` is covered."""

    trace: Trace
    start_s: float
    distance_m: float | None = None
    speed_noise_kph: float = 0.0
    seed: int = 0
    _noise: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        n = len(self.trace)
        self._noise = (
            rng.normal(0.0, self.speed_noise_kph / 3.6, n)
            if self.speed_noise_kph
            else (np.zeros(n))
        )

    @property
    def end_s(self) -> float:
        return self.start_s + float(self.trace.time_s[-1] - self.trace.time_s[0])

    def _elapsed(self, now_s: float) -> float:
        return float(self.trace.time_s[0]) + (now_s - self.start_s)

    def wished_speed_mps(self, now_s: float) -> float:
        """The driver's wished speed at twin time ``now_s`` (0 after the leg's end)."""
        t = self._elapsed(now_s)
        tr = self.trace
        if t > tr.time_s[-1]:
            return 0.0
        v = float(np.interp(t, tr.time_s, tr.speed_mps + self._noise))
        base = float(np.interp(t, tr.time_s, tr.speed_mps))
        return max(0.0, v) if base > 0 else 0.0

    def grade(self, now_s: float) -> float:
        """The road's grade (rise/run) at ``now_s``."""
        t = min(self._elapsed(now_s), float(self.trace.time_s[-1]))
        return float(np.interp(t, self.trace.time_s, self.trace.grade))


@dataclass(kw_only=True, slots=True)
class World:
    """Mutable state of the world; scenarios change it between steps."""

    ambient_temp_c: float = 15.0
    surface: Surface = field(default_factory=lambda: load_surface("asphalt"))
    water_depth_mm: float = 0.0
    trailer: Trailer | None = None
    charger: Charger | None = None
    leg: DriveLeg | None = None

    def __post_init__(self) -> None:
        if not -40.0 <= self.ambient_temp_c <= 55.0:
            raise ScenarioError(
                f"ambient temperature {self.ambient_temp_c:g} °C is outside -40..55 °C"
            )
        if not 0.0 <= self.water_depth_mm <= 2000.0:
            raise ScenarioError(f"water depth {self.water_depth_mm:g} mm is outside 0..2000 mm")


class WorldSensors:
    """Publishes what the car's sensors measure of the world (see module docstring)."""

    name = "world-sensors"
    step_phase = PHASE_INPUTS

    def __init__(self, broker: Broker, world: World) -> None:
        self._broker = broker
        self.world = world

    def step(self, now_s: float, dt_s: float) -> None:
        broker, world = self._broker, self.world
        charger = world.charger
        phase = [0.0, 0.0, 0.0]
        dc_a = 0.0
        if charger is not None:
            if charger.dc:
                volts = read_float(broker, P.NOMINAL_VOLTAGE_V, 400.0)
                dc_a = charger.power_kw * 1000.0 / volts
            else:
                amps = charger.power_kw * 1000.0 / (AC_PHASE_VOLTAGE_V * charger.phases)
                phase = [amps if i < charger.phases else 0.0 for i in range(3)]
        changes: list[Change] = [
            (P.AMBIENT_AIR_C, Field.VALUE, world.ambient_temp_c),
            (P.SURFACE, Field.VALUE, world.surface.signal_value),
            (P.WADING_DEPTH_MM, Field.VALUE, round(world.water_depth_mm)),
            (P.TRAILER_CONNECTED, Field.VALUE, world.trailer is not None),
            (P.TRAILER_MASS_KG, Field.VALUE, round(world.trailer.mass_kg) if world.trailer else 0),
            (P.CHARGING_CABLE_CONNECTED, Field.VALUE, charger is not None),
            (P.CHARGER_MAX_CURRENT_DC_A, Field.VALUE, dc_a),
            (P.CHARGER_MAX_CURRENT_PHASE1_A, Field.VALUE, phase[0]),
            (P.CHARGER_MAX_CURRENT_PHASE2_A, Field.VALUE, phase[1]),
            (P.CHARGER_MAX_CURRENT_PHASE3_A, Field.VALUE, phase[2]),
        ]
        broker.update(changes)
