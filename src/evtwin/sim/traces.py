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
    "ENGINE_STEP_S",
    "MAX_SAMPLES",
    "Trace",
    "as_trace",
    "constant_speed",
    "cycle",
    "load_profile",
    "resample",
]

FloatArray = npt.NDArray[np.float64]

ENGINE_STEP_S = 1.0
"""The engine's time step (s): the bundled cycles' step, and the longest step a profile keeps
(longer intervals are resampled to it, :func:`resample`)."""
MAX_SAMPLES = 2_000_000
"""Longest trace after resampling (~23 days at 1 s): bounds memory, names the problem."""

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


def resample(trace: Trace, step_s: float = ENGINE_STEP_S) -> Trace:
    """``trace`` with no interval longer than ``step_s``: speed interpolated linearly in time
    between the given rows, grade held over each original interval (it applies to the
    interval ending at a row). Rows are kept; a trace already that fine is returned as is.

    The engine integrates each interval at its mean speed with one power level, so a sparse
    profile (two rows hours apart) would otherwise be one step: the pack's per-step charge
    and power limits and every loss would be evaluated once for the whole drive.
    """
    if step_s <= 0.0:
        raise CycleError(f"resampling step must be positive, got {step_s:g} s")
    t = trace.time_s
    gaps = np.diff(t)
    if gaps.max() <= step_s * (1.0 + 1e-9):
        return trace
    pieces = np.ceil(gaps / step_s - 1e-9).astype(np.int64)
    total = int(pieces.sum()) + 1
    if total > MAX_SAMPLES:
        raise CycleError(
            f"trace {trace.name!r}: {trace.duration_s:g} s at a {step_s:g} s step is "
            f"{total:,} samples, more than {MAX_SAMPLES:,}; give a shorter profile"
        )
    # new sample times: each interval split into equal parts (original rows kept exactly)
    seg = np.repeat(np.arange(len(gaps)), pieces)
    within = np.arange(total - 1) - np.repeat(np.cumsum(pieces) - pieces, pieces) + 1
    t_new = np.empty(total)
    t_new[0] = t[0]
    t_new[1:] = t[seg] + gaps[seg] * within / pieces[seg]
    t_new[1:][within == pieces[seg]] = t[seg + 1][within == pieces[seg]]
    v_new = np.interp(t_new, t, trace.speed_mps)
    g_new = np.empty(total)
    g_new[0] = trace.grade[0]
    g_new[1:] = trace.grade[seg + 1]
    return Trace(trace.name, t_new, v_new, g_new)


def load_profile(path: str | Path) -> Trace:
    """A speed/grade profile from CSV with columns ``time_s, speed_kph[, grade_percent]``
    (or the FASTSim ``cycSecs, cycMps, cycGrade`` format), resampled to the engine's step
    where rows are further apart (:func:`resample`)."""
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
        return resample(_read_fastsim_csv(text, p.stem))
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
    return resample(Trace(p.stem, np.array(t_l), np.array(v_l), np.array(g_l)))
