"""Issue 12: the running car trusts what the factory provisioned, never the registration answer.

``evtwin ota keys factory`` writes the roots, the time server key and the provisioning token
of a server made by the key ceremony; ``evtwin up --ota-factory DIR`` registers with them and
refuses a server with other keys (the car keeps running, offline, nothing of it stored).
Over real HTTP: each server is uvicorn on a free loopback port.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import http_serving
from evtwin.cli.main import main
from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaTrustError
from evtwin.ota import (
    OtaBackend,
    SystemClock,
    export_factory,
    key_ceremony,
    load_factory,
    time_signer,
)
from evtwin.runtime import ManualClock, open_car

PROVISIONING = "factory-secret-0123456789"
ADMIN = "release-secret-0123456789"


@contextmanager
def serving(state: Path, db_path: Path) -> Iterator[str]:
    """``evtwin ota server --state STATE`` in process (uvicorn, free port); yields its URL."""
    db = OtaDatabase.sqlite(db_path)
    server = OtaServer(
        OtaBackend.open(state, SystemClock()),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        state_dir=state,
    )
    with http_serving.serving(create_app(server)) as url:
        yield url
    db.close()


def ceremony(root: Path) -> Path:
    state = root / "ota-state"
    key_ceremony(root / "key-holders", state, SystemClock())
    return state


def up(url: str, car: Path, *extra: str) -> list[str]:
    return ["up", "--port", "0", "--no-http", "--duration-s", "0.3", "--ota-server", url,
            "--ota-car-dir", str(car), *extra]  # fmt: skip


@pytest.fixture
def ours(tmp_path: Path) -> tuple[Path, Path]:
    """Our server's state (key ceremony) and the factory directory made from it."""
    state = ceremony(tmp_path / "ours")
    factory = tmp_path / "factory"
    assert main(["ota", "keys", "factory", "--state", str(state), "--out", str(factory),
                 "--provisioning-token", PROVISIONING]) == 0  # fmt: skip
    return state, factory


def test_keys_factory_writes_the_roots_time_key_and_an_owner_only_token(
    ours: tuple[Path, Path],
) -> None:
    state, factory = ours
    made = load_factory(factory)
    assert made.director_root == (state / "keys" / "director.root.json").read_bytes()
    published = state / "artifacts" / "image" / "metadata" / "root.json"
    assert made.image_root == published.read_bytes()
    assert made.time_key["keyid"] == time_signer(state).public_key.keyid  # the server's
    assert made.provisioning_token == PROVISIONING
    assert (factory / "provisioning.token").stat().st_mode & 0o077 == 0
    assert b"PRIVATE" not in b"".join(p.read_bytes() for p in factory.iterdir())


def test_keys_factory_needs_a_ceremony_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ota", "keys", "init", "--state", str(tmp_path / "s")]) == 0
    capsys.readouterr()
    assert main(["ota", "keys", "factory", "--state", str(tmp_path / "s"),
                 "--out", str(tmp_path / "f")]) == 2  # fmt: skip
    assert "no Director root signed at the key ceremony" in capsys.readouterr().err


def test_up_registers_with_the_factory_roots(
    ours: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, factory = ours
    car = tmp_path / "car"
    with serving(state, tmp_path / "ours.sqlite") as url:
        assert main(up(url, car, "--ota-factory", str(factory))) == 0
        out = capsys.readouterr().out
        assert f"registered with {url}" in out
        assert f"trust: factory provisioning {factory}" in out
        assert "ON FIRST USE" not in out
        pinned = (car / "primary" / "director" / "root.json").read_bytes()
        assert json.loads(pinned) == json.loads(load_factory(factory).director_root)
        assert main(up(url, car, "--ota-factory", str(factory))) == 0  # reopened
        assert f"reopened with {url}" in capsys.readouterr().out


def test_a_server_with_other_keys_is_refused_and_the_car_runs_on_offline(
    ours: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, factory = ours
    other = ceremony(tmp_path / "other")  # another ceremony: other roots, other time key
    car = tmp_path / "car"
    with serving(other, tmp_path / "other.sqlite") as url:
        assert main(up(url, car, "--ota-factory", str(factory))) == 0  # the car ran its time
        captured = capsys.readouterr()
        assert "OTA REFUSED" in captured.err
        assert "another Director root than the factory provisioned" in captured.err
        assert "running without OTA" in captured.out
        assert "stop:     Ctrl-C" in captured.out  # the twin came up and ran
    assert not (car / "credentials.json").exists()
    assert not (car / "ecu-keys.json").exists()
    with serving(state, tmp_path / "ours.sqlite") as url:  # nothing poisoned: ours still works
        assert main(up(url, car, "--ota-factory", str(factory))) == 0
        assert f"registered with {url}" in capsys.readouterr().out


def test_a_server_with_our_roots_but_another_time_key_is_refused(
    ours: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, factory = ours
    copy = tmp_path / "copy"
    shutil.copytree(state, copy)
    (copy / "keys" / "time.keys.json").unlink()  # the server makes itself a new time key
    with serving(copy, tmp_path / "copy.sqlite") as url:
        assert main(up(url, tmp_path / "car", "--ota-factory", str(factory))) == 0
        assert "another time server key than the factory provisioned" in capsys.readouterr().err
    assert not (tmp_path / "car" / "credentials.json").exists()


def test_a_stored_car_reopened_with_another_factory_time_key_is_refused(
    ours: tuple[Path, Path], tmp_path: Path
) -> None:
    state, factory = ours
    other = tmp_path / "other-factory"
    export_factory(ceremony(tmp_path / "other"), other)
    clock = ManualClock(1_811_000_000.0)
    with serving(state, tmp_path / "ours.sqlite") as url:
        open_car(tmp_path / "car", server_url=url, clock=clock, factory=load_factory(factory))
        with pytest.raises(OtaTrustError, match="another time server key"):
            open_car(tmp_path / "car", server_url=url, clock=clock, factory=load_factory(other))


def test_registering_without_factory_or_explicit_trust_on_first_use_is_an_error(
    ours: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, _ = ours
    with serving(state, tmp_path / "ours.sqlite") as url:
        assert main(up(url, tmp_path / "car", "--ota-token", PROVISIONING)) == 2
        assert "--ota-factory DIR" in capsys.readouterr().err
        assert main(up(url, tmp_path / "car", "--ota-token", PROVISIONING,
                       "--ota-trust-on-first-use")) == 0  # fmt: skip
        out = capsys.readouterr().out
        assert "trust: ON FIRST USE (demo only)" in out


def test_a_broken_factory_directory_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "factory").mkdir()
    (tmp_path / "factory" / "director.root.json").write_text("{}")
    assert main(up("http://127.0.0.1:1", tmp_path / "car", "--ota-factory",
                   str(tmp_path / "factory"))) == 2  # fmt: skip
    assert "is incomplete" in capsys.readouterr().err


def test_a_factory_directory_without_the_token_takes_it_from_the_command_line(
    ours: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, _ = ours
    bare = tmp_path / "bare-factory"
    export_factory(state, bare)  # roots and time key only
    assert not (bare / "provisioning.token").exists()
    with serving(state, tmp_path / "ours.sqlite") as url:
        assert main(up(url, tmp_path / "car", "--ota-factory", str(bare), "--ota-token", "")) == 2
        assert "give the factory's provisioning token" in capsys.readouterr().err
        assert main(up(url, tmp_path / "car", "--ota-factory", str(bare),
                       "--ota-token", PROVISIONING)) == 0  # fmt: skip
        assert f"registered with {url}" in capsys.readouterr().out
