"""``evtwin up``: start the twin (today: its signal broker and KUKSA-compatible gRPC API).

Runs on embedded defaults, prints where to connect, and serves until Ctrl-C (or SIGTERM, or
``--duration-s``). The vehicle runtime and the central screen join here as they land.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from typing import Any, Final

from evtwin import __version__
from evtwin.runtime import ActuatorEcho, ScaledClock, ServiceHost
from evtwin.signals import DEFAULT_HOST, DEFAULT_PORT, Broker, SignalServer

__all__ = ["SETPOINT_ACTUATORS", "register", "run"]

SETPOINT_ACTUATORS: Final = (
    "Vehicle.TerrainResponse",
    "Vehicle.Trailer.IsTowingModeEnabled",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
    "Vehicle.Powertrain.TractionBattery.Charging.Plan",
    "Vehicle.Powertrain.TractionBattery.Charging.Timer",
    "Vehicle.Cabin.HVAC.Station",
    "Vehicle.Cabin.Infotainment.Navigation.DestinationSet",
    "Vehicle.Software.Update",
)
"""Actuators whose requested value is simply the setting in effect (selectors, set points),
until a service with physics takes one over."""


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--duration-s must be positive, got {value} s")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be in 0..65535 (0 = any free), got {value}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "up",
        help="start the twin: signal broker with a KUKSA-compatible gRPC API",
        description=(
            "Start the twin on embedded defaults: the VSS signal broker and its "
            "KUKSA-compatible gRPC API (kuksa.val.v1 and v2). Runs until Ctrl-C."
        ),
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"gRPC port (default {DEFAULT_PORT}, KUKSA's; 0 = any free port)",
    )
    parser.add_argument(
        "--duration-s",
        type=_positive_seconds,
        default=None,
        help="stop by itself after this many seconds (default: run until Ctrl-C)",
    )
    parser.set_defaults(func=run)


def initial_state(broker: Broker) -> None:
    """What the car reports before any service has run."""
    broker.set_current("Vehicle.Software.CurrentVersion", f"evtwin-{__version__}")
    broker.set_current("Vehicle.Software.Update.State", "IDLE")


def run(args: argparse.Namespace) -> int:
    clock = ScaledClock(1.0)
    broker = Broker(clock=clock.now_s)
    initial_state(broker)
    echo = ActuatorEcho(broker, SETPOINT_ACTUATORS)
    services = ServiceHost(clock, [echo], step_s=0.1)
    server = SignalServer(broker, host=args.host, port=args.port).start()
    services.start()
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    url = f"grpc://{server.address}"
    print(f"evtwin up: signal broker (KUKSA kuksa.val.v1 + v2, VSS 6.0) on {url}")
    print(f"  connect:  kuksa-client {url}")
    print("  stop:     Ctrl-C", flush=True)
    try:
        stop.wait(timeout=args.duration_s)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        services.stop()
        echo.close()
        signal.signal(signal.SIGTERM, previous)
    print("evtwin up: stopped", file=sys.stderr)
    return 0
