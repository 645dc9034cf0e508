"""Speed traces: regulatory drive cycles, constant speed, and speed/grade profiles from files."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evtwin.errors import CycleError, DataFileError, UnknownCycleError
from evtwin.units import KPH_PER_MPS

__all__ = [
    "CYCLES",
    "Trace",
    "as_trace",
    "constant_speed",
    "cycle",
    "load_profile",
]

FloatArray = npt.NDArray[np.float64]

# name -> (file, description, regulation)
CYCLES: dict[str, tuple[str, str]] = {
    "wltc": ("wltc_class3b.csv", "WLTC class 3b (UN GTR 15), the WLTP cycle"),
    "wltc3a": ("wltc_class3a.csv", "WLTC class 3a (UN GTR 15)"),
    "udds": ("udds.csv", "US EPA UDDS / FTP-72 city cycle (40 CFR 86 App. I)"),
    "hwfet": ("hwfet.csv", "US EPA Highway Fuel Economy Test (40 CFR 600 App. I)"),
    "us06": ("us06.csv", "US EPA US06 aggressive cycle (SFTP)"),
}
_ALIASES = {"wltp": "wltc", "wltc3b": "wltc", "ftp": "udds", "hwy": "hwfet", "highway": "hwfet"}


@dataclass(frozen=True, eq=False, slots=True)
class Trace:
    """A speed (m/s) and grade (rise/run) profile over time (s); grade applies to the
    interval ending at each sample."""

    name: str
    time_s: FloatArray
    speed_mps: FloatArray
    grade: FloatArray

    def __post_init__(self) -> None:
        t, v, g = self.time_s, self.speed_mps, self.grade
        if not (t.ndim == v.ndim == g.ndim == 1) or not (len(t) == len(v) == len(g)):
            raise CycleError(f"trace {self.name!r}: time, speed and grade must be equal-length")
        if len(t) < 2:
            raise CycleError(f"trace {self.name!r}: needs at least 2 samples, got {len(t)}")
        if not (np.isfinite(t).all() and np.isfinite(v).all() and np.isfinite(g).all()):
            raise CycleError(f"trace {self.name!r}: contains NaN or infinite values")
        steps = np.diff(t)
        if (steps <= 0).any():
            i = int(np.argmax(steps <= 0))
            raise CycleError(
                f"trace {self.name!r}: time must increase, but t[{i + 1}] = {t[i + 1]:g} s "
                f"follows t[{i}] = {t[i]:g} s"
            )
        if (v < 0).any():
            i = int(np.argmax(v < 0))
            raise CycleError(f"trace {self.name!r}: negative speed {v[i]:g} m/s at t = {t[i]:g} s")
        if (np.abs(g) > 0.6).any():
            i = int(np.argmax(np.abs(g) > 0.6))
            raise CycleError(
                f"trace {self.name!r}: grade {g[i]:g} (rise/run) at t = {t[i]:g} s is beyond "
                "what a road car can climb (|grade| <= 0.6)"
            )

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1] - self.time_s[0])

    @property
    def distance_m(self) -> float:
        """Distance if followed exactly (trapezoid rule, as the engine integrates)."""
        return float(
            np.sum(0.5 * (self.speed_mps[1:] + self.speed_mps[:-1]) * np.diff(self.time_s))
        )

    def __len__(self) -> int:
        return len(self.time_s)


def _read_fastsim_csv(text: str, name: str) -> Trace:
    rows = list(csv.DictReader(io.StringIO(text)))
    try:
        t = np.array([float(r["cycSecs"]) for r in rows])
        v = np.array([float(r["cycMps"]) for r in rows])
        g = np.array([float(r.get("cycGrade") or 0.0) for r in rows])
    except (KeyError, ValueError) as e:
        raise DataFileError(f"cycle file for {name!r} is malformed: {e}") from e
    return Trace(name, t, v, g)


def cycle(name: str) -> Trace:
    """A bundled regulatory cycle by name (``wltc``, ``udds``, ``hwfet``, ``us06``, ...).

    The same (read-only) object is returned for a name and its aliases.
    """
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in CYCLES:
        known = ", ".join(sorted(CYCLES))
        raise UnknownCycleError(f"unknown cycle {name!r}; known cycles: {known}")
    return _bundled(key)


@cache
def _bundled(key: str) -> Trace:
    file, _ = CYCLES[key]
    text = (resources.files("evtwin") / "data" / "cycles" / file).read_text(encoding="utf-8")
    trace = _read_fastsim_csv(text, key)
    for arr in (trace.time_s, trace.speed_mps, trace.grade):
        arr.setflags(write=False)
    return trace


def as_trace(trace: object) -> Trace:
    """A :class:`Trace`, or a bundled cycle by name; anything else is a TypeError.

    >>> as_trace("wltc").name == cycle("wltc").name
    True
    """
    if isinstance(trace, Trace):
        return trace
    if isinstance(trace, str):
        return cycle(trace)
    raise TypeError(
        "expected a trace: evtwin.cycle(name), evtwin.constant_speed(kph), "
        f"evtwin.load_profile(csv) or a cycle name; got {type(trace).__name__} {trace!r:.60}"
    )


def constant_speed(speed_kph: float, duration_s: float = 600.0, grade: float = 0.0) -> Trace:
    """Steady driving at ``speed_kph`` (already at speed at t = 0)."""
    if not 1.0 <= speed_kph <= 250.0:
        raise CycleError(f"constant speed must be within 1..250 km/h, got {speed_kph:g} km/h")
    n = int(duration_s) + 1
    t = np.arange(n, dtype=np.float64)
    v = np.full(n, speed_kph / KPH_PER_MPS)
    return Trace(f"constant {speed_kph:g} km/h", t, v, np.full(n, grade))


def load_profile(path: str | Path) -> Trace:
    """A speed/grade profile from CSV with columns ``time_s, speed_kph[, grade_percent]``
    (or the FASTSim ``cycSecs, cycMps, cycGrade`` format)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CycleError(f"profile file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataFileError(f"cannot read profile {p}: {e}") from e
    reader = csv.DictReader(io.StringIO(text))
    cols = set(reader.fieldnames or [])
    if {"cycSecs", "cycMps"} <= cols:
        return _read_fastsim_csv(text, p.stem)
    if not {"time_s", "speed_kph"} <= cols:
        raise CycleError(
            f"{p}: needs columns time_s, speed_kph (optional grade_percent); found {sorted(cols)}"
        )
    t_l, v_l, g_l = [], [], []
    for line, row in enumerate(reader, start=2):
        try:
            t_l.append(float(row["time_s"]))
            v_l.append(float(row["speed_kph"]) / KPH_PER_MPS)
            g_l.append(float(row.get("grade_percent") or 0.0) / 100.0)
        except (TypeError, ValueError):
            raise CycleError(f"{p}:{line}: not a number in {dict(row)}") from None
    return Trace(p.stem, np.array(t_l), np.array(v_l), np.array(g_l))
