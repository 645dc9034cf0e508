"""Telemetry storage: PostgreSQL (time-partitioned, production) or SQLite (one machine).

One wide row per sample: the selected signals are columns (:data:`evtwin.telemetry.SIGNALS`).
The primary key is (message id, sample number, time), so a message stored twice (QoS 1
redelivery, a car draining its buffer again) adds no row: every insert is
``ON CONFLICT DO NOTHING``, in batches, one transaction per batch.

PostgreSQL: ``samples`` is ``PARTITION BY RANGE (t_s)`` with one partition per UTC day
(``samples_d<day number>``), created when the first sample of that day arrives. Retention
drops whole partitions older than ``retention_days``; samples older than that, or more than
a day ahead of the ingest's clock, are not stored (counted in :attr:`TelemetryStore.stats`).
SQLite has no partitions: one table, retention deletes old rows.

Positions: unless the car opted in (``position_opt_in`` in its message), latitude and
longitude are rounded to ``coarse_decimals`` (default 2: ~1.1 km) before they are stored.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from evtwin.errors import TelemetryError
from evtwin.telemetry import SIGNALS, Batch

__all__ = ["COLUMNS", "StoreStats", "TelemetryStore"]

COLUMNS: Final = tuple(col for col, _ in SIGNALS.values())
_PATH_TO_COL: Final = {path: col for path, (col, _) in SIGNALS.items()}
_TYPES: Final = {float: "DOUBLE PRECISION", bool: "BOOLEAN", str: "TEXT"}
_SCHEMA_NAME: Final = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DAY_S: Final = 86400
MAX_FUTURE_S: Final = 86400.0
"""Samples stamped more than this ahead of the ingest's clock are not stored (counted)."""


def _table_sql(partitioned: bool) -> str:
    cols = ",\n".join(f"    {col} {_TYPES[kind]}" for col, kind in SIGNALS.values())
    return (
        "CREATE TABLE IF NOT EXISTS samples (\n"
        "    vin TEXT NOT NULL,\n"
        "    t_s DOUBLE PRECISION NOT NULL,\n"
        "    message_id TEXT NOT NULL,\n"
        "    sample_no INTEGER NOT NULL,\n"
        "    position_exact BOOLEAN NOT NULL,\n"
        "    received_s DOUBLE PRECISION NOT NULL,\n"
        f"{cols},\n"
        "    PRIMARY KEY (message_id, sample_no, t_s)\n"
        ")" + (" PARTITION BY RANGE (t_s)" if partitioned else "")
    )


_INSERT_COLS: Final = (
    "vin",
    "t_s",
    "message_id",
    "sample_no",
    "position_exact",
    "received_s",
    *COLUMNS,
)


@dataclass
class StoreStats:
    messages: int = 0
    rows_offered: int = 0
    rows_too_old: int = 0
    rows_in_future: int = 0


