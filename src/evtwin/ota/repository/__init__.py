"""The repository side of OTA: the Image repository, the Director and their TUF repositories.

Used by :mod:`evtwin.cloud` (and the in-process twin); never by :mod:`evtwin.ota.vehicle`.
"""

from __future__ import annotations

from evtwin.ota.repository._director import DIRECTOR_ONLINE_ROLES, Director, PendingManifest
from evtwin.ota.repository._image_repo import ImageRepository
from evtwin.ota.repository._tufrepo import (
    TOP_LEVEL_ROLES,
    ExpiryPolicy,
    RefreshPolicy,
    TufRepository,
)

__all__ = [
    "DIRECTOR_ONLINE_ROLES",
    "TOP_LEVEL_ROLES",
    "Director",
    "ExpiryPolicy",
    "ImageRepository",
    "PendingManifest",
    "RefreshPolicy",
    "TufRepository",
]
