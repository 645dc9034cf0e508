"""The cloud side of evtwin: the OTA server (HTTP API over the Uptane repositories).

A separate process that cars reach over HTTP; it never imports vehicle internals.
"""

from __future__ import annotations

from evtwin.cloud._admin import AdminClient
from evtwin.cloud._app import create_app
from evtwin.cloud._campaigns import Campaign, CampaignSpec, CampaignState, VehicleOutcome
from evtwin.cloud._db import OtaDatabase
from evtwin.cloud._demo import run_secure_demo
from evtwin.cloud._range import parse_range
from evtwin.cloud._s3 import S3Config, S3Store
from evtwin.cloud._server import OtaServer, VehicleCredentials
from evtwin.cloud._throttle import AuthThrottle, SharedAuthThrottle
from evtwin.cloud._tls import certificate_vins, vin_bound_protocol

__all__ = [
    "AdminClient",
    "AuthThrottle",
    "Campaign",
    "CampaignSpec",
    "CampaignState",
    "OtaDatabase",
    "OtaServer",
    "S3Config",
    "S3Store",
    "SharedAuthThrottle",
    "VehicleCredentials",
    "VehicleOutcome",
    "certificate_vins",
    "create_app",
    "parse_range",
    "run_secure_demo",
    "vin_bound_protocol",
]
