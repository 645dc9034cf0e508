"""The screen's server side: static front end at ``/`` and one WebSocket at :data:`WS_PATH`.

Protocol (JSON text frames):

- server → screen: ``{"type": "hello", "vehicle", "settings", "signals": {path: metadata}}``
  once, then ``{"type": "update", "values": {path: v}, "targets": {path: v}}`` for every
  broker batch (the first holds every bound value as it is now),
  ``{"type": "result", "id", "ok", "error"?: {"type", "message"}}`` for each request, and
  ``{"type": "settings", "settings"}`` whenever any screen changes a setting.
- screen → server: ``{"type": "set", "id", "path", "value"}`` (an actuator's target value,
  through :meth:`Broker.update` exactly as a KUKSA ``Actuate`` is) and
  ``{"type": "settings", "id", "changes": {name: value}}``, and
  ``{"type": "scenario", "id", "name"}`` to play a bundled scenario in the running twin
  (``name`` "" stops it; refused while the car moves). ``hello`` lists the scenarios
  (``scenarios``) and each ``update`` carries the playing one's ``scenario`` status.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import WebSocketRoute

from evtwin.errors import EvtwinError, UnknownSignalError
from evtwin.hmi._scenarios import ScenarioControl
from evtwin.hmi._settings import SettingsStore
from evtwin.modes import load_modes
from evtwin.runtime import Twin
from evtwin.signals import Broker, Field, SignalMetadata, SignalUpdate

__all__ = [
    "SCREEN_SIGNALS",
    "WS_PATH",
    "Refusal",
    "Screen",
    "VehicleInfo",
    "may_control",
    "screen_for_twin",
]

WS_PATH: Final = "/hmi/ws"
STATIC_PATH: Final = "/screen"

SCREEN_SIGNALS: Final[tuple[str, ...]] = (
    "Vehicle.Speed",
    "Vehicle.IsMoving",
    "Vehicle.TraveledDistance",
    "Vehicle.LowVoltageSystemState",
    "Vehicle.Exterior.AirTemperature",
    "Vehicle.Connectivity.IsConnectivityAvailable",
    "Vehicle.CurrentLocation.Latitude",
    "Vehicle.CurrentLocation.Longitude",
    "Vehicle.Cabin.HVAC.AmbientAirTemperature",
    "Vehicle.Cabin.HVAC.IsAirConditioningActive",
    "Vehicle.Cabin.HVAC.IsAutoPowerOptimize",
    "Vehicle.Cabin.HVAC.IsFrontDefrosterActive",
    "Vehicle.Cabin.HVAC.IsRearDefrosterActive",
    "Vehicle.Cabin.HVAC.IsRecirculationActive",
    "Vehicle.Cabin.HVAC.Station.Row1.*.*",
    "Vehicle.Cabin.HVAC.HeatPump",
    "Vehicle.Cabin.HVAC.KeepClimate",
    "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling",
    "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling",
    "Vehicle.Chassis.SteeringWheel.HeatingCooling",
    "Vehicle.Body.Windshield.Front.IsHeatingOn",
    "Vehicle.Body.Windshield.Rear.IsHeatingOn",
    "Vehicle.Powertrain.Range",
    "Vehicle.Powertrain.Transmission.SelectedGear",
    "Vehicle.Powertrain.ElectricMotor.Power",
    "Vehicle.Powertrain.TractionBattery.Range",
    "Vehicle.Powertrain.TractionBattery.CurrentPower",
    "Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy",
    "Vehicle.Powertrain.TractionBattery.AccumulatedChargedEnergy",
    "Vehicle.Powertrain.TractionBattery.Temperature.Average",
    "Vehicle.Powertrain.TractionBattery.PowerFlow.*",
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.*",
    "Vehicle.Powertrain.TractionBattery.Charging.*",
    "Vehicle.Powertrain.TractionBattery.Charging.Plan.*",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.*",
    "Vehicle.Software",
    "Vehicle.TerrainResponse",
    "Vehicle.Trailer.Mass",
    "Vehicle.Trailer.IsConnected",
    "Vehicle.Trailer.IsTowingModeEnabled",
    "Vehicle.Cabin.Infotainment.Navigation",
)
"""The signals the screen binds (KUKSA patterns); those missing from the catalogue are left out."""

_REFUSAL_WAIT_S: Final = 0.6
"""How long a set waits for the service that owns the actuator to refuse it (a few steps)."""


class Refusal(Protocol):
    """A service's record of a request it did not carry out (``ClimateRefusal``, ...)."""

    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class VehicleInfo:
    """What the screen shows about the car itself (Settings: the ESTIMATE badge)."""

    id: str
    name: str
    is_estimate: bool = False
    assumptions: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_estimate": self.is_estimate,
            "assumptions": dict(self.assumptions),
        }