class TelemetryStore:
    """Use :meth:`sqlite` or :meth:`postgres`."""

    def __init__(
        self,
        conn: Any,
        *,
        kind: str,
        retention_days: float,
        coarse_decimals: int,
        dsn: str = "",
        schema: str = "",
    ) -> None:
        if not 0.01 <= retention_days <= 3650:
            raise TelemetryError(f"retention_days must be within 0.01..3650, got {retention_days}")
        if not 0 <= coarse_decimals <= 6:
            raise TelemetryError(f"coarse_decimals must be within 0..6, got {coarse_decimals}")
        self._conn = conn
        self.kind = kind
        self.retention_days = retention_days
        self.coarse_decimals = coarse_decimals
        self.stats = StoreStats()
        self._days: set[int] = set()
        self._lock = threading.Lock()
        self._ph = "%s" if kind == "postgres" else "?"
        self._dsn, self._schema = dsn, schema

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def sqlite(
        cls, path: Path | str, *, retention_days: float = 30.0, coarse_decimals: int = 2
    ) -> TelemetryStore:
        try:
            conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(_table_sql(False))
            conn.execute("CREATE INDEX IF NOT EXISTS samples_vin_t ON samples(vin, t_s)")
            conn.execute("CREATE INDEX IF NOT EXISTS samples_t ON samples(t_s)")
        except sqlite3.Error as e:
            raise TelemetryError(f"cannot open telemetry database {path}: {e}") from e
        return cls(
            conn, kind="sqlite", retention_days=retention_days, coarse_decimals=coarse_decimals
        )

    @classmethod
    def postgres(
        cls,
        dsn: str,
        *,
        schema: str = "evtwin_telemetry",
        retention_days: float = 30.0,
        coarse_decimals: int = 2,
    ) -> TelemetryStore:
        import psycopg

        if not _SCHEMA_NAME.match(schema):
            raise TelemetryError(f"schema {schema!r} must match {_SCHEMA_NAME.pattern}")
        try:
            conn = psycopg.connect(dsn, autocommit=True)
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            conn.execute(f"SET search_path TO {schema}")
            conn.execute(_table_sql(True))
            conn.execute("CREATE INDEX IF NOT EXISTS samples_vin_t ON samples(vin, t_s)")
        except psycopg.Error as e:
            raise TelemetryError(f"cannot open telemetry database ({dsn}): {e}") from e
        return cls(
            conn,
            kind="postgres",
            retention_days=retention_days,
            coarse_decimals=coarse_decimals,
            dsn=dsn,
            schema=schema,
        )

    def reconnect(self) -> None:
        """PostgreSQL: a fresh connection (after the server restarted)."""
        if self.kind != "postgres":
            return
        import psycopg

        with contextlib.suppress(psycopg.Error):
            self._conn.close()
        try:
            conn = psycopg.connect(self._dsn, autocommit=True)
            conn.execute(f"SET search_path TO {self._schema}")
        except psycopg.Error as e:
            raise TelemetryError(f"cannot reconnect to the telemetry database: {e}") from e
        self._conn = conn
        self._days.clear()

    def close(self) -> None:
        self._conn.close()

    # -- writing ------------------------------------------------------------------------------
    def _rows(self, batch: Batch, received_s: float, oldest_s: float) -> list[tuple[Any, ...]]:
        rows = []
        nd = self.coarse_decimals
        newest_s = received_s + MAX_FUTURE_S
        for i, s in enumerate(batch.samples):
            if s.time_s < oldest_s:
                self.stats.rows_too_old += 1
                continue
            if s.time_s > newest_s:  # a car with a wrong clock must not create partitions
                self.stats.rows_in_future += 1
                continue
            vals: dict[str, Any] = dict.fromkeys(COLUMNS)
            for path, v in s.signals.items():
                vals[_PATH_TO_COL[path]] = v
            if not batch.position_opt_in:
                for col in ("latitude_deg", "longitude_deg"):
                    if vals[col] is not None:
                        vals[col] = round(float(vals[col]), nd)
            rows.append(
                (
                    batch.vin,
                    s.time_s,
                    batch.message_id,
                    i,
                    batch.position_opt_in,
                    received_s,
                    *(vals[c] for c in COLUMNS),
                )
            )
        return rows

    def write(self, batches: Sequence[Batch], *, now_s: float | None = None) -> int:
        """Store batches in one transaction; returns the rows offered (duplicates included:
        the database skips those). Raises TelemetryError when the database fails."""
        now = time.time() if now_s is None else now_s
        oldest = now - self.retention_days * DAY_S
        rows = [r for b in batches for r in self._rows(b, now, oldest)]
        with self._lock:
            self.stats.messages += len(batches)
            self.stats.rows_offered += len(rows)
            if not rows:
                return 0
            if self.kind == "postgres":
                self._write_pg(rows)
            else:
                self._write_sqlite(rows)
        return len(rows)

    def _insert_sql(self) -> str:
        cols = ", ".join(_INSERT_COLS)
        marks = ", ".join([self._ph] * len(_INSERT_COLS))
        return f"INSERT INTO samples ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING"

    def _write_sqlite(self, rows: list[tuple[Any, ...]]) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(self._insert_sql(), rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise TelemetryError(f"telemetry database write failed: {e}") from e

    def _write_pg(self, rows: list[tuple[Any, ...]]) -> None:
        import psycopg

        days = {int(r[1] // DAY_S) for r in rows}
        try:
            for day in sorted(days - self._days):
                self._conn.execute(
                    f"CREATE TABLE IF NOT EXISTS samples_d{day} PARTITION OF samples "
                    f"FOR VALUES FROM ({day * DAY_S}) TO ({(day + 1) * DAY_S})"
                )
                self._days.add(day)
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.executemany(self._insert_sql(), rows)
        except psycopg.Error as e:
            self._days.clear()
            raise TelemetryError(f"telemetry database write failed: {e}") from e

    # -- retention ------------------------------------------------------------------------------
    def apply_retention(self, *, now_s: float | None = None) -> int:
        """Drop what is older than the retention window; returns partitions/rows removed."""
        now = time.time() if now_s is None else now_s
        cutoff = now - self.retention_days * DAY_S
        with self._lock:
            if self.kind == "sqlite":
                cur = self._conn.execute("DELETE FROM samples WHERE t_s < ?", (cutoff,))
                return int(cur.rowcount)
            parts = self._partitions()
            dropped = 0
            for day in parts:
                if (day + 1) * DAY_S <= cutoff:
                    self._conn.execute(f"DROP TABLE IF EXISTS samples_d{day}")
                    self._days.discard(day)
                    dropped += 1
            return dropped

    def _partitions(self) -> list[int]:
        rows = self._conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace "
            "WHERE p.relname = 'samples' AND n.nspname = current_schema()"
        ).fetchall()
        return sorted(int(r[0][len("samples_d") :]) for r in rows)

    def partitions(self) -> list[str]:
        """Names of the day partitions (PostgreSQL; SQLite has none)."""
        if self.kind != "postgres":
            return []
        with self._lock:
            return [f"samples_d{d}" for d in self._partitions()]

    # -- reading --------------------------------------------------------------------------------
    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query written with ``?`` placeholders on either engine."""
        if self.kind == "postgres":
            sql = sql.replace("?", "%s")
        with self._lock:
            try:
                return list(self._conn.execute(sql, tuple(params)).fetchall())
            except Exception as e:
                raise TelemetryError(f"telemetry query failed: {e}") from e

    def count(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM samples")[0][0])
