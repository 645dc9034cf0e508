"""Load and validate the mode and surface data files in ``evtwin/data/modes``."""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from typing import Any, Final

from evtwin.errors import ModeError, UnknownModeError
from evtwin.modes._model import DriveMode, ModeKind, Surface, SurfaceBasis, ThrottleMap

__all__ = [
    "load_mode",
    "load_modes",
    "load_surface",
    "load_surfaces",
    "parse_mode",
    "parse_surface",
]

SURFACES_FILE: Final = "surfaces.toml"


def _data_dir() -> Traversable:
    return resources.files("evtwin").joinpath("data", "modes")


def _read_toml(file: Traversable) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ModeError(f"cannot read {file.name}: {e}") from e


def _get(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise ModeError(f"{where}: missing key {key!r}")
    value = table[key]
    if isinstance(value, bool) and kind is not bool:
        raise ModeError(f"{where}: {key} must be a number, got {value!r}")
    if not isinstance(value, kind):
        raise ModeError(f"{where}: {key} has the wrong type: {value!r}")
    return value


def _fraction(table: Mapping[str, Any], key: str, where: str) -> float:
    value = float(_get(table, key, (int, float), where))
    if not 0.0 <= value <= 1.0 or not math.isfinite(value):
        raise ModeError(f"{where}: {key} = {value} must be a fraction in [0, 1]")
    return value


def _throttle_map(raw: object, where: str) -> ThrottleMap:
    if not isinstance(raw, dict):
        raise ModeError(f"{where}: missing table [throttle_map]")
    xs = _get(raw, "pedal_fraction", list, where)
    ys = _get(raw, "torque_fraction", list, where)
    if len(xs) != len(ys) or len(xs) < 2:
        raise ModeError(f"{where}: throttle_map needs two equal-length lists of >= 2 points")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in xs + ys):
        raise ModeError(f"{where}: throttle_map points must be numbers")
    pedal = tuple(float(v) for v in xs)
    torque = tuple(float(v) for v in ys)
    if pedal[0] != 0.0 or pedal[-1] != 1.0 or any(b <= a for a, b in pairwise(pedal)):
        raise ModeError(f"{where}: pedal_fraction must rise strictly from 0 to 1, got {pedal}")
    if torque[0] != 0.0 or any(b < a for a, b in pairwise(torque)) or torque[-1] > 1.0:
        raise ModeError(
            f"{where}: torque_fraction must start at 0, never fall and stay <= 1, got {torque}"
        )
    return ThrottleMap(pedal_fraction=pedal, torque_fraction=torque)


def parse_mode(mode_id: str, raw: Mapping[str, Any]) -> DriveMode:
    """Validate one mode table (as read from its TOML file); raises :class:`ModeError`."""
    where = f"mode {mode_id}"
    try:
        kind = ModeKind(_get(raw, "kind", str, where))
    except ValueError as e:
        raise ModeError(f"{where}: kind must be 'drive' or 'terrain', got {raw['kind']!r}") from e
    speed_limit = raw.get("speed_limit_kph")
    if speed_limit is not None:
        speed_limit = float(_get(raw, "speed_limit_kph", (int, float), where))
        if not speed_limit > 0:
            raise ModeError(f"{where}: speed_limit_kph = {speed_limit} km/h must be positive")
    return DriveMode(
        id=mode_id,
        name=_get(raw, "name", str, where),
        signal_value=_get(raw, "signal_value", str, where),
        kind=kind,
        description=_get(raw, "description", str, where),
        throttle_map=_throttle_map(raw.get("throttle_map"), where),
        regen_fraction=_fraction(raw, "regen_fraction", where),
        traction_slip_target=_fraction(raw, "traction_slip_target", where),
        speed_limit_kph=speed_limit,
        hvac_eco=_get(raw, "hvac_eco", bool, where),
        source=_get(raw, "source", str, where),
    )


def _basis(raw: Mapping[str, Any], key: str, where: str) -> SurfaceBasis:
    try:
        return SurfaceBasis(_get(raw, key, str, where))
    except ValueError as e:
        raise ModeError(f"{where}: {key} must be 'handbook' or 'estimate', got {raw[key]!r}") from e


def parse_surface(surface_id: str, raw: Mapping[str, Any]) -> Surface:
    """Validate one surface table of ``surfaces.toml``; raises :class:`ModeError`."""
    where = f"surface {surface_id}"
    rr = float(_get(raw, "rolling_resistance_coefficient", (int, float), where))
    mu = float(_get(raw, "friction_coefficient", (int, float), where))
    if not 0.0 < rr < 1.0:
        raise ModeError(f"{where}: rolling_resistance_coefficient = {rr} must be in (0, 1)")
    if not 0.0 < mu <= 1.5:
        raise ModeError(f"{where}: friction_coefficient = {mu} must be in (0, 1.5]")
    peak_slip = raw.get("peak_slip")
    if peak_slip is not None:
        peak_slip = float(_get(raw, "peak_slip", (int, float), where))
        if not 0.0 < peak_slip < 1.0:
            raise ModeError(f"{where}: peak_slip = {peak_slip} must be a slip ratio in (0, 1)")
    return Surface(
        id=surface_id,
        name=_get(raw, "name", str, where),
        signal_value=_get(raw, "signal_value", str, where),
        rolling_resistance_coefficient=rr,
        friction_coefficient=mu,
        rolling_resistance_basis=_basis(raw, "rolling_resistance_basis", where),
        friction_basis=_basis(raw, "friction_basis", where),
        source=_get(raw, "source", str, where),
        peak_slip=peak_slip,
    )


@cache
def load_modes() -> Mapping[str, DriveMode]:
    """Every mode by id (file stem), drive modes first, in a stable order."""
    files = sorted(
        (f for f in _data_dir().iterdir() if f.name.endswith(".toml") and f.name != SURFACES_FILE),
        key=lambda f: f.name,
    )
    modes = [parse_mode(f.name.removesuffix(".toml"), _read_toml(f)) for f in files]
    values = [m.signal_value for m in modes]
    if len(set(values)) != len(values):
        raise ModeError(f"two modes share a signal_value: {sorted(values)}")
    modes.sort(key=lambda m: (m.kind is not ModeKind.DRIVE, m.id))
    return {m.id: m for m in modes}


@cache
def load_surfaces() -> Mapping[str, Surface]:
    """Every surface by id."""
    raw = _read_toml(_data_dir().joinpath(SURFACES_FILE))
    out: dict[str, Surface] = {}
    for surface_id, table in raw.items():
        if not isinstance(table, dict):
            raise ModeError(f"{SURFACES_FILE}: {surface_id} must be a table")
        out[surface_id] = parse_surface(surface_id, table)
    return out


def _unknown(kind: str, name: str, known: list[str]) -> UnknownModeError:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return UnknownModeError(f"unknown {kind} {name!r}{hint}; known: {', '.join(known)}")


def load_mode(name: str) -> DriveMode:
    """A mode by id (``mud_ruts``) or by its signal value (``MUD_RUTS``)."""
    modes = load_modes()
    if name in modes:
        return modes[name]
    for mode in modes.values():
        if mode.signal_value == name:
            return mode
    raise _unknown("mode", name, list(modes))


def load_surface(name: str) -> Surface:
    """A surface by id (``grass_wet``)."""
    surfaces = load_surfaces()
    if name in surfaces:
        return surfaces[name]
    raise _unknown("surface", name, list(surfaces))
