"""``evtwin up`` starts the signal broker and serves kuksa-client until told to stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from kuksa_client.grpc import VSSClient

from evtwin import __version__
from evtwin.cli.main import main


@pytest.fixture
def twin() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "evtwin", "up", "--port", "0", "--duration-s", "60"],
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
    assert main(["up", "--port", "0", "--duration-s", "0.01"]) == 0
    assert "kuksa-client grpc://127.0.0.1:" in capsys.readouterr().out


def test_up_rejects_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["up", "--port", "70000"])
    assert exc.value.code == 2
    assert "0..65535" in capsys.readouterr().err


def test_up_reports_a_busy_port_as_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    from evtwin.signals import Broker, SignalServer

    with SignalServer(Broker(), port=0) as busy:
        assert main(["up", "--port", str(busy.port), "--duration-s", "0.01"]) == 2
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
