"""The car side of OTA: the Uptane Primary, its ECUs, A/B slots, fetchers and install policy.

Never imports :mod:`evtwin.ota.repository` (checked by import-linter); the field names both
sides use live in :mod:`evtwin.ota._fields`.
"""

from __future__ import annotations

from evtwin.ota.vehicle._cloud_client import OtaCloudClient
from evtwin.ota.vehicle._ecu import Ecu, HealthCheck, default_health_check, ecu_status
from evtwin.ota.vehicle._fetch import StoreFetcher, WatchdogConfig, WatchdogFetcher
from evtwin.ota.vehicle._http_fetch import HttpConfig, HttpFetcher
from evtwin.ota.vehicle._policy import Consent, InstallPolicy, VehicleConditions, install_blockers
from evtwin.ota.vehicle._primary import (
    PlannedUpdate,
    Primary,
    RepositoryUrls,
    UpdateReport,
    vehicle_status,
)
from evtwin.ota.vehicle._slots import BootOutcome, SlotStore
from evtwin.ota.vehicle._time import AttestedClock

__all__ = [
    "AttestedClock",
    "BootOutcome",
    "Consent",
    "Ecu",
    "HealthCheck",
    "HttpConfig",
    "HttpFetcher",
    "InstallPolicy",
    "OtaCloudClient",
    "PlannedUpdate",
    "Primary",
    "RepositoryUrls",
    "SlotStore",
    "StoreFetcher",
    "UpdateReport",
    "VehicleConditions",
    "WatchdogConfig",
    "WatchdogFetcher",
    "default_health_check",
    "ecu_status",
    "install_blockers",
    "vehicle_status",
]
