"""The running car: broker, world, services and the host that steps them, in one object.

:func:`build_twin` wires a vehicle from the catalogue (or a spec) into a broker on a clock.
Every step, the host steps the services (actuator echo, world sensors, terrain, climate,
dynamics, charging, 12 V) on the car as the last step left it, then the BMS, the one owner of
the charge, integrates the power flows they published. A run on a
:class:`~evtwin.runtime.ManualClock` is deterministic, and the same whatever order the
services are listed in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from evtwin import __version__
from evtwin.battery import SensorNoise
from evtwin.charging import car_charge_params
from evtwin.climate import cabin_params
from evtwin.clock import Clock, ManualClock
from evtwin.errors import ScenarioError, UnknownSignalError
from evtwin.modes import load_mode
from evtwin.physics.constants import ModelConstants, default_constants
from evtwin.runtime._bms import BatteryService, LowVoltageService, pack_circuit
from evtwin.runtime._charging import ChargingService
from evtwin.runtime._climate import (
    DEFAULT_SETPOINT_C,
    KEEP_CLIMATE_MIN_SOC_PCT,
    ClimateService,
)
from evtwin.runtime._drive import DriveService
from evtwin.runtime._models import ClimateCabin, SessionChargePower, SmartChargePlanner
from evtwin.runtime._nav import NavigationService
from evtwin.runtime._ota import OtaService
from evtwin.runtime._ports import CabinModel, ChargePlanner, ChargePowerModel
from evtwin.runtime._services import ActuatorEcho, ServiceHost
from evtwin.runtime._terrain import TerrainService
from evtwin.runtime._world import World, WorldSensors
from evtwin.signals import TWIN_PROVIDER, Broker, Change, Field
from evtwin.signals import paths as P
from evtwin.vehicles.catalogue import load_vehicle
from evtwin.vehicles.derive import VehicleParams, derive_params
from evtwin.vehicles.spec import VehicleSpec

__all__ = [
    "SETPOINT_ACTUATORS",
    "Twin",
    "build_twin",
]

SETPOINT_ACTUATORS: Final = (
    "Vehicle.TerrainResponse",
    "Vehicle.Trailer.IsTowingModeEnabled",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
    "Vehicle.Powertrain.TractionBattery.Charging.Plan",
    "Vehicle.Powertrain.TractionBattery.Charging.Timer",
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed",
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.AirDistribution",
    "Vehicle.Cabin.HVAC.Station.Row1.Passenger",
    "Vehicle.Cabin.HVAC.Station.Row2",
    "Vehicle.Cabin.HVAC.Station.Row3",
    "Vehicle.Cabin.HVAC.Station.Row4",
    "Vehicle.Cabin.HVAC.IsRecirculationActive",
    "Vehicle.Cabin.HVAC.IsAutoPowerOptimize",
    "Vehicle.Cabin.HVAC.IsFrontDefrosterActive",
    "Vehicle.Cabin.HVAC.IsRearDefrosterActive",
    "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling",
    "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling",
    "Vehicle.Chassis.SteeringWheel.HeatingCooling",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet",
    "Vehicle.Software.Update",
)
"""Actuators whose requested value is simply the setting in effect (selectors, set points).
The driver's temperature set point and StartStopCharging belong to the climate and charging
services instead."""


@dataclass(kw_only=True)
class Twin:
    """A running car. ``host.step()`` advances every service to the clock's time."""

    spec: VehicleSpec
    params: VehicleParams
    clock: Clock
    broker: Broker
    world: World
    host: ServiceHost
    echo: ActuatorEcho
    drive: DriveService
    climate: ClimateService
    charging: ChargingService
    bms: BatteryService
    terrain: TerrainService
    low_voltage: LowVoltageService
    constants: ModelConstants = field(default_factory=default_constants)
    ota: OtaService | None = None
    nav: NavigationService | None = None

    def attach_ota(self, service: OtaService) -> OtaService:
        """Add the OTA client (:class:`~evtwin.runtime.OtaService`) as the last service, so
        it sees the car's state after every other service has stepped. Before ``host.start``.
        """
        if self.host.running:
            raise ScenarioError("attach the OTA service before the host starts stepping")
        self.host.services.append(service)
        self.ota = service
        return service

    def advance(self, seconds: float, step_s: float | None = None) -> None:
        """Headless runs: move a :class:`ManualClock` on by ``seconds`` of twin time in
        steps of ``step_s`` (default the host's), stepping every service after each."""
        clock = self.clock
        if not isinstance(clock, ManualClock):
            raise ScenarioError("only a twin on a ManualClock can be advanced by hand")
        step = self.host.step_s if step_s is None else step_s
        if not step > 0:
            raise ScenarioError(f"step must be positive, got {step} s")
        end = clock.now_s() + seconds
        while clock.now_s() < end - 1e-9:
            clock.advance(min(step, end - clock.now_s()))
            self.host.step()

    def close(self) -> None:
        if self.host.running:
            self.host.stop()
        self.echo.close()
        self.charging.close()