def may_control(host: str) -> bool:
    """Whether a screen connected from ``host`` may set targets and settings (loopback only)."""
    if host in ("localhost", "testclient"):  # TestClient's pseudo-address
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _meta_json(meta: SignalMetadata) -> dict[str, Any]:
    return {
        "entry_type": meta.entry_type.value,
        "datatype": meta.datatype.value,
        "unit": meta.unit,
        "min": meta.min,
        "max": meta.max,
        "allowed": list(meta.allowed) if meta.allowed else None,
    }


def _modes_json() -> list[dict[str, Any]]:
    """What each drive mode / terrain program changes (the Drive screen explains them)."""
    modes = load_modes()
    return [
        {
            "value": m.signal_value,
            "name": m.name,
            "kind": m.kind.value,
            "description": m.description,
            "speed_limit_kph": m.speed_limit_kph,
            "regen_fraction": m.regen_fraction,
            "hvac_eco": m.hvac_eco,
        }
        for m in modes.values()
    ]


def _jsonable(value: object) -> object:
    if isinstance(value, tuple | list):
        return list(value)
    return value


def _batch_json(batch: Sequence[SignalUpdate], time_s: float) -> dict[str, Any]:
    values: dict[str, object] = {}
    targets: dict[str, object] = {}
    for update in batch:
        into = targets if update.field is Field.TARGET else values
        into[update.path] = None if update.datapoint is None else _jsonable(update.datapoint.value)
    return {"type": "update", "values": values, "targets": targets, "time_s": time_s}


def _error(kind: str, message: str) -> dict[str, str]:
    return {"type": kind, "message": message}


