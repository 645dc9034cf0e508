"""The running car publishes its selected signals through the telemetry publisher."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evtwin.errors import TelemetryError
from evtwin.runtime import DriveLeg, TelemetryService, Twin, telemetry_credentials
from evtwin.sim.traces import constant_speed
from evtwin.telemetry import TelemetryPublisher, decode_batch, mqtt_password

MakeTwin = Callable[..., Twin]  # the make_twin fixture (tests/runtime/conftest.py)
START_S = 1_800_000_000.0  # the fixture's clock start

VIN = "SALDS27A1RA000001"


def test_credentials_come_from_the_ota_registration_in_the_car_dir(tmp_path: Path) -> None:
    with pytest.raises(TelemetryError, match="no registered car"):
        telemetry_credentials(tmp_path)
    token = "bearer-token-from-registration-0123"
    (tmp_path / "credentials.json").write_text(
        json.dumps({"vin": VIN, "token": token, "server": "http://127.0.0.1:1"})
    )
    c = telemetry_credentials(tmp_path)
    assert c.username == VIN and c.password == mqtt_password(token)
    (tmp_path / "credentials.json").write_text("{")
    with pytest.raises(TelemetryError, match="damaged"):
        telemetry_credentials(tmp_path)


def test_a_driving_twin_records_rate_limited_batches(make_twin: MakeTwin, tmp_path: Path) -> None:
    twin = make_twin()
    twin.world.leg = DriveLeg(trace=constant_speed(80, 600), start_s=twin.clock.now_s())
    token = "bearer-token-from-registration-0123"
    (tmp_path / "car").mkdir()
    (tmp_path / "car" / "credentials.json").write_text(
        json.dumps({"vin": VIN, "token": token, "server": "x"})
    )
    pub = TelemetryPublisher(
        VIN, telemetry_credentials(tmp_path / "car"), tmp_path / "spool", batch_samples=10
    )  # never connected: batches wait on disk
    service = TelemetryService(twin.broker, pub)
    twin.host.services.append(service)
    twin.advance(300.0)
    service.publisher.flush()
    batches = [decode_batch(f.read_bytes()) for f in pub.buffer.files()]
    samples = [s for b in batches for s in b.samples]
    assert batches and all(b.vin == VIN for b in batches)
    speeds = [s.signals["Vehicle.Speed"] for s in samples if "Vehicle.Speed" in s.signals]
    assert 50 <= len(speeds) <= 62  # every 5 s over 300 s (rate limit), not every step
    assert max(speeds) == pytest.approx(80.0, abs=2.0)
    times = [s.time_s for s in samples]
    assert min(times) >= START_S and max(times) <= START_S + 301
    odo = [
        s.signals["Vehicle.TraveledDistance"]
        for s in samples
        if "Vehicle.TraveledDistance" in s.signals
    ]
    assert odo == sorted(odo) and odo[-1] > odo[0]
    assert any("Vehicle.Software.CurrentVersion" in s.signals for s in samples)
