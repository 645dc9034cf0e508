"""Scenario files: a vehicle, a start state and a list of steps, validated on load.

```toml
name = "Winter night"
vehicle = "defender-sport"      # catalogue id
seed = 1                        # driver speed noise, if any, is drawn from it
start_utc = "2027-01-14T17:00:00Z"

[initial]                       # all optional
soc_percent = 80
ambient_temp_c = 4
mode = "COMFORT"                # Vehicle.TerrainResponse.Mode value or mode id
surface = "asphalt"             # surfaces.toml id

[[step]]
do = "drive"                    # one of: cycle, profile (CSV), speed_kph + duration_s/distance_km
cycle = "wltc"
[[step]]
do = "park"                     # alias "wait"; hours|minutes|seconds|until_utc; ambient_temp_c
hours = 10
ambient_temp_c = -5
[[step]]
do = "set"                      # request actuators, as an app or the screen would
signals = { "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature" = 21.0 }
[[step]]
do = "plug_in"                  # charger_kw, dc = false
charger_kw = 7.4
```

Other steps: ``unplug``, ``hitch`` (``trailer_kg``, ``trailer_cda_m2``), ``unhitch``,
``world`` (``ambient_temp_c``, ``surface``, ``water_depth_mm``). A drive step may also set
``surface``, ``mode``, ``grade_percent`` (with ``speed_kph``), ``repeat`` (cycles) and
``speed_noise_kph``. Every step may carry a ``label``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from evtwin.errors import ScenarioError
from evtwin.modes import load_mode, load_surface
from evtwin.runtime import SETPOINT_MAX_C, SETPOINT_MIN_C, Charger
from evtwin.signals import check_value, load_catalogue
from evtwin.signals.paths import CABIN_SETPOINT_C

__all__ = [
    "ACTIONS",
    "DriveSpec",
    "Scenario",
    "Step",
    "parse_scenario",
]

Action = Literal[
    "drive", "park", "set", "plug_in", "unplug", "hitch", "unhitch", "world", "follow_route"
]
ACTIONS: Final[tuple[str, ...]] = (
    "drive",
    "park",
    "wait",
    "set",
    "plug_in",
    "unplug",
    "hitch",
    "unhitch",
    "world",
    "follow_route",
)

_STEP_KEYS: Final[dict[str, frozenset[str]]] = {
    "drive": frozenset(
        {
            "cycle",
            "profile",
            "speed_kph",
            "duration_s",
            "distance_km",
            "grade_percent",
            "repeat",
            "surface",
            "mode",
            "speed_noise_kph",
        }
    ),
    "park": frozenset({"hours", "minutes", "seconds", "until_utc", "ambient_temp_c"}),
    "set": frozenset({"signals"}),
    "plug_in": frozenset({"charger_kw", "dc"}),
    "unplug": frozenset(),
    "hitch": frozenset({"trailer_kg", "trailer_cda_m2"}),
    "unhitch": frozenset(),
    "world": frozenset({"ambient_temp_c", "surface", "water_depth_mm"}),
    "follow_route": frozenset({"to", "replan_threshold_pct", "max_hours"}),
}
_TOP_KEYS: Final = frozenset(
    {"name", "description", "vehicle", "seed", "start_utc", "initial", "timing", "step"}
)
_INITIAL_KEYS: Final = frozenset(
    {"soc_percent", "ambient_temp_c", "mode", "surface", "cabin_temp_c", "battery_temp_c"}
)
_TIMING_KEYS: Final = frozenset({"drive_step_s", "park_step_s"})


@dataclass(frozen=True, kw_only=True, slots=True)
class DriveSpec:
    """What a drive step asks for: exactly one of cycle, profile or speed_kph."""

    cycle: str | None = None
    profile: str | None = None
    speed_kph: float | None = None
    duration_s: float | None = None
    distance_km: float | None = None
    grade_percent: float = 0.0
    repeat: int = 1
    surface: str | None = None
    mode: str | None = None
    speed_noise_kph: float = 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Step:
    """One step; only the fields of its action are set."""

    index: int
    action: Action
    label: str
    drive: DriveSpec | None = None
    duration_s: float = 0.0
    """Seconds to park; negative: park until minus this epoch time (``until_utc``)."""
    ambient_temp_c: float | None = None
    surface: str | None = None
    water_depth_mm: float | None = None
    signals: Mapping[str, Any] = field(default_factory=dict)
    charger_kw: float | None = None
    dc: bool = False
    trailer_kg: float | None = None
    trailer_cda_m2: float | None = None
    destination: str | None = None
    """follow_route: where to (set on the Route.Destination actuator)."""
    replan_threshold_pct: float | None = None
    max_hours: float = 24.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Scenario:
    name: str
    description: str
    vehicle: str
    seed: int
    start_s: float
    soc_percent: float
    ambient_temp_c: float
    mode: str
    surface: str
    cabin_temp_c: float | None
    battery_temp_c: float | None
    drive_step_s: float
    park_step_s: float
    steps: tuple[Step, ...]
    source: str
    """Where the scenario came from (file path or bundled name); profiles resolve beside it."""


def _unknown_keys(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in table:
        if key not in allowed and key not in ("do", "label"):
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(
                f"{where}: unknown key {key!r}{hint}; allowed: {', '.join(sorted(allowed))}"
            )


def _number(
    table: Mapping[str, Any], key: str, where: str, lo: float, hi: float, unit: str
) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: {key} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise ScenarioError(f"{where}: {key} = {v:g} {unit} is outside {lo:g}..{hi:g} {unit}")
    return v


def _text(table: Mapping[str, Any], key: str, where: str) -> str | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def _check_mode(name: str | None) -> None:
    if name is not None:
        load_mode(name)


def _check_surface(name: str | None) -> None:
    if name is not None:
        load_surface(name)


def _duration(raw: Mapping[str, Any], where: str) -> float:
    """Seconds to park; an ``until_utc`` answers minus its epoch time (resolved when run)."""
    parts = [
        (k, f) for k, f in (("hours", 3600.0), ("minutes", 60.0), ("seconds", 1.0)) if k in raw
    ]
    if len(parts) + ("until_utc" in raw) != 1:
        raise ScenarioError(f"{where}: give exactly one of hours, minutes, seconds, until_utc")
    if "until_utc" in raw:
        return -_utc(raw["until_utc"], f"{where}: until_utc")
    key, factor = parts[0]
    value = _number(raw, key, where, 0.0, 30 * 24 * 3600.0 / factor, key)
    assert value is not None
    if value <= 0:
        raise ScenarioError(f"{where}: {key} must be positive, got {value:g}")
    return value * factor


def _drive(raw: Mapping[str, Any], where: str) -> DriveSpec:
    chosen = [k for k in ("cycle", "profile", "speed_kph") if k in raw]
    if len(chosen) != 1:
        raise ScenarioError(f"{where}: a drive needs exactly one of cycle, profile, speed_kph")
    speed = _number(raw, "speed_kph", where, 1.0, 250.0, "km/h")
    duration = _number(raw, "duration_s", where, 1.0, 48 * 3600.0, "s")
    distance = _number(raw, "distance_km", where, 0.001, 2000.0, "km")
    if speed is not None and (duration is None) == (distance is None):
        raise ScenarioError(f"{where}: speed_kph needs exactly one of duration_s, distance_km")
    if speed is None and (duration is not None or distance is not None):
        raise ScenarioError(f"{where}: duration_s/distance_km go with speed_kph only")
    grade = _number(raw, "grade_percent", where, -60.0, 60.0, "%") or 0.0
    if grade and speed is None:
        raise ScenarioError(f"{where}: grade_percent goes with speed_kph (cycles carry their own)")
    repeat = raw.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 100:
        raise ScenarioError(f"{where}: repeat must be an integer 1..100, got {repeat!r}")
    cycle = _text(raw, "cycle", where)
    if cycle is not None:
        from evtwin.sim.traces import cycle as load_cycle

        load_cycle(cycle)
    spec = DriveSpec(
        cycle=cycle,
        profile=_text(raw, "profile", where),
        speed_kph=speed,
        duration_s=duration,
        distance_km=distance,
        grade_percent=grade,
        repeat=repeat,
        surface=_text(raw, "surface", where),
        mode=_text(raw, "mode", where),
        speed_noise_kph=_number(raw, "speed_noise_kph", where, 0.0, 20.0, "km/h") or 0.0,
    )
    _check_mode(spec.mode)
    _check_surface(spec.surface)
    return spec


def _signals(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    signals = raw.get("signals")
    if not isinstance(signals, dict) or not signals:
        raise ScenarioError(f"{where}: 'set' needs a non-empty table signals = {{ path = value }}")
    catalogue = load_catalogue()
    out: dict[str, Any] = {}
    for path, value in signals.items():
        meta = catalogue[path]  # UnknownSignalError names the path
        if not meta.is_actuator:
            from evtwin.errors import NotAnActuatorError

            raise NotAnActuatorError(
                f"{where}: {path} is a {meta.entry_type.value}; a scenario can only request "
                "actuators (the car publishes its sensors itself)"
            )
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if path == CABIN_SETPOINT_C and number and not SETPOINT_MIN_C <= value <= SETPOINT_MAX_C:
            from evtwin.errors import ClimateError

            raise ClimateError(
                f"{where}: cabin set point {value:g} °C is outside the climate control's "
                f"{SETPOINT_MIN_C:g}..{SETPOINT_MAX_C:g} °C"
            )
        out[path] = check_value(meta, value)
    return out


def _step(index: int, raw: object) -> Step:
    where = f"step {index + 1}"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: must be a table ([[step]])")
    action = raw.get("do")
    if action not in ACTIONS:
        raise ScenarioError(f"{where}: do = {action!r} is not one of {', '.join(ACTIONS)}")
    if action == "wait":
        action = "park"
    where = f"step {index + 1} ({action})"
    _unknown_keys(raw, _STEP_KEYS[action], where)
    label = raw.get("label", action)
    if not isinstance(label, str):
        raise ScenarioError(f"{where}: label must be a string")
    kw: dict[str, Any] = {"index": index, "action": action, "label": label}
    if action == "drive":
        kw["drive"] = _drive(raw, where)
    elif action == "park":
        kw["duration_s"] = _duration(raw, where)
        kw["ambient_temp_c"] = _number(raw, "ambient_temp_c", where, -40.0, 55.0, "°C")
    elif action == "set":
        kw["signals"] = _signals(raw, where)
    elif action == "plug_in":
        kw["charger_kw"] = _number(raw, "charger_kw", where, 1.0, 400.0, "kW")
        if kw["charger_kw"] is None:
            raise ScenarioError(f"{where}: charger_kw is required")
        dc = raw.get("dc", False)
        if not isinstance(dc, bool):
            raise ScenarioError(f"{where}: dc must be true or false")
        kw["dc"] = dc
        Charger(power_kw=kw["charger_kw"], dc=dc)  # ChargingError for an impossible charger
    elif action == "hitch":
        kw["trailer_kg"] = _number(raw, "trailer_kg", where, 1.0, 5000.0, "kg")
        if kw["trailer_kg"] is None:
            raise ScenarioError(f"{where}: trailer_kg is required")
        kw["trailer_cda_m2"] = _number(raw, "trailer_cda_m2", where, 0.0, 10.0, "m²")
    elif action == "follow_route":
        kw["destination"] = _text(raw, "to", where)
        if kw["destination"] is None:
            raise ScenarioError(f"{where}: 'to' (a town, city, map place or 'lat,lon') is required")
        from evtwin.nav import find_place

        find_place(kw["destination"])  # NavigationError with close matches for a typo
        kw["replan_threshold_pct"] = _number(
            raw, "replan_threshold_pct", where, 0.1, 50.0, "points"
        )
        kw["max_hours"] = _number(raw, "max_hours", where, 0.01, 72.0, "h") or 24.0
    elif action == "world":
        kw["ambient_temp_c"] = _number(raw, "ambient_temp_c", where, -40.0, 55.0, "°C")
        kw["water_depth_mm"] = _number(raw, "water_depth_mm", where, 0.0, 2000.0, "mm")
        kw["surface"] = _text(raw, "surface", where)
        _check_surface(kw["surface"])
    return Step(**kw)


def _utc(text: object, what: str) -> float:
    if not isinstance(text, str):
        raise ScenarioError(f"{what} must be an ISO 8601 string, got {text!r}")
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise ScenarioError(f"{what} {text!r} is not an ISO 8601 time: {e}") from e
    if when.tzinfo is None:
        raise ScenarioError(f"{what} {text!r} needs a time zone (e.g. a trailing Z for UTC)")
    return when.timestamp()


def _start_s(raw: Mapping[str, Any]) -> float:
    return _utc(raw.get("start_utc", "2027-01-14T17:00:00Z"), "start_utc")


def parse_scenario(raw: Mapping[str, Any], *, source: str) -> Scenario:
    """Validate a scenario table (as read from TOML); raises :class:`ScenarioError` (or a
    more specific :class:`~evtwin.errors.EvtwinError`) naming the offending key and value."""
    where = source
    _unknown_keys(raw, _TOP_KEYS, where)
    initial = raw.get("initial", {})
    timing = raw.get("timing", {})
    if not isinstance(initial, dict) or not isinstance(timing, dict):
        raise ScenarioError(f"{where}: [initial] and [timing] must be tables")
    _unknown_keys(initial, _INITIAL_KEYS, f"{where} [initial]")
    _unknown_keys(timing, _TIMING_KEYS, f"{where} [timing]")
    steps_raw = raw.get("step", [])
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ScenarioError(f"{where}: needs at least one [[step]]")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"{where}: seed must be a non-negative integer, got {seed!r}")
    vehicle = raw.get("vehicle", "defender-sport")
    if not isinstance(vehicle, str):
        raise ScenarioError(f"{where}: vehicle must be a catalogue id string")
    mode = _text(initial, "mode", where) or "COMFORT"
    surface = _text(initial, "surface", where) or "asphalt"
    _check_mode(mode)
    _check_surface(surface)
    i = f"{where} [initial]"
    t = f"{where} [timing]"
    soc = _number(initial, "soc_percent", i, 0.1, 100.0, "%")
    ambient = _number(initial, "ambient_temp_c", i, -40.0, 55.0, "°C")
    return Scenario(
        name=str(raw.get("name", source)),
        description=str(raw.get("description", "")),
        vehicle=vehicle,
        seed=seed,
        start_s=_start_s(raw),
        soc_percent=80.0 if soc is None else soc,
        ambient_temp_c=15.0 if ambient is None else ambient,
        mode=mode,
        surface=surface,
        cabin_temp_c=_number(initial, "cabin_temp_c", i, -40.0, 70.0, "°C"),
        battery_temp_c=_number(initial, "battery_temp_c", i, -40.0, 60.0, "°C"),
        drive_step_s=_number(timing, "drive_step_s", t, 0.1, 60.0, "s") or 5.0,
        park_step_s=_number(timing, "park_step_s", t, 1.0, 3600.0, "s") or 60.0,
        steps=tuple(_step(n, s) for n, s in enumerate(steps_raw)),
        source=source,
    )
