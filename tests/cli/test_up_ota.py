"""``evtwin up --ota-server``: the car registers once, keeps its storage, and is reopened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import http_serving
from evtwin.cli.main import main
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import OtaBackend, SystemClock

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    db = OtaDatabase.sqlite(tmp_path / "ota.sqlite")
    server = OtaServer(
        OtaBackend.create(SystemClock()), db, provisioning_token=PROVISIONING, admin_token=ADMIN
    )
    with http_serving.serving(create_app(server)) as url:
        yield url
    db.close()


def up(url: str, car: Path, *extra: str) -> list[str]:
    args = ["up", "--port", "0", "--no-http", "--duration-s", "0.3", "--ota-server", url]
    return [*args, "--ota-car-dir", str(car), "--ota-trust-on-first-use", *extra]


def test_up_registers_the_car_once_then_reopens_it(
    server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    car = tmp_path / "car"
    assert main(up(server_url, car, "--ota-token", PROVISIONING)) == 0
    out = capsys.readouterr().out
    assert f"SALDS27A1RA000001 registered with {server_url}" in out
    assert "evtwin ota approve --twin 127.0.0.1:" in out
    assert (car / "credentials.json").stat().st_mode & 0o077 == 0  # owner-only
    assert (car / "ecu-keys.json").stat().st_mode & 0o077 == 0
    assert main(up(server_url, car)) == 0  # no token needed any more
    assert f"SALDS27A1RA000001 reopened with {server_url}" in capsys.readouterr().out


def test_up_without_a_stored_car_or_a_token_is_a_clear_error(
    server_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EVTWIN_OTA_PROVISIONING_TOKEN", raising=False)
    assert main([*up(server_url, tmp_path / "car"), "--ota-token", ""]) == 2
    assert "give the factory's provisioning token" in capsys.readouterr().err


def test_up_with_a_wrong_token_is_refused_by_the_server(
    server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(up(server_url, tmp_path / "car", "--ota-token", "wrong-token-0123456")) == 2
    assert "HTTP 401" in capsys.readouterr().err


def test_ota_approve_without_a_running_car_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ota", "approve", "--twin", "127.0.0.1:1"]) == 2
    assert "cannot reach the car at 127.0.0.1:1" in capsys.readouterr().err
