"""Issue 12: a token rotation whose answer is lost does not strand the car.

The car marks a rotation pending (durably) before it asks; if the answer never arrives it
still holds the old token, which the server has already replaced. For a short grace (server
clock) the old token may complete the rotation again, and nothing else; the car's next
check-in does that by itself, then confirms the new token, which ends the grace. Over real
HTTP (uvicorn on a free loopback port), on SQLite and on PostgreSQL (shared mode); the
answer is dropped by a client hook that lets the request reach the server and discards
what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import urllib3

import http_serving
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaDownloadError, OtaError
from evtwin.ota import ManualClock, OtaBackend, OtaCloudClient, build_vehicle
from evtwin.runtime import OtaCar, open_car

from .conftest import ADMIN, PROVISIONING

VIN = "SALDS27A1RA000801"


@contextmanager
def serving(server: OtaServer) -> Iterator[str]:
    with http_serving.serving(create_app(server)) as url:
        yield url


def drop_next_rotation_answer(client: OtaCloudClient) -> list[str]:
    """Make the next token rotation reach the server and lose its answer; returns a list
    that receives the token the car never saw."""
    real = client._call
    lost: list[str] = []

    def call(method: str, path: str, body: Any = None, headers: Any = None, *, kind: str) -> Any:
        out = real(method, path, body, headers, kind=kind)
        if path.endswith("/token") and not lost:
            lost.append(str(out["token"]))
            raise OtaDownloadError(f"{method} {path}: connection reset (answer lost)")
        return out

    client._call = call  # type: ignore[method-assign]
    return lost


def status(base_url: str, method: str, path: str, token: str, body: Any = None) -> int:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    data = None if body is None else json.dumps(body).encode()
    return urllib3.request(method, f"{base_url}{path}", body=data, headers=headers).status


def new_car(server: OtaServer, base_url: str, car_dir: Path) -> OtaCar:
    car = open_car(
        car_dir,
        server_url=base_url,
        clock=ManualClock(server.backend.clock.now_s()),  # the factory's time: the server's
        provisioning_token=PROVISIONING,
        trust_on_first_use=True,  # an in-memory server: no factory directory
        vin=VIN,
        token_rotation_s=3600.0,
    )
    car.link.check_in(car.primary)
    return car


def credentials(car_dir: Path) -> dict[str, Any]:
    cred: dict[str, Any] = json.loads((car_dir / "credentials.json").read_text())
    return cred


def test_a_lost_rotation_answer_is_completed_by_the_car_itself(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    car_dir = tmp_path / "car"
    car = new_car(server, base_url, car_dir)
    first = credentials(car_dir)["token"]
    lost = drop_next_rotation_answer(car.link.client)
    server.backend.clock.advance(timedelta(hours=1, seconds=1))  # type: ignore[attr-defined]

    with pytest.raises(OtaDownloadError, match="answer lost"):
        car.link.check_in(car.primary)  # the rotation was made; its answer never came
    cred = credentials(car_dir)
    assert cred["token"] == first and cred["rotating"] is True  # durable: pending
    nonce = f"/api/v1/vehicles/{VIN}/nonce"
    assert status(base_url, "GET", nonce, first) == 401  # the server moved on …
    assert status(base_url, "GET", nonce, lost[0]) == 200  # … to a token the car never got

    car.link.check_in(car.primary)  # the next check-in: completes the rotation, checks in
    cred = credentials(car_dir)
    third = cred["token"]
    assert "rotating" not in cred and car.link.rotations == 1
    assert third not in (first, lost[0]) and car.link.client.token == third
    assert status(base_url, "GET", nonce, third) == 200
    assert status(base_url, "GET", nonce, lost[0]) == 401  # the lost one is dead
    assert status(base_url, "GET", nonce, first) == 401
    # the car confirmed its new token: the grace is over, within its hour
    assert status(base_url, "POST", f"/api/v1/vehicles/{VIN}/token", first) == 401
    restart = ManualClock(server.backend.clock.now_s())
    again = open_car(car_dir, server_url=base_url, clock=restart)  # a restart
    assert again.link.client.token == third
    again.link.check_in(again.primary)


def test_the_old_token_completes_only_a_rotation_and_only_within_the_grace(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    car_dir = tmp_path / "car"
    car = new_car(server, base_url, car_dir)
    first = credentials(car_dir)["token"]
    drop_next_rotation_answer(car.link.client)
    clock = server.backend.clock
    clock.advance(timedelta(hours=1, seconds=1))  # type: ignore[attr-defined]
    with pytest.raises(OtaDownloadError):
        car.link.check_in(car.primary)

    # within the grace, the old token opens nothing but the rotation
    assert status(base_url, "GET", f"/api/v1/vehicles/{VIN}/nonce", first) == 401
    time_body = {"nonces": ["ab" * 16]}
    assert status(base_url, "POST", f"/api/v1/vehicles/{VIN}/time", first, time_body) == 401
    assert status(base_url, "GET", f"/director/{VIN}/metadata/timestamp.json", first) == 401
    assert status(base_url, "GET", "/image/targets/anything.img", first) == 401  # downloads
    assert status(base_url, "POST", f"/api/v1/vehicles/{VIN}/token/confirm", first) == 401

    # the car stays off longer than the grace: the old token is refused for good
    clock.advance(timedelta(seconds=server.token_grace_s + 1))  # type: ignore[attr-defined]
    with pytest.raises(OtaError, match="HTTP 401"):
        car.link.check_in(car.primary)
    assert credentials(car_dir)["rotating"] is True  # still pending: needs the factory now
    assert status(base_url, "POST", f"/api/v1/vehicles/{VIN}/token", first) == 401


def test_a_revoked_car_cannot_complete_a_rotation_in_its_grace(
    server: OtaServer, base_url: str, tmp_path: Path
) -> None:
    car_dir = tmp_path / "car"
    car = new_car(server, base_url, car_dir)
    first = credentials(car_dir)["token"]
    drop_next_rotation_answer(car.link.client)
    server.backend.clock.advance(timedelta(hours=1, seconds=1))  # type: ignore[attr-defined]
    with pytest.raises(OtaDownloadError):
        car.link.check_in(car.primary)
    server.revoke_vehicle(VIN)  # stolen: the grace goes with the token
    assert status(base_url, "POST", f"/api/v1/vehicles/{VIN}/token", first) == 401
    with pytest.raises(OtaError, match="HTTP 401"):
        car.link.check_in(car.primary)


@pytest.mark.parametrize("auto_assign", [False, True], ids=["lock-free", "locked"])
def test_a_check_in_with_the_new_token_ends_the_grace(
    db: OtaDatabase, tmp_path: Path, auto_assign: bool
) -> None:
    # both check-in paths: lock-free (no campaign; with shared state one statement) and
    # under the lock (here: auto-assignment)
    server = OtaServer(
        OtaBackend.create(ManualClock()),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        auto_assign=auto_assign,
    )
    with serving(server) as base_url:
        cloud = OtaCloudClient(base_url)
        car = build_vehicle(
            vin=VIN,
            root_dir=tmp_path / "car",
            register=lambda inv: cloud.register(inv, PROVISIONING),
            urls=cloud.urls(VIN),
            fetcher=cloud.fetcher(),
            clock=server.backend.clock,
        )
        cloud.check_in(car)
        first = cloud.token
        assert first is not None
        cloud.rotate_token(VIN)  # answered, never confirmed
        second = cloud.token
        cloud.check_in(car)  # the new token in use
        assert status(base_url, "POST", f"/api/v1/vehicles/{VIN}/token", first) == 401
        assert cloud.token == second
        cloud.check_in(car)  # the car's token still works


def test_a_token_grace_outside_its_bounds_is_refused(server: OtaServer) -> None:
    with pytest.raises(OtaError, match="token grace"):
        OtaServer(
            server.backend,
            server.db,
            provisioning_token=PROVISIONING,
            admin_token=ADMIN,
            token_grace_s=-1.0,
        )
