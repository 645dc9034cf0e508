"""Units: SI inside, named conversion constants at the edges.

Everything inside evtwin is SI (m, s, kg, N, W, J, K or °C where named ``_c``). Any quantity
that is not SI, or whose unit is ambiguous, carries its unit in its name (``speed_kph``,
``energy_kwh``, ``temp_c``). Convert with these constants only; never with a bare number.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "G_M_PER_S2",
    "INCH_M",
    "J_PER_KWH",
    "J_PER_WH",
    "KG_PER_LB",
    "KM_PER_MILE",
    "KPH_PER_MPS",
    "KWH_PER_US_GALLON_EQUIVALENT",
    "MPH_PER_MPS",
    "M_PER_KM",
    "M_PER_MILE",
    "N_PER_LBF",
    "S_PER_H",
    "S_PER_MIN",
    "ZERO_C_IN_K",
    "kph_to_mps",
    "mps_to_kph",
]

G_M_PER_S2: Final = 9.80665
"""Standard gravity (CGPM 1901)."""

KPH_PER_MPS: Final = 3.6
M_PER_KM: Final = 1000.0
M_PER_MILE: Final = 1609.344
KM_PER_MILE: Final = M_PER_MILE / M_PER_KM
MPH_PER_MPS: Final = 3600.0 / M_PER_MILE
S_PER_MIN: Final = 60.0
S_PER_H: Final = 3600.0
J_PER_WH: Final = 3600.0
J_PER_KWH: Final = 3.6e6
INCH_M: Final = 0.0254
N_PER_LBF: Final = 4.4482216152605
KG_PER_LB: Final = 0.45359237
ZERO_C_IN_K: Final = 273.15
KWH_PER_US_GALLON_EQUIVALENT: Final = 33.705
"""EPA's energy content of one US gallon of gasoline equivalent for MPGe (40 CFR 600)."""


def kph_to_mps(speed_kph: float) -> float:
    """Convert km/h to m/s."""
    return speed_kph / KPH_PER_MPS


def mps_to_kph(speed_mps: float) -> float:
    """Convert m/s to km/h."""
    return speed_mps * KPH_PER_MPS
