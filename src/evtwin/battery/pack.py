"""Pack equivalent circuit for charging: open-circuit voltage, resistance, limits.

The pack is the same equivalent circuit the drive engine uses (:mod:`evtwin.sim.kernel`):
``V = OCV(SOC) + I R(T)`` while charging, with the one OCV curve
(:func:`evtwin.battery.ocv.ocv_relative`, which the kernel also uses) and the
Arrhenius resistance of the global constants. SOC here is the *usable* energy fraction
(0 = displayed 0 %, 1 = displayed 100 %), so the chemical energy stored between two SOCs is
exactly ``ΔSOC x usable energy``.

All functions are pure and broadcast over numpy arrays (vehicles x conditions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evtwin.battery.chemistry import DEFAULT_CHEMISTRY, ocv_relative_for
from evtwin.battery.ocv import ocv_relative
from evtwin.errors import ChargingError
from evtwin.units import ZERO_C_IN_K

__all__ = [
    "OCV_FULL_REL",
    "REFERENCE_TEMP_K",
    "PackParams",
    "arrhenius_exponent",
    "ocv_rel",
    "ocv_v",
    "resistance_ohm",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | FloatArray

REFERENCE_TEMP_K = 298.15
"""25 °C, where the pack's resistance is stated."""
OCV_FULL_REL: float = float(ocv_relative(1.0))
"""Open-circuit voltage over nominal at displayed 100 %."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PackParams:
    """One traction pack as the charging model sees it (SI units).

    ``max_voltage_rel`` is the BMS's charge voltage ceiling relative to nominal (the
    constant-voltage phase of CC-CV charging); the charging model puts it just above the
    open-circuit voltage at displayed 100 %.
    """

    energy_j: float
    """Usable energy (displayed 0-100 %)."""
    nominal_voltage_v: float
    resistance_25c_ohm: float
    arrhenius_b_k: float
    max_voltage_rel: float
    heat_capacity_j_per_k: float
    """Lumped heat capacity of cells, modules and coolant."""
    chemistry: str = DEFAULT_CHEMISTRY
    """Cell chemistry: the shape of the OCV curve (:mod:`evtwin.battery.chemistry`)."""

    def __post_init__(self) -> None:
        for name in ("energy_j", "nominal_voltage_v", "resistance_25c_ohm", "max_voltage_rel"):
            if not getattr(self, name) > 0.0:
                raise ChargingError(f"PackParams.{name} = {getattr(self, name)!r} must be positive")
        if not self.heat_capacity_j_per_k > 0.0:
            raise ChargingError("PackParams.heat_capacity_j_per_k must be positive (J/K)")

    @property
    def capacity_ah(self) -> float:
        """Charge of one C (A h) at nominal voltage: the current of a 1 C charge."""
        return self.energy_j / 3600.0 / self.nominal_voltage_v

    @property
    def max_voltage_v(self) -> float:
        return self.max_voltage_rel * self.nominal_voltage_v


def ocv_rel(soc: ArrayLike, chemistry: str | None = None) -> FloatArray:
    """Open-circuit voltage over nominal at usable ``soc`` (0..1), clipped to 0..1.

    NMC (the default): the drive kernel's curve (a 5th-order fit through its 11-point
    table); another chemistry: its own curve (:func:`evtwin.battery.chemistry.ocv_relative_for`,
    LFP's flat plateau).
    """
    if chemistry in (None, DEFAULT_CHEMISTRY):
        return ocv_relative(np.clip(np.asarray(soc, dtype=np.float64), 0.0, 1.0))
    return ocv_relative_for(chemistry, soc)


def ocv_v(nominal_voltage_v: ArrayLike, soc: ArrayLike, chemistry: str | None = None) -> FloatArray:
    """Open-circuit pack voltage (V) at ``soc``."""
    return np.asarray(nominal_voltage_v, dtype=np.float64) * ocv_rel(soc, chemistry)


def arrhenius_exponent(arrhenius_b_k: Any, temp_c: Any) -> Any:
    """``B (1/T - 1/298.15 K)`` at ``temp_c`` (°C): ``R(T) = R25 exp(this)``.

    The one Arrhenius rule: :func:`resistance_ohm` applies it to arrays, and the drive
    kernel (:mod:`evtwin.sim.kernel`) compiles it for its scalars (plain arithmetic, so it
    also compiles for a GPU).
    """
    return arrhenius_b_k * (1.0 / (temp_c + ZERO_C_IN_K) - 1.0 / REFERENCE_TEMP_K)


def resistance_ohm(
    resistance_25c_ohm: ArrayLike, arrhenius_b_k: ArrayLike, temp_c: ArrayLike
) -> FloatArray:
    """Pack DC resistance (ohm) at cell temperature ``temp_c``.

    ``R(T) = R25 exp(B (1/T - 1/298.15 K))`` — Arrhenius dependence of charge-transfer
    resistance (e.g. Waag, Fleischer & Sauer, J. Power Sources 258 (2014) 321).
    """
    exponent = arrhenius_exponent(
        np.asarray(arrhenius_b_k, dtype=np.float64), np.asarray(temp_c, dtype=np.float64)
    )
    return np.asarray(
        np.asarray(resistance_25c_ohm, dtype=np.float64) * np.exp(exponent), dtype=np.float64
    )
