"""Finding 11 (issue 12): the offline keys stay offline.

The key ceremony writes the Image repository's root and targets keys and the Director's
root key to the key holders' directory only; the server, opened on its ``--state``, holds the
online keys. A release is signed at the key holders' side and uploaded as metadata. A search
of the server's state directory and database for every offline private key, in every
encoding we could think of, finds nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evtwin.cli.main import main
from evtwin.cloud import AdminClient, OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaError
from evtwin.ota import (
    BootOutcome,
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    SystemClock,
    build_vehicle,
    key_ceremony,
    offline_key_paths,
    sign_release,
)
from evtwin.ota.repository import Pkcs11Signer, Pkcs11Token

from .conftest import ADMIN, HSM_LABEL, HSM_PIN, PROVISIONING
from .test_hardening import serving

VIN = "SALDS27A1RA000311"
IMAGE = b"DEFENDER-SPORT BMS 4.0.0\n" * 300


def encodings(pem: str) -> dict[str, bytes]:
    """Every way a private key might sit on disk or in a database row."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    found = {
        "pem": pem.strip().encode(),
        "pem-body": body.encode(),
        "raw": raw,
        "der": der,
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "der-hex": der.hex().encode(),
        "base64": base64.b64encode(raw),
        "base64-unpadded": base64.b64encode(raw).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(raw).rstrip(b"="),
        "der-base64": base64.b64encode(der),
        "json-escaped-pem": json.dumps(pem.strip()).encode()[1:-1],
    }
    return found


def private_pems(path: Path) -> list[str]:
    doc = json.loads(path.read_text())
    return [pem for entry in doc.values() for pem in entry["keys"]]


def database_text(db: OtaDatabase) -> bytes:
    """Every row of every table of the server's database, as text."""
    tables = ["vehicles", "manifests", "campaigns", "audit_log", "release_approvals"]
    rows = [repr(db._q(f"SELECT * FROM {t}")) for t in tables]
    return "\n".join(rows).encode()


def leaks(haystacks: dict[str, bytes], pems: list[str]) -> list[str]:
    return [
        f"{name} ({kind}) in {where}"
        for i, pem in enumerate(pems)
        for kind, needle in encodings(pem).items()
        for where, hay in haystacks.items()
        if needle in hay
        for name in [f"key {i}"]
    ]


@pytest.fixture
def ceremony(tmp_path: Path) -> tuple[Path, Path, ManualClock]:
    clock = ManualClock()
    offline, state = tmp_path / "offline", tmp_path / "state"
    key_ceremony(offline, state, clock)
    return offline, state, clock


@pytest.fixture
def ceremony_server(
    ceremony: tuple[Path, Path, ManualClock], db: OtaDatabase
) -> Iterator[tuple[OtaServer, str]]:
    _, state, clock = ceremony
    server = OtaServer(
        OtaBackend.open(state, clock),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        state_dir=state,
    )
    with serving(create_app(server)) as base:
        yield server, base


def test_finding_11_a_ceremony_server_releases_only_what_the_key_holders_signed(
    ceremony: tuple[Path, Path, ManualClock],
    ceremony_server: tuple[OtaServer, str],
    tmp_path: Path,
) -> None:
    offline, state, clock = ceremony
    server, base = ceremony_server
    cloud = OtaCloudClient(base)
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=clock,
    )
    admin = AdminClient(base, ADMIN)

    upload = admin.release("bms-4.0.0.img", IMAGE, ["ds-bms-r2"], 40)
    assert upload["pending"] is True  # stored, listed nowhere, offered to no car
    assert admin.pending_images() == [
        {"name": "bms-4.0.0.img", "sha256": upload["hashes"]["sha256"], "approvals": ["admin"]}
    ]  # what the key holders have to sign
    assert server.backend.image_repo.get_image("bms-4.0.0.img") is None
    with pytest.raises(OtaError, match="not released"):
        admin.create_campaign({"name": "bms-4", "images": {"ds-bms-r2": "bms-4.0.0.img"}})
    with pytest.raises(OtaError, match=r"HTTP 400: .*offline"):
        admin.rotate_key("image", "timestamp")  # re-signs the root: the holders' job
    pending_url = f"{base}/image/targets/{upload['hashes']['sha256']}.bms-4.0.0.img"
    car_auth = {"Authorization": f"Bearer {cloud.token}"}
    assert urllib3.request("GET", pending_url, headers=car_auth).status == 404

    signed = sign_release(
        admin.targets_metadata(),
        name="bms-4.0.0.img",
        data=IMAGE,
        hardware_ids=["ds-bms-r2"],
        release_counter=40,
        offline_dir=offline,
        clock=clock,
    )
    assert admin.publish_targets(signed)["version"] == 2
    assert admin.pending_images() == []
    with pytest.raises(OtaError, match=r"HTTP 400: .*next version"):
        admin.publish_targets(signed)  # a replay of the same signed targets
    admin.create_campaign(
        {"name": "bms-4", "images": {"ds-bms-r2": "bms-4.0.0.img"}, "stages_percent": [100]}
    )
    admin.campaign("bms-4", "start")

    assert cloud.check_in(car) == {"bms-0001": "bms-4.0.0.img"}
    assert car.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}
    assert urllib3.request("GET", pending_url, headers=car_auth).status == 200

    # the server's state and database hold no offline private key, in any encoding
    haystacks = {str(p): p.read_bytes() for p in state.rglob("*") if p.is_file()}
    haystacks["database"] = database_text(server.db)
    offline_pems = [pem for path in offline_key_paths(offline) for pem in private_pems(path)]
    assert len(offline_pems) == 3 + 3 + 1  # Image root 2-of-3, targets 2-of-3, Director root
    assert leaks(haystacks, offline_pems) == []
    # the search would have found them: the online keys are there, as PEM
    online_pems = private_pems(state / "keys" / "image.keys.json")
    assert leaks(haystacks, online_pems)


