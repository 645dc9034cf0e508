"""A small Velocitas vehicle app (unmodified PyPI ``velocitas-sdk==0.15.7``), run by
``test_velocitas_app.py`` in a virtualenv of its own (the SDK pins grpcio 1.64 and
protobuf 5, which clash with evtwin's). It reads the speed, subscribes to the state of charge,
sets a climate target and tries an impossible one, printing one JSON line per event.

Connects to ``SDV_VEHICLEDATABROKER_ADDRESS`` (the twin's gRPC port) and, as every native
Velocitas app, to an MQTT broker at ``SDV_MQTT_ADDRESS``.
"""

import asyncio
import json
import sys

from velocitas_sdk.model import DataPointFloat, Model
from velocitas_sdk.vdb.reply import DataPointReply
from velocitas_sdk.vehicle_app import VehicleApp, subscribe_data_points


def emit(**event):
    print(json.dumps(event), flush=True)


class StateOfCharge(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.Current = DataPointFloat("Current", self)


class TractionBattery(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.StateOfCharge = StateOfCharge(self)


class Powertrain(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.TractionBattery = TractionBattery(self)


class Driver(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.Temperature = DataPointFloat("Temperature", self)


class Row1(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.Driver = Driver(self)


class Station(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.Row1 = Row1(self)


class HVAC(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.Station = Station(self)


class Cabin(Model):
    def __init__(self, parent):
        super().__init__(parent)
        self.HVAC = HVAC(self)


class Vehicle(Model):
    def __init__(self):
        super().__init__()
        self.Speed = DataPointFloat("Speed", self)
        self.Powertrain = Powertrain(self)
        self.Cabin = Cabin(self)


SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"


class TwinCheckApp(VehicleApp):
    def __init__(self, vehicle):
        super().__init__()
        self.Vehicle = vehicle
        self.soc_updates = 0

    async def on_start(self):
        speed = await self.Vehicle.Speed.get()
        emit(event="speed", value=speed.value)
        await self.Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature.set(23.5)
        emit(event="set", value=23.5, ok=True)
        try:
            await self.Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature.set(99.0)
            emit(event="set", value=99.0, ok=True)
        except Exception as e:  # the SDK raises when the broker reports an error
            emit(event="set", value=99.0, ok=False, error=type(e).__name__)

    @subscribe_data_points(SOC)
    async def on_soc(self, data: DataPointReply):
        self.soc_updates += 1
        emit(
            event="soc",
            value=data.get(self.Vehicle.Powertrain.TractionBattery.StateOfCharge.Current).value,
        )
        if self.soc_updates >= 2:
            emit(event="done")
            sys.stdout.flush()
            asyncio.get_running_loop().call_later(0.1, sys.exit, 0)


async def main():
    app = TwinCheckApp(Vehicle())
    await app.run()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except SystemExit:
        raise
