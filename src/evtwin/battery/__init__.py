"""Battery: pack equivalent circuit for charging and the lumped pack thermal model."""

from evtwin.battery.pack import OCV_FULL_REL, PackParams, ocv_rel, ocv_v, resistance_ohm
from evtwin.battery.thermal import (
    ThermalLoads,
    ThermalParams,
    advance_temperature,
    precondition_cost,
    thermal_loads,
)

__all__ = [
    "OCV_FULL_REL",
    "PackParams",
    "ThermalLoads",
    "ThermalParams",
    "advance_temperature",
    "ocv_rel",
    "ocv_v",
    "precondition_cost",
    "resistance_ohm",
    "thermal_loads",
]