class Screen:
    """The central screen for one running car: install it on the HTTP app."""

    def __init__(
        self,
        broker: Broker,
        vehicle: VehicleInfo,
        settings: SettingsStore | None = None,
        *,
        refusals: Mapping[str, Sequence[Refusal]] | None = None,
        patterns: Sequence[str] = SCREEN_SIGNALS,
        scenarios: ScenarioControl | None = None,
    ) -> None:
        self.broker = broker
        self.scenarios = scenarios
        self.vehicle = vehicle
        self.settings = settings if settings is not None else SettingsStore()
        self._refusals = dict(refusals or {})
        known: list[str] = []
        for pattern in patterns:
            try:
                broker.resolve(pattern)
            except UnknownSignalError:
                continue
            known.append(pattern)
        self._keys = broker.resolve(known, (Field.VALUE, Field.TARGET))
        self._paths = sorted({path for path, _ in self._keys})
        self._modes = _modes_json()
        self._sockets: set[WebSocket] = set()
        self._send_locks: dict[WebSocket, asyncio.Lock] = {}

    def close(self) -> None:
        """Stop a scenario the screen started (before the twin closes)."""
        if self.scenarios is not None:
            self.scenarios.stop()

    @property
    def paths(self) -> list[str]:
        """Every signal path the screen binds."""
        return list(self._paths)

    # -- HTTP ----------------------------------------------------------------------------------
    def install(self, app: FastAPI) -> None:
        """Serve the screen at ``/``, its assets under ``/screen`` and the WebSocket."""
        static = resources.files("evtwin.hmi") / "static"
        index = static / "index.html"

        @app.get("/", include_in_schema=False)
        def screen_page() -> HTMLResponse:
            if not index.is_file():
                return HTMLResponse(
                    "<!doctype html><title>evtwin screen</title><p>The screen is not built: "
                    "run <code>make frontend</code> (needs Node and npm). The report is at "
                    '<a href="/report">/report</a>.</p>',
                    status_code=503,
                )
            return HTMLResponse(index.read_text(encoding="utf-8"))

        if static.is_dir():
            app.mount(STATIC_PATH, StaticFiles(directory=str(static)), name="screen")

        # A plain Starlette route: the API's app-wide HTTP dependencies (query checks) do not
        # apply to the socket, which takes no query and speaks JSON frames of its own.
        app.router.routes.append(WebSocketRoute(WS_PATH, self.serve))

    # -- WebSocket -----------------------------------------------------------------------------
    async def _send(self, ws: WebSocket, message: Mapping[str, Any]) -> None:
        lock = self._send_locks.setdefault(ws, asyncio.Lock())
        async with lock:
            await ws.send_text(json.dumps(message, allow_nan=False))

    async def serve(self, ws: WebSocket) -> None:
        """One screen: hello, then broker batches out and requests in until it goes."""
        origin = ws.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
            # A page from another site must not drive the car's actuators through the
            # user's browser (cross-site WebSocket hijacking); tools send no Origin.
            await ws.close(code=1008, reason="cross-origin screen connections are refused")
            return
        await ws.accept()
        sub = self.broker.subscribe_keys(self._keys, initial=True)
        self._sockets.add(ws)
        pump: asyncio.Task[None] | None = None
        try:
            await self._send(
                ws,
                {
                    "type": "hello",
                    "vehicle": self.vehicle.to_json(),
                    "settings": self.settings.get(),
                    "modes": self._modes,
                    "scenarios": [] if self.scenarios is None else self.scenarios.catalogue,
                    "signals": {p: _meta_json(self.broker.metadata(p)) for p in self._paths},
                },
            )
            pump = asyncio.create_task(self._pump(ws, sub))
            handlers: set[asyncio.Task[None]] = set()
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:  # a binary frame: answer as for any malformed request
                    text = ""
                # A task each, so a set waiting for a service's refusal does not hold up the
                # next request; each applies its change before its first await, in order.
                task = asyncio.create_task(self._handle_quietly(ws, text))
                handlers.add(task)
                task.add_done_callback(handlers.discard)
        except WebSocketDisconnect:
            pass
        finally:
            sub.close()
            self._sockets.discard(ws)
            self._send_locks.pop(ws, None)
            if pump is not None:
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump

    async def _pump(self, ws: WebSocket, sub: Any) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            async for batch in sub.batches():
                message = _batch_json(batch, self.broker.now_s())
                if self.scenarios is not None:
                    message["scenario"] = self.scenarios.status()
                await self._send(ws, message)

    async def _handle_quietly(self, ws: WebSocket, text: str) -> None:
        # A screen that goes while its request is answered (a set waits for a refusal) is
        # no error: the change was applied, only its answer has nowhere to go.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, ConnectionError):
            await self._handle(ws, text)

    async def _handle(self, ws: WebSocket, text: str) -> None:
        request_id: object = None
        try:
            try:
                message = json.loads(text)
            except ValueError as e:
                raise ScreenRequestError(f"a request must be a JSON object: {e}") from None
            if not isinstance(message, dict):
                raise ScreenRequestError("a request must be a JSON object")
            request_id = message.get("id")
            kind = message.get("type")
            if kind in ("set", "settings", "scenario"):
                self._check_control(ws)
            if kind == "set":
                await self._set(message)
            elif kind == "scenario":
                if self.scenarios is None:
                    raise ScreenRequestError("this screen's twin cannot play scenarios")
                self.scenarios.start(message.get("name"))
            elif kind == "settings":
                values = self.settings.update(message.get("changes"))
                for other in list(self._sockets):
                    with contextlib.suppress(Exception):
                        await self._send(other, {"type": "settings", "settings": values})
            else:
                raise ScreenRequestError(
                    f"unknown request type {kind!r}; known types: set, settings, scenario"
                )
        except EvtwinError as e:
            await self._send(
                ws,
                {
                    "type": "result",
                    "id": request_id,
                    "ok": False,
                    "error": _error(type(e).__name__, str(e)),
                },
            )
            return
        await self._send(ws, {"type": "result", "id": request_id, "ok": True})

    def _check_control(self, ws: WebSocket) -> None:
        """Controls only from the car itself (loopback): the screen has no token login, and
        beyond loopback the broker's clients need one (``evtwin up --jwt-public-key``)."""
        host = ws.client.host if ws.client is not None else ""
        if not may_control(host):
            raise ScreenRequestError(
                f"this screen is view-only from {host or 'an unknown address'}: controls and "
                "settings are accepted from the car itself (loopback) only"
            )

    async def _set(self, message: Mapping[str, Any]) -> None:
        path = message.get("path")
        if not isinstance(path, str):
            raise ScreenRequestError("a set request needs a signal path (a string)")
        if "value" not in message:
            raise ScreenRequestError(f"a set request for {path} needs a value")
        value = message["value"]
        watched = self._refusals.get(path)
        seen = len(watched) if watched is not None else 0
        # The same call a KUKSA Actuate makes: the broker checks type, bounds and allowed values.
        self.broker.update([(path, Field.TARGET, value)])
        if watched is None:
            return
        deadline = time.monotonic() + _REFUSAL_WAIT_S
        while time.monotonic() < deadline:
            if len(watched) > seen:
                raise ScreenRefusedError(f"{path}: refused by the car: {watched[-1].reason}")
            await asyncio.sleep(0.05)


class ScreenRequestError(EvtwinError):
    """A malformed request from a screen (not JSON, unknown type, missing path or value)."""


class ScreenRefusedError(EvtwinError):
    """The car's service that owns an actuator refused a value the broker accepted."""


def screen_for_twin(twin: Twin, settings: SettingsStore | None = None) -> Screen:
    """The screen of a running car (``evtwin up``): its broker, its name and estimate flag,
    and the climate and charging services' refusals as reasons on screen."""
    spec = twin.spec
    vehicle = VehicleInfo(
        id=spec.id,
        name=spec.name,
        is_estimate=spec.is_estimate,
        assumptions=dict(spec.sources) if spec.is_estimate else {},
    )
    return Screen(
        twin.broker,
        vehicle,
        settings,
        refusals={
            "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": twin.climate.refusals,
            "Vehicle.Cabin.HVAC.KeepClimate.Mode": twin.climate.keep_refusals,
            "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging": (
                twin.charging.refusals
            ),
        },
        scenarios=ScenarioControl(twin),
    )
