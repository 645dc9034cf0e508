"""Secure over-the-air updates, Uptane-grade, on python-tuf.

Server side: :class:`ImageRepository` (offline root/targets keys, k-of-n) and
:class:`Director` (online keys, per-vehicle targets from the vehicle's manifest and
inventory). Vehicle side: :class:`Primary` (full verification with two python-tuf updaters
and the Uptane consensus check), :class:`Ecu` (partial verification, A/B slots via
:class:`SlotStore`, boot counter, commit or roll back). IO sits behind small interfaces
with in-memory twins: :class:`Clock`/:class:`ManualClock`, :class:`ArtifactStore`/
:class:`MemoryStore`, python-tuf's ``FetcherInterface``/:class:`StoreFetcher`.
"""

from __future__ import annotations

from evtwin.ota._clock import AcceleratedClock, Clock, ManualClock, SystemClock
from evtwin.ota._cloud_client import OtaCloudClient
from evtwin.ota._director import Director
from evtwin.ota._ecu import Ecu, default_health_check
from evtwin.ota._fetch import StoreFetcher, WatchdogConfig, WatchdogFetcher
from evtwin.ota._http_fetch import HttpConfig, HttpFetcher
from evtwin.ota._image_repo import ImageRepository
from evtwin.ota._inventory import EcuRecord, VehicleInventory
from evtwin.ota._keys import RoleKeys, generate_signer
from evtwin.ota._manifest import EcuVersionReport, InstalledImage, VehicleManifest
from evtwin.ota._policy import Consent, InstallPolicy, VehicleConditions, install_blockers
from evtwin.ota._primary import PlannedUpdate, Primary, RepositoryUrls, UpdateReport, vehicle_status
from evtwin.ota._slots import BootOutcome, SlotStore
from evtwin.ota._store import (
    ArtifactStore,
    DirectoryStore,
    MemoryStore,
    check_store_path,
    open_artifact,
)
from evtwin.ota._tufrepo import ExpiryPolicy, RefreshPolicy, TufRepository
from evtwin.ota._twin import (
    DEFENDER_SPORT_ECUS,
    EcuSpec,
    OtaBackend,
    Registration,
    build_vehicle,
    provision_vehicle,
)

__all__ = [
    "DEFENDER_SPORT_ECUS",
    "AcceleratedClock",
    "ArtifactStore",
    "BootOutcome",
    "Clock",
    "Consent",
    "Director",
    "DirectoryStore",
    "Ecu",
    "EcuRecord",
    "EcuSpec",
    "EcuVersionReport",
    "ExpiryPolicy",
    "HttpConfig",
    "HttpFetcher",
    "ImageRepository",
    "InstallPolicy",
    "InstalledImage",
    "ManualClock",
    "MemoryStore",
    "OtaBackend",
    "OtaCloudClient",
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
    "check_store_path",
    "default_health_check",
    "generate_signer",
    "install_blockers",
    "open_artifact",
    "provision_vehicle",
    "vehicle_status",
]
