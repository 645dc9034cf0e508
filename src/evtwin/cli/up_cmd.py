"""``evtwin up``: start the twin: the running car (its services on a real-time or
accelerated clock) behind its signal broker and KUKSA-compatible gRPC API.

Runs on embedded defaults, prints where to connect, and serves until Ctrl-C (or SIGTERM, or
``--duration-s``). The car sits parked with every service live: set a temperature, request
preconditioning, start charging (with ``--charger-kw`` a cable is connected), select a mode.
The central screen is served at ``/`` of the HTTP port (``evtwin.hmi``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any, Final

from evtwin.errors import OtaError, OtaTrustError, SignalServerError
from evtwin.ota import HttpConfig, InstallPolicy, load_factory
from evtwin.runtime import (
    SETPOINT_ACTUATORS,
    Charger,
    OtaService,
    ScaledClock,
    TelemetryService,
    Twin,
    World,
    build_twin,
    open_car,
    telemetry_credentials,
)
from evtwin.scenarios import ScenarioPlayer, load_scenario
from evtwin.signals import DEFAULT_HOST, DEFAULT_PORT, Field, SignalServer

__all__ = ["REAL_STEP_S", "SETPOINT_ACTUATORS", "register", "run"]

REAL_STEP_S: Final = 0.1
"""Real seconds between service steps; each step covers REAL_STEP_S x speed-up twin seconds."""


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


def _number(name: str, lo: float, hi: float, unit: str) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{name} must be in {lo:g}..{hi:g}{unit}, got {value:g}{unit}"
            )
        return value

    return parse


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "up",
        help="start the twin: the running car behind a KUKSA-compatible signal API",
        description=(
            "Start the twin on embedded defaults: the car (parked, services live: energy, "
            "BMS, charging, climate, modes) on a real-time or accelerated clock, its VSS "
            "signal broker and the KUKSA-compatible gRPC API (kuksa.val.v1 and v2), and the "
            "HTTP API with its page on --http-port. Runs until Ctrl-C."
        ),
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--jwt-public-key",
        metavar="PEM",
        help="RSA public key (PEM file) that verifies clients' KUKSA JWTs (read/actuate/"
        "provide scopes); required with a --host beyond loopback",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"gRPC port (default {DEFAULT_PORT}, KUKSA's; 0 = any free port)",
    )
    parser.add_argument(
        "--http-port",
        type=_port,
        default=8000,
        help="HTTP API and central-screen page (default 8000; 0 = any free port)",
    )
    parser.add_argument("--no-http", action="store_true", help="do not serve the HTTP API and page")
    parser.add_argument(
        "--screen-settings",
        metavar="FILE",
        default="evtwin-screen.json",
        help="where the central screen keeps its settings (default ./evtwin-screen.json)",
    )
    parser.add_argument(
        "--duration-s",
        type=_positive_seconds,
        default=None,
        help="stop by itself after this many seconds (default: run until Ctrl-C)",
    )
    parser.add_argument(
        "--speedup",
        type=_number("--speedup", 0.1, 86400.0, "x"),
        default=1.0,
        help="twin seconds per real second (default 1 = real time; 60 = a minute a second)",
    )
    parser.add_argument("--vehicle", default="defender-sport", help="catalogue id")
    parser.add_argument(
        "--soc",
        type=_number("--soc", 1.0, 100.0, " %"),
        default=80.0,
        help="state of charge at start, %% (default 80)",
    )
    parser.add_argument(
        "--ambient-c",
        type=_number("--ambient-c", -40.0, 55.0, " °C"),
        default=15.0,
        help="outside air temperature, °C (default 15; the car starts soaked to it)",
    )
    parser.add_argument(
        "--charger-kw",
        type=_number("--charger-kw", 1.0, 43.0, " kW"),
        default=None,
        help="park plugged in to an AC charge point of this power (kW)",
    )
    parser.add_argument(
        "--scenario",
        metavar="SCENARIO",
        default=None,
        help=(
            "play a scenario (bundled name or .toml) live at --speedup instead of a parked "
            "car; its own vehicle and start state apply"
        ),
    )
    parser.add_argument(
        "--destination",
        metavar="PLACE",
        default=None,
        help="start with route guidance to PLACE (sets Navigation.Route.Destination; sat nav)",
    )
    ota = parser.add_argument_group(
        "over-the-air updates",
        "attach the car to a running `evtwin ota server`: it checks in, shows offers on "
        "Vehicle.Software.Update.*, asks consent (set IsInstallApproved), installs when "
        "parked, reboots its ECUs and commits or rolls back",
    )
    ota.add_argument("--ota-server", metavar="URL", default=None, help="the OTA server's URL")
    ota.add_argument(
        "--ota-car-dir",
        metavar="DIR",
        default="evtwin-car",
        help="the car's OTA storage (keys, token, slots); survives restarts (default ./evtwin-car)",
    )
    ota.add_argument(
        "--ota-token",
        metavar="TOKEN",
        default=os.environ.get("EVTWIN_OTA_PROVISIONING_TOKEN"),
        help="factory provisioning token, needed on the first start only "
        "(default $EVTWIN_OTA_PROVISIONING_TOKEN, else the one in --ota-factory)",
    )
    ota.add_argument(
        "--ota-factory",
        metavar="DIR",
        default=None,
        help="factory provisioning: the roots, time server key and provisioning token the car "
        "trusts (made by `evtwin ota keys factory`); a server answering other roots is refused",
    )
    ota.add_argument(
        "--ota-trust-on-first-use",
        action="store_true",
        help="DEMO ONLY, without --ota-factory: trust the roots and time key the server "
        "answers at registration (a server with other keys would be trusted)",
    )
    ota.add_argument("--ota-vin", default="SALDS27A1RA000001", help="VIN to register")
    ota.add_argument(
        "--ota-check-in-s",
        type=_number("--ota-check-in-s", 1.0, 86400.0, " s"),
        default=300.0,
        help="twin seconds between check-ins (default 300)",
    )
    ota.add_argument(
        "--ota-ca-file",
        metavar="PEM",
        default=None,
        help="CA bundle the HTTPS OTA server is verified against (default: system CAs)",
    )
    ota.add_argument(
        "--ota-client-cert",
        metavar="PEM",
        default=None,
        help="the car's client certificate for a mutual-TLS server (it names the VIN); "
        "with --ota-client-key",
    )
    ota.add_argument("--ota-client-key", metavar="PEM", default=None, help="its private key")
    ota.add_argument(
        "--ota-token-rotate-s",
        type=_number("--ota-token-rotate-s", 60.0, 366 * 86400.0, " s"),
        default=86400.0,
        help="rotate the car's bearer token once it is this many seconds old, by attested "
        "time (default 86400: daily)",
    )
    ota.add_argument(
        "--ota-min-soc",
        type=_number("--ota-min-soc", 0.0, 100.0, " %"),
        default=30.0,
        help="install only above this state of charge, %% (default 30)",
    )
    tel = parser.add_argument_group(
        "telemetry",
        "publish selected signals to the fleet's MQTT 5 broker (rate-limited, batched, "
        "buffered to disk), logging in as the car's OTA registration (needs --ota-server)",
    )
    tel.add_argument("--telemetry-broker", metavar="HOST:PORT", default=None)
    tel.add_argument(
        "--telemetry-position-opt-in",
        action="store_true",
        help="let the fleet store exact positions (default: coarsened to ~1 km)",
    )
    parser.set_defaults(func=run)


_U = "Vehicle.Software.Update"


def _ota_line(twin: Twin, state: str, api: str) -> str:
    """One printed line per OTA state, with what matters in that state."""

    def get(path: str) -> Any:
        dp = twin.broker.get(path)
        return None if dp is None else dp.value

    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(twin.clock.now_s()))
    detail = ""
    if state == "AVAILABLE":
        ecus = ", ".join(get(f"{_U}.Ecus") or ())
        detail = (
            f"offered {get(f'{_U}.AvailableVersion')} ({get(f'{_U}.AvailableSize')} B) for "
            f"{ecus}; consent {get(f'{_U}.ConsentMode')}"
        )
        if get(f"{_U}.ConsentMode") == "REQUIRED":
            detail += f" - answer: evtwin ota approve --twin {api}"
    elif state == "DEFERRED":
        detail = f"held back: {get(f'{_U}.DeferredReason')}"
    elif state in ("SUCCEEDED", "ROLLED_BACK"):
        images = [i for i in get("Vehicle.Software.InstalledImages") or () if not i.endswith("=")]
        detail = f"ECUs run: {', '.join(images)}"
    if state in ("ROLLED_BACK", "FAILED"):
        detail = f"{get(f'{_U}.LastError')}; {detail}".rstrip("; ")
    return f"  ota {when} {state:<16} {detail}".rstrip()


def _watch_ota(twin: Twin, stop: threading.Event, api: str) -> None:
    """Print every OTA state the car publishes (a broker subscriber, like any client)."""
    sub = twin.broker.subscribe([f"{_U}.State"], fields=[Field.VALUE], initial=False)

    def loop() -> None:
        with sub:
            while not stop.is_set():
                for update in sub.next_batch(timeout_s=0.2):
                    if update.datapoint is not None:
                        print(_ota_line(twin, str(update.datapoint.value), api), flush=True)

    threading.Thread(target=loop, name="evtwin-ota-log", daemon=True).start()


def _ota_http(args: argparse.Namespace) -> HttpConfig | None:
    """TLS settings for the car's link: the server's CA, the car's client certificate."""
    if bool(args.ota_client_cert) != bool(args.ota_client_key):
        raise OtaError("--ota-client-cert and --ota-client-key go together")
    if not (args.ota_ca_file or args.ota_client_cert):
        return None
    paths = [Path(p) for p in (args.ota_ca_file, args.ota_client_cert, args.ota_client_key) if p]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise OtaError(f"no such file: {', '.join(missing)}")
    return HttpConfig(
        ca_file=Path(args.ota_ca_file) if args.ota_ca_file else None,
        client_cert=Path(args.ota_client_cert) if args.ota_client_cert else None,
        client_key=Path(args.ota_client_key) if args.ota_client_key else None,
    )


