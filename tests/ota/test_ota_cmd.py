"""``evtwin ota demo``: the story end to end through the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import urllib3

from evtwin.cli.main import build_parser, main
from evtwin.cli.ota_cmd import build_server


def test_ota_demo_json_shows_commit_then_automatic_rollback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ota", "demo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)

    assert [s["outcomes"] for s in out["steps"]] == [
        {"bms-0001": "committed", "ivi-0001": "committed"},
        {"bms-0001": "rolled_back"},
        {},  # the server stopped re-signing: nothing installed on expired metadata
    ]
    assert "ExpiredMetadataError" in out["steps"][2]["errors"]["vehicle"]
    assert out["ecus"]["bms-0001"] == {"image": "bms-2.1.0.img", "release_counter": 21}
    assert out["ecus"]["ivi-0001"] == {"image": "ivi-5.0.0.img", "release_counter": 50}
    assert out["ecus"]["inv-0001"] is None
    security = out["security"]  # the secure path is the default
    assert security["offline_keys_on_server"] is False and security["targets_keys_offline"]
    assert security["roots_pinned_from_ceremony"] and security["token_rotated"]
    assert security["old_token_status"] == 401
    assert security["expired_metadata_refused"] is True
    assert security["time"]["car_clock"] < security["time"]["attested"]  # 3 days behind
    assert security["encrypted_images"] == ["bms-2.1.0.img"]


def test_ota_demo_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ota", "demo"]) == 0
    out = capsys.readouterr().out

    assert "bms-0001   rolled_back" in out
    assert "bms-2.1.0.img" in out
    assert "the old one answered HTTP 401" in out
    assert "expired metadata refused on attested time: yes" in out


def test_ota_demo_in_memory_is_the_bare_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ota", "demo", "--in-memory", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["outcomes"] for s in out["steps"]] == [
        {"bms-0001": "committed", "ivi-0001": "committed"},
        {"bms-0001": "rolled_back"},
    ]
    assert "security" not in out


def test_ota_server_starts_and_answers_health_checks(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = Path(sys.executable).parent / "evtwin"
    env = {
        **os.environ,
        "EVTWIN_OTA_PROVISIONING_TOKEN": "p" * 20,
        "EVTWIN_OTA_ADMIN_TOKEN": "a" * 20,
    }
    proc = subprocess.Popen(
        [script, "ota", "server", "--port", str(port), "--db", str(tmp_path / "ota.sqlite")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status = None
        for _ in range(300):  # bounded wait for start-up, not a timing assertion
            try:
                status = urllib3.request("GET", f"http://127.0.0.1:{port}/healthz").status
                break
            except urllib3.exceptions.HTTPError:
                time.sleep(0.05)
        assert status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_ota_server_generates_missing_secrets(tmp_path: Path) -> None:
    args = build_parser().parse_args(["ota", "server", "--db", str(tmp_path / "ota.sqlite")])
    args.provisioning_token = None
    args.admin_token = "a" * 20

    server, generated = build_server(args)

    assert set(generated) == {"provisioning_token"}
    server.db.close()


def test_ota_server_can_store_in_postgres() -> None:
    schema = f"ota_test_{uuid.uuid4().hex[:12]}"
    args = build_parser().parse_args(
        ["ota", "server", "--postgres", "host=127.0.0.1 dbname=test user=postgres",
         "--postgres-schema", schema]
    )  # fmt: skip
    args.provisioning_token = args.admin_token = "t" * 20

    server, _ = build_server(args)
    try:
        assert server.db.vehicles() == []
    finally:
        server.db.close()
        with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


def test_keys_init_then_server_signs_with_those_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    assert main(["ota", "keys", "init", "--state", str(state), "--offline-keys", "5",
                 "--threshold", "3", "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert main(["ota", "keys", "init", "--state", str(state)]) == 2  # never overwrites
    args = build_parser().parse_args(
        ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--state", str(state)]
    )
    args.provisioning_token = args.admin_token = "t" * 20

    server, _ = build_server(args)
    root = server.backend.image_repo.root_md.signed

    assert root.roles["targets"].threshold == 3
    assert sorted(root.roles["targets"].keyids) == sorted(summary["image"]["targets"]["keyids"])
    assert "refusing to overwrite" in capsys.readouterr().err
    server.db.close()


def test_status_of_a_car_read_from_its_storage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evtwin.ota import ManualClock, OtaBackend, provision_vehicle

    backend = OtaBackend.create(ManualClock())
    car = provision_vehicle(backend, vin="SALDS27A1RA000005", root_dir=tmp_path / "car")
    backend.image_repo.add_image(
        "bms-1.0.0.img", b"BMS\n" * 64, hardware_ids=["ds-bms-r2"], release_counter=1
    )
    backend.director.assign_latest(car.vin)
    car.update()

    assert main(["ota", "status", "--car", str(tmp_path / "car"), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status == car.status()
    assert status["ecus"]["bms-0001"]["image"] == "bms-1.0.0.img"
    assert main(["ota", "status", "--car", str(tmp_path / "car")]) == 0
    assert "bms-1.0.0.img" in capsys.readouterr().out
    assert main(["ota", "status", "--car", str(tmp_path)]) == 2


def test_ota_server_https_needs_both_certificate_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--tls-cert", "cert.pem",
         "--provisioning-token", "p" * 20, "--admin-token", "a" * 20]
    )  # fmt: skip

    assert code == 2
    assert "both --tls-cert and --tls-key" in capsys.readouterr().err


def test_ota_server_refresh_margin_defaults_to_half_a_lifetime_and_takes_a_duration(
    tmp_path: Path,
) -> None:
    from datetime import timedelta

    from evtwin.ota import RefreshPolicy

    base = ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--admin-token", "a" * 20]
    base += ["--provisioning-token", "p" * 20]
    default, _ = build_server(build_parser().parse_args(base))
    six_hours, _ = build_server(build_parser().parse_args([*base, "--refresh-margin", "6h"]))
    try:
        assert default.refresh_policy == RefreshPolicy(fraction=0.5)
        assert six_hours.refresh_policy == RefreshPolicy(margin=timedelta(hours=6))
    finally:
        default.close()
        six_hours.close()


@pytest.mark.parametrize("margin", ["soon", "1.5", "2d"])
def test_ota_server_refuses_a_refresh_margin_it_cannot_keep(tmp_path: Path, margin: str) -> None:
    from evtwin.errors import OtaError

    args = build_parser().parse_args(
        ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--refresh-margin", margin,
         "--admin-token", "a" * 20, "--provisioning-token", "p" * 20]
    )  # fmt: skip

    with pytest.raises(OtaError, match="refresh"):
        build_server(args)


def test_ota_server_speedup_runs_its_clock_faster(tmp_path: Path) -> None:
    from evtwin.ota import AcceleratedClock

    args = build_parser().parse_args(
        ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--speedup", "60",
         "--admin-token", "a" * 20, "--provisioning-token", "p" * 20]
    )  # fmt: skip

    server, _ = build_server(args)
    try:
        clock = server.backend.clock
        assert isinstance(clock, AcceleratedClock) and clock.factor == 60.0
    finally:
        server.close()


def test_ota_server_takes_admin_identities_and_an_approval_count(tmp_path: Path) -> None:
    from evtwin.errors import OtaError

    base = ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--admin-token", "a" * 20,
            "--provisioning-token", "p" * 20]  # fmt: skip
    args = build_parser().parse_args(
        [*base, "--admin-identity", "alice=" + "b" * 20, "--approvals", "2"]
    )

    server, _ = build_server(args)
    try:
        assert server.approvals_required == 2
        assert server.authenticate_admin("b" * 20) == "alice"
        assert server.authenticate_admin("a" * 20) == "admin"
    finally:
        server.close()
    with pytest.raises(OtaError, match="NAME=TOKEN"):
        build_server(build_parser().parse_args([*base, "--admin-identity", "alice"]))


def test_ota_server_mutual_tls_needs_https(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["ota", "server", "--db", str(tmp_path / "ota.sqlite"), "--tls-client-ca",
         str(tmp_path / "ca.pem"), "--admin-token", "a" * 20, "--provisioning-token", "p" * 20]
    )  # fmt: skip

    assert code == 2
    assert "--tls-client-ca (mutual TLS) needs HTTPS" in capsys.readouterr().err
