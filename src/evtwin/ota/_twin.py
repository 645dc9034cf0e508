"""Wire a whole OTA world in one process: repositories, a vehicle, its ECUs.

Used by ``evtwin ota demo``, by the vehicle runtime and by the tests. A vehicle's simulated
ECUs are data (``evtwin/data/ota/ecus/<vehicle>.toml``, read by :func:`load_ecus`); the
Defender Sport's are :data:`DEFENDER_SPORT_ECUS`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from securesystemslib.signer import Signer
from tuf.api.metadata import Metadata, Root
from tuf.ngclient import FetcherInterface

from evtwin.clock import Clock
from evtwin.errors import DataFileError, OtaError, OtaKeyError, OtaMetadataError
from evtwin.ota._crypt import public_hex
from evtwin.ota._inventory import EcuRecord, Registration, VehicleInventory
from evtwin.ota._keys import RoleKeys, generate_signer, load_keys, save_keys
from evtwin.ota._store import ArtifactStore, DirectoryStore, MemoryStore
from evtwin.ota.repository import (
    TOP_LEVEL_ROLES,
    Director,
    ImageRepository,
    load_pkcs11_keys,
    offline_role_keys,
    pkcs11_keys_path,
)
from evtwin.ota.vehicle import (
    Ecu,
    HealthCheck,
    Primary,
    RepositoryUrls,
    StoreFetcher,
    WatchdogConfig,
    default_health_check,
)

__all__ = [
    "DEFENDER_SPORT_ECUS",
    "EcuSpec",
    "OtaBackend",
    "Register",
    "Registration",
    "build_vehicle",
    "director_root_path",
    "generate_keys",
    "key_paths",
    "load_ecus",
    "provision_vehicle",
]


@dataclass(frozen=True, kw_only=True)
class EcuSpec:
    """A simulated ECU to build: serial and hardware ID."""

    serial: str
    hardware_id: str


_VEHICLE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def load_ecus(vehicle: str) -> tuple[EcuSpec, ...]:
    """The ECUs of ``vehicle`` (catalogue id) that take updates, the Primary first: the one
    loader of ``evtwin/data/ota/ecus/<vehicle>.toml``."""
    if not _VEHICLE_ID.match(vehicle):
        raise OtaError(f"vehicle id {vehicle!r} must match {_VEHICLE_ID.pattern}")
    path = resources.files("evtwin") / "data" / "ota" / "ecus" / f"{vehicle}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OtaError(f"no ECU list for vehicle {vehicle!r} (data/ota/ecus/)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"ECU list of {vehicle!r}: {e}") from e
    rows = data.get("ecu")
    if not isinstance(rows, list) or not rows:
        raise DataFileError(f"ECU list of {vehicle!r}: needs at least one [[ecu]] table")
    ecus: list[EcuSpec] = []
    for i, row in enumerate(rows, start=1):
        serial, hw = (
            row.get(k) if isinstance(row, dict) else None for k in ("serial", "hardware_id")
        )
        if not isinstance(serial, str) or not isinstance(hw, str):
            raise DataFileError(
                f"ECU list of {vehicle!r}: [[ecu]] number {i} needs string serial and hardware_id"
            )
        ecus.append(EcuSpec(serial=serial, hardware_id=hw))
    if len({e.serial for e in ecus}) != len(ecus):
        raise DataFileError(f"ECU list of {vehicle!r}: serials must be unique")
    return tuple(ecus)


DEFENDER_SPORT_ECUS: tuple[EcuSpec, ...] = load_ecus("defender-sport")
"""The Defender Sport's ECUs: the Primary (telematics control unit), then the Secondaries."""


def key_paths(state_dir: Path) -> tuple[Path, Path]:
    """Where the Image repository's and the Director's key sets are kept."""
    return state_dir / "keys" / "image.keys.json", state_dir / "keys" / "director.keys.json"


def director_root_path(state_dir: Path) -> Path:
    """Where a server made by the key ceremony keeps the Director root signed offline."""
    return state_dir / "keys" / "director.root.json"


def generate_keys(
    offline_keys: int = 3, offline_threshold: int = 2
) -> tuple[dict[str, RoleKeys], dict[str, RoleKeys]]:
    """Fresh key sets: Image root and targets ``offline_threshold``-of-``offline_keys``; one
    online key each for Image snapshot/timestamp and for every Director role."""
    image_keys = {
        "root": RoleKeys.generate(offline_keys, offline_threshold),
        "targets": RoleKeys.generate(offline_keys, offline_threshold),
        "snapshot": RoleKeys.generate(),
        "timestamp": RoleKeys.generate(),
    }
    return image_keys, {role: RoleKeys.generate() for role in TOP_LEVEL_ROLES}


