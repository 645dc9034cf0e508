"""Vehicle inventory the Director keeps: VIN, ECU serials, ECU public keys, hardware IDs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from securesystemslib.signer import Key

from evtwin.errors import OtaInventoryError

__all__ = ["EcuRecord", "Registration", "VehicleInventory"]

_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # ISO 3779: 17 characters, no I, O or Q
_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, kw_only=True)
class EcuRecord:
    """One ECU as registered: its serial, hardware ID and public key."""

    serial: str
    hardware_id: str
    public_key: Key

    def __post_init__(self) -> None:
        for label, value in (("ECU serial", self.serial), ("hardware ID", self.hardware_id)):
            if not _IDENT.match(value):
                raise OtaInventoryError(f"{label} {value!r} must match {_IDENT.pattern}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "hardware_id": self.hardware_id,
            "public_key": {"keyid": self.public_key.keyid, **self.public_key.to_dict()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EcuRecord:
        try:
            key_d = dict(d["public_key"])
            keyid = str(key_d.pop("keyid"))
            return cls(
                serial=str(d["serial"]),
                hardware_id=str(d["hardware_id"]),
                public_key=Key.from_dict(keyid, key_d),
            )
        except (KeyError, TypeError, ValueError) as e:
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
    """What the factory gets back when it registers a vehicle: the roots to pin."""

    director_root: bytes
    image_root: bytes
