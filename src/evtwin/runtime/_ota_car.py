"""Attach the running car to an OTA server: provision once, reopen from its storage after.

The car's storage directory holds everything that must survive a restart of ``evtwin up``:
the ECUs' private keys and the vehicle's bearer token (owner-only files), the pinned roots
and trusted metadata of both repositories, each ECU's A/B slots, and each ECU's last attested
time with the time server key pinned at registration (``ecus/<serial>/attested_time.json``).

Secure time (default): every ECU checks metadata expiry on its own :class:`AttestedClock`,
never on the car's clock. Before each check-in the link asks the time server for the time
over one fresh nonce per ECU and each ECU verifies the signed answer itself; between
check-ins each clock runs on by the car's monotonic counter. A car whose clock is wrong (a
flat 12 V battery, a tampered RTC) still judges expiry by attested time.

Token rotation (default every day of attested time): at a check-in the link swaps the car's
bearer token for a fresh one (the server refuses the old one from then on) and stores it
before anything else. The link marks the rotation pending (durably) before it asks; if the
answer is lost, the next check-in completes it first with the token it still holds, which the
server accepts for that one route within a short grace (``OtaServer(token_grace_s=…)``);
once the new token is stored the car confirms it, which ends the grace at once.
The MQTT telemetry login stays the one derived at registration (``mqtt_password`` in
``credentials.json``): the broker's password file is written once, at the factory.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from evtwin.clock import Clock
from evtwin.errors import OtaError, OtaTrustError
from evtwin.ota import (
    DEFENDER_SPORT_ECUS,
    AttestedClock,
    Consent,
    Ecu,
    EcuSpec,
    FactoryTrust,
    HealthCheck,
    HttpConfig,
    OtaCloudClient,
    Primary,
    Registration,
    RoleKeys,
    VehicleInventory,
    build_vehicle,
    check_registration,
    default_health_check,
    load_keys,
    save_keys,
)
from evtwin.runtime._ota import CheckIn

__all__ = ["DEFAULT_TOKEN_ROTATION_S", "CloudLink", "OtaCar", "open_car"]

DEFAULT_VIN = "SALDS27A1RA000001"
DEFAULT_TOKEN_ROTATION_S = 86400.0
"""Seconds (of the car's secure time) a bearer token is used before the car rotates it
(assumption: daily, so a leaked token is good for a day at most)."""


class CloudLink:
    """:class:`~evtwin.runtime._ota.OtaLink` over HTTP(S) to ``evtwin ota server``.

    Args:
        client: the car's HTTP client (holds its bearer token).
        clocks: the ECUs' attested clocks, the Primary's first (empty: the car runs on its
            own clock and asks no time server).
        credentials: where the car keeps its token (rewritten at each rotation).
        clock: the car's time when it has no attested clocks.
        token_rotation_s: rotate the token once it is this old (``None``: never).
    """

    def __init__(
        self,
        client: OtaCloudClient,
        *,
        vin: str = "",
        clocks: Sequence[AttestedClock] = (),
        credentials: Path | None = None,
        clock: Clock | None = None,
        token_rotation_s: float | None = None,
    ) -> None:
        if token_rotation_s is not None and not token_rotation_s > 0:
            raise OtaError(f"token rotation interval must be positive, got {token_rotation_s} s")
        self.client = client
        self.vin = vin
        self.clocks = list(clocks)
        self.credentials = credentials
        self._clock = clock
        self.token_rotation_s = token_rotation_s
        self.rotations = 0  # tokens rotated by this link

    def now(self) -> datetime | None:
        """The car's secure time: its Primary's attested clock (else its own clock)."""
        if self.clocks:
            return self.clocks[0].now()
        return None if self._clock is None else self._clock.now()

    def attest_time(self) -> datetime | None:
        """Ask the time server for the time over a nonce of every ECU (each verifies it)."""
        if not self.clocks:
            return None
        return self.client.attest_time_for(self.vin, self.clocks)

    def rotation_pending(self) -> bool:
        """Whether a rotation was sent but its answer never stored (lost, or the car
        stopped): the car still holds the token before it."""
        if self.credentials is None or not self.credentials.exists():
            return False
        return bool(_read_credentials(self.credentials).get("rotating"))

    def rotate_token_if_due(self) -> bool:
        """Rotate the bearer token once it is :attr:`token_rotation_s` old (by the car's
        secure time), or at once if a rotation is pending (its answer was lost: the server
        lets the old token complete it within its grace); the fresh token is stored at
        once. Returns whether it rotated.

        Raises:
            OtaDownloadError, OtaError: no answer (the rotation stays pending), or refused.
        """
        if self.credentials is None:
            return False
        cred = _read_credentials(self.credentials)
        pending = bool(cred.get("rotating"))
        now = self.now()
        if not pending:
            if self.token_rotation_s is None or now is None:
                return False
            issued = cred.get("token_issued")
            try:
                issued_at = datetime.fromisoformat(str(issued)) if issued else None
            except ValueError:
                issued_at = None
            if issued_at is None:  # a car stored before rotation: start counting now
                _write_private(self.credentials, {**cred, "token_issued": now.isoformat()})
                return False
            if now - issued_at < timedelta(seconds=self.token_rotation_s):
                return False
        if "mqtt_password" not in cred:  # keep the telemetry login made at the factory
            cred["mqtt_password"] = _mqtt_password(self.client.token or "")
        # durable before the request: if the answer is lost, the next cycle completes it
        _write_private(self.credentials, {**cred, "rotating": True})
        self.client.rotate_token(self.vin)
        cred.pop("rotating", None)
        issued_now = now.isoformat() if now is not None else str(cred.get("token_issued", ""))
        _write_private(
            self.credentials,
            {**cred, "token": self.client.token or "", "token_issued": issued_now},
        )
        self.rotations += 1
        # stored: end the old token's grace (else it ends by itself on the server)
        with contextlib.suppress(OtaError):
            self.client.confirm_token(self.vin)
        return True

    def check_in(self, primary: Primary) -> CheckIn:
        if self.rotation_pending():  # first: the time server refuses the token before it
            self.rotate_token_if_due()
        self.attest_time()  # expiry checks of this cycle run on the time just attested
        self.rotate_token_if_due()
        assigned = self.client.check_in(primary)
        try:
            consent = Consent(self.client.last_consent)
        except ValueError as e:
            raise OtaError(f"server named an unknown consent mode {e}") from e
        return CheckIn(assigned=assigned, consent=consent)


@dataclass(frozen=True, kw_only=True)
class OtaCar:
    """A car attached to a server: its Primary, its link, and whether it registered now."""

    primary: Primary
    link: CloudLink
    registered_now: bool
    secure_time: bool = False  # whether the ECUs check expiry on attested time


def _mqtt_password(token: str) -> str:
    from evtwin.telemetry import mqtt_password  # only for cars that rotate their token

    return mqtt_password(token)


def _read_credentials(path: Path) -> dict[str, Any]:
    try:
        cred = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise OtaError(f"{path} is damaged: {e}") from e
    if not isinstance(cred, dict):
        raise OtaError(f"{path} is damaged: not a JSON object")
    return cred


def _ecu_clocks(car_dir: Path, ecus: Sequence[EcuSpec], clock: Clock) -> dict[str, AttestedClock]:
    return {
        s.serial: AttestedClock(car_dir / "ecus" / s.serial / "attested_time.json", clock)
        for s in ecus
    }


def _factory_key_id(key: Mapping[str, Any]) -> str:
    """The key id of a time server key as the factory gives it."""
    return str(key.get("keyid", ""))


def _write_private(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def open_car(
    car_dir: Path,
    *,
    server_url: str,
    clock: Clock,
    provisioning_token: str | None = None,
    vin: str = DEFAULT_VIN,
    ecus: Sequence[EcuSpec] = DEFENDER_SPORT_ECUS,
    health_checks: Mapping[str, HealthCheck] | None = None,
    secure_time: bool = True,
    token_rotation_s: float | None = DEFAULT_TOKEN_ROTATION_S,
    http: HttpConfig | None = None,
    factory: FactoryTrust | None = None,
    trust_on_first_use: bool = False,
) -> OtaCar:
    """The car stored in ``car_dir``, or a new one registered with the server at
    ``server_url`` using the factory's ``provisioning_token`` (first start only; if not
    given, the one in ``factory``).

    ``factory``: what the factory provisioned (:func:`~evtwin.ota.load_factory`): the car
    pins those roots and that time server key, and refuses a registration answer naming
    others (a stored car: refuses if its pinned time key is not the factory's).
    ``trust_on_first_use``: without ``factory``, pin whatever the registration answer
    names (a demo on one laptop only; a server with other keys is then trusted). One of the
    two is needed to register a car.

    ``secure_time``: each ECU checks expiry on attested time (the time server key is pinned
    from the factory, else from the registration answer); False runs every check on
    ``clock`` (the car's own, which a tampered RTC can wind back: for comparison only). A
    car stored before secure time existed (no pinned time key) runs on ``clock``;
    :attr:`OtaCar.secure_time` says which.
    ``token_rotation_s``: rotate the bearer token once it is this old (``None``: never).
    ``http``: TLS settings (CA file, the car's client certificate for mutual TLS).

    Raises:
        OtaTrustError: the server's roots or time key are not the factory's (nothing of the
            car is stored: its keys, token and roots are not written).
        OtaError: no car stored and no provisioning token, or neither ``factory`` nor
            ``trust_on_first_use``; registration refused; a stored car that belongs to
            another server or is damaged.
    """
    credentials = car_dir / "credentials.json"
    keys_path = car_dir / "ecu-keys.json"
    checks = dict(health_checks or {})
    client = OtaCloudClient(server_url, config=http)

    def link(vin: str, clocks: Sequence[AttestedClock]) -> CloudLink:
        return CloudLink(
            client,
            vin=vin,
            clocks=clocks,
            credentials=credentials,
            clock=clock,
            token_rotation_s=token_rotation_s,
        )

    if credentials.exists():
        cred = _read_credentials(credentials)
        try:
            stored_vin, token, stored_url = str(cred["vin"]), str(cred["token"]), cred["server"]
        except KeyError as e:
            raise OtaError(f"{credentials} is damaged: no {e}") from e
        if stored_url.rstrip("/") != server_url.rstrip("/"):
            raise OtaError(
                f"the car in {car_dir} is registered with {stored_url}, not {server_url}"
            )
        client.token = token
        signers = load_keys(keys_path)
        roots = car_dir / "primary"
        try:
            director_root = (roots / "director" / "root.json").read_bytes()
            image_root = (roots / "image" / "root.json").read_bytes()
        except OSError as e:
            raise OtaError(f"{car_dir} holds no pinned roots: {e}") from e
        clocks: dict[str, AttestedClock] = {}
        if secure_time:
            clocks = _ecu_clocks(car_dir, ecus, clock)
            if any(c.time_key is None for c in clocks.values()):
                clocks = {}  # stored before secure time: no time server key was pinned
        if factory is not None and clocks:
            want = _factory_key_id(factory.time_key)
            if any(c.time_key is not None and c.time_key.keyid != want for c in clocks.values()):
                raise OtaTrustError(
                    f"the car in {car_dir} pinned another time server key than the factory "
                    "provisioned"
                )
        built = [
            Ecu(
                serial=s.serial,
                hardware_id=s.hardware_id,
                signer=signers[s.serial].signers[0],
                root_dir=car_dir / "ecus" / s.serial,
                director_root=director_root,
                clock=clocks.get(s.serial, clock),
                health_check=checks.get(s.serial, default_health_check),
            )
            for s in ecus
        ]
        primary = Primary(
            vin=stored_vin,
            ecu=built[0],
            secondaries={e.serial: e for e in built[1:]},
            storage_dir=roots,
            urls=client.urls(stored_vin),
            fetcher=client.fetcher(),
            clock=clocks.get(ecus[0].serial, clock),
            image_root=image_root,
            director_root=director_root,
        )
        return OtaCar(
            primary=primary,
            link=link(stored_vin, list(clocks.values())),
            registered_now=False,
            secure_time=bool(clocks),
        )
    if not provisioning_token and factory is not None:
        provisioning_token = factory.provisioning_token
    if factory is None and not trust_on_first_use:
        raise OtaError(
            f"no car is stored in {car_dir} and no factory provisioning was given: pass the "
            "factory's roots and time key (--ota-factory DIR, made by `evtwin ota keys "
            "factory`), or for a demo on one machine --ota-trust-on-first-use"
        )
    if not provisioning_token:
        raise OtaError(
            f"no car is stored in {car_dir}: give the factory's provisioning token "
            "(--ota-token or EVTWIN_OTA_PROVISIONING_TOKEN) to register it"
        )
    new_clocks = _ecu_clocks(car_dir, ecus, clock) if secure_time else {}
    if factory is not None:
        for c in new_clocks.values():
            c.pin_key(factory.time_key)  # before any answer: the factory's, never the server's
    answered: list[Registration] = []

    def register(inventory: VehicleInventory) -> Registration:
        reg = client.register(inventory, provisioning_token)
        if factory is not None:
            check_registration(factory, reg, server_url)
        elif new_clocks:
            if reg.time_key is None:
                raise OtaError(f"{server_url} runs no time server: no time key at registration")
            for c in new_clocks.values():
                c.pin_key(reg.time_key)
        answered.append(reg)
        return reg

    primary = build_vehicle(
        vin=vin,
        root_dir=car_dir,
        register=register,
        urls=client.urls(vin),
        fetcher=client.fetcher(),
        clock=clock,
        ecus=ecus,
        health_checks=checks,
        ecu_clocks=new_clocks,
        factory_roots=None if factory is None else factory.roots,
    )
    save_keys(
        keys_path,
        {
            serial: RoleKeys(signers=(ecu.signer,), threshold=1)
            for serial, ecu in primary.ecus.items()
        },
    )
    token = client.token or ""
    now = next(iter(new_clocks.values())).now() if new_clocks else clock.now()
    _write_private(
        credentials,
        {
            "vin": vin,
            "token": token,
            "server": server_url,
            "token_issued": now.isoformat(),
            "mqtt_password": _mqtt_password(token),
        },
    )
    return OtaCar(
        primary=primary,
        link=link(vin, list(new_clocks.values())),
        registered_now=True,
        secure_time=bool(new_clocks),
    )
