"""Global constants of the charging and pack-thermal model (one set for every vehicle).

Values and their sources live in ``evtwin/data/chargers/charging_model.toml``. Nothing here is
ever set per vehicle; the charge-current envelope is calibrated on the catalogue's official
10-80 % times with leave-one-out validation (:mod:`evtwin.validation.charging`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from evtwin.battery.thermal import ThermalParams
from evtwin.physics.constants import read_number_table

__all__ = ["ChargingConstants", "default_charging_constants"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ChargingConstants:
    """Charging-model constants (units in names; dimensionless where unnamed)."""

    cv_headroom_rel: float
    charge_resistance_energy_h: float
    heat_capacity_j_per_k_per_kwh: float
    taper_start_soc: float
    power_at_80_rel: float
    min_c_rate: float
    plating_arrhenius_b_k: float
    reference_temp_c: float
    derate_start_c: float
    derate_end_c: float
    heater_power_w: float
    heater_efficiency: float
    chiller_heat_per_peak_power: float
    chiller_cop: float
    ua_w_per_k: float
    heat_target_c: float
    cool_on_c: float
    band_k: float
    precondition_target_c: float
    ac_heat_below_c: float
    dc_charger_efficiency: float
    dc_housekeeping_w: float
    boost_power_fraction: float
    boost_efficiency: float
    high_voltage_class_v: float
    max_inlet_current_a: float
    obc_efficiency: float
    ac_housekeeping_w: float
    default_obc_kw: float
    phase_voltage_v: float

    def replace(self, **changes: Any) -> ChargingConstants:
        return dataclasses.replace(self, **changes)

    def thermal(self, dc_peak_power_w: float) -> ThermalParams:
        """Thermal-management parameters of a car with this DC peak power."""
        return ThermalParams(
            heater_power_w=self.heater_power_w,
            heater_efficiency=self.heater_efficiency,
            chiller_heat_w=self.chiller_heat_per_peak_power * dc_peak_power_w,
            chiller_cop=self.chiller_cop,
            ua_w_per_k=self.ua_w_per_k,
            heat_target_c=self.heat_target_c,
            cool_on_c=self.cool_on_c,
            band_k=self.band_k,
        )


_MAP: dict[str, tuple[str, str]] = {
    "cv_headroom_rel": ("pack", "cv_headroom_rel"),
    "charge_resistance_energy_h": ("pack", "charge_resistance_energy_h"),
    "heat_capacity_j_per_k_per_kwh": ("pack", "heat_capacity_j_per_k_per_kwh"),
    "taper_start_soc": ("envelope", "taper_start_soc"),
    "power_at_80_rel": ("envelope", "power_at_80_rel"),
    "min_c_rate": ("envelope", "min_c_rate"),
    "plating_arrhenius_b_k": ("envelope", "plating_arrhenius_b_k"),
    "reference_temp_c": ("envelope", "reference_temp_c"),
    "derate_start_c": ("envelope", "derate_start_c"),
    "derate_end_c": ("envelope", "derate_end_c"),
    "heater_power_w": ("thermal", "heater_power_w"),
    "heater_efficiency": ("thermal", "heater_efficiency"),
    "chiller_heat_per_peak_power": ("thermal", "chiller_heat_per_peak_power"),
    "chiller_cop": ("thermal", "chiller_cop"),
    "ua_w_per_k": ("thermal", "ua_w_per_k"),
    "heat_target_c": ("thermal", "heat_target_c"),
    "cool_on_c": ("thermal", "cool_on_c"),
    "band_k": ("thermal", "band_k"),
    "precondition_target_c": ("thermal", "precondition_target_c"),
    "ac_heat_below_c": ("thermal", "ac_heat_below_c"),
    "dc_charger_efficiency": ("dc", "charger_efficiency"),
    "dc_housekeeping_w": ("dc", "housekeeping_w"),
    "boost_power_fraction": ("dc", "boost_power_fraction"),
    "boost_efficiency": ("dc", "boost_efficiency"),
    "high_voltage_class_v": ("dc", "high_voltage_class_v"),
    "max_inlet_current_a": ("dc", "max_inlet_current_a"),
    "obc_efficiency": ("ac", "obc_efficiency"),
    "ac_housekeeping_w": ("ac", "housekeeping_w"),
    "default_obc_kw": ("ac", "default_obc_kw"),
    "phase_voltage_v": ("ac", "phase_voltage_v"),
}


@cache
def default_charging_constants() -> ChargingConstants:
    """The bundled constants (``data/chargers/charging_model.toml``)."""
    path = resources.files("evtwin") / "data" / "chargers" / "charging_model.toml"
    return ChargingConstants(**read_number_table(path, _MAP, "charging constants"))
