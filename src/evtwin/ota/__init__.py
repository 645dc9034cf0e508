"""Secure over-the-air updates, Uptane-grade, on python-tuf.

Repository side (:mod:`evtwin.ota.repository`): :class:`ImageRepository` (offline
root/targets keys, k-of-n) and :class:`Director` (online keys, per-vehicle targets from the
vehicle's manifest and inventory). Vehicle side (:mod:`evtwin.ota.vehicle`): :class:`Primary`
(full verification with two python-tuf updaters and the Uptane consensus check), :class:`Ecu`
(partial verification, A/B slots via :class:`SlotStore`, boot counter, commit or roll back).
The car side never imports the repository side; what both use (clock, keys, stores, deltas,
manifests, inventory, the custom field names in ``_fields``) sits in :mod:`evtwin.ota` itself.
IO sits behind small interfaces with in-memory twins: :class:`Clock`/:class:`ManualClock`,
:class:`ArtifactStore`/:class:`MemoryStore`, python-tuf's ``FetcherInterface``/
:class:`StoreFetcher`. Every name below stays importable from :mod:`evtwin.ota`.
"""

from __future__ import annotations

from evtwin.clock import AcceleratedClock, Clock, ManualClock, SystemClock
from evtwin.ota._ceremony import key_ceremony, offline_key_paths, sign_release
from evtwin.ota._crypt import decrypt_image, encrypt_image
from evtwin.ota._demo import DemoStep, run_demo
from evtwin.ota._factory import (
    FactoryTrust,
    check_registration,
    export_factory,
    load_factory,
    time_key_path,
    time_signer,
)
from evtwin.ota._fields import (
    CUSTOM_DELTA_FROM,
    CUSTOM_DELTA_TO,
    CUSTOM_ECU_IDENTIFIERS,
    CUSTOM_ENCRYPTED,
    CUSTOM_HARDWARE_IDS,
    CUSTOM_RELEASE_COUNTER,
)
from evtwin.ota._inventory import EcuRecord, Registration, VehicleInventory
from evtwin.ota._keys import RoleKeys, generate_signer, is_offline, load_keys, save_keys
from evtwin.ota._manifest import (
    EcuVersionReport,
    InstalledImage,
    VehicleManifest,
    sign_envelope,
    verify_ed25519_batch,
)
from evtwin.ota._store import (
    ArtifactStore,
    DirectoryStore,
    MemoryStore,
    check_store_path,
    open_artifact,
)
from evtwin.ota._twin import (
    DEFENDER_SPORT_ECUS,
    EcuSpec,
    OtaBackend,
    build_vehicle,
    director_root_path,
    generate_keys,
    key_paths,
    load_ecus,
    provision_vehicle,
)
from evtwin.ota.repository import (
    DIRECTOR_ONLINE_ROLES,
    Director,
    ExpiryPolicy,
    ImageRepository,
    PendingManifest,
    RefreshPolicy,
    TufRepository,
)
from evtwin.ota.vehicle import (
    AttestedClock,
    BootOutcome,
    Consent,
    Ecu,
    HealthCheck,
    HttpConfig,
    HttpFetcher,
    InstallPolicy,
    OtaCloudClient,
    PlannedUpdate,
    Primary,
    RepositoryUrls,
    SlotStore,
    StoreFetcher,
    UpdateReport,
    VehicleConditions,
    WatchdogConfig,
    WatchdogFetcher,
    default_health_check,
    install_blockers,
    vehicle_status,
)

__all__ = [
    "CUSTOM_DELTA_FROM",
    "CUSTOM_DELTA_TO",
    "CUSTOM_ECU_IDENTIFIERS",
    "CUSTOM_ENCRYPTED",
    "CUSTOM_HARDWARE_IDS",
    "CUSTOM_RELEASE_COUNTER",
    "DEFENDER_SPORT_ECUS",
    "DIRECTOR_ONLINE_ROLES",
    "AcceleratedClock",
    "ArtifactStore",
    "AttestedClock",
    "BootOutcome",
    "Clock",
    "Consent",
    "DemoStep",
    "Director",
    "DirectoryStore",
    "Ecu",
    "EcuRecord",
    "EcuSpec",
    "EcuVersionReport",
    "ExpiryPolicy",
    "FactoryTrust",
    "HealthCheck",
    "HttpConfig",
    "HttpFetcher",
    "ImageRepository",
    "InstallPolicy",
    "InstalledImage",
    "ManualClock",
    "MemoryStore",
    "OtaBackend",
    "OtaCloudClient",
    "PendingManifest",
    "PlannedUpdate",
    "Primary",
    "RefreshPolicy",
    "Registration",
    "RepositoryUrls",
    "RoleKeys",
    "SlotStore",
    "StoreFetcher",
    "SystemClock",
    "TufRepository",
    "UpdateReport",
    "VehicleConditions",
    "VehicleInventory",
    "VehicleManifest",
    "WatchdogConfig",
    "WatchdogFetcher",
    "build_vehicle",
    "check_registration",
    "check_store_path",
    "decrypt_image",
    "default_health_check",
    "director_root_path",
    "encrypt_image",
    "export_factory",
    "generate_keys",
    "generate_signer",
    "install_blockers",
    "is_offline",
    "key_ceremony",
    "key_paths",
    "load_ecus",
    "load_factory",
    "load_keys",
    "offline_key_paths",
    "open_artifact",
    "provision_vehicle",
    "run_demo",
    "save_keys",
    "sign_envelope",
    "sign_release",
    "time_key_path",
    "time_signer",
    "vehicle_status",
    "verify_ed25519_batch",
]
