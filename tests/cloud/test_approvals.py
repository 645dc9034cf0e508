"""Issue 12, slice 2: a release reaches cars only after two admin identities approved it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from evtwin.cloud import AdminClient, OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaError
from evtwin.ota import BootOutcome, ManualClock, OtaBackend, OtaCloudClient, build_vehicle

from .conftest import ADMIN, PROVISIONING
from .test_hardening import serving

VIN = "SALDS27A1RA000511"
ALICE, BOB = "alice-token-0123456789", "bob-token-0123456789ab"
IMAGE = b"DEFENDER-SPORT BMS 5.0.0\n" * 100
CAMPAIGN = {"name": "bms-5", "images": {"ds-bms-r2": "bms-5.0.0.img"}, "stages_percent": [100]}


@pytest.fixture
def two_person(db: OtaDatabase) -> Iterator[tuple[OtaServer, str]]:
    server = OtaServer(
        OtaBackend.create(ManualClock()),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        admin_tokens={"alice": ALICE, "bob": BOB},
        approvals_required=2,
    )
    with serving(create_app(server)) as base:
        yield server, base


def test_a_release_needs_two_admin_identities_before_a_campaign_offers_it(
    two_person: tuple[OtaServer, str], tmp_path: Path
) -> None:
    server, base = two_person
    cloud = OtaCloudClient(base)
    car = build_vehicle(
        vin=VIN,
        root_dir=tmp_path / "car",
        register=lambda inv: cloud.register(inv, PROVISIONING),
        urls=cloud.urls(VIN),
        fetcher=cloud.fetcher(),
        clock=server.backend.clock,
    )
    alice, bob = AdminClient(base, ALICE), AdminClient(base, BOB)

    assert alice.release("bms-5.0.0.img", IMAGE, ["ds-bms-r2"], 50)["approvals"] == ["alice"]
    with pytest.raises(OtaError, match=r"needs 2 approvals .* has 1 \(alice\)"):
        alice.create_campaign(CAMPAIGN)
    assert alice.approve("bms-5.0.0.img")["approved"] is False  # the same person twice
    with pytest.raises(OtaError, match="has 1"):
        alice.create_campaign(CAMPAIGN)
    assert cloud.check_in(car) == {}  # nothing reached the car meanwhile

    assert bob.approve("bms-5.0.0.img") == {
        "name": "bms-5.0.0.img",
        "sha256": hashlib.sha256(IMAGE).hexdigest(),
        "approvals": ["alice", "bob"],
        "required": 2,
        "approved": True,
    }
    alice.create_campaign(CAMPAIGN)
    alice.campaign("bms-5", "start")

    assert cloud.check_in(car) == {"bms-0001": "bms-5.0.0.img"}
    assert car.update().outcomes == {"bms-0001": BootOutcome.COMMITTED}
    identities = [(e["action"], e["identity"]) for e in server.db.audit_log()]
    assert ("POST /api/v1/images/bms-5.0.0.img/approve", "bob") in identities
    assert ("PUT /api/v1/images/bms-5.0.0.img", "alice") in identities


def test_approving_a_release_nobody_uploaded_is_refused(two_person: tuple[OtaServer, str]) -> None:
    _, base = two_person
    with pytest.raises(OtaError, match=r"HTTP 422: no release 'ghost\.img' was uploaded"):
        AdminClient(base, BOB).approve("ghost.img")


def test_two_approvals_need_two_identities_and_exclude_auto_assignment(
    db: OtaDatabase,
) -> None:
    backend = OtaBackend.create(ManualClock())
    tokens = {"provisioning_token": PROVISIONING, "admin_token": ADMIN}
    with pytest.raises(OtaError, match="2 approvals cannot come from 1 admin identities"):
        OtaServer(backend, db, **tokens, approvals_required=2)
    with pytest.raises(OtaError, match="auto_assign"):
        OtaServer(
            backend, db, **tokens, admin_tokens={"alice": ALICE}, approvals_required=2,
            auto_assign=True,
        )  # fmt: skip
    with pytest.raises(OtaError, match="distinct tokens"):
        OtaServer(backend, db, **tokens, admin_tokens={"alice": ADMIN})


def test_approvals_are_of_content_not_of_a_name(db: OtaDatabase, tmp_path: Path) -> None:
    """On a ceremony server uploads stay pending: bob approves alice's upload, then alice
    uploads other bytes under the same name and the key holders sign those. Bob's approval
    was of the first content, so the campaign is refused."""
    from evtwin.ota import key_ceremony, sign_release

    clock = ManualClock()
    offline, state = tmp_path / "offline", tmp_path / "state"
    key_ceremony(offline, state, clock)
    server = OtaServer(
        OtaBackend.open(state, clock),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        admin_tokens={"alice": ALICE, "bob": BOB},
        approvals_required=2,
        state_dir=state,
    )
    other = b"DEFENDER-SPORT BMS 5.0.0 (swapped)\n" * 100
    with serving(create_app(server)) as base:
        alice, bob = AdminClient(base, ALICE), AdminClient(base, BOB)
        assert alice.release("bms-5.0.0.img", IMAGE, ["ds-bms-r2"], 50)["pending"] is True
        assert bob.approve("bms-5.0.0.img")["approvals"] == ["alice", "bob"]
        alice.release("bms-5.0.0.img", other, ["ds-bms-r2"], 50)  # same name, other bytes
        with pytest.raises(OtaError, match="2 uploads are named"):
            bob.approve("bms-5.0.0.img")  # which one? bob must say
        alice.publish_targets(
            sign_release(
                alice.targets_metadata(), name="bms-5.0.0.img", data=other,
                hardware_ids=["ds-bms-r2"], release_counter=50, offline_dir=offline, clock=clock,
            )
        )  # fmt: skip

        with pytest.raises(OtaError, match=r"has 1 \(alice\)"):
            alice.create_campaign(CAMPAIGN)
        bob.approve("bms-5.0.0.img")  # now the released content is unambiguous
        alice.create_campaign(CAMPAIGN)
