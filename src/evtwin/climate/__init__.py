"""Climate: cabin thermal model, heat pump / PTC / A/C, comfort heaters (pure models).

:func:`vehicle_hvac_w` is the one call the drive engine needs: the constant electric HVAC
load (W) for a car at an ambient temperature, cabin set point and speed. The validation
against published studies is in :mod:`evtwin.climate.validation` (not imported here: it runs
the drive engine).
"""

from evtwin.climate.cabin import (
    CabinParams,
    cabin_heat_load_w,
    cabin_params,
    envelope_ua_w_per_k,
    warmup_heat_j,
)
from evtwin.climate.constants import ClimateConstants, default_climate_constants
from evtwin.climate.controller import (
    CabinState,
    CabinTrace,
    ClimateControl,
    dew_point_c,
    humidity_ratio,
    simulate_cabin,
)
from evtwin.climate.hvac import (
    ClimateSetting,
    HvacPower,
    ac_cop,
    effective_setpoint_c,
    heat_pump_capacity_w,
    heat_pump_cop,
    hvac_power,
    mean_hvac_power_w,
    vehicle_hvac_w,
)
from evtwin.climate.parked import KeepClimate, Precondition, keep_climate, precondition_cabin

__all__ = [
    "CabinParams",
    "CabinState",
    "CabinTrace",
    "ClimateConstants",
    "ClimateControl",
    "ClimateSetting",
    "HvacPower",
    "KeepClimate",
    "Precondition",
    "ac_cop",
    "cabin_heat_load_w",
    "cabin_params",
    "default_climate_constants",
    "dew_point_c",
    "effective_setpoint_c",
    "envelope_ua_w_per_k",
    "heat_pump_capacity_w",
    "heat_pump_cop",
    "humidity_ratio",
    "hvac_power",
    "keep_climate",
    "mean_hvac_power_w",
    "precondition_cabin",
    "simulate_cabin",
    "vehicle_hvac_w",
    "warmup_heat_j",
]
