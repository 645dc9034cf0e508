"""Mosquitto configuration for the telemetry broker: accounts, ACL, persistence.

:func:`write_mosquitto_config` writes ``mosquitto.conf``, ``passwords`` (PBKDF2-SHA512 lines,
see :func:`evtwin.telemetry.mosquitto_password_line`) and ``acl`` into a directory; run it
with ``mosquitto -c DIR/mosquitto.conf``. Cars log in as their VIN with the password derived
from their OTA token (:class:`evtwin.telemetry.MqttCredentials`); the ACL lets each car
publish only to ``evtwin/v1/telemetry/<its VIN>``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from evtwin.errors import TelemetryError
from evtwin.telemetry import acl_text, mosquitto_password_line

__all__ = ["write_mosquitto_config"]


def write_mosquitto_config(
    directory: Path,
    *,
    port: int,
    accounts: Mapping[str, str],
    ingest_user: str,
    host: str = "127.0.0.1",
    persistence: bool = True,
    max_queued_messages: int = 1_000_000,
) -> Path:
    """Write a broker set-up for ``accounts`` (user → password); returns the conf path."""
    if ingest_user not in accounts:
        raise TelemetryError(f"the ingest user {ingest_user!r} needs an account")
    if not 0 < port < 65536:
        raise TelemetryError(f"port must be within 1..65535, got {port}")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    pw = d / "passwords"
    pw.write_text("".join(mosquitto_password_line(u, p) + "\n" for u, p in accounts.items()))
    acl = d / "acl"
    acl.write_text(acl_text(ingest_user))
    for f in (pw, acl):
        f.chmod(0o600)
    lines = [
        f"listener {port} {host}",
        "allow_anonymous false",
        f"password_file {pw}",
        f"acl_file {acl}",
        f"max_queued_messages {max_queued_messages}",
        "max_inflight_messages 100",
        "persistent_client_expiration 14d",
        f"log_dest file {d / 'mosquitto.log'}",
        "log_type error",
        "log_type warning",
    ]
    if os.geteuid() == 0:
        # mosquitto started as root switches to the 'mosquitto' user, which cannot read a
        # private temporary directory; a test broker (CI runs as root) stays root
        lines.append("user root")
    if persistence:
        lines += [
            "persistence true",
            f"persistence_location {d}/",
            "autosave_interval 1",
            "autosave_on_changes false",
        ]
    conf = d / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf
