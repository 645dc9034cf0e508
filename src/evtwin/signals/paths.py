"""VSS paths the car's services read and write (VSS 6.0 and the evtwin overlay).

One place for the names, so a typo is a failing import-time test rather than a silent
``UnknownSignalError`` in a running car.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AMBIENT_AIR_C",
    "BATTERY_RANGE_M",
    "BATTERY_TEMP_C",
    "CABIN_AIR_C",
    "CABIN_SETPOINT_C",
    "CHARGED_ENERGY_KWH",
    "CHARGER_MAX_CURRENT_DC_A",
    "CHARGER_MAX_CURRENT_PHASE1_A",
    "CHARGER_MAX_CURRENT_PHASE2_A",
    "CHARGER_MAX_CURRENT_PHASE3_A",
    "CHARGE_AVG_POWER_KW",
    "CHARGE_CURRENT_DC_A",
    "CHARGE_LIMIT_PCT",
    "CHARGE_MAX_POWER_KW",
    "CHARGE_RATE_KPH",
    "CHARGE_REFUSAL_REASON",
    "CHARGE_START_STOP",
    "CHARGE_TIME_TO_COMPLETE_S",
    "CHARGING_CABLE_CONNECTED",
    "CONSUMED_ENERGY_KWH",
    "FLOW_BATTERY_HEATING_W",
    "FLOW_CHARGING_W",
    "FLOW_CLIMATE_W",
    "FLOW_DRIVE_W",
    "FLOW_LOW_VOLTAGE_W",
    "HDC_ENABLED",
    "HDC_SPEED_KPH",
    "HEAT_PUMP_STATE",
    "HEAT_PUMP_W",
    "HVAC_COOLING_ACTIVE",
    "IS_CHARGING",
    "IS_MOVING",
    "KEEP_CLIMATE_ACTIVE",
    "KEEP_CLIMATE_ENERGY_KWH",
    "KEEP_CLIMATE_ESTIMATED_W",
    "KEEP_CLIMATE_MESSAGE",
    "KEEP_CLIMATE_MIN_SOC_PCT",
    "KEEP_CLIMATE_MODE",
    "KEEP_CLIMATE_TIME_LEFT_S",
    "KEEP_CLIMATE_W",
    "LONGITUDINAL_ACCEL_MPS2",
    "MOTOR_POWER_KW",
    "NOMINAL_VOLTAGE_V",
    "PACK_CURRENT_A",
    "PACK_ENERGY_KWH",
    "PACK_POWER_W",
    "PACK_VOLTAGE_V",
    "PLANNED_END_TIME",
    "PLANNED_ENERGY_KWH",
    "PLANNED_START_TIME",
    "PLAN_MODE",
    "POWER_STATE",
    "PRECONDITION_REQUESTED",
    "RANGE_M",
    "READY_BY_TIME",
    "SELECTED_GEAR",
    "SOC_CURRENT_PCT",
    "SOC_DISPLAYED_PCT",
    "SOC_TRUTH_PCT",
    "SPEED_KPH",
    "SURFACE",
    "TERRAIN_MODE",
    "TOWING_MODE",
    "TRAILER_CONNECTED",
    "TRAILER_MASS_KG",
    "TRAVELED_DISTANCE_M",
    "WADING_DEPTH_MM",
    "WADING_LIMIT_EXCEEDED",
    "WADING_MAX_DEPTH_MM",
]

_BATT: Final = "Vehicle.Powertrain.TractionBattery"
_CHG: Final = f"{_BATT}.Charging"

SPEED_KPH: Final = "Vehicle.Speed"
SELECTED_GEAR: Final = "Vehicle.Powertrain.Transmission.SelectedGear"  # 126 = P, 127 = D
TRAVELED_DISTANCE_M: Final = "Vehicle.TraveledDistance"
IS_MOVING: Final = "Vehicle.IsMoving"
LONGITUDINAL_ACCEL_MPS2: Final = "Vehicle.Acceleration.Longitudinal"
POWER_STATE: Final = "Vehicle.LowVoltageSystemState"
MOTOR_POWER_KW: Final = "Vehicle.Powertrain.ElectricMotor.Power"
RANGE_M: Final = "Vehicle.Powertrain.Range"

SOC_CURRENT_PCT: Final = f"{_BATT}.StateOfCharge.Current"
SOC_DISPLAYED_PCT: Final = f"{_BATT}.StateOfCharge.Displayed"
SOC_TRUTH_PCT: Final = f"{_BATT}.StateOfCharge.Truth"  # overlay: the physics' true SOC
PACK_ENERGY_KWH: Final = f"{_BATT}.StateOfCharge.CurrentEnergy"
PACK_POWER_W: Final = f"{_BATT}.CurrentPower"
PACK_CURRENT_A: Final = f"{_BATT}.CurrentCurrent"
PACK_VOLTAGE_V: Final = f"{_BATT}.CurrentVoltage"
BATTERY_TEMP_C: Final = f"{_BATT}.Temperature.Average"
BATTERY_RANGE_M: Final = f"{_BATT}.Range"
CONSUMED_ENERGY_KWH: Final = f"{_BATT}.AccumulatedConsumedEnergy"
CHARGED_ENERGY_KWH: Final = f"{_BATT}.AccumulatedChargedEnergy"

# Power flows into the pack (W, + into the pack), one per service that moves energy; the BMS
# alone integrates them (overlay, Vehicle.Powertrain.TractionBattery.PowerFlow.*).
FLOW_DRIVE_W: Final = f"{_BATT}.PowerFlow.Drive"
FLOW_CLIMATE_W: Final = f"{_BATT}.PowerFlow.Climate"
FLOW_CHARGING_W: Final = f"{_BATT}.PowerFlow.Charging"
FLOW_LOW_VOLTAGE_W: Final = f"{_BATT}.PowerFlow.LowVoltage"
FLOW_BATTERY_HEATING_W: Final = f"{_BATT}.PowerFlow.BatteryHeating"
POWER_FLOWS_W: Final = (  # the flows the BMS sums (a tuple, so not in __all__)
    FLOW_DRIVE_W,
    FLOW_CLIMATE_W,
    FLOW_CHARGING_W,
    FLOW_LOW_VOLTAGE_W,
    FLOW_BATTERY_HEATING_W,
)

CHARGING_CABLE_CONNECTED: Final = f"{_CHG}.ChargingPort.AnyPosition.IsChargingCableConnected"
CHARGE_START_STOP: Final = f"{_CHG}.StartStopCharging"
CHARGE_REFUSAL_REASON: Final = f"{_CHG}.RefusalReason"
CHARGE_LIMIT_PCT: Final = f"{_CHG}.ChargeLimit"
IS_CHARGING: Final = f"{_CHG}.IsCharging"
CHARGE_RATE_KPH: Final = f"{_CHG}.ChargeRate"
CHARGE_AVG_POWER_KW: Final = f"{_CHG}.AveragePower"
CHARGE_MAX_POWER_KW: Final = f"{_CHG}.MaxPower"
CHARGE_CURRENT_DC_A: Final = f"{_CHG}.ChargeCurrent.DC"
CHARGE_TIME_TO_COMPLETE_S: Final = f"{_CHG}.TimeToComplete"
CHARGER_MAX_CURRENT_DC_A: Final = f"{_CHG}.MaximumChargingCurrent.DC"
CHARGER_MAX_CURRENT_PHASE1_A: Final = f"{_CHG}.MaximumChargingCurrent.Phase1"
CHARGER_MAX_CURRENT_PHASE2_A: Final = f"{_CHG}.MaximumChargingCurrent.Phase2"
CHARGER_MAX_CURRENT_PHASE3_A: Final = f"{_CHG}.MaximumChargingCurrent.Phase3"
NOMINAL_VOLTAGE_V: Final = f"{_BATT}.NominalVoltage"
PLAN_MODE: Final = f"{_CHG}.Plan.Mode"
PLANNED_START_TIME: Final = f"{_CHG}.Plan.PlannedStartTime"
PLANNED_END_TIME: Final = f"{_CHG}.Plan.PlannedEndTime"
PLANNED_ENERGY_KWH: Final = f"{_CHG}.Plan.PlannedEnergy"
PRECONDITION_REQUESTED: Final = f"{_CHG}.Plan.IsPreconditioningRequested"
READY_BY_TIME: Final = f"{_CHG}.Plan.ReadyByTime"

AMBIENT_AIR_C: Final = "Vehicle.Exterior.AirTemperature"
CABIN_AIR_C: Final = "Vehicle.Cabin.HVAC.AmbientAirTemperature"
CABIN_SETPOINT_C: Final = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
HVAC_COOLING_ACTIVE: Final = "Vehicle.Cabin.HVAC.IsAirConditioningActive"
_KEEP: Final = "Vehicle.Cabin.HVAC.KeepClimate"
HEAT_PUMP_STATE: Final = "Vehicle.Cabin.HVAC.HeatPump.State"
HEAT_PUMP_W: Final = "Vehicle.Cabin.HVAC.HeatPump.Power"
KEEP_CLIMATE_MODE: Final = f"{_KEEP}.Mode"
KEEP_CLIMATE_ACTIVE: Final = f"{_KEEP}.IsActive"
KEEP_CLIMATE_MESSAGE: Final = f"{_KEEP}.Message"
KEEP_CLIMATE_W: Final = f"{_KEEP}.Power"
KEEP_CLIMATE_ESTIMATED_W: Final = f"{_KEEP}.EstimatedPower"
KEEP_CLIMATE_TIME_LEFT_S: Final = f"{_KEEP}.EstimatedTimeRemaining"
KEEP_CLIMATE_ENERGY_KWH: Final = f"{_KEEP}.Energy"
KEEP_CLIMATE_MIN_SOC_PCT: Final = f"{_KEEP}.MinimumStateOfCharge"

TERRAIN_MODE: Final = "Vehicle.TerrainResponse.Mode"
SURFACE: Final = "Vehicle.TerrainResponse.Surface"
HDC_ENABLED: Final = "Vehicle.TerrainResponse.IsHillDescentControlEnabled"
HDC_SPEED_KPH: Final = "Vehicle.TerrainResponse.HillDescentSpeed"
WADING_DEPTH_MM: Final = "Vehicle.TerrainResponse.Wading.Depth"
WADING_MAX_DEPTH_MM: Final = "Vehicle.TerrainResponse.Wading.MaxDepth"
WADING_LIMIT_EXCEEDED: Final = "Vehicle.TerrainResponse.Wading.IsLimitExceeded"
TRAILER_MASS_KG: Final = "Vehicle.Trailer.Mass"
TRAILER_CONNECTED: Final = "Vehicle.Trailer.IsConnected"
TOWING_MODE: Final = "Vehicle.Trailer.IsTowingModeEnabled"