def test_finding_11_targets_signed_below_the_threshold_or_unknown_are_refused(
    ceremony: tuple[Path, Path, ManualClock], ceremony_server: tuple[OtaServer, str]
) -> None:
    offline, _, clock = ceremony
    server, base = ceremony_server
    admin = AdminClient(base, ADMIN)
    admin.release("bms-4.0.0.img", IMAGE, ["ds-bms-r2"], 40)
    signed = json.loads(
        sign_release(
            admin.targets_metadata(),
            name="bms-4.0.0.img",
            data=IMAGE,
            hardware_ids=["ds-bms-r2"],
            release_counter=40,
            offline_dir=offline,
            clock=clock,
        )
    )
    one_of_three = {**signed, "signatures": signed["signatures"][:1]}  # threshold is 2

    with pytest.raises(OtaError, match=r"HTTP 400: .*signed targets"):
        admin.publish_targets(json.dumps(one_of_three).encode())
    unuploaded = sign_release(
        admin.targets_metadata(),
        name="tcu-9.img",
        data=b"never uploaded",
        hardware_ids=["ds-tcu-r1"],
        release_counter=1,
        offline_dir=offline,
        clock=clock,
    )
    with pytest.raises(OtaError, match=r"HTTP 422: .*no upload matches"):
        admin.publish_targets(unuploaded)
    assert server.backend.image_repo.targets_md.signed.version == 1


def test_finding_11_the_cli_runs_the_ceremony_and_signs_a_release(tmp_path: Path) -> None:
    offline, state = tmp_path / "offline", tmp_path / "state"

    code = main(["ota", "keys", "init", "--offline", str(offline), "--state", str(state)])

    assert code == 0
    assert {p.name for p in offline.iterdir()} == {
        "image.offline.keys.json",
        "director.offline.keys.json",
    }
    assert set(json.loads((state / "keys" / "image.keys.json").read_text())) == {
        "snapshot",
        "timestamp",
    }
    assert set(json.loads((state / "keys" / "director.keys.json").read_text())) == {
        "targets",
        "snapshot",
        "timestamp",
    }
    assert main(["ota", "keys", "init", "--offline", str(offline), "--state", str(state)]) == 2


def test_online_keys_in_a_pkcs11_token_sign_and_no_private_key_is_on_the_servers_disk(
    softhsm: Path, db: OtaDatabase, tmp_path: Path
) -> None:
    clock = ManualClock()
    offline, state = tmp_path / "offline", tmp_path / "state"
    token = Pkcs11Token(softhsm, HSM_LABEL, HSM_PIN)
    key_ceremony(offline, state, clock, token=token)
    server = OtaServer(
        OtaBackend.open(state, clock, pkcs11_pin=HSM_PIN),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        state_dir=state,
    )
    assert all(
        isinstance(s, Pkcs11Signer)
        for keys in (server.backend.image_repo.keys, server.backend.director.keys)
        for role, k in keys.items()
        if role in ("snapshot", "timestamp")
        or (keys is server.backend.director.keys and role != "root")
        for s in k.signers
    )
    with serving(create_app(server)) as base:
        cloud = OtaCloudClient(base)
        car = build_vehicle(
            vin=VIN,
            root_dir=tmp_path / "car",
            register=lambda inv: cloud.register(inv, PROVISIONING),
            urls=cloud.urls(VIN),
            fetcher=cloud.fetcher(),
            clock=clock,
        )
        admin = AdminClient(base, ADMIN)
        admin.release("bms-4.0.0.img", IMAGE, ["ds-bms-r2"], 40)
        admin.publish_targets(
            sign_release(
                admin.targets_metadata(),
                name="bms-4.0.0.img",
                data=IMAGE,
                hardware_ids=["ds-bms-r2"],
                release_counter=40,
                offline_dir=offline,
                clock=clock,
            )
        )
        admin.create_campaign(
            {"name": "bms-4", "images": {"ds-bms-r2": "bms-4.0.0.img"}, "stages_percent": [100]}
        )
        admin.campaign("bms-4", "start")
        assert cloud.check_in(car) == {"bms-0001": "bms-4.0.0.img"}
        assert car.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}

    files = {p: p.read_bytes() for p in state.rglob("*") if p.is_file()}
    assert not [p for p, data in files.items() if b"PRIVATE KEY" in data]  # no PEM at all
    assert server.time_key["keyid"] == server.backend.time_signer.public_key.keyid  # type: ignore[union-attr]
    assert not (state / "keys" / "image.keys.json").exists()
    reference = json.loads((state / "keys" / "online.pkcs11.json").read_text())
    assert set(reference["roles"]) == {
        "image/snapshot", "image/timestamp",
        "director/targets", "director/snapshot", "director/timestamp", "time/server",
    }  # fmt: skip
    offline_pems = [pem for path in offline_key_paths(offline) for pem in private_pems(path)]
    haystacks = {str(p): data for p, data in files.items()}
    haystacks["database"] = database_text(server.db)
    assert leaks(haystacks, offline_pems) == []
    server.close()