def _attach_ota(twin: Twin, args: argparse.Namespace) -> str:
    """Attach the OTA client if ``--ota-server`` is given; returns a line to print."""
    if args.ota_server is None:
        return ""
    car_dir = Path(args.ota_car_dir)
    if args.ota_factory is not None and args.ota_trust_on_first_use:
        raise OtaError("--ota-factory and --ota-trust-on-first-use exclude each other")
    factory = load_factory(Path(args.ota_factory)) if args.ota_factory is not None else None
    try:
        car = open_car(
            car_dir,
            server_url=args.ota_server,
            clock=twin.clock,
            provisioning_token=args.ota_token,  # else the factory directory's
            vin=args.ota_vin,
            token_rotation_s=float(args.ota_token_rotate_s),
            http=_ota_http(args),
            factory=factory,
            trust_on_first_use=bool(args.ota_trust_on_first_use),
        )
    except OtaTrustError as e:  # the car runs on, offline: nothing of it was stored
        print(f"evtwin up: OTA REFUSED: {e}", file=sys.stderr, flush=True)
        return (
            f"  ota:      REFUSED {args.ota_server}: not the server the factory provisioned "
            f"this car for; running without OTA (no key or token stored in {car_dir})\n"
        )
    twin.attach_ota(
        OtaService(
            twin.broker,
            car.primary,
            car.link,
            policy=InstallPolicy(min_soc_percent=float(args.ota_min_soc)),
            check_in_interval_s=float(args.ota_check_in_s),
        )
    )
    how = "registered" if car.registered_now else "reopened"
    time_line = (
        "expiry on time attested by the server's time server (each ECU's nonce)"
        if car.secure_time
        else "expiry on the car's own clock (stored before secure time: re-register for it)"
    )
    if factory is not None:
        trust = f"trust: factory provisioning {args.ota_factory}"
    elif car.registered_now:
        trust = (
            "trust: ON FIRST USE (demo only): roots and time key taken from the server's "
            "registration answer, not from the factory"
        )
    else:
        trust = f"trust: the roots pinned in {car_dir}"
    return (
        f"  ota:      {car.primary.vin} {how} with {args.ota_server} (storage {car_dir}); "
        f"check-in every {args.ota_check_in_s:g} twin s\n"
        f"            {trust}\n"
        f"            {time_line}; token rotated every {args.ota_token_rotate_s:g} s\n"
    )


