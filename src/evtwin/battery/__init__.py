"""Battery: cell chemistry, OCV curve, pack equivalent circuit, lumped pack thermal model,
BMS estimation."""

from evtwin.battery.bms import (
    EcmParams,
    EkfResult,
    EkfState,
    SensorNoise,
    SensorReadings,
    Truth,
    coulomb_count,
    displayed_from_gross,
    ekf_step,
    gross_from_displayed,
    measure,
    run_ekf,
    simulate_truth,
)
from evtwin.battery.chemistry import (
    CHEMISTRIES,
    DEFAULT_CHEMISTRY,
    Chemistry,
    load_chemistry,
    ocv_relative_for,
)
from evtwin.battery.ocv import OCV_POLY, OCV_TABLE_SOC, ocv_relative
from evtwin.battery.pack import OCV_FULL_REL, PackParams, ocv_rel, ocv_v, resistance_ohm
from evtwin.battery.thermal import (
    ThermalLoads,
    ThermalParams,
    advance_temperature,
    precondition_cost,
    thermal_loads,
)

__all__ = [
    "CHEMISTRIES",
    "DEFAULT_CHEMISTRY",
    "OCV_FULL_REL",
    "OCV_POLY",
    "OCV_TABLE_SOC",
    "Chemistry",
    "EcmParams",
    "EkfResult",
    "EkfState",
    "PackParams",
    "SensorNoise",
    "SensorReadings",
    "ThermalLoads",
    "ThermalParams",
    "Truth",
    "advance_temperature",
    "coulomb_count",
    "displayed_from_gross",
    "ekf_step",
    "gross_from_displayed",
    "load_chemistry",
    "measure",
    "ocv_rel",
    "ocv_relative",
    "ocv_relative_for",
    "ocv_v",
    "precondition_cost",
    "resistance_ohm",
    "run_ekf",
    "simulate_truth",
    "thermal_loads",
]
