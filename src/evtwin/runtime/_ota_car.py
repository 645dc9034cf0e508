"""Attach the running car to an OTA server: provision once, reopen from its storage after.

The car's storage directory holds everything that must survive a restart of ``evtwin up``:
the ECUs' private keys and the vehicle's bearer token (owner-only files), the pinned roots
and trusted metadata of both repositories, and each ECU's A/B slots.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evtwin.clock import Clock
from evtwin.errors import OtaError
from evtwin.ota import (
    DEFENDER_SPORT_ECUS,
    Consent,
    Ecu,
    EcuSpec,
    HealthCheck,
    OtaCloudClient,
    Primary,
    Registration,
    RoleKeys,
    VehicleInventory,
    build_vehicle,
    default_health_check,
    load_keys,
    save_keys,
)
from evtwin.runtime._ota import CheckIn

__all__ = ["CloudLink", "OtaCar", "open_car"]

DEFAULT_VIN = "SALDS27A1RA000001"


class CloudLink:
    """:class:`~evtwin.runtime._ota.OtaLink` over HTTP(S) to ``evtwin ota server``."""

    def __init__(self, client: OtaCloudClient) -> None:
        self.client = client

    def check_in(self, primary: Primary) -> CheckIn:
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


def _write_private(path: Path, data: dict[str, str]) -> None:
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
) -> OtaCar:
    """The car stored in ``car_dir``, or a new one registered with the server at
    ``server_url`` using the factory's ``provisioning_token`` (first start only).

    Raises:
        OtaError: no car stored and no provisioning token; registration refused; a stored car
            that belongs to another server or is damaged.
    """
    credentials = car_dir / "credentials.json"
    keys_path = car_dir / "ecu-keys.json"
    checks = dict(health_checks or {})
    client = OtaCloudClient(server_url)
    if credentials.exists():
        try:
            cred = json.loads(credentials.read_text())
            stored_vin, token, stored_url = str(cred["vin"]), str(cred["token"]), cred["server"]
        except (OSError, ValueError, KeyError) as e:
            raise OtaError(f"{credentials} is damaged: {e}") from e
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
        built = [
            Ecu(
                serial=s.serial,
                hardware_id=s.hardware_id,
                signer=signers[s.serial].signers[0],
                root_dir=car_dir / "ecus" / s.serial,
                director_root=director_root,
                clock=clock,
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
            clock=clock,
            image_root=image_root,
            director_root=director_root,
        )
        return OtaCar(primary=primary, link=CloudLink(client), registered_now=False)
    if not provisioning_token:
        raise OtaError(
            f"no car is stored in {car_dir}: give the factory's provisioning token "
            "(--ota-token or EVTWIN_OTA_PROVISIONING_TOKEN) to register it"
        )

    def register(inventory: VehicleInventory) -> Registration:
        return client.register(inventory, provisioning_token)

    primary = build_vehicle(
        vin=vin,
        root_dir=car_dir,
        register=register,
        urls=client.urls(vin),
        fetcher=client.fetcher(),
        clock=clock,
        ecus=ecus,
        health_checks=checks,
    )
    save_keys(
        keys_path,
        {
            serial: RoleKeys(signers=(ecu.signer,), threshold=1)
            for serial, ecu in primary.ecus.items()
        },
    )
    _write_private(credentials, {"vin": vin, "token": client.token or "", "server": server_url})
    return OtaCar(primary=primary, link=CloudLink(client), registered_now=True)
