"""The pack's open-circuit voltage over state of charge: one curve for every model.

The drive engine's kernel (:mod:`evtwin.sim.kernel`), the charging pack model
(:mod:`evtwin.battery.pack`) and the BMS (:mod:`evtwin.battery.bms`) all read it from here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["OCV_POLY", "OCV_TABLE_SOC", "ocv_relative"]

# Open-circuit voltage over SOC, relative to its mean over the usable window: a generic NMC
# pack shape (assumption). Tabulated at SOC 0, 0.1, ..., 1; the kernel uses the least-squares
# 5th-order polynomial through these points (max deviation 0.1 %), normalised to mean 1.
OCV_TABLE_SOC = np.linspace(0.0, 1.0, 11)
_OCV_RAW = np.array([0.880, 0.925, 0.950, 0.965, 0.980, 0.995, 1.010, 1.030, 1.050, 1.075, 1.100])
_poly = np.polyfit(OCV_TABLE_SOC, _OCV_RAW, 5)
_mean = float(np.polyval(np.polyint(_poly), 1.0) - np.polyval(np.polyint(_poly), 0.0))
OCV_POLY = _poly / _mean
"""Coefficients, highest power first, of OCV/V_nom as a polynomial in SOC."""


def ocv_relative(soc: np.ndarray | float) -> np.ndarray:
    """OCV / nominal voltage at ``soc`` (0..1), the same curve the kernel uses."""
    return np.asarray(np.polyval(OCV_POLY, soc), dtype=np.float64)