def _route_line(twin: Twin) -> str:
    nav = twin.nav
    plan = None if nav is None else nav.plan
    if plan is None:
        msg = twin.broker.get("Vehicle.Cabin.Infotainment.Navigation.Route.Message")
        return f"no route: {msg.value if msg is not None else 'unknown'}"
    t, band = plan["totals"], plan["arrival_soc_pct"]
    return (
        f"to {plan['to']['name']}: {t['distance_km']:.0f} km, {t['total_min']:.0f} min, "
        f"{len(plan['stops'])} charging stop(s), arrival {band['p50']:.0f} % "
        f"(P10 {band['p10']:.0f} %, P90 {band['p90']:.0f} %); Navigation.Route.* signals"
    )


def _attach_telemetry(twin: Twin, args: argparse.Namespace) -> str:
    """Attach the telemetry publisher if ``--telemetry-broker`` is given."""
    if args.telemetry_broker is None:
        return ""
    from evtwin.errors import TelemetryError
    from evtwin.telemetry import TelemetryPublisher

    if args.ota_server is None:
        raise TelemetryError(
            "--telemetry-broker needs --ota-server: the car logs in as its OTA registration"
        )
    host, _, port = args.telemetry_broker.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise TelemetryError(f"--telemetry-broker must be HOST:PORT, got {args.telemetry_broker!r}")
    car_dir = Path(args.ota_car_dir)
    login = telemetry_credentials(car_dir)
    publisher = TelemetryPublisher(
        login.username,
        login,
        car_dir / "telemetry",
        host=host,
        port=int(port),
        position_opt_in=args.telemetry_position_opt_in,
    )
    twin.host.services.append(TelemetryService(twin.broker, publisher))
    publisher.start()
    return (
        f"  telemetry: {login.username} -> mqtt://{args.telemetry_broker} (buffer "
        f"{car_dir / 'telemetry'})\n"
    )


