"""The running car: the twin clock, the services and the host that steps them.

Services talk only through the signal broker, by VSS path. :func:`build_twin` wires a car
(broker, world, services, host); scenarios (:mod:`evtwin.scenarios`) drive it headless.
"""

from __future__ import annotations

from evtwin.runtime._bms import BatteryService
from evtwin.runtime._charging import ChargingRefusal, ChargingService
from evtwin.runtime._climate import ClimateRefusal, ClimateService
from evtwin.runtime._clock import Clock, ManualClock, ScaledClock, SystemClock
from evtwin.runtime._drive import DriveService, LegStats, regen_decel_mps2
from evtwin.runtime._interim import (
    CabinModel,
    CabinStep,
    ChargePlanner,
    ChargePowerModel,
    InterimCabin,
    InterimChargePower,
    PlannedCharge,
)
from evtwin.runtime._models import ClimateCabin, SessionChargePower, SmartChargePlanner
from evtwin.runtime._services import ActuatorEcho, Service, ServiceFault, ServiceHost
from evtwin.runtime._terrain import TerrainService
from evtwin.runtime._twin import SETPOINT_ACTUATORS, Twin, build_twin, interim_charge_model
from evtwin.runtime._world import Charger, DriveLeg, Trailer, World, WorldSensors

__all__ = [
    "SETPOINT_ACTUATORS",
    "ActuatorEcho",
    "BatteryService",
    "CabinModel",
    "CabinStep",
    "ChargePlanner",
    "ChargePowerModel",
    "Charger",
    "ChargingRefusal",
    "ChargingService",
    "ClimateCabin",
    "ClimateRefusal",
    "ClimateService",
    "Clock",
    "DriveLeg",
    "DriveService",
    "InterimCabin",
    "InterimChargePower",
    "LegStats",
    "ManualClock",
    "PlannedCharge",
    "ScaledClock",
    "Service",
    "ServiceFault",
    "ServiceHost",
    "SessionChargePower",
    "SmartChargePlanner",
    "SystemClock",
    "TerrainService",
    "Trailer",
    "Twin",
    "World",
    "WorldSensors",
    "build_twin",
    "interim_charge_model",
    "regen_decel_mps2",
]