def test_the_cli_ceremony_puts_the_online_keys_in_the_pkcs11_token(
    softhsm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVTWIN_OTA_PKCS11_PIN", HSM_PIN)
    offline, state = tmp_path / "offline", tmp_path / "state"

    code = main(
        [
            "ota", "keys", "init", "--offline", str(offline), "--state", str(state),
            "--pkcs11-module", str(softhsm), "--pkcs11-token", HSM_LABEL,
        ]
    )  # fmt: skip

    assert code == 0
    assert sorted(p.name for p in (state / "keys").iterdir()) == [
        "director.root.json",
        "online.pkcs11.json",
    ]
    backend = OtaBackend.open(state, ManualClock())  # the PIN from the environment
    assert isinstance(backend.image_repo.keys["timestamp"].signers[0], Pkcs11Signer)
    assert (
        main(["ota", "keys", "init", "--state", str(tmp_path / "s2"), "--pkcs11-token", "x"]) == 2
    )


def test_the_cli_release_signs_with_the_key_holders_keys(
    db: OtaDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offline, state = tmp_path / "offline", tmp_path / "state"
    assert main(["ota", "keys", "init", "--offline", str(offline), "--state", str(state)]) == 0
    server = OtaServer(
        OtaBackend.open(state, SystemClock()),  # the CLI signs on real time too
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        state_dir=state,
    )
    image_file = tmp_path / "bms-4.0.0.img"
    image_file.write_bytes(IMAGE)
    capsys.readouterr()
    with serving(create_app(server)) as base:
        common = ["--hardware-id", "ds-bms-r2", "--server", base, "--admin-token", ADMIN]
        pending = main(["ota", "release", str(image_file), "--release-counter", "40", *common])
        assert pending == 0 and "pending" in capsys.readouterr().out
        assert server.backend.image_repo.get_image("bms-4.0.0.img") is None
        signed = main(
            ["ota", "release", str(image_file), "--release-counter", "40", *common, "--keys",
             str(offline), "--json"]
        )  # fmt: skip

    assert signed == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pending"] is False and out["targets_version"] == 2
    assert server.backend.image_repo.get_image("bms-4.0.0.img") is not None


def test_the_factory_pins_the_ceremony_roots_and_refuses_a_registration_naming_others(
    ceremony: tuple[Path, Path, ManualClock],
    ceremony_server: tuple[OtaServer, str],
    tmp_path: Path,
) -> None:
    """Issue 12, slice 3 (part): trusted roots come from the factory (the ceremony's
    output), not from the registration answer."""
    from evtwin.ota import Registration

    _, state, clock = ceremony
    _, base = ceremony_server
    factory = Registration(
        director_root=(state / "keys" / "director.root.json").read_bytes(),
        image_root=(state / "artifacts" / "image" / "metadata" / "1.root.json").read_bytes(),
    )
    cloud = OtaCloudClient(base)
    pinned = build_vehicle(
        vin=VIN, root_dir=tmp_path / "car", register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN), fetcher=cloud.fetcher(), clock=clock, factory_roots=factory,
    )  # fmt: skip
    assert pinned.ecus["bms-0001"].trusted_root.to_dict() == json.loads(factory.director_root)

    other_offline, other_state = tmp_path / "o-offline", tmp_path / "o-state"
    key_ceremony(other_offline, other_state, clock)  # a rogue server's own roots
    rogue_root = (other_state / "keys" / "director.root.json").read_bytes()
    rogue = OtaCloudClient(base)

    def lying_register(inv):  # type: ignore[no-untyped-def]
        reg = rogue.register(inv, PROVISIONING)
        return Registration(director_root=rogue_root, image_root=reg.image_root)

    with pytest.raises(OtaError, match="another Director root than the factory provisioned"):
        build_vehicle(
            vin="SALDS27A1RA000312", root_dir=tmp_path / "car2", register=lying_register,
            urls=rogue.urls("SALDS27A1RA000312"), fetcher=rogue.fetcher(), clock=clock,
            factory_roots=factory,
        )  # fmt: skip