@dataclass
class OtaBackend:
    """The cloud side: a store, an Image repository and a Director sharing one clock."""

    store: ArtifactStore
    clock: Clock
    image_repo: ImageRepository
    director: Director
    time_signer: Signer | None = None  # the time server's key, when it lives in a PKCS#11 token

    @classmethod
    def create(
        cls,
        clock: Clock,
        *,
        store: ArtifactStore | None = None,
        offline_keys: int = 3,
        offline_threshold: int = 2,
        keys: tuple[dict[str, RoleKeys], dict[str, RoleKeys]] | None = None,
    ) -> OtaBackend:
        """New repositories with ``keys`` (Image, Director) or fresh ones from
        :func:`generate_keys`."""
        store = store if store is not None else MemoryStore()
        image_keys, director_keys = keys or generate_keys(offline_keys, offline_threshold)
        image_repo = ImageRepository(keys=image_keys, store=store, clock=clock)
        director = Director(keys=director_keys, store=store, clock=clock, image_repo=image_repo)
        return cls(store=store, clock=clock, image_repo=image_repo, director=director)

    @classmethod
    def open(
        cls,
        state_dir: Path,
        clock: Clock,
        *,
        store: ArtifactStore | None = None,
        pkcs11_pin: str | None = None,
    ) -> OtaBackend:
        """A backend that survives restarts: keys under ``state_dir``, artefacts there too
        unless ``store`` (e.g. an S3 bucket) is given.

        Keys come from ``state_dir/keys`` (made by ``evtwin ota keys init``, or generated and
        saved owner-only on first use). Repositories are reopened from their published
        metadata, or created if nothing is published yet. Vehicles are restored by the caller
        (:meth:`Director.restore_vehicle`), which holds the inventory. In the twin the Image
        repository's offline keys sit there too; a production deployment keeps them off the
        server.
        """
        store = store if store is not None else DirectoryStore(state_dir / "artifacts")
        image_keys_path, director_keys_path = key_paths(state_dir)
        hsm_path = pkcs11_keys_path(state_dir)
        keys: tuple[dict[str, RoleKeys], dict[str, RoleKeys]]
        time_signer: Signer | None = None
        if hsm_path.exists():  # online keys in a PKCS#11 token (pin: argument or env)
            in_token = load_pkcs11_keys(hsm_path, pkcs11_pin)
            keys = (
                {r.split("/")[1]: k for r, k in in_token.items() if r.startswith("image/")},
                {r.split("/")[1]: k for r, k in in_token.items() if r.startswith("director/")},
            )
            if "time/server" in in_token:
                time_signer = in_token["time/server"].signers[0]
        elif not image_keys_path.exists():
            backend = cls.create(clock, store=store)
            backend.save_keys(state_dir)
            return backend
        else:
            keys = (load_keys(image_keys_path), load_keys(director_keys_path))
        signed_root_path = director_root_path(state_dir)
        signed_root = signed_root_path.read_bytes() if signed_root_path.exists() else None
        published_root = store.get("image/metadata/root.json")
        if "root" not in keys[0] or "root" not in keys[1]:  # made by the key ceremony
            if published_root is None or signed_root is None:
                raise OtaKeyError(
                    f"{state_dir} holds online keys only, but the ceremony's signed roots are "
                    "missing (image/metadata/root.json, keys/director.root.json)"
                )
            image_root = Metadata[Root].from_bytes(published_root).signed
            for role in ("root", "targets"):
                keys[0].setdefault(role, offline_role_keys(image_root, role))
            director_root = Metadata[Root].from_bytes(signed_root).signed
            keys[1].setdefault("root", offline_role_keys(director_root, "root"))
        if published_root is None:
            return cls.create(clock, store=store, keys=keys)
        image_repo = ImageRepository.load(prefix="image", keys=keys[0], store=store, clock=clock)
        director = Director(
            keys=keys[1], store=store, clock=clock, image_repo=image_repo, signed_root=signed_root
        )
        return cls(
            store=store,
            clock=clock,
            image_repo=image_repo,
            director=director,
            time_signer=time_signer,
        )

    def save_keys(self, state_dir: Path) -> None:
        """Save both repositories' key sets (call again after a rotation).

        Raises:
            OtaKeyError: keys held in a PKCS#11 token (nothing to save; rotate at a
                ceremony).
        """
        if pkcs11_keys_path(state_dir).exists():
            raise OtaKeyError("the online keys live in a PKCS#11 token: rotate at a ceremony")
        image_path, director_path = key_paths(state_dir)
        save_keys(image_path, self.image_repo.keys)
        save_keys(director_path, self.director.keys)

    def fetcher(self) -> StoreFetcher:
        """An in-memory transport onto this backend's store."""
        return StoreFetcher(self.store, "mem://")

    def urls(self, vin: str, base: str = "mem://") -> RepositoryUrls:
        return RepositoryUrls(
            director_metadata=f"{base}director/{vin}/metadata/",
            image_metadata=f"{base}{self.image_repo.metadata_prefix}/",
            image_targets=f"{base}{self.image_repo.targets_prefix}/",
        )


