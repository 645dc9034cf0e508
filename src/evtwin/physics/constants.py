"""Global model constants: the one parameter set shared by every vehicle.

Values live in ``evtwin/data/model/constants.toml`` with their sources. No constant is ever
set per vehicle: accuracy comes from physics that generalises, checked by leave-one-out
validation (``evtwin validate``).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from evtwin.errors import DataFileError

__all__ = ["ModelConstants", "default_constants", "read_number_table"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelConstants:
    """Global constants (units in names; dimensionless where unnamed)."""

    rolling_resistance: float
    rolling_resistance_speed_per_mps: float
    frontal_area_factor: float
    default_drag_coefficient: float
    rotating_mass_fraction: float
    reference_air_density_kg_per_m3: float
    wltp_added_mass_kg: float
    wltp_load_fraction: float
    wltp_default_vehicle_load_kg: float
    kerb_driver_kg: float
    kerb_unknown_basis_added_kg: float
    motor_copper: float
    motor_inverter: float
    motor_iron: float
    motor_windage: float
    motor_standby: float
    motor_standby_reference_power_w: float
    motor_loss_scale: float
    gear_efficiency: float
    peak_force_over_weight: float
    base_speed_reference_mps: float
    base_speed_power_exponent: float
    induction_loss_factor: float
    eesm_loss_factor: float
    secondary_drag_pmsm: float
    secondary_drag_unexcited: float
    tyre_rrc_reference_n_per_kn: float
    dry_friction: float
    cg_height_over_wheelbase: float
    regen_max_decel_mps2: float
    regen_reference_year: float
    regen_growth_per_year: float
    regen_cap_mps2: float
    regen_unknown_year: float
    regen_full_speed_kph: float
    regen_zero_speed_kph: float
    awd_front_power_share: float
    battery_default_voltage_v: float
    battery_resistance_energy_h: float
    battery_arrhenius_b_k: float
    battery_discharge_power_over_motor: float
    battery_charge_power_over_motor: float
    battery_min_voltage_fraction: float
    aux_base_load_w: float
    real_road_rolling_factor: float
    real_road_drag_factor: float
    real_road_calibrated_rolling_factor: float
    real_road_calibrated_drag_factor: float
    ac_charging_efficiency: float
    cold_reference_temp_c: float
    cold_rolling_per_k: float
    cold_capacity_per_k: float

    def replace(self, **changes: Any) -> ModelConstants:
        return dataclasses.replace(self, **changes)

    def for_calibrated_answers(self) -> ModelConstants:
        """These constants with the real-road factors fitted for answers calibrated to a WLTP
        range (``[real_road] calibrated_*``): a calibrated car's road work is the spec's, its
        drivetrain losses are fitted, so the factors that fit it best are its own."""
        return self.replace(
            real_road_rolling_factor=self.real_road_calibrated_rolling_factor,
            real_road_drag_factor=self.real_road_calibrated_drag_factor,
        )


_MAP: dict[str, tuple[str, str]] = {
    "rolling_resistance": ("road", "rolling_resistance"),
    "rolling_resistance_speed_per_mps": ("road", "rolling_resistance_speed_per_mps"),
    "frontal_area_factor": ("road", "frontal_area_factor"),
    "default_drag_coefficient": ("road", "default_drag_coefficient"),
    "rotating_mass_fraction": ("road", "rotating_mass_fraction"),
    "reference_air_density_kg_per_m3": ("road", "reference_air_density_kg_per_m3"),
    "wltp_added_mass_kg": ("wltp", "added_mass_kg"),
    "wltp_load_fraction": ("wltp", "load_fraction"),
    "wltp_default_vehicle_load_kg": ("wltp", "default_vehicle_load_kg"),
    "kerb_driver_kg": ("mass", "driver_kg"),
    "kerb_unknown_basis_added_kg": ("mass", "unknown_basis_added_kg"),
    "motor_copper": ("drivetrain", "copper"),
    "motor_inverter": ("drivetrain", "inverter"),
    "motor_iron": ("drivetrain", "iron"),
    "motor_windage": ("drivetrain", "windage"),
    "motor_standby": ("drivetrain", "standby"),
    "motor_standby_reference_power_w": ("drivetrain", "standby_reference_power_w"),
    "motor_loss_scale": ("drivetrain", "loss_scale"),
    "gear_efficiency": ("drivetrain", "gear_efficiency"),
    "peak_force_over_weight": ("drivetrain", "peak_force_over_weight"),
    "base_speed_reference_mps": ("drivetrain", "base_speed_reference_mps"),
    "base_speed_power_exponent": ("drivetrain", "base_speed_power_exponent"),
    "induction_loss_factor": ("motor_types", "induction_loss_factor"),
    "eesm_loss_factor": ("motor_types", "eesm_loss_factor"),
    "secondary_drag_pmsm": ("motor_types", "secondary_drag_pmsm"),
    "secondary_drag_unexcited": ("motor_types", "secondary_drag_unexcited"),
    "tyre_rrc_reference_n_per_kn": ("road", "tyre_rrc_reference_n_per_kn"),
    "dry_friction": ("drivetrain", "dry_friction"),
    "cg_height_over_wheelbase": ("drivetrain", "cg_height_over_wheelbase"),
    "regen_max_decel_mps2": ("drivetrain", "regen_max_decel_mps2"),
    "regen_reference_year": ("drivetrain", "regen_reference_year"),
    "regen_growth_per_year": ("drivetrain", "regen_growth_per_year"),
    "regen_cap_mps2": ("drivetrain", "regen_cap_mps2"),
    "regen_unknown_year": ("drivetrain", "regen_unknown_year"),
    "regen_full_speed_kph": ("drivetrain", "regen_full_speed_kph"),
    "regen_zero_speed_kph": ("drivetrain", "regen_zero_speed_kph"),
    "awd_front_power_share": ("drivetrain", "awd_front_power_share"),
    "battery_default_voltage_v": ("battery", "default_voltage_v"),
    "battery_resistance_energy_h": ("battery", "resistance_energy_h"),
    "battery_arrhenius_b_k": ("battery", "arrhenius_b_k"),
    "battery_discharge_power_over_motor": ("battery", "discharge_power_over_motor"),
    "battery_charge_power_over_motor": ("battery", "charge_power_over_motor"),
    "battery_min_voltage_fraction": ("battery", "min_voltage_fraction"),
    "aux_base_load_w": ("auxiliary", "base_load_w"),
    "real_road_rolling_factor": ("real_road", "rolling_factor"),
    "real_road_drag_factor": ("real_road", "drag_factor"),
    "real_road_calibrated_rolling_factor": ("real_road", "calibrated_rolling_factor"),
    "real_road_calibrated_drag_factor": ("real_road", "calibrated_drag_factor"),
    "ac_charging_efficiency": ("charging", "ac_efficiency"),
    "cold_reference_temp_c": ("cold", "reference_temp_c"),
    "cold_rolling_per_k": ("cold", "rolling_per_k"),
    "cold_capacity_per_k": ("cold", "capacity_per_k"),
}


def read_number_table(
    path: Traversable, fields: Mapping[str, tuple[str, str]], what: str
) -> dict[str, float]:
    """Read a TOML file of numbers: field name -> value of ``[section] key`` per ``fields``.

    Shared by every constants file (model, charging). Errors name the file and the key.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"cannot read {what} {path}: {e}") from e
    values: dict[str, float] = {}
    for field_name, (section, key) in fields.items():
        try:
            value = raw[section][key]
        except KeyError:
            raise DataFileError(f"{path}: missing [{section}] {key}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataFileError(f"{path}: [{section}] {key} must be a number, got {value!r}")
        values[field_name] = float(value)
    return values


@cache
def default_constants() -> ModelConstants:
    """The bundled constants (``data/model/constants.toml``)."""
    path = resources.files("evtwin") / "data" / "model" / "constants.toml"
    return ModelConstants(**read_number_table(path, _MAP, "model constants"))