def _reference_consumption(
    spec: VehicleSpec, constants: ModelConstants, *, background: bool
) -> Callable[[], float | None]:
    """The car's WLTP DC consumption from the engine, the range estimate's starting point.
    With ``background`` it is computed in a thread (the engine may need compiling on a fresh
    clone) and the callable answers None until it is ready."""

    def compute() -> float:
        from evtwin.sim.range import wltp_range

        return wltp_range(spec, constants=constants).consumption_wh_per_km

    if not background:
        return compute
    box: list[float] = []

    def work() -> None:
        box.append(compute())

    threading.Thread(target=work, name="evtwin-range-reference", daemon=True).start()
    return lambda: box[0] if box else None


def simulated_sensors(broker: Broker, extra: Iterable[str] = ()) -> list[str]:
    """The sensors and attributes the twin publishes itself (every runtime signal path that
    is not an actuator): the twin claims them, so KUKSA clients cannot overwrite them."""
    paths = {
        value
        for name in P.__all__
        if isinstance(value := getattr(P, name), str) and value.startswith("Vehicle.")
    }
    paths.update(extra)
    out = []
    for path in sorted(paths):
        try:
            meta = broker.metadata(path)
        except UnknownSignalError:
            continue
        if not meta.is_actuator:
            out.append(path)
    return out


DEFAULT_FAN_PCT: Final = 30
"""Fan speed the climate strip shows at start (assumption: a low automatic stage)."""


def _cabin_defaults() -> list[Change]:
    """Initial values of the cabin's comfort actuators, so every client (the screen's climate
    strip included) sees the setting in effect from the start instead of nothing."""
    hvac = "Vehicle.Cabin.HVAC"
    return [
        (f"{hvac}.Station.Row1.Passenger.Temperature", Field.VALUE, DEFAULT_SETPOINT_C),
        (f"{hvac}.Station.Row1.Driver.FanSpeed", Field.VALUE, DEFAULT_FAN_PCT),
        (f"{hvac}.Station.Row1.Passenger.FanSpeed", Field.VALUE, DEFAULT_FAN_PCT),
        (f"{hvac}.IsRecirculationActive", Field.VALUE, False),
        (f"{hvac}.IsAutoPowerOptimize", Field.VALUE, False),
        (f"{hvac}.IsFrontDefrosterActive", Field.VALUE, False),
        (f"{hvac}.IsRearDefrosterActive", Field.VALUE, False),
        ("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", Field.VALUE, 0),
        ("Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling", Field.VALUE, 0),
        ("Vehicle.Chassis.SteeringWheel.HeatingCooling", Field.VALUE, 0),
    ]


