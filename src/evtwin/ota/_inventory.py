"""Vehicle inventory the Director keeps: VIN, ECU serials, ECU public keys, hardware IDs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import Key

from evtwin.errors import OtaInventoryError

__all__ = ["EcuRecord", "Registration", "VehicleInventory"]

_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # ISO 3779: 17 characters, no I, O or Q
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ED25519_HEX = re.compile(r"^[0-9a-f]{64}$")


def check_ecu_key(serial: str, key: Key) -> None:
    """Refuse an ECU public key that could never verify a signature.

    ECUs sign with ed25519; the key ID must be the key's own (SHA-256 of its canonical JSON),
    and the public key 32 bytes that ``cryptography`` accepts as an ed25519 point.

    Raises:
        OtaInventoryError: another key type, a mismatched key ID or a garbage public key.
    """
    if key.keytype != "ed25519" or key.scheme != "ed25519":
        raise OtaInventoryError(
            f"ECU {serial}: key type {key.keytype!r}/{key.scheme!r} is not ed25519/ed25519"
        )
    public = key.keyval.get("public")
    if not isinstance(public, str) or not _ED25519_HEX.match(public):
        raise OtaInventoryError(f"ECU {serial}: public key must be 64 lower-case hex digits")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
    except ValueError as e:
        raise OtaInventoryError(f"ECU {serial}: public key is not an ed25519 key: {e}") from e
    expected = hashlib.sha256(str(encode_canonical(key.to_dict())).encode()).hexdigest()
    if key.keyid != expected:
        raise OtaInventoryError(
            f"ECU {serial}: key ID {key.keyid[:16]!r}… is not the key's own ({expected[:16]}…)"
        )


@dataclass(frozen=True, kw_only=True)
class EcuRecord:
    """One ECU as registered: its serial, hardware ID, public (signing) key, and the X25519
    public key images are encrypted to (64 hex digits; ``None``: no encrypted images)."""

    serial: str
    hardware_id: str
    public_key: Key
    encryption_key: str | None = None

    def __post_init__(self) -> None:
        for label, value in (("ECU serial", self.serial), ("hardware ID", self.hardware_id)):
            if not _IDENT.match(value):
                raise OtaInventoryError(f"{label} {value!r} must match {_IDENT.pattern}")
        check_ecu_key(self.serial, self.public_key)
        if self.encryption_key is not None and not _ED25519_HEX.match(self.encryption_key):
            raise OtaInventoryError(
                f"ECU {self.serial}: encryption key must be 64 lower-case hex digits (X25519)"
            )

    def to_dict(self) -> dict[str, Any]:
        out = {
            "serial": self.serial,
            "hardware_id": self.hardware_id,
            "public_key": {"keyid": self.public_key.keyid, **self.public_key.to_dict()},
        }
        if self.encryption_key is not None:
            out["encryption_key"] = self.encryption_key
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EcuRecord:
        try:
            key_d = dict(d["public_key"])
            keyid = str(key_d.pop("keyid"))
            encryption_key = d.get("encryption_key")
            return cls(
                serial=str(d["serial"]),
                hardware_id=str(d["hardware_id"]),
                public_key=Key.from_dict(keyid, key_d),
                encryption_key=None if encryption_key is None else str(encryption_key),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise OtaInventoryError(f"malformed ECU record: {e}") from e


@dataclass(frozen=True, kw_only=True)
class VehicleInventory:
    """A vehicle's identity and ECUs; the Primary is one of ``ecus``."""

    vin: str
    primary_serial: str
    ecus: Mapping[str, EcuRecord]

    def __post_init__(self) -> None:
        if not _VIN.match(self.vin):
            raise OtaInventoryError(f"VIN {self.vin!r} is not 17 characters of A-Z/0-9 sans IOQ")
        for serial, ecu in self.ecus.items():
            if serial != ecu.serial:
                raise OtaInventoryError(f"ECU keyed {serial!r} has serial {ecu.serial!r}")
        if self.primary_serial not in self.ecus:
            raise OtaInventoryError(
                f"primary ECU {self.primary_serial!r} is not among the ECUs {sorted(self.ecus)}"
            )

    def ecu(self, serial: str) -> EcuRecord:
        try:
            return self.ecus[serial]
        except KeyError:
            raise OtaInventoryError(
                f"ECU {serial!r} is not registered on {self.vin} (has {sorted(self.ecus)})"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "vin": self.vin,
            "primary_serial": self.primary_serial,
            "ecus": [e.to_dict() for e in self.ecus.values()],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VehicleInventory:
        try:
            if not isinstance(d["ecus"], list) or not 1 <= len(d["ecus"]) <= 64:
                raise OtaInventoryError("inventory 'ecus' must be a list of 1..64 ECU records")
            ecus = [EcuRecord.from_dict(e) for e in d["ecus"]]
            return cls(
                vin=str(d["vin"]),
                primary_serial=str(d["primary_serial"]),
                ecus={e.serial: e for e in ecus},
            )
        except (KeyError, TypeError) as e:
            raise OtaInventoryError(f"malformed vehicle inventory: {e}") from e


@dataclass(frozen=True, kw_only=True)
class Registration:
    """What the factory gets back when it registers a vehicle: the roots to pin, and the
    time server's public key (``{"keyid", "keytype", "scheme", "keyval"}``) if it has one."""

    director_root: bytes
    image_root: bytes
    time_key: Mapping[str, Any] | None = None
