"""Driving conditions: the world around the car, separate from the car itself."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from evtwin.errors import ScenarioError

__all__ = ["Conditions"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Conditions:
    """Ambient and load conditions of one simulated drive.

    ``aux_w`` None means the global 12 V base load. ``battery_temp_c`` None means the pack
    is at ambient temperature (a cold-soaked car). ``headwind_mps`` is the wind component
    against the direction of travel (negative = tailwind). A trailer adds mass, drag area
    (``trailer_cda_m2``) and rolling resistance (``trailer_crr``). ``rolling_factor`` and
    ``friction`` describe the surface (1.0 and 0.9 for dry asphalt).
    ``regen_max_decel_mps2`` None means the global regeneration threshold; a drive mode's
    regen level sets it (0 = coasting, no regeneration).

    ``road`` is ``"real"`` for driving on public roads: rolling resistance and drag carry the
    real-road factors calibrated on independent constant-speed tests (real tyres, road
    texture, wind; see ``constants.toml`` ``[real_road]``). ``"test"`` is a regulatory test
    (WLTP, EPA dyno): the road load as type-approved, no real-road factors.
    """

    ambient_temp_c: float = 23.0
    altitude_m: float = 0.0
    payload_kg: float = 0.0
    trailer_kg: float = 0.0
    trailer_cda_m2: float = 0.0
    trailer_crr: float = 0.010
    headwind_mps: float = 0.0
    hvac_w: float = 0.0
    aux_w: float | None = None
    initial_soc: float = 0.9
    battery_temp_c: float | None = None
    rolling_factor: float = 1.0
    friction: float = 0.9
    regen_max_decel_mps2: float | None = None
    road: Literal["real", "test"] = "real"

    def __post_init__(self) -> None:
        checks: list[tuple[str, float, float, float, str]] = [
            ("ambient_temp_c", self.ambient_temp_c, -40.0, 55.0, "°C"),
            ("altitude_m", self.altitude_m, -500.0, 5000.0, "m"),
            ("payload_kg", self.payload_kg, 0.0, 2000.0, "kg"),
            ("trailer_kg", self.trailer_kg, 0.0, 5000.0, "kg"),
            ("trailer_cda_m2", self.trailer_cda_m2, 0.0, 10.0, "m²"),
            ("trailer_crr", self.trailer_crr, 0.0, 0.1, ""),
            ("headwind_mps", self.headwind_mps, -40.0, 40.0, "m/s"),
            ("hvac_w", self.hvac_w, 0.0, 15000.0, "W"),
            ("initial_soc", self.initial_soc, 0.0, 1.0, ""),
            ("rolling_factor", self.rolling_factor, 0.2, 40.0, ""),  # loose sand: 25x asphalt
            ("friction", self.friction, 0.02, 1.5, ""),
        ]
        if self.aux_w is not None:
            checks.append(("aux_w", self.aux_w, 0.0, 10000.0, "W"))
        if self.regen_max_decel_mps2 is not None:
            checks.append(("regen_max_decel_mps2", self.regen_max_decel_mps2, 0.0, 10.0, "m/s²"))
        if self.battery_temp_c is not None:
            checks.append(("battery_temp_c", self.battery_temp_c, -40.0, 70.0, "°C"))
        for name, value, lo, hi, unit in checks:
            if not math.isfinite(value) or not lo <= value <= hi:
                u = f" {unit}" if unit else ""
                raise ScenarioError(f"{name} = {value:g}{u} is outside {lo:g}..{hi:g}{u}")
        if self.road not in ("real", "test"):
            raise ScenarioError(f"road must be 'real' or 'test', got {self.road!r}")
        if self.initial_soc <= 0.0:
            raise ScenarioError("initial_soc must be above 0 (the battery would be empty)")
        if self.trailer_kg == 0.0 and self.trailer_cda_m2 > 0.0:
            raise ScenarioError("trailer_cda_m2 given without a trailer (trailer_kg = 0 kg)")

    def replace(self, **changes: Any) -> Conditions:
        return dataclasses.replace(self, **changes)
