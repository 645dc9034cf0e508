"""The screen's server over real HTTP and WebSocket against a running twin on free ports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hmi_live import LiveTwin, ScreenClient, require_screen_built
from websockets.sync.client import connect

from evtwin.hmi import WS_PATH, SettingsError, SettingsStore
from evtwin.runtime import DriveLeg
from evtwin.signals import Field
from evtwin.sim.traces import constant_speed

DRIVER_T = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
CABIN_T = "Vehicle.Cabin.HVAC.AmbientAirTemperature"
PRECOND = "Vehicle.Powertrain.TractionBattery.Charging.Plan.IsPreconditioningRequested"
LIMIT = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("content-type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read().decode()


def test_root_is_the_screen_and_the_report_moved(live: LiveTwin) -> None:
    require_screen_built()
    status, kind, page = _get(live.url + "/")
    assert status == 200 and kind.startswith("text/html")
    assets = re.findall(r'(?:src|href)="(/screen/assets/[^"]+)"', page)
    assert assets, page
    for asset in assets:
        assert _get(live.url + asset)[0] == 200
    assert "https://" not in page  # nothing from a CDN
    status, _, report = _get(live.url + "/report")
    assert status == 200 and "ESTIMATE" in report
    assert _get(live.url + "/screen/map/gb_motorways.geojson")[0] == 200


def test_hello_then_current_values_of_the_bound_signals(live: LiveTwin) -> None:
    c = ScreenClient(live.ws_url)
    try:
        assert c.hello["type"] == "hello"
        assert c.hello["vehicle"]["id"] == "defender-sport"
        assert c.hello["vehicle"]["is_estimate"] is True and c.hello["vehicle"]["assumptions"]
        assert c.hello["settings"] == {
            "distance_unit": "mi",
            "temperature_unit": "C",
            "theme": "day",
        }
        assert c.hello["signals"][DRIVER_T]["entry_type"] == "actuator"
        assert {m["value"] for m in c.hello["modes"]} >= {"COMFORT", "SAND", "WADE"}
        c.wait(lambda c: "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed" in c.values)
        assert c.values["Vehicle.Exterior.AirTemperature"] == pytest.approx(5.0)
    finally:
        c.close()


def test_a_broker_change_reaches_the_screen(live: LiveTwin) -> None:
    c = ScreenClient(live.ws_url)
    try:
        c.wait(lambda c: LIMIT in c.values)
        live.twin.broker.set_target(LIMIT, 85)  # as a KUKSA client's Actuate does
        c.wait(lambda c: c.targets.get(LIMIT) == 85, timeout_s=2)
    finally:
        c.close()


def test_set_point_goes_through_the_broker_and_the_cabin_follows(live: LiveTwin) -> None:
    c = ScreenClient(live.ws_url)
    try:
        c.wait(lambda c: CABIN_T in c.values)
        start = c.values[CABIN_T]
        assert c.set(DRIVER_T, 24.5) == {"type": "result", "id": 1, "ok": True}
        assert c.set(PRECOND, True)["ok"]
        target = live.twin.broker.get_target(DRIVER_T)
        assert target is not None and target.value == 24.5
        c.wait(lambda c: c.targets.get(DRIVER_T) == 24.5, timeout_s=2)
        # the climate service heats the cabin towards 24.5 °C (a twin minute per real second)
        c.wait(lambda c: c.values[CABIN_T] > start + 2.0, timeout_s=30)
    finally:
        c.close()


def test_refused_values_come_back_with_their_reason(live: LiveTwin) -> None:
    c = ScreenClient(live.ws_url)
    try:
        r = c.set(LIMIT, 120)  # the broker's bounds, as for KUKSA
        assert not r["ok"] and r["error"]["type"] == "SignalRangeError"
        assert "120" in r["error"]["message"] and "100" in r["error"]["message"]
        r = c.set("Vehicle.Speed", 10.0)
        assert not r["ok"] and r["error"]["type"] == "NotAnActuatorError"
        r = c.set("Vehicle.TerrainResponse.Mode", "HOVER")
        assert not r["ok"] and r["error"]["type"] == "SignalNotAllowedError"
        # refused by the climate service (15..28 °C), or by the broker once the catalogue
        # carries the limit itself; either way the screen gets the reason
        r = c.set(DRIVER_T, 35.0)
        assert not r["ok"] and "35" in r["error"]["message"] and "28" in r["error"]["message"]
        r = c.set("Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging", "START")
        assert not r["ok"] and "cable" in r["error"]["message"].lower()
        bad_requests: list[str | bytes] = [
            "{",
            "[]",
            b"\x00binary",
            json.dumps({"type": "dance"}),
            json.dumps({"type": "set"}),
            json.dumps({"type": "set", "path": DRIVER_T}),
            json.dumps({"type": "set", "path": "Vehicle.Nope", "value": 1}),
            json.dumps({"type": "settings", "changes": []}),
        ]
        for bad in bad_requests:
            c.ws.send(bad)
            c.wait(lambda c: None in c.results)
            result = c.results.pop(None)
            assert result["ok"] is False and result["error"]["message"]
        assert c.set(LIMIT, 90)["ok"]  # the screen's socket survives them all
    finally:
        c.close()


def test_settings_persist_and_two_screens_stay_in_sync(live: LiveTwin) -> None:
    a, b = ScreenClient(live.ws_url), ScreenClient(live.ws_url)
    try:
        r = a.request({"type": "settings", "changes": {"distance_unit": "km", "theme": "night"}})
        assert r["ok"]
        b.wait(lambda c: c.settings["distance_unit"] == "km" and c.settings["theme"] == "night")
        bad = a.request({"type": "settings", "changes": {"theme": "pink"}})
        assert not bad["ok"] and "theme" in bad["error"]["message"]
    finally:
        a.close()
        b.close()
    stored = json.loads(live.settings_path.read_text())
    assert stored == {"distance_unit": "km", "temperature_unit": "C", "theme": "night"}
    assert SettingsStore(live.settings_path).get()["theme"] == "night"


def test_a_corrupt_settings_file_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    for text, words in (
        ('{"theme": "pink"}', "theme must be one of day, night"),
        ("[1]", "non-empty object"),
        ("{", "cannot read"),
    ):
        path.write_text(text)
        with pytest.raises(SettingsError, match=words) as e:
            SettingsStore(path)
        assert str(path) in str(e.value)
    path.write_text("{}")
    assert SettingsStore(path).get()["distance_unit"] == "mi"
    nowhere = SettingsStore(tmp_path / "missing-dir" / "s.json")
    with pytest.raises(SettingsError, match="cannot write"):
        nowhere.update({"theme": "night"})
    assert nowhere.get()["theme"] == "day"  # not applied when it cannot be kept


def test_closing_a_screen_ends_its_subscription(live: LiveTwin) -> None:
    c = ScreenClient(live.ws_url)
    c.wait(lambda c: LIMIT in c.values)
    c.close()
    deadline = time.monotonic() + 5
    while live.screen._sockets and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not live.screen._sockets
    assert (LIMIT, Field.TARGET) in live.screen._keys


def test_evtwin_up_serves_the_screen_for_its_vehicle(tmp_path: Path) -> None:
    require_screen_built()
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
            "--vehicle",
            "bmw-ix1-edrive20",
            "--duration-s",
            "60",
            "--screen-settings",
            str(tmp_path / "s.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = None
        for _ in range(6):
            line = proc.stdout.readline()
            m = re.search(r"screen:\s+(http://\S+)/", line)
            if m:
                url = m.group(1)
                break
        assert url, "no screen URL in the banner"
        assert _get(url + "/")[0] == 200
        with connect(url.replace("http://", "ws://") + "/hmi/ws", open_timeout=10) as ws:
            hello = json.loads(ws.recv(timeout=10))
        assert hello["vehicle"]["id"] == "bmw-ix1-edrive20" and not hello["vehicle"]["is_estimate"]
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_a_page_from_another_origin_cannot_connect(live: LiveTwin) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as e:
        connect(live.ws_url, origin="http://evil.example", open_timeout=10)
    assert e.value.response.status_code == 403
    host = live.url.removeprefix("http://")
    with connect(live.ws_url, origin=f"http://{host}", open_timeout=10) as ws:  # type: ignore[arg-type]
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"


def test_without_a_car_the_root_redirects_to_the_report() -> None:
    from fastapi.testclient import TestClient

    from evtwin.api import create_app

    client = TestClient(create_app())
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/report"
    assert client.get(WS_PATH.replace("ws", "nothing")).status_code == 404


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("127.0.0.5", True),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("", False),
        ("example.org", False),
    ],
)
def test_controls_only_from_the_car_itself(host: str, allowed: bool) -> None:
    from evtwin.hmi import may_control

    assert may_control(host) is allowed


def test_keep_climate_on_too_little_charge_is_refused_with_its_reason(tmp_path: Path) -> None:
    from hmi_live import start_live_twin

    t = start_live_twin(tmp_path / "screen.json", soc=15.0)
    c = ScreenClient(t.ws_url)
    try:
        r = c.set("Vehicle.Cabin.HVAC.KeepClimate.Mode", "DOG")  # the broker accepts DOG ...
        assert not r["ok"]  # ... the climate service does not, and the screen says why
        assert r["error"]["type"] == "ScreenRefusedError"
        assert "needs more than 20 % charge" in r["error"]["message"]
        r = c.set("Vehicle.Cabin.HVAC.KeepClimate.Mode", "PARTY")
        assert not r["ok"] and r["error"]["type"] == "SignalNotAllowedError"
    finally:
        c.close()
        t.close()


def test_scenarios_are_listed_and_bad_requests_refused(live: LiveTwin) -> None:
    c = ScreenClient(live.ws_url)
    try:
        ids = [s["id"] for s in c.hello["scenarios"]]
        assert "winter_commute" in ids and "green_lane" in ids
        r = c.request({"type": "scenario", "name": "moon_landing"})
        assert not r["ok"] and "unknown scenario 'moon_landing'" in r["error"]["message"]
        twin = live.twin
        twin.world.leg = DriveLeg(trace=constant_speed(40.0, 3600.0), start_s=twin.clock.now_s())
        deadline = time.monotonic() + 10
        while twin.broker.get("Vehicle.Speed").value == 0:  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        r = c.request({"type": "scenario", "name": "green_lane"})
        assert not r["ok"] and "while the car is moving" in r["error"]["message"]
        assert c.request({"type": "scenario", "name": ""})["ok"]  # stopping is always allowed
        twin.world.leg = None
        twin.host.stop()  # e.g. evtwin up --scenario: the command line's player drives the twin
        r = c.request({"type": "scenario", "name": "green_lane"})
        assert not r["ok"] and "another scenario drives it" in r["error"]["message"]
    finally:
        c.close()
