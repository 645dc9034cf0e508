"""Climate: cabin thermal model, heat pump / PTC / A/C, controller, parked climate (pure).

:func:`vehicle_hvac_w` is the one call the drive engine needs: the constant electric HVAC
load (W) for a car at an ambient temperature, cabin set point and speed. The validation
against published studies is in :mod:`evtwin.validation.climate` (it runs the drive engine, a
floor above the models). :func:`simulate_cabin` is the time-stepped automatic climate control;
:func:`precondition_schedule` and :func:`keep_climate_run` use it for a parked car.
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
from evtwin.climate.parked import (
    AWAKE_LOAD_W,
    CAMP_ACCESSORY_W,
    KeepClimate,
    KeepClimateRun,
    Precondition,
    PreconditionPlan,
    keep_climate,
    keep_climate_run,
    precondition_cabin,
    precondition_schedule,
)

__all__ = [
    "AWAKE_LOAD_W",
    "CAMP_ACCESSORY_W",
    "CabinParams",
    "CabinState",
    "CabinTrace",
    "ClimateConstants",
    "ClimateControl",
    "ClimateSetting",
    "HvacPower",
    "KeepClimate",
    "KeepClimateRun",
    "Precondition",
    "PreconditionPlan",
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
    "keep_climate_run",
    "mean_hvac_power_w",
    "precondition_cabin",
    "precondition_schedule",
    "simulate_cabin",
    "vehicle_hvac_w",
    "warmup_heat_j",
]
