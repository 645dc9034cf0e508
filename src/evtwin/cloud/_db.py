"""Storage of the OTA server: registered vehicles (hashed credentials) and manifests.

One class, two engines: SQLite (the embedded default, a file or ``:memory:``) and
PostgreSQL (production; ``OtaDatabase.postgres(dsn, schema=…)``). The SQL is shared; only
the placeholder style and the auto-increment column differ.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from evtwin.errors import OtaError, OtaInventoryError

__all__ = ["OtaDatabase"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vehicles (
    vin TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL,
    inventory_json TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS manifests (
    id {serial} PRIMARY KEY,
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    received_at TEXT NOT NULL,
    manifest_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS manifests_vin ON manifests(vin, id);
CREATE TABLE IF NOT EXISTS campaigns (
    name TEXT PRIMARY KEY,
    campaign_json TEXT NOT NULL
)
"""
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class _Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def close(self) -> None: ...


class OtaDatabase:
    """Vehicles and their manifest history.

    Use :meth:`sqlite` or :meth:`postgres` (the constructor is the SQLite shorthand).
    """

    def __init__(self, path: Path | str) -> None:
        try:
            conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a power cut
        except sqlite3.Error as e:
            raise OtaError(f"cannot open OTA database {path}: {e}") from e
        self._setup(conn, "?", "INTEGER", sqlite3.IntegrityError)

    @classmethod
    def sqlite(cls, path: Path | str) -> OtaDatabase:
        return cls(path)

    @classmethod
    def postgres(cls, dsn: str, *, schema: str = "evtwin_ota") -> OtaDatabase:
        """Connect to PostgreSQL (``host=127.0.0.1 dbname=test user=postgres``) in ``schema``.

        Raises:
            OtaError: cannot connect, or a schema name that is not a plain identifier.
        """
        import psycopg

        if not _SCHEMA_NAME.match(schema):
            raise OtaError(f"schema {schema!r} must match {_SCHEMA_NAME.pattern}")
        try:
            conn = psycopg.connect(dsn, autocommit=True)
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            conn.execute(f"SET search_path TO {schema}")
        except psycopg.Error as e:
            raise OtaError(f"cannot open OTA database on PostgreSQL ({dsn}): {e}") from e
        self = cls.__new__(cls)
        self._setup(conn, "%s", "BIGSERIAL", psycopg.errors.IntegrityError)
        return self

    def _setup(
        self, conn: _Connection, placeholder: str, serial: str, integrity: type[Exception]
    ) -> None:
        self._conn = conn
        self._ph = placeholder
        self._integrity = integrity
        self._lock = threading.Lock()
        for statement in _SCHEMA.format(serial=serial).split(";"):
            conn.execute(statement)

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self._conn.execute(sql.replace("?", self._ph), params)
            rows: list[tuple[Any, ...]] = cur.fetchall() if cur.description else []
            return rows

    def close(self) -> None:
        self._conn.close()

    def add_vehicle(
        self, vin: str, token_sha256: str, inventory: dict[str, Any], now: datetime
    ) -> None:
        """Raises OtaInventoryError if the VIN is already registered."""
        try:
            self._q(
                "INSERT INTO vehicles VALUES (?, ?, ?, ?)",
                (vin, token_sha256, json.dumps(inventory, sort_keys=True), now.isoformat()),
            )
        except self._integrity as e:
            raise OtaInventoryError(f"vehicle {vin} is already registered") from e

    def token_sha256(self, vin: str) -> str | None:
        rows = self._q("SELECT token_sha256 FROM vehicles WHERE vin = ?", (vin,))
        return str(rows[0][0]) if rows else None

    def inventory(self, vin: str) -> dict[str, Any] | None:
        rows = self._q("SELECT inventory_json FROM vehicles WHERE vin = ?", (vin,))
        if not rows:
            return None
        inventory: dict[str, Any] = json.loads(rows[0][0])
        return inventory

    def vehicles(self) -> list[str]:
        return [str(r[0]) for r in self._q("SELECT vin FROM vehicles ORDER BY vin")]

    def add_manifest(self, vin: str, manifest: dict[str, Any], now: datetime) -> None:
        self._q(
            "INSERT INTO manifests (vin, received_at, manifest_json) VALUES (?, ?, ?)",
            (vin, now.isoformat(), json.dumps(manifest, sort_keys=True)),
        )

    def latest_manifest(self, vin: str) -> dict[str, Any] | None:
        rows = self._q(
            "SELECT manifest_json FROM manifests WHERE vin = ? ORDER BY id DESC LIMIT 1", (vin,)
        )
        if not rows:
            return None
        manifest: dict[str, Any] = json.loads(rows[0][0])
        return manifest

    def save_campaign(self, name: str, campaign: dict[str, Any]) -> None:
        """Insert or replace a campaign's stored state."""
        self._q(
            "INSERT INTO campaigns VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET campaign_json = excluded.campaign_json",
            (name, json.dumps(campaign, sort_keys=True)),
        )

    def campaigns(self) -> list[dict[str, Any]]:
        rows = self._q("SELECT campaign_json FROM campaigns ORDER BY name")
        return [json.loads(r[0]) for r in rows]

    def manifest_count(self, vin: str) -> int:
        return int(self._q("SELECT COUNT(*) FROM manifests WHERE vin = ?", (vin,))[0][0])
