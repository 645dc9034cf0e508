"""Vehicle spec files: schema, parsing and validation.

A spec is one TOML file per variant, units in key names. Only seven keys are required
(``name``, ``drivetrain``, ``kerb_mass_kg``, ``usable_battery_kwh``, ``width_mm``,
``height_mm``, ``motor_power_kw``); everything else refines the model and is estimated by a
documented rule (:mod:`evtwin.vehicles.derive`) when missing — never silently zero.

Besides the physical keys a file may carry:

- ``id`` — lowercase slug; defaults to the file name without ``.toml``;
- ``profile`` — ``"published"`` (real, sourced data) or ``"estimate"`` (an unreleased car);
- ``[sources]`` — key → source or stated assumption, for every number;
- ``[official]`` — maker/regulatory figures used only to *validate* the model
  (``wltp_range_km``, ``wltp_consumption_wh_per_km``, ``dc_10_80_min``), never as inputs;
- ``uncertain`` — keys whose value sources disagree or come from another trim.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from evtwin.errors import DataFileError, SpecError

__all__ = [
    "BATTERY_CHEMISTRIES",
    "DRIVETRAINS",
    "KERB_MASS_BASES",
    "MOTOR_TYPES",
    "OFFICIAL_KEYS",
    "OPTIONAL_KEYS",
    "REQUIRED_KEYS",
    "TYRE_RR_CLASSES",
    "Drivetrain",
    "OfficialFigures",
    "VehicleSpec",
    "load_spec_file",
    "parse_spec",
    "read_spec_table",
]

Drivetrain = Literal["fwd", "rwd", "awd"]
DRIVETRAINS: tuple[Drivetrain, ...] = ("fwd", "rwd", "awd")

# key -> (lower, upper) physical bounds; values outside are rejected, never clamped.
_NUMERIC_BOUNDS: dict[str, tuple[float, float]] = {
    "kerb_mass_kg": (500.0, 4500.0),
    "usable_battery_kwh": (5.0, 250.0),
    "width_mm": (1300.0, 2600.0),
    "height_mm": (1000.0, 2600.0),
    "length_mm": (2400.0, 6500.0),
    "motor_power_kw": (15.0, 1500.0),
    "drag_coefficient": (0.15, 0.70),
    "frontal_area_m2": (1.2, 5.0),
    "wheel_diameter_in": (12.0, 24.0),
    "battery_voltage_v": (150.0, 1100.0),
    "dc_peak_power_kw": (10.0, 1000.0),
    "ac_onboard_kw": (1.0, 44.0),
    "towing_capacity_kg": (0.0, 5000.0),
    "wading_depth_mm": (0.0, 1500.0),
    "uk_price_gbp": (1000.0, 1_000_000.0),
    "test_mass_kg": (500.0, 5000.0),
    "max_laden_mass_kg": (600.0, 6000.0),
    "road_load_f0_n": (0.0, 1000.0),
    "road_load_f1_n_per_kph": (-10.0, 20.0),
    "road_load_f2_n_per_kph2": (0.005, 0.2),
    "awd_front_power_share": (0.1, 0.9),
}

REQUIRED_KEYS: tuple[str, ...] = (
    "name",
    "drivetrain",
    "kerb_mass_kg",
    "usable_battery_kwh",
    "width_mm",
    "height_mm",
    "motor_power_kw",
)
OPTIONAL_KEYS: tuple[str, ...] = (
    "drag_coefficient",
    "frontal_area_m2",
    "wheel_diameter_in",
    "tyre_size",
    "heat_pump",
    "battery_voltage_v",
    "dc_peak_power_kw",
    "ac_onboard_kw",
    "towing_capacity_kg",
    "wading_depth_mm",
    "uk_price_gbp",
    "length_mm",
    "test_mass_kg",
    "max_laden_mass_kg",
    "road_load_f0_n",
    "road_load_f1_n_per_kph",
    "road_load_f2_n_per_kph2",
    "awd_front_power_share",
    "awd_disconnect",
    "model_year",
    "motor_type",
    "secondary_motor_type",
    "battery_chemistry",
    "tyre_rr_class",
    "kerb_mass_basis",
)
# ``charge_curve`` (a measured DC curve) is read by evtwin.charging.vehicle.
_META_KEYS: tuple[str, ...] = (
    "id",
    "profile",
    "sources",
    "official",
    "uncertain",
    "notes",
    "charge_curve",
    "ranges",
)
OFFICIAL_KEYS: tuple[str, ...] = ("wltp_range_km", "wltp_consumption_wh_per_km", "dc_10_80_min")
MOTOR_TYPES: tuple[str, ...] = ("pmsm", "induction", "eesm")
"""Permanent-magnet synchronous, induction (asynchronous), electrically excited synchronous."""
BATTERY_CHEMISTRIES: tuple[str, ...] = ("nmc", "nca", "lfp")
TYRE_RR_CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "E")
"""EU tyre label rolling-resistance classes (Regulation (EU) 2020/740)."""
KERB_MASS_BASES: tuple[str, ...] = ("eu_incl_driver", "without_driver", "unknown")
"""What ``kerb_mass_kg`` includes: the EU mass in running order (75 kg driver included,
Regulation (EU) 2017/1151), a kerb weight without driver (DIN/US "curb weight"), or a
source that does not say."""
_CHOICES: dict[str, tuple[str, ...]] = {
    "motor_type": MOTOR_TYPES,
    "secondary_motor_type": MOTOR_TYPES,
    "battery_chemistry": BATTERY_CHEMISTRIES,
    "tyre_rr_class": TYRE_RR_CLASSES,
    "kerb_mass_basis": KERB_MASS_BASES,
}
_ROAD_LOAD_KEYS = ("road_load_f0_n", "road_load_f1_n_per_kph", "road_load_f2_n_per_kph2")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TYRE = re.compile(r"^(\d{3})/(\d{2})\s*Z?R\s*(\d{2})$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True, slots=True)
class OfficialFigures:
    """Maker or regulatory figures: references for validation, never model inputs."""

    wltp_range_km: float | None = None
    wltp_consumption_wh_per_km: float | None = None
    dc_10_80_min: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VehicleSpec:
    """One vehicle variant as its spec file states it (no derived values here)."""

    id: str
    name: str
    drivetrain: Drivetrain
    kerb_mass_kg: float
    usable_battery_kwh: float
    width_mm: float
    height_mm: float
    motor_power_kw: float
    profile: Literal["published", "estimate"] = "published"
    drag_coefficient: float | None = None
    frontal_area_m2: float | None = None
    wheel_diameter_in: float | None = None
    tyre_size: str | None = None
    heat_pump: bool | None = None
    battery_voltage_v: float | None = None
    dc_peak_power_kw: float | None = None
    ac_onboard_kw: float | None = None
    towing_capacity_kg: float | None = None
    wading_depth_mm: float | None = None
    uk_price_gbp: float | None = None
    length_mm: float | None = None
    test_mass_kg: float | None = None
    max_laden_mass_kg: float | None = None
    road_load_f0_n: float | None = None
    road_load_f1_n_per_kph: float | None = None
    road_load_f2_n_per_kph2: float | None = None
    awd_front_power_share: float | None = None
    awd_disconnect: bool | None = None
    model_year: str | None = None
    motor_type: str | None = None
    secondary_motor_type: str | None = None
    battery_chemistry: str | None = None
    tyre_rr_class: str | None = None
    kerb_mass_basis: str | None = None
    """What ``kerb_mass_kg`` includes (:data:`KERB_MASS_BASES`); ``None``: not stated, read as
    ``eu_incl_driver`` (stated in answers' assumptions)."""
    official: OfficialFigures = field(default_factory=OfficialFigures)
    sources: Mapping[str, str] = field(default_factory=dict)
    uncertain: tuple[str, ...] = ()
    notes: str = ""
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """What is not known: spec key -> (low, high), each bound a physical value; the spec's
    own value lies inside. Answers for such a vehicle carry P10/P50/P90 bands."""

    @property
    def is_estimate(self) -> bool:
        return self.profile == "estimate"

    @property
    def has_road_load(self) -> bool:
        return self.road_load_f0_n is not None

    def replace(self, **changes: Any) -> VehicleSpec:
        """A copy with ``changes`` applied and validated again."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data.update(changes)
        return _validated(VehicleSpec(**data))


def _suggest(key: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: {key} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise SpecError(f"{where}: {key} must be finite, got {value!r}")
    lo, hi = _NUMERIC_BOUNDS[key]
    if not lo <= x <= hi:
        unit = key.rsplit("_", 1)[-1] if "_" in key else ""
        raise SpecError(
            f"{where}: {key} = {x:g} {unit} is outside the physical range {lo:g}..{hi:g} {unit}"
        )
    return x


def parse_spec(data: Mapping[str, Any], *, default_id: str, where: str) -> VehicleSpec:
    """Build a :class:`VehicleSpec` from a parsed TOML table; ``where`` names it in errors."""
    known = REQUIRED_KEYS + OPTIONAL_KEYS + _META_KEYS
    for key in data:
        if key not in known:
            raise SpecError(f"{where}: unknown key {key!r}{_suggest(key, known)}")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise SpecError(f"{where}: missing required key(s): {', '.join(missing)}")

    name = data["name"]
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"{where}: name must be a non-empty string, got {name!r}")
    drivetrain = data["drivetrain"]
    if drivetrain not in DRIVETRAINS:
        raise SpecError(
            f"{where}: drivetrain must be one of {', '.join(DRIVETRAINS)}, got {drivetrain!r}"
        )
    vid = data.get("id", default_id)
    if not isinstance(vid, str) or not _SLUG.match(vid):
        raise SpecError(
            f"{where}: id must be a lowercase slug like 'bmw-ix1-edrive20', got {vid!r}"
        )
    profile = data.get("profile", "published")
    if profile not in ("published", "estimate"):
        raise SpecError(f"{where}: profile must be 'published' or 'estimate', got {profile!r}")

    values: dict[str, Any] = {}
    for key in _NUMERIC_BOUNDS:
        if key in data:
            values[key] = _number(where, key, data[key])
    for key in ("heat_pump", "awd_disconnect"):
        if key in data:
            if not isinstance(data[key], bool):
                raise SpecError(f"{where}: {key} must be true or false, got {data[key]!r}")
            values[key] = data[key]
    for key in ("tyre_size", "model_year", "notes"):
        if key in data:
            if not isinstance(data[key], str):
                raise SpecError(f"{where}: {key} must be a string, got {data[key]!r}")
            values[key] = data[key]

    for key, choices in _CHOICES.items():
        if key in data:
            if data[key] not in choices:
                raise SpecError(
                    f"{where}: {key} must be one of {', '.join(choices)}, got {data[key]!r}"
                )
            values[key] = data[key]

    sources = data.get("sources", {})
    if not isinstance(sources, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in sources.items()
    ):
        raise SpecError(f"{where}: [sources] must map keys to strings")
    official_raw = data.get("official", {})
    if not isinstance(official_raw, Mapping):
        raise SpecError(f"{where}: [official] must be a table")
    official: dict[str, float] = {}
    for key, value in official_raw.items():
        if key not in OFFICIAL_KEYS:
            raise SpecError(f"{where}: unknown key official.{key}{_suggest(key, OFFICIAL_KEYS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise SpecError(f"{where}: official.{key} must be a positive number, got {value!r}")
        official[key] = float(value)
    ranges_raw = data.get("ranges", {})
    if not isinstance(ranges_raw, Mapping):
        raise SpecError(f"{where}: [ranges] must be a table of key = [low, high]")
    ranges: dict[str, tuple[float, float]] = {}
    for key, pair in ranges_raw.items():
        if key not in _NUMERIC_BOUNDS:
            raise SpecError(
                f"{where}: ranges.{key}: only numeric spec keys can have a range"
                f"{_suggest(key, tuple(_NUMERIC_BOUNDS))}"
            )
        if not isinstance(pair, list) or len(pair) != 2:
            raise SpecError(f"{where}: ranges.{key} must be [low, high], got {pair!r}")
        lo, hi = (_number(where, f"{key}", v) for v in pair)
        if not lo < hi:
            raise SpecError(f"{where}: ranges.{key} = [{lo:g}, {hi:g}]: low must be below high")
        value = values.get(key)
        if value is None or not lo <= value <= hi:
            raise SpecError(
                f"{where}: ranges.{key} = [{lo:g}, {hi:g}] must contain the spec's {key} "
                f"({value!r})"
            )
        ranges[key] = (lo, hi)
    uncertain = data.get("uncertain", [])
    if not isinstance(uncertain, list) or not all(isinstance(u, str) for u in uncertain):
        raise SpecError(f"{where}: uncertain must be a list of key names")

    spec = VehicleSpec(
        id=vid,
        name=name.strip(),
        drivetrain=cast(Drivetrain, drivetrain),
        profile=cast(Literal["published", "estimate"], profile),
        official=OfficialFigures(**official),
        sources=dict(sources),
        uncertain=tuple(uncertain),
        ranges=ranges,
        **values,
    )
    try:
        return _validated(spec)
    except SpecError as e:
        raise SpecError(f"{where}: {e}") from None


def _validated(spec: VehicleSpec) -> VehicleSpec:
    """Cross-field checks that single-key bounds cannot express."""
    given = [getattr(spec, k) is not None for k in _ROAD_LOAD_KEYS]
    if any(given) and not all(given):
        raise SpecError(
            "road-load coefficients come as a set: give all of "
            f"{', '.join(_ROAD_LOAD_KEYS)} or none"
        )
    if spec.tyre_size is not None and not _TYRE.match(spec.tyre_size.strip()):
        raise SpecError(f"tyre_size must look like '235/50 R19', got {spec.tyre_size!r}")
    if spec.max_laden_mass_kg is not None and spec.max_laden_mass_kg <= spec.kerb_mass_kg:
        raise SpecError(
            f"max_laden_mass_kg = {spec.max_laden_mass_kg:g} kg must exceed "
            f"kerb_mass_kg = {spec.kerb_mass_kg:g} kg"
        )
    if spec.drivetrain != "awd" and spec.awd_front_power_share is not None:
        raise SpecError("awd_front_power_share only applies to drivetrain = 'awd'")
    if spec.drivetrain != "awd" and spec.secondary_motor_type is not None:
        raise SpecError("secondary_motor_type only applies to drivetrain = 'awd'")
    for key, choices in _CHOICES.items():
        value = getattr(spec, key)
        if value is not None and value not in choices:
            raise SpecError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return spec


def read_spec_table(path: str | Path) -> dict[str, Any]:
    """The one reader of a spec file: its TOML table, unvalidated. Errors name the file.

    :func:`load_spec_file` validates it; :func:`evtwin.charging.load_spec_with_curve` first
    takes off the ``[charge_curve]`` table it reads itself.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"spec file not found: {p}") from None
    except OSError as e:
        raise DataFileError(f"cannot read spec file {p}: {e.strerror}") from e
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DataFileError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"{p}: malformed TOML: {e}") from e


def load_spec_file(path: str | Path) -> VehicleSpec:
    """Read and validate one spec file. Errors name the file and the offending key."""
    p = Path(path)
    return parse_spec(read_spec_table(p), default_id=p.stem.lower(), where=str(p))
