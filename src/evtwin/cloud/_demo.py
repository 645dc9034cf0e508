"""``evtwin ota demo``: the OTA story the way a fleet would run it, in one process.

A key ceremony keeps the offline keys (Image root and targets, 2 of 3; the Director root) in
a key holders' directory; the server, opened on its state, holds online keys only and runs
on a free loopback port (uvicorn, real HTTP). The factory registers the car with its
provisioning token (the car gets its own bearer token; the roots it pins are the ceremony's,
and the answer's are checked against them) and pins the time server's key. The car's own
clock is three days behind (a flat 12 V battery): every ECU judges expiry by the time the
server's time server attested over that ECU's nonce. Releases are uploaded, signed by the key
holders, and offered through a campaign; the BMS image is encrypted for the ECU it is
assigned to. The car rotates its bearer token (the old one is refused), a broken image rolls
back by itself, and once the server stops re-signing its metadata the car refuses it although
its own clock says it is still valid.

One manual clock drives the server, so nothing waits on wall time; the run takes a few
seconds. ``run_demo`` (``evtwin ota demo --in-memory``) is the same story without the
ceremony, HTTP, identity or secure time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import urllib3
import uvicorn

from evtwin.cloud._admin import AdminClient
from evtwin.cloud._app import create_app
from evtwin.cloud._db import OtaDatabase
from evtwin.cloud._server import OtaServer
from evtwin.errors import OtaError
from evtwin.ota import (
    DEFENDER_SPORT_ECUS,
    AttestedClock,
    DemoStep,
    DirectoryStore,
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    Primary,
    Registration,
    build_vehicle,
    director_root_path,
    encrypt_image,
    key_ceremony,
    offline_key_paths,
    sign_release,
)

__all__ = ["DEMO_VIN", "run_secure_demo"]

DEMO_VIN = "SALDS27A1RA000001"
_PROVISIONING = "demo-factory-secret-0123"
_ADMIN = "demo-release-secret-0123"
_CAR_CLOCK_BEHIND = timedelta(days=3)


def _image(tag: str, size_bytes: int = 4096) -> bytes:
    head = f"DEFENDER-SPORT FIRMWARE {tag}\n".encode()
    return (head * (size_bytes // len(head) + 1))[:size_bytes]


@contextlib.contextmanager
def _serving(server: OtaServer) -> Iterator[str]:
    config = uvicorn.Config(create_app(server), host="127.0.0.1", port=0, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="evtwin-ota-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30.0
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise OtaError("the demo's OTA server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def _release(
    admin: AdminClient,
    offline: Path,
    clock: ManualClock,
    name: str,
    data: bytes,
    hardware_id: str,
    counter: int,
    *,
    encrypt: bool = False,
) -> None:
    """Upload (pending on a ceremony server), then the key holders sign it; a campaign
    offers it to the fleet."""
    key = None
    if encrypt:  # encrypted at the release engineer's side: the server never sees plaintext
        key, data = encrypt_image(data, name)
    admin.release(name, data, [hardware_id], counter, image_key=key)
    admin.publish_targets(
        sign_release(
            admin.targets_metadata(),
            name=name,
            data=data,
            hardware_ids=[hardware_id],
            release_counter=counter,
            offline_dir=offline,
            clock=clock,
            encrypted=encrypt,
        )
    )
    campaign = name.removesuffix(".img")
    admin.create_campaign(
        {"name": campaign, "images": {hardware_id: name}, "stages_percent": [100]}
    )
    admin.campaign(campaign, "start")


def _cycle(
    cloud: OtaCloudClient, car: Primary, clocks: list[AttestedClock], action: str
) -> DemoStep:
    """Attest time for every ECU, check in, update."""
    cloud.attest_time_for(car.vin, clocks)
    cloud.check_in(car)
    try:
        report = car.update()
    except OtaError as e:
        return DemoStep(action=action, errors={"vehicle": f"{type(e).__name__}: {e}"})
    return DemoStep(
        action=action,
        outcomes={s: o.value for s, o in sorted(report.outcomes.items())},
        errors=dict(sorted(report.errors.items())),
    )


def _offline_keys_on_server(offline: Path, state: Path) -> bool:
    """Whether any offline private key (its PEM body) is anywhere in the server's state."""
    import json

    bodies = []
    for path in offline_key_paths(offline):
        for entry in json.loads(path.read_text()).values():
            for pem in entry["keys"]:
                bodies.append("".join(ln for ln in pem.splitlines() if "-----" not in ln))
    files = [p.read_bytes() for p in state.rglob("*") if p.is_file()]
    return any(body.encode() in data for body in bodies for data in files)


