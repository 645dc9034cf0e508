"""Names of the custom fields in Uptane target metadata that both sides use.

The repository side (Image repository, Director) writes them; the car side (Primary, ECUs)
reads them. They live here so that neither side imports the other.
"""

from __future__ import annotations

__all__ = [
    "CUSTOM_DELTA_FROM",
    "CUSTOM_DELTA_TO",
    "CUSTOM_ECU_IDENTIFIERS",
    "CUSTOM_ENCRYPTED",
    "CUSTOM_ENCRYPTED_KEY",
    "CUSTOM_HARDWARE_IDS",
    "CUSTOM_RELEASE_COUNTER",
]

CUSTOM_ECU_IDENTIFIERS = "ecuIdentifiers"
CUSTOM_HARDWARE_IDS = "hardwareIds"
CUSTOM_RELEASE_COUNTER = "releaseCounter"
CUSTOM_DELTA_FROM = "deltaFrom"
CUSTOM_DELTA_TO = "deltaTo"
CUSTOM_ENCRYPTED = "encryptedImage"  # the image is ciphertext (value: the cipher)
CUSTOM_ENCRYPTED_KEY = "encryptedKey"  # in ecuIdentifiers[serial]: the image key wrapped to it
