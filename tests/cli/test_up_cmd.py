"""``evtwin up`` starts the signal broker and serves kuksa-client until told to stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kuksa_client.grpc import VSSClient

from evtwin import __version__
from evtwin.cli.main import main


@pytest.fixture
def twin() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evtwin",
            "up",
            "--port",
            "0",
            "--http-port",
            "0",
            "--duration-s",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    banner = proc.stdout.readline()
    match = re.search(r"grpc://127\.0\.0\.1:(\d+)", banner)
    try:
        assert match, f"no address in {banner!r}"
        yield proc, int(match.group(1))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def test_up_serves_signals_to_kuksa_client(twin: tuple[subprocess.Popen[str], int]) -> None:
    proc, port = twin
    with VSSClient("127.0.0.1", port) as client:
        values = client.get_current_values(
            ["Vehicle.VersionVSS.Major", "Vehicle.Software.CurrentVersion"]
        )
    assert values["Vehicle.VersionVSS.Major"].value == 6
    assert values["Vehicle.Software.CurrentVersion"].value == f"evtwin-{__version__}"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0


def test_up_stops_cleanly_on_sigterm(twin: tuple[subprocess.Popen[str], int]) -> None:
    proc, _ = twin
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def test_up_runs_for_the_given_duration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--port", "0", "--http-port", "0", "--duration-s", "0.01"]) == 0
    assert "kuksa-client grpc://127.0.0.1:" in capsys.readouterr().out


def test_up_rejects_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["up", "--port", "70000"])
    assert exc.value.code == 2
    assert "0..65535" in capsys.readouterr().err


def test_up_reports_a_busy_port_as_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    from evtwin.signals import Broker, SignalServer

    with SignalServer(Broker(), port=0) as busy:
        assert main(["up", "--port", str(busy.port), "--no-http", "--duration-s", "0.01"]) == 2
    assert f"cannot listen on 127.0.0.1:{busy.port}" in capsys.readouterr().err


def test_up_applies_a_requested_terrain_mode(twin: tuple[subprocess.Popen[str], int]) -> None:
    from kuksa_client.grpc import Datapoint

    _, port = twin
    mode = "Vehicle.TerrainResponse.Mode"
    with VSSClient("127.0.0.1", port) as client:
        stream = client.subscribe_current_values([mode], timeout=30)
        assert next(stream)[mode].value == "COMFORT"
        client.set_target_values({mode: Datapoint("SAND")})
        assert next(stream)[mode].value == "SAND"
        stream.close()


@pytest.fixture
def fast_twin() -> Iterator[int]:
    """A plugged-in car at 50 % on a 600x clock, -5 °C outside."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evtwin",
            "up",
            "--port",
            "0",
            "--http-port",
            "0",
            "--duration-s",
            "120",
            "--speedup",
            "600",
            "--soc",
            "50",
            "--ambient-c",
            "-5",
            "--charger-kw",
            "7.4",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    banner = proc.stdout.readline()
    match = re.search(r"grpc://127\.0\.0\.1:(\d+)", banner)
    try:
        assert match, f"no address in {banner!r}"
        yield int(match.group(1))
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def _until(client: VSSClient, path: str, predicate: object) -> object:
    """Follow ``path`` until ``predicate(value)`` holds; the subscription's timeout bounds it."""
    stream = client.subscribe_current_values([path], timeout=60)
    try:
        for update in stream:
            dp = update.get(path)
            if dp is not None and dp.value is not None and predicate(dp.value):  # type: ignore[operator]
                return dp.value
    finally:
        stream.close()
    raise AssertionError(f"{path} never satisfied the condition")


def test_up_runs_the_car_charging_while_plugged_in(fast_twin: int) -> None:
    soc = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
    with VSSClient("127.0.0.1", fast_twin) as client:
        values = client.get_current_values(
            [
                "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition."
                "IsChargingCableConnected",
                soc,
            ]
        )
        assert all(v is not None for v in values.values())
        assert _until(client, soc, lambda v: v > 51.0)
        charging = client.get_current_values(
            ["Vehicle.Powertrain.TractionBattery.Charging.IsCharging"]
        )
        assert charging["Vehicle.Powertrain.TractionBattery.Charging.IsCharging"].value is True


def test_up_heats_the_cabin_when_preconditioning_is_requested(fast_twin: int) -> None:
    from kuksa_client.grpc import Datapoint

    cabin = "Vehicle.Cabin.HVAC.AmbientAirTemperature"
    with VSSClient("127.0.0.1", fast_twin) as client:
        precondition = "Vehicle.Powertrain.TractionBattery.Charging.Plan.IsPreconditioningRequested"
        client.set_target_values(
            {
                "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": Datapoint(22.0),
                precondition: Datapoint(True),
            }
        )
        assert _until(client, cabin, lambda v: v > 15.0)
        setpoint = client.get_current_values(["Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"])
        assert setpoint["Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"].value == 22.0


def test_up_plays_a_scenario_live(tmp_path: Path) -> None:
    story = tmp_path / "top_up.toml"
    story.write_text(
        'name = "top up"\n[initial]\nsoc_percent = 50\n'
        '[[step]]\ndo = "set"\nsignals = { "Vehicle.Powertrain.TractionBattery.Charging.'
        'ChargeLimit" = 55 }\n'
        '[[step]]\ndo = "plug_in"\ncharger_kw = 50\ndc = true\n'
        '[[step]]\ndo = "wait"\nminutes = 30\n'
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evtwin",
            "up",
            "--port",
            "0",
            "--http-port",
            "0",
            "--duration-s",
            "120",
            "--speedup",
            "3600",
            "--scenario",
            str(story),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    try:
        banner = proc.stdout.readline()
        match = re.search(r"grpc://127\.0\.0\.1:(\d+)", banner)
        assert match, banner
        lines = [proc.stdout.readline() for _ in range(6)]  # connect, screen, car, try, stop
        assert "scenario finished" in lines[-1], lines
        soc = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
        cable = (
            "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition."
            "IsChargingCableConnected"
        )
        with VSSClient("127.0.0.1", int(match.group(1))) as client:
            values = client.get_current_values([soc, cable])
        assert values[soc].value == pytest.approx(55.0)
        assert values[cable].value is True
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_up_serves_the_http_api_and_page_beside_the_signal_broker() -> None:
    import urllib.request

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evtwin",
            "up",
            "--port",
            "0",
            "--http-port",
            "0",
            "--duration-s",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        screen = None
        for _ in range(20):
            line = proc.stdout.readline()
            if line.strip().startswith("screen:"):
                screen = line.split()[1]
                break
        assert screen is not None, "evtwin up printed no screen address"
        with urllib.request.urlopen(screen.rstrip("/") + "/api/v1/health", timeout=10) as r:
            assert r.status == 200
        with urllib.request.urlopen(screen.rstrip("/") + "/report", timeout=10) as r:
            assert b"Defender Sport (ESTIMATE)" in r.read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
