"""Issue 12: the running car (``open_car`` + ``OtaService``, what ``evtwin up --ota-server``
runs) judges metadata expiry by time the server's time server attested over its ECUs' nonces,
and rotates its bearer token. Over real HTTP (uvicorn on a free loopback port); the server and
the car each on their own manual clock, so no step waits on wall time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import urllib3

import http_serving
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import AttestedClock, OtaBackend
from evtwin.runtime import ManualClock, OtaService, Twin, build_twin, open_car
from evtwin.runtime._telemetry import telemetry_credentials

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"
START_S = 1_811_000_000.0
U = "Vehicle.Software.Update"
VIN = "SALDS27A1RA000001"
IMAGE = b"DEFENDER-SPORT FIRMWARE bms 2.1.0\n" * 256


@contextmanager
def serving(server: OtaServer) -> Iterator[str]:
    with http_serving.serving(create_app(server)) as url:
        yield url


@contextmanager
def world(tmp_path: Path, server_clock: ManualClock, car_clock: ManualClock) -> Iterator[
    tuple[OtaServer, str, Twin]
]:  # fmt: skip
    twin = build_twin(car_clock, soc_percent=70.0, reference_wh_per_km=lambda: 180.0)
    db = OtaDatabase.sqlite(tmp_path / "ota.sqlite")
    server = OtaServer(
        OtaBackend.create(server_clock),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        auto_assign=True,
    )
    try:
        with serving(server) as url:
            yield server, url, twin
    finally:
        twin.close()
        db.close()


def run_until(twin: Twin, ota: OtaService, state: str, steps: int = 60) -> None:
    for _ in range(steps):
        if ota.history[-1] == state:
            return
        twin.advance(1.0)
    raise AssertionError(f"never reached {state}; saw {ota.history}")


@pytest.mark.parametrize(
    ("secure", "car_clock_off_days", "server_maintained", "expected"),
    [
        # the car's clock is 3 days behind; the server stopped re-signing and its metadata
        # expired: on attested time the car refuses it, on its own clock it would install
        (True, -3.0, False, "FAILED"),
        (False, -3.0, False, "SUCCEEDED"),
        # the car's clock is 400 days ahead; the server is live: on attested time the car
        # installs, on its own clock it would refuse every metadata (root expired)
        (True, 400.0, True, "SUCCEEDED"),
        (False, 400.0, True, "FAILED"),
    ],
    ids=["behind-attested", "behind-own-clock", "ahead-attested", "ahead-own-clock"],
)
def test_a_running_car_with_a_wrong_clock_judges_expiry_by_attested_time(
    tmp_path: Path, secure: bool, car_clock_off_days: float, server_maintained: bool, expected: str
) -> None:
    server_clock = ManualClock(START_S)
    car_clock = ManualClock(START_S + car_clock_off_days * 86400.0)
    with world(tmp_path, server_clock, car_clock) as (server, url, twin):
        car = open_car(
            tmp_path / "car",
            server_url=url,
            clock=twin.clock,
            provisioning_token=PROVISIONING,
            trust_on_first_use=True,  # an in-memory server: no factory directory
            vin=VIN,
            secure_time=secure,
        )
        assert car.secure_time is secure
        ota = twin.attach_ota(OtaService(twin.broker, car.primary, car.link))
        twin.advance(1.0)  # the first check-in
        bms_clock = car.primary.ecus["bms-0001"].clock
        if secure:  # every ECU verified the one attestation over its own nonce
            assert all(isinstance(e.clock, AttestedClock) for e in car.primary.ecus.values())
            assert bms_clock.now() - server_clock.now() < timedelta(seconds=2)
        else:
            assert abs((bms_clock.now() - server_clock.now()).days) >= 3
        server.release("bms-2.1.0.img", IMAGE, ["ds-bms-r2"], 21)
        if not server_maintained:
            server.refreshing = False
            server_clock.advance(timedelta(days=3))  # every timestamp (1 day) has expired
        twin.broker.set_target(f"{U}.IsInstallApproved", True)
        twin.advance(300.0, step_s=1.0)  # the next check-in: offered (or refused)
        if ota.history[-1] == "AVAILABLE":
            twin.broker.set_target(f"{U}.IsInstallApproved", True)
        for _ in range(60):
            if ota.history[-1] in ("SUCCEEDED", "FAILED"):
                break
            twin.advance(1.0)
        assert ota.history[-1] == expected, ota.history
        active = car.primary.ecus["bms-0001"].slots.active
        if expected == "FAILED":
            assert "expired" in str(twin.broker.get(f"{U}.LastError").value).lower()  # type: ignore[union-attr]
            assert active is None
        else:
            assert active is not None and active.filepath == "bms-2.1.0.img"


def test_the_running_car_rotates_its_token_and_the_old_one_is_refused(tmp_path: Path) -> None:
    clock = ManualClock(START_S)  # the server and the car agree on time here
    with world(tmp_path, clock, clock) as (server, url, twin):
        car_dir = tmp_path / "car"
        car = open_car(
            car_dir,
            server_url=url,
            clock=clock,
            provisioning_token=PROVISIONING,
            trust_on_first_use=True,
            vin=VIN,
            token_rotation_s=3600.0,
        )
        mqtt_login = telemetry_credentials(car_dir)
        ota = twin.attach_ota(OtaService(twin.broker, car.primary, car.link))
        first = json.loads((car_dir / "credentials.json").read_text())["token"]
        twin.advance(1.0)
        assert car.link.rotations == 0  # a fresh token is kept for its hour
        twin.advance(3600.0 + 300.0, step_s=60.0)  # past the hour: the next check-in rotates
        assert car.link.rotations == 1
        second = json.loads((car_dir / "credentials.json").read_text())["token"]
        assert second != first and car.link.client.token == second
        assert (car_dir / "credentials.json").stat().st_mode & 0o077 == 0

        def status(token: str, path: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return urllib3.request("GET", f"{url}{path}", headers=headers).status

        nonce = f"/api/v1/vehicles/{VIN}/nonce"
        assert status(first, nonce) == 401  # the old token is refused from the rotation on
        assert status(first, "/image/targets/anything.img") == 401  # downloads too
        assert status(second, nonce) == 200
        server.release("bms-2.1.0.img", IMAGE, ["ds-bms-r2"], 21)
        twin.advance(300.0, step_s=60.0)
        twin.broker.set_target(f"{U}.IsInstallApproved", True)
        run_until(twin, ota, "SUCCEEDED")  # the car kept working on its new token
        assert "FAILED" not in ota.history
        assert telemetry_credentials(car_dir) == mqtt_login  # the broker's login still holds

        again = open_car(car_dir, server_url=url, clock=clock)  # a restart: the new token
        assert again.link.client.token == second and again.secure_time
        again.link.check_in(again.primary)
