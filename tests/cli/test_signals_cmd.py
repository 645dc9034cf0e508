"""``evtwin signals``: the catalogue, and live values read over KUKSA v2 from a running twin."""

from __future__ import annotations

import json
import socket

import pytest

from evtwin.cli.main import main
from evtwin.signals import Broker, SignalServer


def test_lists_catalogue_signals_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["signals", "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit", "--json"]) == 0
    )
    (row,) = json.loads(capsys.readouterr().out)
    assert row["datatype"] == "uint8"
    assert (row["unit"], row["min"], row["max"], row["default"]) == ("percent", 0, 100, 100)


def test_lists_a_branch_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signals", "Vehicle.Software"]) == 0
    assert "Vehicle.Software.Update.State" in capsys.readouterr().out


def test_unknown_pattern_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signals", "Vehicle.Warp"]) == 2
    assert "unknown VSS signal" in capsys.readouterr().err


def test_reads_live_values_from_a_running_twin(capsys: pytest.CaptureFixture[str]) -> None:
    broker = Broker()
    broker.set_current("Vehicle.Speed", 47.0)
    with SignalServer(broker, port=0) as server:
        code = main(["signals", "Vehicle.Speed", "--live", "--server", server.address, "--json"])
    assert code == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["path"], row["value"], row["unit"]) == ("Vehicle.Speed", 47.0, "km/h")


def test_live_read_of_an_unknown_signal_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with SignalServer(Broker(), port=0) as server:
        assert main(["signals", "Vehicle.Warp", "--live", "--server", server.address]) == 2
    assert "Vehicle.Warp" in capsys.readouterr().err


def test_live_read_without_a_twin_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["signals", "--live", "--server", f"127.0.0.1:{port}"]) == 2
    assert "is `evtwin up` running?" in capsys.readouterr().err