Register = Callable[[VehicleInventory], Registration]


def build_vehicle(
    *,
    vin: str,
    root_dir: Path,
    register: Register,
    urls: RepositoryUrls,
    fetcher: FetcherInterface,
    clock: Clock,
    ecus: Sequence[EcuSpec] = DEFENDER_SPORT_ECUS,
    health_checks: Mapping[str, HealthCheck] | None = None,
    watchdog: WatchdogConfig | None = None,
    full_verification: Sequence[str] = (),
    factory_roots: Registration | None = None,
    ecu_clocks: Mapping[str, Clock] | None = None,
) -> Primary:
    """Build a vehicle at the factory: ECU keys, registration, pinned roots, storage.

    ``register`` sends the inventory (VIN, ECU serials, hardware IDs, public keys) to the
    Director, in process or over HTTP. The first of ``ecus`` is the Primary. The ECUs named
    in ``full_verification`` also get the Image repository's root pinned and check its
    metadata themselves. ``factory_roots``: the Director and Image roots the factory
    provisions from the key ceremony (out of band); the car pins those, and a registration
    answer naming other roots is refused. ``ecu_clocks``: each ECU's own secure clock by
    serial (e.g. one :class:`AttestedClock` per ECU); the others, and the Primary's python-tuf
    reference time unless its ECU has one, use ``clock``. Returns the Primary; its ``ecus``
    holds them all.

    Raises:
        OtaMetadataError: the registration answer's roots are not the factory's.
    """
    signers = {spec.serial: generate_signer() for spec in ecus}
    decryption = {spec.serial: X25519PrivateKey.generate() for spec in ecus}
    inventory = VehicleInventory(
        vin=vin,
        primary_serial=ecus[0].serial,
        ecus={
            s.serial: EcuRecord(
                serial=s.serial,
                hardware_id=s.hardware_id,
                public_key=signers[s.serial].public_key,
                encryption_key=public_hex(decryption[s.serial]),
            )
            for s in ecus
        },
    )
    reg = register(inventory)
    if factory_roots is not None:
        for what, pinned, answered in (
            ("Director", factory_roots.director_root, reg.director_root),
            ("Image repository", factory_roots.image_root, reg.image_root),
        ):
            if _root_dict(pinned) != _root_dict(answered):
                raise OtaMetadataError(
                    f"registration answered another {what} root than the factory provisioned"
                )
        reg = Registration(
            director_root=factory_roots.director_root,
            image_root=factory_roots.image_root,
            time_key=reg.time_key,
        )
    checks = dict(health_checks or {})
    clocks = dict(ecu_clocks or {})
    built = [
        Ecu(
            serial=s.serial,
            hardware_id=s.hardware_id,
            signer=signers[s.serial],
            root_dir=root_dir / "ecus" / s.serial,
            director_root=reg.director_root,
            clock=clocks.get(s.serial, clock),
            health_check=checks.get(s.serial, default_health_check),
            image_root=reg.image_root if s.serial in full_verification else None,
            encryption_key=decryption[s.serial],
        )
        for s in ecus
    ]
    return Primary(
        vin=vin,
        ecu=built[0],
        secondaries={e.serial: e for e in built[1:]},
        storage_dir=root_dir / "primary",
        urls=urls,
        fetcher=fetcher,
        clock=clocks.get(ecus[0].serial, clock),
        image_root=reg.image_root,
        director_root=reg.director_root,
        watchdog=watchdog,
    )


def _root_dict(data: bytes) -> dict[str, Any]:
    try:
        md = Metadata[Root].from_bytes(data)
    except Exception as e:  # DeserializationError and the like
        raise OtaMetadataError(f"malformed root metadata: {e}") from e
    out: dict[str, Any] = md.to_dict()
    return out


def provision_vehicle(
    backend: OtaBackend,
    *,
    vin: str,
    root_dir: Path,
    ecus: Sequence[EcuSpec] = DEFENDER_SPORT_ECUS,
    fetcher: FetcherInterface | None = None,
    health_checks: Mapping[str, HealthCheck] | None = None,
    watchdog: WatchdogConfig | None = None,
) -> Primary:
    """:func:`build_vehicle` registered directly with ``backend`` (the in-memory twin)."""

    def register(inventory: VehicleInventory) -> Registration:
        return Registration(
            director_root=backend.director.register_vehicle(inventory),
            image_root=backend.image_repo.role_bytes("root"),
        )

    return build_vehicle(
        vin=vin,
        root_dir=root_dir,
        register=register,
        urls=backend.urls(vin),
        fetcher=fetcher if fetcher is not None else backend.fetcher(),
        clock=backend.clock,
        ecus=ecus,
        health_checks=health_checks,
        watchdog=watchdog,
    )
