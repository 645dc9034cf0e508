"""Drive/terrain modes and surfaces as frozen parameter records, with pure helpers.

A mode sets how the car turns the accelerator pedal into torque (throttle map), how hard it
regenerates on lift-off, how much wheel slip traction control allows, an optional speed cap
and the climate's economy setting. A surface sets rolling resistance and the tyre friction
limit. The energy engine applies them; this module only describes and validates them.

Reference for the physics the numbers feed: Wong, *Theory of Ground Vehicles*, 4th ed. 2008
(rolling resistance F = C_rr · N, ch. 1.2; tractive limit F ≤ μ · N_driven, ch. 1.4).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum

from evtwin.units import G_M_PER_S2

__all__ = ["PACEJKA_SHAPE_C", "DriveMode", "ModeKind", "Surface", "SurfaceBasis", "ThrottleMap"]

PACEJKA_SHAPE_C = 1.65
"""Shape factor of the magic formula for longitudinal force (Pacejka 2012, typical value)."""


class ModeKind(StrEnum):
    DRIVE = "drive"
    """On-road mode (Comfort, Eco, Dynamic)."""
    TERRAIN = "terrain"
    """Off-road terrain program."""


class SurfaceBasis(StrEnum):
    HANDBOOK = "handbook"
    """A published table value."""
    ESTIMATE = "estimate"
    """Reasoned estimate; its source says how."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ThrottleMap:
    """Accelerator pedal fraction → fraction of maximum drive torque, piecewise linear."""

    pedal_fraction: tuple[float, ...]
    torque_fraction: tuple[float, ...]

    def torque_fraction_at(self, pedal_fraction: float) -> float:
        """Requested torque fraction at a pedal position (clipped to the 0–1 pedal travel,
        which is the pedal's physical range, not a value correction)."""
        xs, ys = self.pedal_fraction, self.torque_fraction
        x = min(max(pedal_fraction, xs[0]), xs[-1])
        i = min(bisect_right(xs, x), len(xs) - 1)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)

    @property
    def max_torque_fraction(self) -> float:
        return self.torque_fraction[-1]


@dataclass(frozen=True, kw_only=True, slots=True)
class DriveMode:
    """One drive mode or terrain program (see ``evtwin/data/modes/README.md``)."""

    id: str
    name: str
    signal_value: str
    kind: ModeKind
    description: str
    throttle_map: ThrottleMap
    regen_fraction: float
    traction_slip_target: float
    speed_limit_kph: float | None
    hvac_eco: bool
    source: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Surface:
    """A driving surface: rolling resistance and peak tyre friction (both dimensionless)."""

    id: str
    name: str
    signal_value: str
    rolling_resistance_coefficient: float
    friction_coefficient: float
    rolling_resistance_basis: SurfaceBasis
    friction_basis: SurfaceBasis
    source: str
    peak_slip: float | None = None
    """Longitudinal slip ratio at which the tyre reaches ``friction_coefficient`` on this
    surface (estimate); None: unknown, and traction control settings make no difference."""

    def usable_friction(self, slip_target: float) -> float:
        """Friction the driven wheels can use when traction control holds slip at
        ``slip_target``: ``mu_peak * sin(C atan(B s))`` with Pacejka's typical longitudinal
        shape factor ``C = 1.65`` and ``B = tan(pi / 2C) / peak_slip``, so the curve peaks at
        the surface's ``peak_slip`` (Pacejka, *Tire and Vehicle Dynamics*, 3rd ed. 2012, ch.
        4.3; soil traction-slip curves, Wong 2008 ch. 2).

        Only the peak's position is surface data, so this is an **estimate** of how much a
        mode's slip target helps or costs on a surface, not a fitted tyre model. Exactly the
        peak friction when the target matches the peak slip or the peak slip is unknown.
        """
        if self.peak_slip is None:
            return self.friction_coefficient
        b = math.tan(math.pi / (2.0 * PACEJKA_SHAPE_C)) / self.peak_slip
        shape = math.sin(PACEJKA_SHAPE_C * math.atan(b * max(slip_target, 0.0)))
        return self.friction_coefficient * shape

    def rolling_resistance_n(self, mass_kg: float) -> float:
        """Rolling resistance force on level ground, F = C_rr · m · g (Wong 2008 §1.2)."""
        return self.rolling_resistance_coefficient * mass_kg * G_M_PER_S2

    def max_tractive_force_n(self, driven_axle_load_kg: float) -> float:
        """Grip limit of the driven wheels, F = μ · m_driven · g (Wong 2008 §1.4)."""
        return self.friction_coefficient * driven_axle_load_kg * G_M_PER_S2
