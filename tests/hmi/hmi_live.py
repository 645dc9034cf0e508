"""A running twin with its HTTP API and central screen on free ports, as ``evtwin up`` wires
them (the car's services on a scaled clock, the broker, uvicorn with the screen)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from evtwin.api import ApiServer, start_api_server
from evtwin.hmi import WS_PATH, Screen, SettingsStore, screen_for_twin
from evtwin.ota import Consent, OtaBackend, Primary, provision_vehicle
from evtwin.runtime import CheckIn, OtaService, ScaledClock, Twin, World, build_twin
from evtwin.signals import SignalServer

SPEEDUP = 60.0
STEP_REAL_S = 0.1


def screen_built() -> bool:
    return (resources.files("evtwin.hmi") / "static" / "index.html").is_file()


def require_screen_built() -> None:
    if screen_built():
        return
    message = "the screen is not built (make frontend)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class LiveTwin:
    twin: Twin
    api: ApiServer
    screen: Screen
    settings_path: Path
    grpc: SignalServer
    ota_backend: OtaBackend | None = None

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def ws_url(self) -> str:
        return self.api.url.replace("http://", "ws://") + WS_PATH

    def restart_http(self) -> None:
        """Stop the HTTP server and start it again on the same port (the car keeps running)."""
        port = self.api.port
        self.api.stop()
        self.api = start_api_server("127.0.0.1", port, screen=self.screen.install)

    def release(self, name: str, hw: str, counter: int, tag: str | None = None) -> None:
        """Put an image on the OTA repository (``tag`` with ``BROKEN``: fails its health check)."""
        assert self.ota_backend is not None
        head = f"DEFENDER-SPORT FIRMWARE {tag or name}\n".encode()
        self.ota_backend.image_repo.add_image(
            name,
            (head * (4096 // len(head) + 1))[:4096],
            hardware_ids=[hw],
            release_counter=counter,
        )

    def close(self) -> None:
        self.api.stop()
        self.grpc.stop()
        self.screen.close()
        self.twin.close()


class MemoryLink:
    """The OTA server's check-in in process (as ``tests/runtime/test_ota_service.py``)."""

    def __init__(self, backend: OtaBackend) -> None:
        self.backend = backend

    def check_in(self, primary: Primary) -> CheckIn:
        director = self.backend.director
        director.receive_manifest(primary.vin, primary.manifest(director.issue_nonce(primary.vin)))
        return CheckIn(assigned=director.assign_latest(primary.vin), consent=Consent.REQUIRED)


def start_live_twin(
    settings_path: Path,
    *,
    vehicle: str = "defender-sport",
    soc: float = 60.0,
    ota_dir: Path | None = None,
) -> LiveTwin:
    twin = build_twin(
        ScaledClock(SPEEDUP),
        vehicle=vehicle,
        world=World(ambient_temp_c=5.0),
        soc_percent=soc,
        step_s=STEP_REAL_S * SPEEDUP,
        background_reference=True,
    )
    backend = None
    if ota_dir is not None:
        backend = OtaBackend.create(twin.clock)
        primary = provision_vehicle(backend, vin="SALDS27A1RA000001", root_dir=ota_dir)
        twin.attach_ota(
            OtaService(twin.broker, primary, MemoryLink(backend), check_in_interval_s=60.0)
        )
    twin.host.step()
    screen = screen_for_twin(twin, SettingsStore(settings_path))
    grpc = SignalServer(twin.broker, host="127.0.0.1", port=0).start()
    try:
        api = start_api_server("127.0.0.1", 0, screen=screen.install)
    except BaseException:
        grpc.stop()
        twin.close()
        raise
    twin.host.start(real_step_s=STEP_REAL_S)
    return LiveTwin(twin, api, screen, settings_path, grpc, backend)


class ScreenClient:
    """A WebSocket client that keeps the latest value of every signal it was sent."""

    def __init__(self, url: str) -> None:
        self._connection = connect(url, open_timeout=10)
        self.ws: ClientConnection = self._connection.__enter__()
        self.hello: dict[str, Any] = json.loads(self.ws.recv(timeout=10))
        self.values: dict[str, Any] = {}
        self.targets: dict[str, Any] = {}
        self.settings: dict[str, Any] = dict(self.hello["settings"])
        self.results: dict[int, dict[str, Any]] = {}
        self._id = 0

    def pump(self, timeout_s: float) -> dict[str, Any] | None:
        try:
            message: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout_s))
        except TimeoutError:
            return None
        if message["type"] == "update":
            self.values.update(message["values"])
            self.targets.update(message["targets"])
        elif message["type"] == "settings":
            self.settings = message["settings"]
        elif message["type"] == "result":
            self.results[message["id"]] = message
        return message

    def wait(self, predicate: Any, timeout_s: float = 10.0) -> None:
        import time

        deadline = time.monotonic() + timeout_s
        while not predicate(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting on the screen socket")
            self.pump(min(left, 0.5))

    def request(self, body: dict[str, Any], timeout_s: float = 10.0) -> dict[str, Any]:
        self._id += 1
        rid = self._id
        self.ws.send(json.dumps({**body, "id": rid}))
        self.wait(lambda c: rid in c.results, timeout_s)
        return self.results.pop(rid)

    def set(self, path: str, value: Any) -> dict[str, Any]:
        return self.request({"type": "set", "path": path, "value": value})

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
