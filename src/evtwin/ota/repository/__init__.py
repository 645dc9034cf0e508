"""The repository side of OTA: the Image repository, the Director and their TUF repositories.

Used by :mod:`evtwin.cloud` (and the in-process twin); never by :mod:`evtwin.ota.vehicle`.
"""

from __future__ import annotations

from evtwin.ota.repository._director import DIRECTOR_ONLINE_ROLES, Director, PendingManifest
from evtwin.ota.repository._image_repo import (
    HARDWARE_ID_PATTERN,
    MAX_RELEASE_COUNTER,
    ImageRepository,
    check_release_bounds,
)
from evtwin.ota.repository._pkcs11 import (
    PKCS11_PIN_ENV,
    Pkcs11Signer,
    Pkcs11Token,
    generate_role_keys,
    load_pkcs11_keys,
    pkcs11_keys_path,
    save_pkcs11_keys,
)
from evtwin.ota.repository._tufrepo import (
    TOP_LEVEL_ROLES,
    ExpiryPolicy,
    RefreshPolicy,
    TufRepository,
    build_root,
    offline_role_keys,
)

__all__ = [
    "DIRECTOR_ONLINE_ROLES",
    "HARDWARE_ID_PATTERN",
    "MAX_RELEASE_COUNTER",
    "PKCS11_PIN_ENV",
    "TOP_LEVEL_ROLES",
    "Director",
    "ExpiryPolicy",
    "ImageRepository",
    "PendingManifest",
    "Pkcs11Signer",
    "Pkcs11Token",
    "RefreshPolicy",
    "TufRepository",
    "build_root",
    "check_release_bounds",
    "generate_role_keys",
    "load_pkcs11_keys",
    "offline_role_keys",
    "pkcs11_keys_path",
    "save_pkcs11_keys",
]
