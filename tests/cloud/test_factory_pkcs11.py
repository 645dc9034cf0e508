"""Factory provisioning when the server's online keys (the time server key included) live in
a PKCS#11 token (SoftHSM2): the factory directory carries the token's time key, and a car
registered with it verifies the time the token signs. Over real HTTP."""

from __future__ import annotations

from pathlib import Path

from evtwin.cloud import OtaDatabase, OtaServer, create_app
from evtwin.ota import ManualClock, OtaBackend, export_factory, key_ceremony, load_factory
from evtwin.ota.repository import Pkcs11Token
from evtwin.runtime import open_car

from .conftest import ADMIN, HSM_LABEL, HSM_PIN, PROVISIONING
from .test_hardening import serving


def test_the_factory_hands_out_the_time_key_held_in_the_pkcs11_token(
    softhsm: Path, db: OtaDatabase, tmp_path: Path
) -> None:
    clock = ManualClock()
    state = tmp_path / "state"
    key_ceremony(tmp_path / "offline", state, clock, token=Pkcs11Token(softhsm, HSM_LABEL, HSM_PIN))
    made = export_factory(state, tmp_path / "factory", provisioning_token=PROVISIONING)
    assert not (state / "keys" / "time.keys.json").exists()  # no PEM time key was made
    server = OtaServer(
        OtaBackend.open(state, clock, pkcs11_pin=HSM_PIN),
        db,
        provisioning_token=PROVISIONING,
        admin_token=ADMIN,
        state_dir=state,
    )
    assert made.time_key == server.time_key  # the token's key, as the server signs with it
    with serving(create_app(server)) as base:
        car = open_car(
            tmp_path / "car",
            server_url=base,
            clock=ManualClock(clock.now_s()),
            factory=load_factory(tmp_path / "factory"),
        )
        assert car.secure_time and car.registered_now
        car.link.check_in(car.primary)  # each ECU verified the token-signed time
        assert car.link.clocks[0].attested_at is not None