def build_twin(
    clock: Clock,
    *,
    vehicle: str | VehicleSpec = "defender-sport",
    world: World | None = None,
    soc_percent: float = 80.0,
    cabin_temp_c: float | None = None,
    battery_temp_c: float | None = None,
    mode: str = "COMFORT",
    step_s: float = 1.0,
    charge_model: ChargePowerModel | None = None,
    charge_planner: ChargePlanner | None = None,
    cabin_model: CabinModel | None = None,
    reference_wh_per_km: Callable[[], float | None] | None = None,
    background_reference: bool = False,
    constants: ModelConstants | None = None,
    bms_noise: SensorNoise | None = None,
    bms_seed: int = 0,
) -> Twin:
    """A parked car, at ``soc_percent``, cold-soaked to the world's temperature unless
    ``cabin_temp_c``/``battery_temp_c`` say otherwise. The BMS's sensors are ideal unless
    ``bms_noise`` gives their noise (drawn from a generator seeded with ``bms_seed``)."""
    if not 0.0 < soc_percent <= 100.0:
        raise ScenarioError(f"initial state of charge {soc_percent:g} % is outside (0, 100] %")
    spec = load_vehicle(vehicle) if isinstance(vehicle, str) else vehicle
    c = constants if constants is not None else default_constants()
    params = derive_params(spec, c)
    world = world if world is not None else World()
    drive_mode = load_mode(mode)
    broker = Broker(clock=clock.now_s)
    ambient = world.ambient_temp_c
    initial: list[Change] = [
        ("Vehicle.Software.CurrentVersion", Field.VALUE, f"evtwin-{__version__}"),
        ("Vehicle.Software.Update.State", Field.VALUE, "IDLE"),
        ("Vehicle.Powertrain.Type", Field.VALUE, "ELECTRIC"),
        ("Vehicle.CurbWeight", Field.VALUE, round(spec.kerb_mass_kg)),
        (
            "Vehicle.Powertrain.TractionBattery.NetCapacity",
            Field.VALUE,
            round(spec.usable_battery_kwh),
        ),
        (P.NOMINAL_VOLTAGE_V, Field.VALUE, round(params.battery_voltage_v)),
        (P.SOC_CURRENT_PCT, Field.VALUE, float(soc_percent)),
        (P.SOC_TRUTH_PCT, Field.VALUE, float(soc_percent)),
        (P.TERRAIN_MODE, Field.VALUE, drive_mode.signal_value),
        (P.CABIN_SETPOINT_C, Field.VALUE, DEFAULT_SETPOINT_C),
        *_cabin_defaults(),
        (P.KEEP_CLIMATE_MODE, Field.VALUE, "OFF"),
        (P.KEEP_CLIMATE_MIN_SOC_PCT, Field.VALUE, KEEP_CLIMATE_MIN_SOC_PCT),
        (P.HDC_ENABLED, Field.VALUE, False),
        (P.TOWING_MODE, Field.VALUE, False),
        (P.PRECONDITION_REQUESTED, Field.VALUE, False),
        (P.CHARGE_START_STOP, Field.VALUE, "STOP"),
        (P.IS_CHARGING, Field.VALUE, False),
        (P.POWER_STATE, Field.VALUE, "OFF"),
        (P.SPEED_KPH, Field.VALUE, 0.0),
        (P.SELECTED_GEAR, Field.VALUE, 126),  # P
        (P.TRAVELED_DISTANCE_M, Field.VALUE, 0),
    ]
    if spec.towing_capacity_kg is not None:  # unknown stays unpublished, never zero
        initial.append(("Vehicle.MaxTowWeight", Field.VALUE, round(spec.towing_capacity_kg)))
    broker.update(initial)
    broker.claim(simulated_sensors(broker, [path for path, _, _ in initial]), TWIN_PROVIDER)
    car = car_charge_params(spec, model_constants=c)
    charge = charge_model or SessionChargePower(car=car)
    cabin = cabin_model or ClimateCabin(cabin=cabin_params(spec), heat_pump=bool(spec.heat_pump))
    echo = ActuatorEcho(broker, SETPOINT_ACTUATORS)
    sensors = WorldSensors(broker, world)
    terrain = TerrainService(broker, wading_depth_mm=spec.wading_depth_mm)
    climate = ClimateService(
        broker,
        usable_kwh=spec.usable_battery_kwh,
        model=cabin,
        cabin_temp_c=ambient if cabin_temp_c is None else cabin_temp_c,
        cabin=cabin_params(spec),
        heat_pump=bool(spec.heat_pump),
    )
    drive = DriveService(broker, world, params, constants=c)
    charging = ChargingService(
        broker,
        usable_kwh=spec.usable_battery_kwh,
        model=charge,
        planner=charge_planner or SmartChargePlanner(car=car),
    )
    bms = BatteryService(
        broker,
        usable_kwh=spec.usable_battery_kwh,
        reference_wh_per_km=reference_wh_per_km
        or _reference_consumption(spec, c, background=background_reference),
        battery_temp_c=ambient if battery_temp_c is None else battery_temp_c,
        soc_percent=soc_percent,
        circuit=pack_circuit(
            energy_j=params.battery_energy_j,
            nominal_voltage_v=params.battery_voltage_v,
            resistance_ohm=params.battery_resistance_ohm,
            constants=c,
            chemistry=params.battery_chemistry,
        ),
        thermal=car.thermal,
        heat_capacity_j_per_k=car.pack.heat_capacity_j_per_k,
        noise=bms_noise,
        seed=bms_seed,
    )
    low_voltage = LowVoltageService(broker)
    nav = NavigationService(broker, spec)
    host = ServiceHost(
        clock,
        [echo, sensors, terrain, climate, drive, charging, low_voltage, bms, nav],
        step_s=step_s,
        broker=broker,
    )
    return Twin(
        spec=spec,
        params=params,
        clock=clock,
        broker=broker,
        world=world,
        host=host,
        echo=echo,
        drive=drive,
        climate=climate,
        charging=charging,
        bms=bms,
        terrain=terrain,
        low_voltage=low_voltage,
        constants=c,
        nav=nav,
    )
