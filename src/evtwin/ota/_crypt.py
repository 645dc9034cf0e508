"""Encrypted images (Uptane's optional per-ECU image encryption).

An encrypted release is AES-256-GCM ciphertext under a fresh image key; both repositories list
the ciphertext (its length and hashes), so every check of the update protocol runs on it
unchanged. The Director wraps the image key to each assigned ECU's X25519 public key
(ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM; bound to the image name and ECU serial) in
its signed targets; only that ECU can unwrap it and decrypt, after verifying the ciphertext.
A stolen download, a Primary or another ECU learns nothing of the image.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from evtwin.errors import OtaImageError

__all__ = [
    "ENCRYPTION_ALG",
    "decrypt_image",
    "encrypt_image",
    "public_hex",
    "unwrap_key",
    "wrap_key",
]

ENCRYPTION_ALG = "AES-256-GCM"
_NONCE_BYTES = 12


def public_hex(private: X25519PrivateKey) -> str:
    """The X25519 public key of ``private`` as 64 hex digits (what an inventory carries)."""
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def encrypt_image(data: bytes, name: str) -> tuple[bytes, bytes]:
    """``(image key, ciphertext)``: ``nonce || AES-256-GCM(data)``, bound to ``name``."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE_BYTES)
    return key, nonce + AESGCM(key).encrypt(nonce, data, name.encode())


def decrypt_image(key: bytes, blob: bytes, name: str) -> bytes:
    """The plaintext of :func:`encrypt_image`'s ciphertext.

    Raises:
        OtaImageError: wrong key, wrong name, or the ciphertext was altered.
    """
    try:
        return AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], name.encode())
    except (InvalidTag, ValueError) as e:
        raise OtaImageError(f"image {name!r} does not decrypt: {type(e).__name__}") from e


def _kek(shared: bytes, serial: str, name: str) -> bytes:
    info = f"evtwin-ota image key|{serial}|{name}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def wrap_key(key: bytes, ecu_public_hex: str, *, serial: str, name: str) -> dict[str, str]:
    """``key`` wrapped to one ECU: ``{"alg", "epk", "nonce", "wrapped"}`` (hex)."""
    try:
        ecu = X25519PublicKey.from_public_bytes(bytes.fromhex(ecu_public_hex))
    except ValueError as e:
        raise OtaImageError(f"ECU {serial}: unusable encryption key: {e}") from e
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(_NONCE_BYTES)
    kek = _kek(ephemeral.exchange(ecu), serial, name)
    return {
        "alg": "X25519-HKDF-SHA256-" + ENCRYPTION_ALG,
        "epk": public_hex(ephemeral),
        "nonce": nonce.hex(),
        "wrapped": AESGCM(kek).encrypt(nonce, key, name.encode()).hex(),
    }


def unwrap_key(private: X25519PrivateKey, wrapped: Any, *, serial: str, name: str) -> bytes:
    """The image key from :func:`wrap_key`'s record, with this ECU's private key.

    Raises:
        OtaImageError: malformed record, or not wrapped to this ECU (key, serial or name).
    """
    try:
        epk = X25519PublicKey.from_public_bytes(bytes.fromhex(wrapped["epk"]))
        nonce, blob = bytes.fromhex(wrapped["nonce"]), bytes.fromhex(wrapped["wrapped"])
        kek = _kek(private.exchange(epk), serial, name)
        return AESGCM(kek).decrypt(nonce, blob, name.encode())
    except (InvalidTag, ValueError, KeyError, TypeError) as e:
        raise OtaImageError(
            f"ECU {serial}: the key of image {name!r} is not wrapped to it ({type(e).__name__})"
        ) from e
