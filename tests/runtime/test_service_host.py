from __future__ import annotations

import pytest

from evtwin.errors import ScenarioError
from evtwin.runtime import ActuatorEcho, ManualClock, ServiceHost
from evtwin.signals import Broker

MODE = "Vehicle.TerrainResponse.Mode"
CABIN_SET = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []

    def step(self, now_s: float, dt_s: float) -> None:
        self.calls.append((now_s, dt_s))


class Faulty:
    name = "faulty"

    def step(self, now_s: float, dt_s: float) -> None:
        raise RuntimeError("sensor unplugged")


def test_services_are_stepped_on_twin_time() -> None:
    clock = ManualClock(100.0)
    recorder = Recorder()
    host = ServiceHost(clock, [recorder], step_s=0.5)
    host.run_steps(clock, 3)
    assert recorder.calls == [(100.5, 0.5), (101.0, 0.5), (101.5, 0.5)]


def test_a_faulty_service_is_reported_and_the_others_keep_running() -> None:
    clock = ManualClock(0.0)
    recorder = Recorder()
    host = ServiceHost(clock, [Faulty(), recorder], step_s=1.0)
    host.run_steps(clock, 2)
    assert len(recorder.calls) == 2
    assert [(f.service, f.time_s, f.error) for f in host.faults] == [
        ("faulty", 1.0, "sensor unplugged"),
        ("faulty", 2.0, "sensor unplugged"),
    ]


def test_step_must_be_positive() -> None:
    with pytest.raises(ScenarioError):
        ServiceHost(ManualClock(), [], step_s=0.0)


def test_setpoint_actuators_take_the_requested_value() -> None:
    clock = ManualClock(0.0)
    broker = Broker(clock=clock.now_s)
    echo = ActuatorEcho(broker, ["Vehicle.TerrainResponse", "Vehicle.Cabin.HVAC.Station"])
    host = ServiceHost(clock, [echo], step_s=0.1)
    broker.set_target(MODE, "ROCK_CRAWL")
    broker.set_target(CABIN_SET, 21.5)
    host.run_steps(clock, 1)
    echo.close()
    mode, setpoint = broker.get(MODE), broker.get(CABIN_SET)
    assert mode is not None and (mode.value, mode.timestamp_s) == ("ROCK_CRAWL", 0.1)
    assert setpoint is not None and setpoint.value == 21.5


def test_background_host_stops_when_asked() -> None:
    clock = ManualClock(0.0)
    host = ServiceHost(clock, [Recorder()], step_s=0.01).start()
    assert host.running
    host.stop()
    assert not host.running


def test_a_repeating_fault_is_logged_once_but_recorded_every_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(0.0)
    host = ServiceHost(clock, [Faulty()], step_s=1.0)
    with caplog.at_level("ERROR"):
        host.run_steps(clock, 5)
    assert len(host.faults) == 5
    assert sum("service faulty failed" in r.getMessage() for r in caplog.records) == 1
