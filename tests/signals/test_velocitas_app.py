"""A Velocitas vehicle app (unmodified ``velocitas-sdk==0.15.7``, in its own virtualenv) runs
against the twin over the databroker's ``sdv.databroker.v1`` API on the KUKSA port: it reads
the speed, subscribes to the state of charge (current value first, then changes) and sets a
climate target; an out-of-range target is refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evtwin.runtime import ManualClock, Twin, World, build_twin
from evtwin.signals import SignalServer

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).with_name("velocitas_app.py")
SET_POINT = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
MQTT = ("127.0.0.1", 1883)


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI must provide it: see the Makefile and .ci/run)")
    pytest.skip(f"{what}; skipped on a developer machine only")


def _velocitas_python() -> Path:
    path = Path(os.environ.get("EVTWIN_VELOCITAS_PYTHON", ROOT / ".venv-velocitas/bin/python"))
    if not path.exists():
        _missing(f"no Velocitas virtualenv at {path} (make .venv-velocitas/.installed)")
    return path


def _mqtt_up() -> None:
    try:
        socket.create_connection(MQTT, timeout=2).close()
    except OSError:
        _missing(f"no MQTT broker on {MQTT[0]}:{MQTT[1]} (a native Velocitas app needs one)")


@pytest.fixture
def twin() -> Iterator[Twin]:
    t = build_twin(ManualClock(1_800_000_000.0), world=World(), reference_wh_per_km=lambda: 180.0)
    t.host.step()
    yield t
    t.close()


def test_a_velocitas_app_reads_subscribes_and_actuates(twin: Twin) -> None:
    python = _velocitas_python()
    _mqtt_up()
    with SignalServer(twin.broker, port=0) as server:
        env = {
            **os.environ,
            "SDV_VEHICLEDATABROKER_ADDRESS": f"grpc://127.0.0.1:{server.port}",
            "SDV_MQTT_ADDRESS": f"mqtt://{MQTT[0]}:{MQTT[1]}",
            "SDV_MIDDLEWARE_TYPE": "native",
            "PYTHONUNBUFFERED": "1",
        }
        proc = subprocess.Popen(
            [str(python), str(APP)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        stop = threading.Event()

        def drain_soc() -> None:  # the car uses energy while the app listens
            soc = 80.0
            while not stop.wait(0.3):
                soc -= 0.5
                twin.broker.set_current(SOC, soc)

        publisher = threading.Thread(target=drain_soc, daemon=True)
        timer = threading.Timer(90, proc.kill)  # never hang the suite
        timer.start()
        lines: list[str] = []
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # SOC starts to change once the app has its first value
                lines.append(line)
                if '"soc"' in line and not publisher.is_alive():
                    publisher.start()
            proc.wait(timeout=30)
        finally:
            stop.set()
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
        err = proc.stderr.read() if proc.stderr is not None else ""
        out = "".join(lines)
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert events and events[-1] == {"event": "done"}, f"{out}\n{err[-3000:]}"
    assert {"event": "speed", "value": 0.0} in events
    assert {"event": "set", "value": 23.5, "ok": True} in events
    refused = [e for e in events if e["event"] == "set" and e["value"] == 99.0]
    assert refused and refused[0]["ok"] is False
    assert twin.broker.get_target(SET_POINT).value == 23.5  # the refused 99 °C never stuck
    soc = [e["value"] for e in events if e["event"] == "soc"]
    assert soc[0] == pytest.approx(80.0)  # the current value comes first
    assert len(soc) >= 2 and soc[1] < 80.0
