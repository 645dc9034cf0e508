"""Cell chemistry of the traction pack (NMC, NCA, LFP): what differs between them in the
models, from ``evtwin/data/model/chemistry.toml`` (each value with its source).

- the open-circuit voltage curve: sloping for NMC/NCA, a flat plateau for LFP
  (:func:`ocv_relative_for`); the charging pack model and the BMS use it;
- cold: the share of usable energy a cold pack loses (a factor on the global constant);
- DC charging: how far the charge envelope holds its C-rate (flatter to a higher SOC for
  LFP) and how hard it derates in the cold (more for LFP).

A spec without ``battery_chemistry`` is modelled as :data:`DEFAULT_CHEMISTRY` (NMC), and
answers say so in their assumptions. NMC reproduces the models as they were before chemistry
existed: its curve is the one :mod:`evtwin.battery.ocv` (and the drive engine) uses.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from evtwin.battery.ocv import OCV_POLY
from evtwin.errors import DataFileError

__all__ = [
    "CHEMISTRIES",
    "DEFAULT_CHEMISTRY",
    "Chemistry",
    "chemistry_basis",
    "load_chemistry",
    "ocv_relative_for",
]

CHEMISTRIES: Final = ("nmc", "nca", "lfp")
DEFAULT_CHEMISTRY: Final = "nmc"
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, slots=True)
class Chemistry:
    """One cell chemistry's parameters (dimensionless factors on global constants)."""

    id: str
    name: str
    ocv_soc: tuple[float, ...]
    ocv_rel: tuple[float, ...]
    """OCV over SOC, normalised to mean 1 over the usable window (trapezoidal)."""
    ocv_fit: str
    cold_capacity_factor: float
    charge_c_rate_at_80_factor: float
    charge_cold_b_factor: float
    source: str

    def ocv_relative(self, soc: npt.ArrayLike) -> FloatArray:
        """OCV / nominal at usable ``soc`` (clipped to 0..1)."""
        s = np.clip(np.asarray(soc, dtype=np.float64), 0.0, 1.0)
        if self.ocv_fit == "poly5":
            return np.asarray(np.polyval(self._poly(), s), dtype=np.float64)
        return np.asarray(np.interp(s, self.ocv_soc, self.ocv_rel), dtype=np.float64)

    def _poly(self) -> FloatArray:
        return _poly_of(self.ocv_soc, self.ocv_rel)

    def ocv_slope(self, soc_lo: float, soc_hi: float) -> float:
        """Mean d(OCV/nominal)/dSOC between two SOCs: how much the voltage tells about the
        charge (an EKF's observability)."""
        a, b = self.ocv_relative(np.array([soc_lo, soc_hi]))
        return float((b - a) / (soc_hi - soc_lo))


@cache
def _poly_of(soc: tuple[float, ...], rel: tuple[float, ...]) -> FloatArray:
    poly = np.polyfit(np.array(soc), np.array(rel), 5)
    integral = np.polyint(poly)
    mean = float(np.polyval(integral, 1.0) - np.polyval(integral, 0.0))
    return np.asarray(poly / mean, dtype=np.float64)


def _number(table: dict[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    v = table.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise DataFileError(f"{where}: {key} must be a number, got {v!r}")
    if not lo <= v <= hi:
        raise DataFileError(f"{where}: {key} = {v:g} is outside {lo:g}..{hi:g}")
    return float(v)


def _parse(chem_id: str, t: Any, where: str) -> Chemistry:
    if not isinstance(t, dict):
        raise DataFileError(f"{where}: [{chem_id}] must be a table")
    soc, volts = t.get("ocv_soc"), t.get("ocv_v_cell")
    if (
        not isinstance(soc, list)
        or not isinstance(volts, list)
        or len(soc) != len(volts)
        or len(soc) < 6
        or not all(isinstance(x, int | float) for x in soc + volts)
    ):
        raise DataFileError(f"{where}: [{chem_id}] needs equal lists ocv_soc, ocv_v_cell (>= 6)")
    s, v = np.array(soc, dtype=np.float64), np.array(volts, dtype=np.float64)
    if s[0] != 0.0 or s[-1] != 1.0 or np.any(np.diff(s) <= 0) or np.any(np.diff(v) < 0):
        raise DataFileError(
            f"{where}: [{chem_id}] ocv_soc must rise from 0 to 1 and ocv_v_cell never fall"
        )
    if not np.all((v > 1.5) & (v < 5.0)):
        raise DataFileError(f"{where}: [{chem_id}] ocv_v_cell must be cell volts (1.5-5 V)")
    fit = t.get("ocv_fit")
    if fit not in ("poly5", "linear"):
        raise DataFileError(f"{where}: [{chem_id}] ocv_fit must be 'poly5' or 'linear'")
    mean = float(np.sum(0.5 * (v[1:] + v[:-1]) * np.diff(s)))
    name, source = t.get("name"), t.get("source")
    if not isinstance(name, str) or not isinstance(source, str):
        raise DataFileError(f"{where}: [{chem_id}] needs name and source strings")
    return Chemistry(
        id=chem_id,
        name=name,
        ocv_soc=tuple(float(x) for x in s),
        ocv_rel=tuple(float(x) for x in v / mean),
        ocv_fit=fit,
        cold_capacity_factor=_number(t, "cold_capacity_factor", where, 0.0, 10.0),
        charge_c_rate_at_80_factor=_number(t, "charge_c_rate_at_80_factor", where, 0.1, 10.0),
        charge_cold_b_factor=_number(t, "charge_cold_b_factor", where, 0.1, 10.0),
        source=source,
    )


@cache
def _all() -> dict[str, Chemistry]:
    path = resources.files("evtwin") / "data" / "model" / "chemistry.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"cannot read cell chemistries {path}: {e}") from e
    missing = set(CHEMISTRIES) - set(raw)
    if missing:
        raise DataFileError(f"{path}: missing chemistries {sorted(missing)}")
    return {k: _parse(k, raw[k], str(path)) for k in CHEMISTRIES}


def load_chemistry(chemistry: str | None) -> Chemistry:
    """A chemistry by id; None means :data:`DEFAULT_CHEMISTRY`."""
    key = DEFAULT_CHEMISTRY if chemistry is None else chemistry
    chems = _all()
    if key not in chems:
        raise DataFileError(f"unknown battery chemistry {key!r}; known: {', '.join(CHEMISTRIES)}")
    return chems[key]


def ocv_relative_for(chemistry: str | None, soc: npt.ArrayLike) -> FloatArray:
    """OCV / nominal at usable ``soc`` for a chemistry (NMC: the drive engine's curve)."""
    if chemistry in (None, DEFAULT_CHEMISTRY):
        return np.asarray(
            np.polyval(OCV_POLY, np.clip(np.asarray(soc, dtype=np.float64), 0.0, 1.0)),
            dtype=np.float64,
        )
    return load_chemistry(chemistry).ocv_relative(soc)


def chemistry_basis(chemistry: str | None) -> str:
    """How the model treats the pack's chemistry, for an answer's assumptions."""
    if chemistry is None:
        return (
            f"default {DEFAULT_CHEMISTRY}: not in the spec; the most common EV cell chemistry "
            "(assumption): sloping OCV, the global cold and charging constants as fitted"
        )
    c = load_chemistry(chemistry)
    return (
        f"spec: {chemistry} ({c.name}): cold capacity loss x{c.cold_capacity_factor:g}, "
        f"charge envelope C-rate at 80 % x{c.charge_c_rate_at_80_factor:g}, cold charge "
        f"derating exponent x{c.charge_cold_b_factor:g} (data/model/chemistry.toml)"
    )
