"""Per-car MQTT credentials, derived from the car's OTA registration.

The OTA server issues each car one secret at registration: its bearer token (shown once, to
the factory, stored in the car; the server keeps only its SHA-256). Telemetry reuses that
identity instead of a second scheme: MQTT user name = the VIN, password =
``HMAC-SHA256(token, "evtwin-telemetry-mqtt-v1")`` in hex. The car derives it from its token;
the factory derives the same at registration and adds the broker's password-file line
(:func:`mosquitto_password_line`, PBKDF2-SHA512 as ``mosquitto_passwd`` writes it). The
broker never sees the OTA token itself, so a leaked broker password file cannot be used
against the OTA server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Final, Protocol

from evtwin.errors import TelemetryError
from evtwin.telemetry._wire import TOPIC_PREFIX, check_vin


class _Registered(Protocol):
    @property
    def vin(self) -> str: ...

    @property
    def token(self) -> str: ...


__all__ = ["MqttCredentials", "acl_text", "mosquitto_password_line", "mqtt_password"]

_CONTEXT: Final = b"evtwin-telemetry-mqtt-v1"
PBKDF2_ITERATIONS: Final = 101  # mosquitto_passwd's default for the $7$ format


def mqtt_password(ota_token: str) -> str:
    if not isinstance(ota_token, str) or len(ota_token) < 16:
        raise TelemetryError("an OTA token of at least 16 characters is needed")
    return hmac.new(ota_token.encode(), _CONTEXT, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class MqttCredentials:
    username: str
    password: str

    @classmethod
    def for_vehicle(cls, vin: str, ota_token: str) -> MqttCredentials:
        """The car's MQTT login from its OTA registration (VIN + bearer token)."""
        return cls(check_vin(vin), mqtt_password(ota_token))

    @classmethod
    def from_registration(cls, registration: _Registered) -> MqttCredentials:
        """From what the OTA server's ``register`` returns to the factory
        (``evtwin.cloud.VehicleCredentials``: ``vin`` and ``token``)."""
        return cls.for_vehicle(registration.vin, registration.token)


def mosquitto_password_line(username: str, password: str, *, salt: bytes | None = None) -> str:
    """``user:$7$iterations$salt$hash`` (PBKDF2-HMAC-SHA512), mosquitto 2's format."""
    if ":" in username or "\n" in username or not username:
        raise TelemetryError(f"user name {username!r} cannot go in a password file")
    salt = os.urandom(12) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS, 64)
    b64 = base64.b64encode
    return f"{username}:$7${PBKDF2_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def acl_text(ingest_user: str) -> str:
    """Mosquitto ACL: each car may only publish under its own VIN (``%u`` = its user name);
    the ingest service may read every car's topic and write nothing."""
    return (
        f"# evtwin telemetry ACL\n"
        f"user {ingest_user}\n"
        f"topic read {TOPIC_PREFIX}/#\n\n"
        f"pattern write {TOPIC_PREFIX}/%u\n"
    )
