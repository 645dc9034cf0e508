"""The running car: the twin clock, the services and the host that steps them.

Services talk only through the signal broker, by VSS path. :func:`build_twin` wires a car
(broker, world, services, host); scenarios (:mod:`evtwin.scenarios`) drive it headless.
"""

from __future__ import annotations

from evtwin.clock import Clock, ManualClock, ScaledClock, SystemClock
from evtwin.runtime._bms import BatteryService, LowVoltageService
from evtwin.runtime._charging import ChargingRefusal, ChargingService
from evtwin.runtime._climate import (
    SETPOINT_MAX_C,
    SETPOINT_MIN_C,
    ClimateRefusal,
    ClimateService,
)
from evtwin.runtime._drive import DriveService, LegStats, regen_decel_mps2
from evtwin.runtime._models import ClimateCabin, SessionChargePower, SmartChargePlanner
from evtwin.runtime._ota import CheckIn, OtaLink, OtaService, TwinOtaClock, UpdateState
from evtwin.runtime._ota_car import CloudLink, OtaCar, open_car
from evtwin.runtime._ports import (
    CabinModel,
    CabinStep,
    ChargePlanner,
    ChargePowerModel,
    PlannedCharge,
)
from evtwin.runtime._services import ActuatorEcho, Service, ServiceFault, ServiceHost
from evtwin.runtime._signalio import read_bool, read_float, read_str, read_target
from evtwin.runtime._telemetry import TelemetryService, telemetry_credentials
from evtwin.runtime._terrain import TerrainService
from evtwin.runtime._twin import SETPOINT_ACTUATORS, Twin, build_twin
from evtwin.runtime._world import Charger, DriveLeg, Trailer, World, WorldSensors

__all__ = [
    "SETPOINT_ACTUATORS",
    "SETPOINT_MAX_C",
    "SETPOINT_MIN_C",
    "ActuatorEcho",
    "BatteryService",
    "CabinModel",
    "CabinStep",
    "ChargePlanner",
    "ChargePowerModel",
    "Charger",
    "ChargingRefusal",
    "ChargingService",
    "CheckIn",
    "ClimateCabin",
    "ClimateRefusal",
    "ClimateService",
    "Clock",
    "CloudLink",
    "DriveLeg",
    "DriveService",
    "LegStats",
    "LowVoltageService",
    "ManualClock",
    "OtaCar",
    "OtaLink",
    "OtaService",
    "PlannedCharge",
    "ScaledClock",
    "Service",
    "ServiceFault",
    "ServiceHost",
    "SessionChargePower",
    "SmartChargePlanner",
    "SystemClock",
    "TelemetryService",
    "TerrainService",
    "Trailer",
    "Twin",
    "TwinOtaClock",
    "UpdateState",
    "World",
    "WorldSensors",
    "build_twin",
    "open_car",
    "read_bool",
    "read_float",
    "read_str",
    "read_target",
    "regen_decel_mps2",
    "telemetry_credentials",
]
