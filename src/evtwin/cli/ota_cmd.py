"""``evtwin ota …``: over-the-air updates.

``evtwin ota demo [--json]`` runs the whole story the secure way in one process: a key
ceremony, the server (online keys only) on a loopback port, a car registered with its own
token whose ECUs judge expiry by attested time (its own clock is 3 days behind), releases
signed by the key holders (the BMS image encrypted for its ECU), a token rotation, a broken
image that rolls back, and expired metadata refused (:func:`evtwin.cloud.run_secure_demo`).
``--in-memory``: the bare Uptane story (no ceremony, HTTP, identity or secure time).

``evtwin ota server [--host H] [--port P] [--db FILE | --postgres DSN] [--state DIR]
[--tls-cert PEM --tls-key PEM] [--refresh-margin F|DURATION] [--refresh-interval-s S]
[--speedup X]``
runs the OTA server (FastAPI on uvicorn; SQLite, or PostgreSQL in schema ``evtwin_ota``;
artefacts in memory, under ``--state``, or in S3 with ``--s3-endpoint URL --s3-bucket B``).
The factory and release-engineer secrets come from ``--provisioning-token``/``--admin-token``
or the environment variables ``EVTWIN_OTA_PROVISIONING_TOKEN``/``EVTWIN_OTA_ADMIN_TOKEN``;
missing ones are generated and printed once at start-up. The server re-signs its online
metadata (Image snapshot/timestamp, each car's Director targets/snapshot/timestamp) once less
than ``--refresh-margin`` of a role's lifetime is left: a fraction (default 0.5: the one-day
timestamp when under 12 h remain) or a duration (``6h``, ``30m``, ``2d``); it checks every
``--refresh-interval-s`` real seconds (default 60) and on each car's timestamp request.
Offline roles are never re-signed: a warning names each one near expiry. ``--speedup X``
runs the server's clock X times real time (a demo server beside ``evtwin up --speedup X``).
``--workers N`` (1..64; ``serve`` is the same command) runs N server processes sharing the
port (uvicorn's pre-fork supervisor); above one they need ``--postgres`` and ``--state``
(shared state in the database, shared keys in the state directory).

``evtwin ota status --car DIR [--json]`` shows what each ECU of a car runs, read from the
car's storage: ``{"vin", "ecus": {serial: {"serial", "hardware_id", "image",
"release_counter", "pending", "boot_attempts", "failed_images", "last_error"}}}``.

``evtwin ota keys init --state DIR [--offline-keys N --threshold K]`` generates the key sets
(Image root/targets K-of-N offline, online snapshot/timestamp and Director keys) that
``server --state DIR`` then signs with; ``--json``: ``{repo: {role: {threshold, keyids}}}``.
With ``--offline KEYDIR`` it is the key ceremony: the offline keys (Image root/targets,
Director root) are written to KEYDIR only, ``--state`` gets the online keys and the metadata
signed at the ceremony; ``evtwin ota release … --keys KEYDIR`` then signs each release's
targets there (the server keeps the upload pending until then). ``--pkcs11-module SO
--pkcs11-token LABEL`` (PIN in ``EVTWIN_OTA_PKCS11_PIN``) makes the online keys inside that
PKCS#11 token: the state directory then records only their labels and public keys.

``evtwin ota release IMAGE --hardware-id H --release-counter N`` and
``evtwin ota campaign create|start|status|pause|resume|stop|cancel NAME`` call a running
server's admin API (``--server URL``, ``--admin-token`` or ``EVTWIN_OTA_ADMIN_TOKEN``);
``--json`` prints the server's answer (campaign: ``{name, state, stage, stage_percent,
group_size, vehicles: {offered, succeeded, failed}, pause_reason, consent}``).

JSON output of ``demo`` (stable)::

    {"vin": str,
     "steps": [{"action": str, "outcomes": {ecu_serial: "committed"|"rolled_back"|…},
                "errors": {ecu_serial | "vehicle": str}}],
     "ecus": {ecu_serial: {"image": str, "release_counter": int} | null},
     "security": {"offline_keys_on_server": bool, "targets_keys_offline": bool,
                  "roots_pinned_from_ceremony": bool,
                  "time": {"car_clock": iso8601, "attested": iso8601},
                  "token_rotated": bool, "old_token_status": int,
                  "expired_metadata_refused": bool, "encrypted_images": [str]}}
                 (absent with --in-memory)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evtwin.errors import OtaError
from evtwin.ota import (
    AcceleratedClock,
    Clock,
    OtaBackend,
    RefreshPolicy,
    SystemClock,
    run_demo,
)

if TYPE_CHECKING:
    from evtwin.cloud import OtaServer

__all__ = [
    "MAX_WORKERS",
    "build_server",
    "check_workers",
    "parse_refresh_margin",
    "register",
    "worker_app",
]

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_refresh_margin(text: str) -> RefreshPolicy:
    """``--refresh-margin``: a fraction of each role's lifetime (``0.5``) or a duration
    (``6h``, ``30m``, ``2d``, ``90s``).

    Raises:
        OtaError: neither, or out of range (fraction in (0, 1), duration positive).
    """
    m = _DURATION.match(text.strip())
    try:
        if m:
            return RefreshPolicy(margin=timedelta(seconds=float(m[1]) * _UNIT_S[m[2]]))
        return RefreshPolicy(fraction=float(text))
    except ValueError:
        raise OtaError(
            f"--refresh-margin {text!r} is neither a fraction of the lifetime (e.g. 0.5) nor "
            "a duration (e.g. 6h, 30m, 2d)"
        ) from None


def register(subparsers: Any) -> None:
    ota = subparsers.add_parser("ota", help="secure over-the-air updates (Uptane on TUF)")
    sub = ota.add_subparsers(dest="ota_command", metavar="OTA_COMMAND", required=True)
    demo = sub.add_parser(
        "demo",
        help="release, install, commit; a broken image rolls back (key ceremony, time server, "
        "per-car identity, over HTTP on loopback)",
    )
    demo.add_argument("--json", action="store_true", help="print the documented JSON object")
    demo.add_argument(
        "--in-memory",
        action="store_true",
        help="the bare Uptane story in memory: no ceremony, HTTP, identity or secure time",
    )
    demo.set_defaults(func=_demo)
    server = sub.add_parser(
        "server", aliases=["serve"], help="run the OTA server (HTTP; SQLite or PostgreSQL)"
    )
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8080)
    server.add_argument("--db", type=Path, default=Path("ota.sqlite"), help="SQLite file")
    server.add_argument(
        "--postgres", metavar="DSN", help="use PostgreSQL instead of SQLite (libpq DSN)"
    )
    server.add_argument(
        "--state",
        type=Path,
        default=None,
        help="directory for keys, metadata and images (kept across restarts; default: memory)",
    )
    server.add_argument("--postgres-schema", default="evtwin_ota")
    server.add_argument("--tls-cert", type=Path, help="serve HTTPS with this PEM certificate")
    server.add_argument("--tls-key", type=Path, help="… and this PEM private key")
    server.add_argument(
        "--tls-client-ca",
        type=Path,
        help="mutual TLS: accept only clients with a certificate from this CA (PEM); a car's "
        "certificate must name its VIN (subject CN, or SAN DNS name or urn:vin:VIN)",
    )
    server.add_argument("--s3-endpoint", help=f"artefacts in S3 (keys from {_S3_ENV}_*)")
    server.add_argument("--s3-bucket", default="evtwin-ota")
    server.add_argument(
        "--verify-workers",
        type=int,
        default=0,
        help="processes verifying manifest signatures (0: in the server process)",
    )
    server.add_argument(
        "--workers",
        type=int,
        default=1,
        help=f"server processes sharing the port (1..{MAX_WORKERS}; above 1 they share their "
        "state through --postgres, keys and artefacts through --state DIR)",
    )
    server.add_argument(
        "--no-access-log", action="store_true", help="do not log every request (load tests)"
    )
    server.add_argument(
        "--admin-identity",
        action="append",
        default=[],
        metavar="NAME=TOKEN",
        help="another admin identity with its own token (repeatable; --admin-token is 'admin')",
    )
    server.add_argument(
        "--approvals",
        type=int,
        default=1,
        help="distinct admin identities that must approve a release before a campaign offers "
        "it (the uploader counts as one)",
    )
    server.add_argument(
        "--refresh-margin",
        default="0.5",
        help="re-sign an online role once less than this is left of its lifetime: a fraction "
        "(default 0.5: the 1-day timestamp under 12 h, the 7-day snapshot under 3.5 days) or "
        "a duration such as 6h, 30m, 2d",
    )
    server.add_argument(
        "--refresh-interval-s",
        type=float,
        default=60.0,
        help="real seconds between background checks for metadata to re-sign (default 60)",
    )
    server.add_argument(
        "--speedup",
        type=float,
        default=1.0,
        help="run the server's clock this many times real time (demo beside `evtwin up "
        "--speedup`; start the server first)",
    )
    server.add_argument(
        "--token-grace-s",
        type=float,
        default=3600.0,
        help="a car's token before its last rotation may complete that rotation again for "
        "this many seconds (server clock), if the answer was lost (default 3600; 0: never)",
    )
    server.add_argument("--provisioning-token", default=os.environ.get(_PROV_ENV))
    server.add_argument("--admin-token", default=os.environ.get(_ADMIN_ENV))
    server.set_defaults(func=_server)

    def admin_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--server",
            default=os.environ.get(_SERVER_ENV, "http://127.0.0.1:8080"),
            help=f"OTA server URL (default ${_SERVER_ENV}, else http://127.0.0.1:8080)",
        )
        p.add_argument("--admin-token", default=os.environ.get(_ADMIN_ENV))
        p.add_argument("--json", action="store_true", help="print the server's JSON answer")

    status = sub.add_parser("status", help="what each ECU of a car runs (from its storage)")
    status.add_argument("--car", type=Path, required=True, help="the car's storage directory")
    status.add_argument("--json", action="store_true", help="print the documented JSON object")
    status.set_defaults(func=_status)

    approve = sub.add_parser(
        "approve",
        help="answer a running car's update offer (as its screen would): set "
        "Vehicle.Software.Update.IsInstallApproved over the KUKSA API",
    )
    approve.add_argument(
        "--twin", default="127.0.0.1:55555", help="the car's KUKSA API (`evtwin up`), HOST:PORT"
    )
    approve.add_argument("--decline", action="store_true", help="answer no instead")
    approve.set_defaults(func=_approve)

    keys = sub.add_parser("keys", help="repository signing keys")
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    kinit = ksub.add_parser("init", help="generate the key sets a server --state DIR uses")
    kinit.add_argument("--state", type=Path, required=True, help="server state directory")
    kinit.add_argument("--offline-keys", type=int, default=3, help="Image root/targets keys")
    kinit.add_argument("--threshold", type=int, default=2, help="signatures required of them")
    kinit.add_argument(
        "--offline",
        type=Path,
        metavar="DIR",
        help="key ceremony: offline keys (Image root/targets, Director root) go to DIR only; "
        "--state gets the online keys and the metadata signed here",
    )
    kinit.add_argument(
        "--pkcs11-module",
        type=Path,
        metavar="SO",
        help="with --offline: make the online keys in this PKCS#11 token instead of PEM files "
        "(e.g. /usr/lib/softhsm/libsofthsm2.so; PIN from EVTWIN_OTA_PKCS11_PIN)",
    )
    kinit.add_argument("--pkcs11-token", metavar="LABEL", help="the token's label")
    kinit.add_argument("--json", action="store_true")
    kinit.set_defaults(func=_keys_init)
    kfac = ksub.add_parser(
        "factory",
        help="write what the car line provisions into every car: roots, time key, token",
    )
    kfac.add_argument("--state", type=Path, required=True, help="server state (key ceremony)")
    kfac.add_argument("--out", type=Path, required=True, help="factory provisioning directory")
    kfac.add_argument(
        "--provisioning-token",
        default=os.environ.get(_PROV_ENV),
        help=f"also store the factory's provisioning token, owner-only (default ${_PROV_ENV})",
    )
    kfac.set_defaults(func=_keys_factory)

    krot = ksub.add_parser("rotate", help="new key for an online role of a running server")
    krot.add_argument("repository", choices=["image", "director"])
    krot.add_argument("role", choices=["targets", "snapshot", "timestamp"])
    admin_args(krot)
    krot.set_defaults(func=_keys_rotate)

    release = sub.add_parser("release", help="publish an image in the Image repository")
    release.add_argument("image", type=Path, help="image file")
    release.add_argument("--name", help="target name (default: the file name)")
    release.add_argument("--hardware-id", action="append", required=True, dest="hardware_ids")
    release.add_argument("--release-counter", type=int, required=True)
    release.add_argument(
        "--encrypt",
        action="store_true",
        help="publish the image encrypted (AES-256-GCM, encrypted here: the server gets the "
        "ciphertext and its key); only the ECUs it is assigned to can decrypt it",
    )
    release.add_argument(
        "--keys",
        type=Path,
        metavar="DIR",
        help="the key ceremony's offline directory: sign the new targets here and upload them",
    )
    admin_args(release)
    release.set_defaults(func=_release)

    approve_release = sub.add_parser(
        "approve-release", help="approve an uploaded release as this admin identity"
    )
    approve_release.add_argument("name", help="the release's image name")
    approve_release.add_argument(
        "--sha256", help="the upload's SHA-256, when several uploads share the name"
    )
    admin_args(approve_release)
    approve_release.set_defaults(func=_approve_release)

    campaign = sub.add_parser("campaign", help="create and steer update campaigns")
    csub = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    create = csub.add_parser("create", help="create a campaign (state draft)")
    create.add_argument("name")
    create.add_argument(
        "--image", action="append", required=True, metavar="HW_ID=IMAGE", help="repeatable"
    )
    create.add_argument("--vin-prefix", action="append", default=None)
    create.add_argument("--stages", default="1,10,50,100", help="cumulative %% per stage")
    create.add_argument("--consent", choices=["required", "forced", "download_only"])
    create.add_argument("--window", metavar="START-END", help="maintenance window, UTC hours")
    admin_args(create)
    create.set_defaults(func=_campaign_create)
    for action in ("start", "status", "pause", "resume", "stop", "cancel"):
        p = csub.add_parser(action, help=f"{action} a campaign")
        p.add_argument("name")
        admin_args(p)
        p.set_defaults(func=_campaign_action, action=action)


MAX_WORKERS = 64
_WORKER_ENV = "EVTWIN_OTA_WORKER_ARGS"  # the server's arguments, for each worker process
_PROV_ENV = "EVTWIN_OTA_PROVISIONING_TOKEN"
_ADMIN_ENV = "EVTWIN_OTA_ADMIN_TOKEN"
_SERVER_ENV = "EVTWIN_OTA_SERVER"
_S3_ENV = "EVTWIN_OTA_S3"  # _ACCESS_KEY, _SECRET_KEY


def build_server(args: argparse.Namespace) -> tuple[OtaServer, dict[str, str]]:
    """The server the ``server`` command runs, and any secrets it had to generate."""
    from evtwin.cloud import OtaDatabase, OtaServer  # FastAPI loads only for this command

    generated: dict[str, str] = {}
    for attr in ("provisioning_token", "admin_token"):
        if not getattr(args, attr):
            generated[attr] = secrets.token_urlsafe(24)
            setattr(args, attr, generated[attr])
    refresh = parse_refresh_margin(getattr(args, "refresh_margin", "0.5"))
    speedup = float(getattr(args, "speedup", 1.0))
    if not speedup > 0:
        raise OtaError(f"--speedup must be positive, got {speedup}")
    clock: Clock = SystemClock() if speedup == 1.0 else AcceleratedClock(speedup)
    store = None
    if args.s3_endpoint:
        from evtwin.cloud import S3Config, S3Store

        access = os.environ.get(f"{_S3_ENV}_ACCESS_KEY")
        secret = os.environ.get(f"{_S3_ENV}_SECRET_KEY")
        if not access or not secret:
            raise OtaError(f"--s3-endpoint needs {_S3_ENV}_ACCESS_KEY and {_S3_ENV}_SECRET_KEY")
        store = S3Store(
            S3Config(
                endpoint=args.s3_endpoint,
                bucket=args.s3_bucket,
                access_key=access,
                secret_key=secret,
            )
        )
        store.create_bucket()
    if args.state:
        backend = OtaBackend.open(args.state, clock, store=store)
    else:
        backend = OtaBackend.create(clock, store=store)
    server = OtaServer(
        backend,
        OtaDatabase.postgres(args.postgres, schema=args.postgres_schema)
        if args.postgres
        else OtaDatabase.sqlite(args.db),
        provisioning_token=args.provisioning_token,
        admin_token=args.admin_token,
        state_dir=args.state,
        verify_workers=getattr(args, "verify_workers", 0),
        listen=bool(args.postgres),  # other processes may share the database: hear them
        refresh=refresh,
        admin_tokens=_identities(getattr(args, "admin_identity", [])),
        approvals_required=getattr(args, "approvals", 1),
        token_grace_s=float(getattr(args, "token_grace_s", 3600.0)),
    )
    return server, generated


def _identities(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, token = item.partition("=")
        if not sep or not name or not token:
            raise OtaError(f"--admin-identity {item.split('=')[0]!r}…: must be NAME=TOKEN")
        out[name] = token
    return out


def check_workers(args: argparse.Namespace) -> None:
    """``--workers N``: 1..:data:`MAX_WORKERS`; above 1 the processes share their state, so
    PostgreSQL (not SQLite), a state directory (the keys; artefacts unless in S3) and the
    real clock are required.

    Raises:
        OtaError: naming what is missing.
    """
    n = int(getattr(args, "workers", 1))
    if not 1 <= n <= MAX_WORKERS:
        raise OtaError(f"--workers must be 1..{MAX_WORKERS}, got {n}")
    if n == 1:
        return
    if not args.postgres:
        raise OtaError(
            f"--workers {n} needs --postgres DSN: the workers share registrations, nonces, "
            "campaigns and rate limits through the database, and SQLite serves one process"
        )
    if not args.state:
        raise OtaError(
            f"--workers {n} needs --state DIR: every worker signs with the same keys (and "
            "serves the same artefacts, unless they are in S3)"
        )
    if float(getattr(args, "speedup", 1.0)) != 1.0:
        raise OtaError(f"--workers {n} runs on the real clock: --speedup is for one process")


def _log_setup() -> None:
    ota_log = logging.getLogger("evtwin.cloud.ota")  # refresher: re-signed roles, expiry warnings
    if not ota_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:  %(message)s"))
        ota_log.addHandler(handler)
        ota_log.setLevel(logging.INFO)


def worker_app() -> Any:
    """The app one worker process of ``server --workers N`` serves (a uvicorn factory): a
    server of its own over the shared database, state directory and store, built from the
    arguments the parent left in ``EVTWIN_OTA_WORKER_ARGS``."""
    from evtwin.cloud import create_app

    raw = json.loads(os.environ[_WORKER_ENV])
    for key in ("db", "state", "tls_cert", "tls_key", "tls_client_ca"):
        if raw.get(key) is not None:
            raw[key] = Path(raw[key])
    args = argparse.Namespace(**raw)
    server, _ = build_server(args)
    _log_setup()
    return create_app(server, refresh_interval_s=args.refresh_interval_s, close_server=True)


def _server(args: argparse.Namespace) -> int:
    import ssl

    import uvicorn

    from evtwin.cloud import create_app, vin_bound_protocol

    if bool(args.tls_cert) != bool(args.tls_key):
        raise OtaError("HTTPS needs both --tls-cert and --tls-key")
    if args.tls_client_ca and not args.tls_cert:
        raise OtaError("--tls-client-ca (mutual TLS) needs HTTPS: --tls-cert and --tls-key")
    check_workers(args)
    server, generated = build_server(args)
    for name, value in generated.items():
        print(f"generated {name.replace('_', ' ')}: {value}", flush=True)
    _log_setup()
    tls: dict[str, Any] = {
        "ssl_certfile": str(args.tls_cert) if args.tls_cert else None,
        "ssl_keyfile": str(args.tls_key) if args.tls_key else None,
        "ssl_cert_reqs": ssl.CERT_REQUIRED if args.tls_client_ca else ssl.CERT_NONE,
        "ssl_ca_certs": str(args.tls_client_ca) if args.tls_client_ca else None,
    }
    if args.workers > 1:
        # The parent made the keys, the schema and the published metadata; each worker (a
        # uvicorn worker process, spawned, sharing the listening socket) opens its own server
        # over them: its own database connections and PKCS#11 session.
        server.close()
        passed = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        passed.pop("func", None)
        os.environ[_WORKER_ENV] = json.dumps(passed)
        uvicorn.run(
            "evtwin.cli.ota_cmd:worker_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level="info",
            access_log=not args.no_access_log,
            **tls,
        )
        return 0
    app = create_app(server, refresh_interval_s=args.refresh_interval_s)
    # mutual TLS: each request carries its certificate, which must name the car's VIN
    http: Any = vin_bound_protocol() if args.tls_client_ca else "auto"
    uvicorn.run(
        app,
        http=http,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=not args.no_access_log,
        **tls,
    )
    server.close()
    return 0


def _demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="evtwin-ota-demo-") as tmp:
        if args.in_memory:
            steps, final = run_demo(Path(tmp))
        else:
            from evtwin.cloud import run_secure_demo  # FastAPI loads only for this path

            steps, final = run_secure_demo(Path(tmp))
    if args.json:
        print(json.dumps({**final, "steps": [s.to_dict() for s in steps]}, indent=2))
        return 0
    print(f"Vehicle {final['vin']}")
    security = final.get("security")
    if security is not None:
        print(
            "0. key ceremony: offline keys with the key holders only (on the server: "
            f"{'yes' if security['offline_keys_on_server'] else 'none'}); car registered "
            "with its own token, roots pinned from the ceremony"
        )
    for i, step in enumerate(steps, 1):
        print(f"{i}. {step.action}")
        for serial, outcome in step.outcomes.items():
            print(f"     {serial:<10} {outcome}")
        for serial, error in step.errors.items():
            print(f"     {serial:<10} error: {error}")
    if security is not None:
        t = security["time"]
        print(f"secure time: the car's clock read {t['car_clock']}; attested {t['attested']}")
        print(
            f"identity:    token rotated; the old one answered HTTP {security['old_token_status']}"
        )
        print(f"encrypted:   {', '.join(security['encrypted_images'])} (per-ECU key)")
        print(
            "freeze:      expired metadata refused on attested time: "
            f"{'yes' if security['expired_metadata_refused'] else 'NO'}"
        )
    print(f"{'ECU':<10} {'image':<16} release_counter")
    for serial, running in final["ecus"].items():
        if running is None:
            print(f"{serial:<10} {'(factory)':<16} -")
        else:
            print(f"{serial:<10} {running['image']:<16} {running['release_counter']}")
    return 0


def _admin(args: argparse.Namespace) -> Any:
    from evtwin.cloud import AdminClient

    if not args.admin_token:
        raise OtaError(f"no admin token: pass --admin-token or set {_ADMIN_ENV}")
    return AdminClient(args.server, args.admin_token)


def _print_campaign(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(status, indent=2))
        return
    v = status["vehicles"]
    print(
        f"{status['name']}: {status['state']}, stage {status['stage']} "
        f"({status['stage_percent']:g} % of {status['group_size']} vehicles); "
        f"offered {v['offered']}, succeeded {v['succeeded']}, failed {v['failed']}"
    )
    if status["pause_reason"]:
        print(f"paused: {status['pause_reason']}")


def _release(args: argparse.Namespace) -> int:
    try:
        data = args.image.read_bytes()
    except OSError as e:
        raise OtaError(f"cannot read image {args.image}: {e}") from e
    name = args.name or args.image.name
    admin = _admin(args)
    image_key = None
    if args.encrypt:  # encrypted here: the plaintext never reaches the server
        from evtwin.ota import encrypt_image

        image_key, data = encrypt_image(data, name)
    out = admin.release(name, data, args.hardware_ids, args.release_counter, image_key=image_key)
    if out.get("pending") and args.keys:
        from evtwin.ota import sign_release

        signed = sign_release(
            admin.targets_metadata(),
            name=name,
            data=data,
            hardware_ids=args.hardware_ids,
            release_counter=args.release_counter,
            offline_dir=args.keys,
            clock=SystemClock(),
            encrypted=args.encrypt,
        )
        published = admin.publish_targets(signed)
        out = {**out, "pending": False, "targets_version": published["version"]}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    what = "uploaded (pending)" if out.get("pending") else "released"
    how = " encrypted" if args.encrypt else ""
    print(f"{what}{how} {name} ({out['length']} bytes, sha256 {out['hashes']['sha256'][:16]}…)")
    if out.get("pending"):
        print(f"{name} is pending: the targets keys are offline (sign with --keys DIR)")
    return 0


def _approve_release(args: argparse.Namespace) -> int:
    out = _admin(args).approve(args.name, args.sha256)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        state = "approved" if out["approved"] else f"needs {out['required']} approvals"
        print(f"{out['name']}: approved by {', '.join(out['approvals'])} ({state})")
    return 0


def _campaign_create(args: argparse.Namespace) -> int:
    images = {}
    for item in args.image:
        hw, sep, image = item.partition("=")
        if not sep or not hw or not image:
            raise OtaError(f"--image {item!r} must be HW_ID=IMAGE")
        images[hw] = image
    spec: dict[str, Any] = {"name": args.name, "images": images}
    try:
        spec["stages_percent"] = [float(x) for x in args.stages.split(",")]
        if args.window:
            start, end = args.window.split("-")
            spec["window_utc_hours"] = [int(start), int(end)]
    except ValueError as e:
        raise OtaError(f"bad --stages {args.stages!r} or --window {args.window!r}: {e}") from e
    if args.vin_prefix:
        spec["vin_prefixes"] = args.vin_prefix
    if args.consent:
        spec["consent"] = args.consent
    _print_campaign(_admin(args).create_campaign(spec), args.json)
    return 0


def _campaign_action(args: argparse.Namespace) -> int:
    _print_campaign(_admin(args).campaign(args.name, args.action), args.json)
    return 0


def _keys_init(args: argparse.Namespace) -> int:
    from evtwin.ota import generate_keys, key_paths, save_keys

    paths = key_paths(args.state)
    if args.offline is None and (args.pkcs11_module or args.pkcs11_token):
        raise OtaError("PKCS#11 online keys come with the key ceremony: add --offline DIR")
    if args.offline is not None:
        from evtwin.ota import key_ceremony

        token = None
        if args.pkcs11_module is not None or args.pkcs11_token is not None:
            from evtwin.ota.repository import Pkcs11Token

            if args.pkcs11_module is None or args.pkcs11_token is None:
                raise OtaError("--pkcs11-module and --pkcs11-token go together")
            token = Pkcs11Token(args.pkcs11_module, args.pkcs11_token)
        made = key_ceremony(
            args.offline,
            args.state,
            SystemClock(),
            offline_keys=args.offline_keys,
            offline_threshold=args.threshold,
            token=token,
        )
        image_keys, director_keys = made["image"], made["director"]
    else:
        existing = [str(p) for p in paths if p.exists()]
        if existing:
            raise OtaError(f"keys already exist ({', '.join(existing)}): refusing to overwrite")
        image_keys, director_keys = generate_keys(args.offline_keys, args.threshold)
        save_keys(paths[0], image_keys)
        save_keys(paths[1], director_keys)
    summary: dict[str, dict[str, dict[str, Any]]] = {
        repo: {r: {"threshold": k.threshold, "keyids": k.keyids} for r, k in keys.items()}
        for repo, keys in (("image", image_keys), ("director", director_keys))
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{'repository':<10} {'role':<10} {'k of n':<7} key ids")
    for repo, roles in summary.items():
        for role, info in roles.items():
            ids = ", ".join(i[:12] for i in info["keyids"])
            print(f"{repo:<10} {role:<10} {info['threshold']} of {len(info['keyids']):<3} {ids}")
    if args.offline is not None:
        print(f"offline keys (owner-only) in {args.offline}: keep them off the server")
        print(f"online keys and the signed roots in {args.state}")
    else:
        print(f"saved (owner-only) to {paths[0].parent}")
    return 0


def _keys_factory(args: argparse.Namespace) -> int:
    from evtwin.ota import export_factory

    made = export_factory(args.state, args.out, provisioning_token=args.provisioning_token)
    keyid = str(made.time_key.get("keyid", ""))
    print(f"factory provisioning for cars in {args.out}:")
    print("  director.root.json   the Director root signed at the key ceremony")
    print("  image.root.json      the Image repository's root")
    print(f"  time.key.json        the time server's public key ({keyid[:12]})")
    if made.provisioning_token:
        print("  provisioning.token   the factory's registration secret (owner-only)")
    print(f"use: evtwin up --ota-server URL --ota-factory {args.out}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from evtwin.ota import vehicle_status

    status = vehicle_status(args.car)
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"Vehicle {status['vin']}")
    print(f"{'ECU':<10} {'hardware':<20} {'image':<18} {'counter':>7}  pending / last error")
    for serial, ecu in status["ecus"].items():
        counter = "-" if ecu["release_counter"] is None else str(ecu["release_counter"])
        note = ecu["pending"] or ecu["last_error"] or ""
        print(
            f"{serial:<10} {ecu['hardware_id']:<20} {ecu['image'] or '(factory)':<18} "
            f"{counter:>7}  {note}"
        )
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    out = _admin(args).rotate_key(args.repository, args.role)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out['repository']} {out['role']}: new key {', '.join(out['keyids'])}")
    return 0


def _approve(args: argparse.Namespace) -> int:
    """Actuate the consent signal through the broker (kuksa.val.v2 ``Actuate``)."""
    import grpc
    from kuksa.val.v2 import types_pb2 as types_v2
    from kuksa.val.v2 import val_pb2 as val_v2
    from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2

    path = "Vehicle.Software.Update.IsInstallApproved"
    answer = not args.decline
    with grpc.insecure_channel(args.twin) as channel:
        try:
            val_grpc_v2.VALStub(channel).Actuate(
                val_v2.ActuateRequest(
                    signal_id=types_v2.SignalID(path=path), value=types_v2.Value(bool=answer)
                ),
                timeout=10.0,
            )
        except grpc.RpcError as e:
            raise OtaError(f"cannot reach the car at {args.twin}: {e.details()}") from e
    print(f"{path} = {str(answer).lower()} (requested on {args.twin})")
    return 0
