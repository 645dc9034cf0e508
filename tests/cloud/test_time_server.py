"""Issue 12, slice 3 (part): secure time. The car's freeze and expiry checks use time the
OTA server's time server attested over the car's own nonces, not the car's clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import urllib3

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.errors import OtaError, OtaMetadataError
from evtwin.ota import (
    AttestedClock,
    BootOutcome,
    ManualClock,
    OtaBackend,
    OtaCloudClient,
    Primary,
    build_vehicle,
    sign_envelope,
)

from .conftest import ADMIN, PROVISIONING
from .test_hardening import serving

IMAGE = b"DEFENDER-SPORT BMS 6.0.0\n" * 100


@pytest.fixture
def unmaintained(db: OtaDatabase) -> Iterator[tuple[OtaServer, str, ManualClock]]:
    """A server that stops re-signing (its metadata expires) with a time server."""
    clock = ManualClock()
    server = OtaServer(
        OtaBackend.create(clock),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        auto_assign=True,
        refreshing=False,
    )
    with serving(create_app(server)) as base:
        yield server, base, clock


def car(
    base: str, root: Path, vin: str, clock: ManualClock | AttestedClock
) -> tuple[Primary, OtaCloudClient]:
    cloud = OtaCloudClient(base)
    registered = {}

    def register(inv):  # type: ignore[no-untyped-def]
        reg = cloud.register(inv, PROVISIONING)
        registered["time_key"] = reg.time_key
        return reg

    primary = build_vehicle(
        vin=vin, root_dir=root, register=register, urls=cloud.urls(vin),
        fetcher=cloud.fetcher(), clock=clock,
    )  # fmt: skip
    if isinstance(clock, AttestedClock):
        assert registered["time_key"] is not None
        clock.pin_key(registered["time_key"])
    return primary, cloud


def test_a_car_on_attested_time_refuses_metadata_its_wound_back_clock_would_accept(
    unmaintained: tuple[OtaServer, str, ManualClock], tmp_path: Path
) -> None:
    server, base, server_clock = unmaintained
    rtc_a, rtc_b = ManualClock(server_clock.now()), ManualClock(server_clock.now())
    own, own_cloud = car(base, tmp_path / "a", "SALDS27A1RA000711", rtc_a)
    secure_clock = AttestedClock(tmp_path / "b-time.json", rtc_b)
    secure, secure_cloud = car(base, tmp_path / "b", "SALDS27A1RA000712", secure_clock)
    server.release("bms-6.0.0.img", IMAGE, ["ds-bms-r2"], 60)
    own_cloud.check_in(own)
    secure_cloud.check_in(secure)
    server_clock.advance(timedelta(days=3))  # every timestamp (1 day) expired, none re-signed
    # both cars' own clocks are stuck three days back (flat battery, tampered RTC)

    frozen = own.update()  # the car on its own clock takes the expired metadata
    assert frozen.outcomes == {"bms-0001": BootOutcome.COMMITTED}

    attested = secure_cloud.attest_time("SALDS27A1RA000712", secure_clock)
    assert attested == server_clock.now().replace(microsecond=0)
    with pytest.raises(OtaMetadataError, match="ExpiredMetadataError"):
        secure.update()
    assert secure.ecus["bms-0001"].slots.active is None


def test_attestations_are_bound_to_the_cars_nonce_and_never_go_back(
    unmaintained: tuple[OtaServer, str, ManualClock], tmp_path: Path
) -> None:
    server, base, server_clock = unmaintained
    rtc = ManualClock(server_clock.now())
    clock = AttestedClock(tmp_path / "time.json", rtc)
    vin = "SALDS27A1RA000713"
    _, cloud = car(base, tmp_path / "car", vin, clock)
    server_clock.advance(timedelta(hours=5))
    first = cloud.attest_time(vin, clock)
    auth = {"Authorization": f"Bearer {cloud.token}"}

    old = urllib3.request(
        "POST", f"{base}/api/v1/vehicles/{vin}/time", json={"nonces": ["ab" * 16]}, headers=auth
    ).json()  # an attestation over someone else's nonce (a replay)
    with pytest.raises(OtaMetadataError, match="none of this car's nonces"):
        clock.attest(old)
    nonce = clock.fresh_nonce()
    forged = server.attest_time(vin, [nonce])
    forged["signed"]["time"] = (first + timedelta(days=400)).isoformat()  # signature now wrong
    with pytest.raises(OtaMetadataError, match="signature"):
        clock.attest(forged)
    rtc.advance(timedelta(hours=3))  # the car's counter ran on 3 h; the server's time did not
    assert cloud.attest_time(vin, clock) == first  # not before the last attested: accepted
    assert clock.now() == first  # the car follows the time server, not its own counter
    wound_back = sign_envelope(  # a time server whose clock was set back signs an older time
        {"time": (first - timedelta(hours=1)).isoformat(), "nonces": [clock.fresh_nonce()]},
        server._time_signer,
    )
    with pytest.raises(OtaMetadataError, match="before the time already attested"):
        clock.attest(wound_back)
    assert clock.now() >= first
    reopened = AttestedClock(
        tmp_path / "time.json", ManualClock(server_clock.now() - timedelta(days=9))
    )
    assert reopened.now() >= first  # a restart never goes back past the last attestation
    bad = urllib3.request(
        "POST", f"{base}/api/v1/vehicles/{vin}/time", json={"nonces": "x"}, headers=auth
    )
    assert bad.status == 400
    with pytest.raises(OtaError, match="HTTP 401"):
        OtaCloudClient(base, token="t" * 40).attest_time(vin, clock)


def test_the_time_server_key_survives_a_restart(db: OtaDatabase, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = OtaServer(
        OtaBackend.open(state, ManualClock()), db, provisioning_token=PROVISIONING,
        admin_token=ADMIN, state_dir=state,
    )  # fmt: skip
    again = OtaServer(
        OtaBackend.open(state, ManualClock()), db, provisioning_token=PROVISIONING,
        admin_token=ADMIN, state_dir=state,
    )  # fmt: skip

    assert first.time_key == again.time_key  # cars' pinned key still verifies


def test_the_first_attestation_corrects_a_factory_clock_that_ran_ahead(
    unmaintained: tuple[OtaServer, str, ManualClock], tmp_path: Path
) -> None:
    server, base, server_clock = unmaintained
    ahead = ManualClock(server_clock.now() + timedelta(days=400))  # an RTC a year ahead
    clock = AttestedClock(tmp_path / "time.json", ahead)
    vin = "SALDS27A1RA000714"
    _, cloud = car(base, tmp_path / "car", vin, clock)
    assert clock.attested_at is None  # the factory's (wrong) time, not an attested one
    assert cloud.attest_time(vin, clock) == server_clock.now().replace(microsecond=0)
    assert clock.attested_at == server_clock.now().replace(microsecond=0)
    stale = sign_envelope(
        {"time": (server_clock.now() - timedelta(days=1)).isoformat(),
         "nonces": [clock.fresh_nonce()]},
        server._time_signer,
    )  # fmt: skip
    with pytest.raises(OtaMetadataError, match="before the time already attested"):
        clock.attest(stale)  # once attested, never back
