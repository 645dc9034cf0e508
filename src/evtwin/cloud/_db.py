"""SQLite storage of the OTA server: registered vehicles (hashed credentials) and manifests.

The embedded default (DESIGN.md). PostgreSQL is a later slice behind the same methods.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

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
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    received_at TEXT NOT NULL,
    manifest_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS manifests_vin ON manifests(vin, id);
"""


class OtaDatabase:
    """Vehicles and their manifest history in one SQLite file (``:memory:`` for tests)."""

    def __init__(self, path: Path | str) -> None:
        try:
            self._conn = sqlite3.connect(str(path), check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise OtaError(f"cannot open OTA database {path}: {e}") from e
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def add_vehicle(
        self, vin: str, token_sha256: str, inventory: dict[str, Any], now: datetime
    ) -> None:
        """Raises OtaInventoryError if the VIN is already registered."""
        with self._lock, self._conn:
            try:
                self._conn.execute(
                    "INSERT INTO vehicles VALUES (?, ?, ?, ?)",
                    (vin, token_sha256, json.dumps(inventory, sort_keys=True), now.isoformat()),
                )
            except sqlite3.IntegrityError as e:
                raise OtaInventoryError(f"vehicle {vin} is already registered") from e

    def token_sha256(self, vin: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT token_sha256 FROM vehicles WHERE vin = ?", (vin,)
            ).fetchone()
        return str(row[0]) if row else None

    def vehicles(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT vin FROM vehicles ORDER BY vin").fetchall()
        return [str(r[0]) for r in rows]

    def add_manifest(self, vin: str, manifest: dict[str, Any], now: datetime) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO manifests (vin, received_at, manifest_json) VALUES (?, ?, ?)",
                (vin, now.isoformat(), json.dumps(manifest, sort_keys=True)),
            )

    def latest_manifest(self, vin: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT manifest_json FROM manifests WHERE vin = ? ORDER BY id DESC LIMIT 1",
                (vin,),
            ).fetchone()
        if row is None:
            return None
        manifest: dict[str, Any] = json.loads(row[0])
        return manifest

    def manifest_count(self, vin: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM manifests WHERE vin = ?", (vin,)
            ).fetchone()
        return int(row[0])