class _Stopped(Exception):
    """Ctrl-C, SIGTERM or --duration-s while a scenario plays."""


def _parked_twin(args: argparse.Namespace, speedup: float) -> tuple[Twin, str]:
    charger = None if args.charger_kw is None else Charger(power_kw=args.charger_kw)
    world = World(ambient_temp_c=float(args.ambient_c), charger=charger)
    twin = build_twin(
        ScaledClock(speedup),
        vehicle=args.vehicle,
        world=world,
        soc_percent=float(args.soc),
        step_s=REAL_STEP_S * speedup,
        background_reference=True,
    )
    plug = f", plugged in to {charger.power_kw:g} kW AC" if charger else ""
    state = f"parked{plug}, SOC {args.soc:g} %, {world.ambient_temp_c:g} °C outside"
    return twin, state


def run(args: argparse.Namespace) -> int:
    speedup = float(args.speedup)
    player: ScenarioPlayer | None = None
    stop = threading.Event()
    t0 = time.monotonic()

    def pace(elapsed_twin_s: float) -> None:
        delay = t0 + elapsed_twin_s / speedup - time.monotonic()
        if args.duration_s is not None:
            delay = min(delay, t0 + args.duration_s - time.monotonic())
        if stop.wait(max(0.0, delay)) or (
            args.duration_s is not None and time.monotonic() - t0 >= args.duration_s
        ):
            raise _Stopped

    if args.scenario is not None:
        scenario = load_scenario(args.scenario)
        player = ScenarioPlayer(scenario, pace=pace)
        twin = player.twin
        state = f"playing scenario {scenario.name!r} ({len(scenario.steps)} steps)"
    else:
        twin, state = _parked_twin(args, speedup)
    try:
        ota_line = _attach_ota(twin, args)
        ota_line += _attach_telemetry(twin, args)
    except BaseException:
        twin.close()
        raise
    if args.destination:
        twin.broker.set_target(
            "Vehicle.Cabin.Infotainment.Navigation.Route.Destination", args.destination
        )
    twin.host.step()  # every sensor published before the first client connects
    try:
        server = SignalServer(
            twin.broker, host=args.host, port=args.port, jwt_public_key=_jwt_key(args)
        ).start()
    except BaseException:
        twin.close()
        raise
    api = None
    screen = None
    if not args.no_http:
        from evtwin.api import start_api_server
        from evtwin.hmi import SettingsStore, screen_for_twin

        try:
            screen = screen_for_twin(twin, SettingsStore(Path(args.screen_settings)))
            api = start_api_server(args.host, args.http_port, screen=screen.install)
        except BaseException:
            server.stop()
            twin.close()
            raise
    if twin.ota is not None:
        _watch_ota(twin, stop, server.address)
    if player is None:
        twin.host.start(real_step_s=REAL_STEP_S)

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Ctrl-C and SIGTERM both ask for a clean stop, whenever they arrive after start-up
    previous = signal.signal(signal.SIGTERM, on_term)
    previous_int = signal.signal(signal.SIGINT, on_term)
    url = f"grpc://{server.address}"
    print(f"evtwin up: signal broker (KUKSA kuksa.val.v1 + v2, VSS 6.0) on {url}")
    if args.destination and twin.nav is not None:
        print(f"  route:    {_route_line(twin)}")
    print(f"  connect:  kuksa-client {url}")
    if api is not None:
        print(
            f"  screen:   {api.url}/  (report {api.url}/report, HTTP API {api.url}/api/v1, "
            f"docs {api.url}/api/docs)"
        )
    estimate = twin.spec.is_estimate and "estimate" not in twin.spec.name.lower()
    profile = " (estimated profile)" if estimate else ""
    print(f"  car:      {twin.spec.name}{profile}, {state}; clock x{speedup:g}")
    print("  try:      setTargetValue Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature 22")
    if ota_line:
        print(ota_line, end="")
        print(f"  consent:  evtwin ota approve --twin {server.address}")
    print("  stop:     Ctrl-C", flush=True)
    try:
        if player is not None:
            try:
                player.play()
                print("evtwin up: scenario finished; the car stays as it is", flush=True)
            except _Stopped:
                pass
        if not stop.is_set():
            remaining = None if args.duration_s is None else t0 + args.duration_s - time.monotonic()
            stop.wait(timeout=None if remaining is None else max(0.0, remaining))
    except KeyboardInterrupt:
        pass
    finally:
        if api is not None:
            api.stop()
        if screen is not None:
            screen.close()
        server.stop()
        twin.close()
        for service in twin.host.services:
            if isinstance(service, TelemetryService):
                service.close()
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    print("evtwin up: stopped", file=sys.stderr)
    return 0


def _jwt_key(args: argparse.Namespace) -> bytes | None:
    if args.jwt_public_key is None:
        return None
    try:
        return Path(args.jwt_public_key).read_bytes()
    except OSError as e:
        raise SignalServerError(
            f"cannot read --jwt-public-key {args.jwt_public_key}: {e.strerror}",
            field="--jwt-public-key",
        ) from e
