"""Global constants of the cabin climate model (``evtwin/data/climate/climate_model.toml``).

One set for every vehicle; each value's source or estimate is written beside it in the file.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from evtwin.errors import DataFileError

__all__ = ["ClimateConstants", "default_climate_constants"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ClimateConstants:
    """Climate-model constants (units in names; dimensionless where unnamed)."""

    envelope_area_per_frontal_m2: float
    glass_fraction: float
    h_inside_w_per_m2k: float
    wall_resistance_m2k_per_w: float
    h_outside_w_per_m2k: float
    h_outside_w_per_m2k_per_mps: float
    thermal_mass_j_per_k: float
    fresh_air_kg_per_s: float
    air_cp_j_per_kgk: float
    solar_gain_fraction: float
    occupant_heat_w: float
    internal_heat_w: float
    latent_cooling_factor: float
    blower_w: float
    ptc_efficiency: float
    hp_cop_at_0c: float
    hp_cop_slope_per_k: float
    hp_cop_min: float
    hp_min_ambient_c: float
    hp_capacity_at_0c_w: float
    hp_capacity_slope_per_k: float
    hp_frost_min_c: float
    hp_frost_max_c: float
    hp_frost_capacity_factor: float
    hp_frost_power_factor: float
    ac_cop_at_25c: float
    ac_cop_slope_per_k: float
    ac_cop_min: float
    dead_band_k: float
    seat_heater_w: float
    wheel_heater_w: float
    zone_mixing_w_per_k: float
    eco_setpoint_offset_k: float
    eco_min_recirculation: float
    eco_blower_factor: float
    fan_stages: float
    fan_min_kg_per_s: float
    fan_max_kg_per_s: float
    fan_max_w: float
    fan_base_w: float
    fan_k_per_stage: float
    eco_max_fan_stage: float
    supply_min_c: float
    supply_max_c: float
    supply_gain: float
    ptc_max_w: float
    ac_capacity_w: float
    fresh_air_per_occupant_kg_per_s: float
    occupant_moisture_kg_per_s: float
    fog_margin_k: float
    glass_resistance_m2k_per_w: float
    dehumidify_evaporator_c: float
    dehumidify_min_ambient_c: float
    max_recirculation: float
    cabin_air_kg: float
    leakage_kg_per_s: float

    def replace(self, **changes: Any) -> ClimateConstants:
        return dataclasses.replace(self, **changes)


_SECTIONS = {
    "cabin": (
        "envelope_area_per_frontal_m2",
        "glass_fraction",
        "h_inside_w_per_m2k",
        "wall_resistance_m2k_per_w",
        "h_outside_w_per_m2k",
        "h_outside_w_per_m2k_per_mps",
        "thermal_mass_j_per_k",
        "fresh_air_kg_per_s",
        "air_cp_j_per_kgk",
        "solar_gain_fraction",
        "occupant_heat_w",
        "internal_heat_w",
        "latent_cooling_factor",
    ),
    "hvac": (
        "blower_w",
        "ptc_efficiency",
        "hp_cop_at_0c",
        "hp_cop_slope_per_k",
        "hp_cop_min",
        "hp_min_ambient_c",
        "hp_capacity_at_0c_w",
        "hp_capacity_slope_per_k",
        "hp_frost_min_c",
        "hp_frost_max_c",
        "hp_frost_capacity_factor",
        "hp_frost_power_factor",
        "ac_cop_at_25c",
        "ac_cop_slope_per_k",
        "ac_cop_min",
        "dead_band_k",
    ),
    "comfort": ("seat_heater_w", "wheel_heater_w"),
    "zones": ("zone_mixing_w_per_k",),
    "eco": ("setpoint_offset_k", "min_recirculation", "blower_factor"),
    "controller": (
        "fan_stages",
        "fan_min_kg_per_s",
        "fan_max_kg_per_s",
        "fan_max_w",
        "fan_base_w",
        "fan_k_per_stage",
        "eco_max_fan_stage",
        "supply_min_c",
        "supply_max_c",
        "supply_gain",
        "ptc_max_w",
        "ac_capacity_w",
        "fresh_air_per_occupant_kg_per_s",
        "occupant_moisture_kg_per_s",
        "fog_margin_k",
        "glass_resistance_m2k_per_w",
        "dehumidify_evaporator_c",
        "dehumidify_min_ambient_c",
        "max_recirculation",
        "cabin_air_kg",
        "leakage_kg_per_s",
    ),
}
_PREFIX = {"eco": "eco_"}


@cache
def default_climate_constants() -> ClimateConstants:
    """The bundled constants (``data/climate/climate_model.toml``)."""
    path = resources.files("evtwin") / "data" / "climate" / "climate_model.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"cannot read climate constants {path}: {e}") from e
    values: dict[str, float] = {}
    for section, keys in _SECTIONS.items():
        for key in keys:
            try:
                value = raw[section][key]
            except KeyError:
                raise DataFileError(f"{path}: missing [{section}] {key}") from None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DataFileError(f"{path}: [{section}] {key} must be a number, got {value!r}")
            values[_PREFIX.get(section, "") + key] = float(value)
    return ClimateConstants(**values)