def run_secure_demo(work_dir: Path) -> tuple[list[DemoStep], dict[str, Any]]:
    """Run the story under ``work_dir``; return its steps and ``{"vin", "ecus",
    "security"}`` (each ECU's final image; what each defence did)."""
    clock = ManualClock()
    offline, state = work_dir / "key-holders", work_dir / "ota-state"
    key_ceremony(offline, state, clock)
    db = OtaDatabase.sqlite(work_dir / "ota.sqlite")
    server = OtaServer(
        OtaBackend.open(state, clock),
        db,
        provisioning_token=_PROVISIONING,
        admin_token=_ADMIN,
        state_dir=state,
    )
    steps: list[DemoStep] = []
    security: dict[str, Any] = {
        "offline_keys_on_server": _offline_keys_on_server(offline, state),
        "targets_keys_offline": server.targets_offline,
    }
    try:
        with _serving(server) as base:
            admin = AdminClient(base, _ADMIN)
            cloud = OtaCloudClient(base)
            rtc = ManualClock(clock.now() - _CAR_CLOCK_BEHIND)  # the car's own, wrong clock
            car_dir = work_dir / "car"
            clocks = {
                s.serial: AttestedClock(car_dir / "ecus" / s.serial / "attested_time.json", rtc)
                for s in DEFENDER_SPORT_ECUS
            }
            factory = Registration(  # the roots the factory got from the ceremony
                director_root=director_root_path(state).read_bytes(),
                image_root=DirectoryStore(state / "artifacts").get("image/metadata/1.root.json")
                or b"",
            )

            def register(inventory: Any) -> Registration:
                reg = cloud.register(inventory, _PROVISIONING)
                for c in clocks.values():
                    c.pin_key(reg.time_key or {})
                return reg

            car = build_vehicle(
                vin=DEMO_VIN,
                root_dir=car_dir,
                register=register,
                urls=cloud.urls(DEMO_VIN),
                fetcher=cloud.fetcher(),
                clock=rtc,
                ecu_clocks=clocks,
                factory_roots=factory,
            )
            security["roots_pinned_from_ceremony"] = True
            ecu_clocks = list(clocks.values())
            _release(admin, offline, clock, "bms-2.1.0.img", _image("bms 2.1.0"),
                     "ds-bms-r2", 21, encrypt=True)  # fmt: skip
            _release(admin, offline, clock, "ivi-5.0.0.img", _image("ivi 5.0.0"),
                     "ds-infotainment-r3", 50)  # fmt: skip
            steps.append(
                _cycle(
                    cloud, car, ecu_clocks,
                    "release bms-2.1.0 (encrypted for its ECU) and ivi-5.0.0, signed by the "
                    "key holders; car checks in",
                )
            )  # fmt: skip
            security["time"] = {
                "car_clock": rtc.now().isoformat(),
                "attested": clocks["bms-0001"].now().isoformat(),
            }
            old_token = cloud.token
            cloud.rotate_token(DEMO_VIN)
            refused = urllib3.request(
                "GET",
                f"{base}/api/v1/vehicles/{DEMO_VIN}/nonce",
                headers={"Authorization": f"Bearer {old_token}"},
            )
            security["token_rotated"] = cloud.token != old_token
            security["old_token_status"] = refused.status
            _release(admin, offline, clock, "bms-2.2.0.img", _image("bms 2.2.0 BROKEN"),
                     "ds-bms-r2", 22)  # fmt: skip
            steps.append(
                _cycle(cloud, car, ecu_clocks, "release bms-2.2.0 (broken); car checks in")
            )
            _release(admin, offline, clock, "ivi-5.1.0.img", _image("ivi 5.1.0"),
                     "ds-infotainment-r3", 51)  # fmt: skip
            server.refreshing = False  # the server stops re-signing: its metadata expires
            clock.advance(_CAR_CLOCK_BEHIND)  # the car's clock stands still (still behind)
            freeze = _cycle(
                cloud, car, ecu_clocks,
                "release ivi-5.1.0; the server stops re-signing and 3 days pass; car checks in",
            )  # fmt: skip
            steps.append(freeze)
            security["expired_metadata_refused"] = "ExpiredMetadataError" in str(freeze.errors)
            security["encrypted_images"] = ["bms-2.1.0.img"]
    finally:
        server.close()
    final = {
        serial: (
            {
                "image": ecu.slots.active.filepath,
                "release_counter": ecu.slots.active.release_counter,
            }
            if ecu.slots.active
            else None
        )
        for serial, ecu in sorted(car.ecus.items())
    }
    return steps, {"vin": car.vin, "ecus": final, "security": security}
