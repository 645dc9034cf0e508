"""``evtwin ota release`` and ``evtwin ota campaign …`` against a running server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evtwin.cli.main import main
from evtwin.cloud import OtaServer

from .conftest import ADMIN


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_release_then_campaign_lifecycle_from_the_cli(
    server: OtaServer, base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "bms-2.1.0.img"
    image.write_bytes(b"BMS 2.1.0\n" * 20)
    auth = ["--server", base_url, "--admin-token", ADMIN]

    code, out, _ = run(
        capsys, "ota", "release", str(image), "--hardware-id", "ds-bms-r2",
        "--release-counter", "21", *auth,
    )  # fmt: skip
    assert code == 0 and out.startswith("released bms-2.1.0.img (200 bytes")

    code, out, _ = run(
        capsys, "ota", "campaign", "create", "bms-2-1", "--image", "ds-bms-r2=bms-2.1.0.img",
        "--stages", "10,100", "--window", "22-5", "--json", *auth,
    )  # fmt: skip
    assert code == 0 and json.loads(out)["state"] == "draft"

    assert run(capsys, "ota", "campaign", "start", "bms-2-1", *auth)[0] == 0
    code, out, _ = run(capsys, "ota", "campaign", "status", "bms-2-1", *auth)
    assert code == 0 and out.startswith("bms-2-1: running, stage 0 (10 % of 0 vehicles)")
    assert run(capsys, "ota", "campaign", "cancel", "bms-2-1", *auth)[0] == 0
    assert server.campaigns["bms-2-1"].state == "cancelled"


def test_cli_errors_are_clear_and_exit_2(base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "ota", "campaign", "start", "nope", "--server", base_url, "--admin-token", ADMIN
    )
    assert code == 2 and "HTTP 404" in err

    code, _, err = run(
        capsys, "ota", "campaign", "status", "x", "--server", base_url, "--admin-token", "wrong"
    )
    assert code == 2 and "HTTP 401" in err


def test_rotate_an_online_key_from_the_cli(
    server: OtaServer, base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = server.backend.image_repo.keys["timestamp"].keyids
    auth = ["--server", base_url, "--admin-token", ADMIN]

    code, out, _ = run(capsys, "ota", "keys", "rotate", "image", "timestamp", *auth)
    refused, _, err = run(capsys, "ota", "keys", "rotate", "image", "targets", *auth)

    assert code == 0 and out.startswith("image timestamp: new key ")
    assert server.backend.image_repo.keys["timestamp"].keyids != before
    assert refused == 2 and "not an online role" in err
