"""Storage of the OTA server: registered vehicles (hashed credentials) and manifests.

One class, two engines: SQLite (the embedded default, a file or ``:memory:``) and
PostgreSQL (production; ``OtaDatabase.postgres(dsn, schema=…)``). The SQL is shared; only
the placeholder style and the auto-increment column differ.

Check-in writes go through a group commit (:meth:`OtaDatabase.write`): one writer thread
takes every write queued while the previous commit was flushing and commits them in one
transaction (on PostgreSQL in pipeline mode), then acknowledges each. A write is acknowledged
only once it is durable (SQLite ``synchronous=FULL``, PostgreSQL's default commit), so
batching changes how many fsyncs a burst of check-ins costs, not what survives a power cut.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

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
CREATE INDEX IF NOT EXISTS vehicles_token ON vehicles(token_sha256);
CREATE TABLE IF NOT EXISTS campaigns (
    name TEXT PRIMARY KEY,
    campaign_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    id {serial} PRIMARY KEY,
    at TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    identity TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS image_keys (
    image TEXT PRIMARY KEY,
    key_hex TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS release_approvals (
    image TEXT NOT NULL,
    identity TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (image, identity)
);
CREATE TABLE IF NOT EXISTS nonces (
    id {serial} PRIMARY KEY,
    vin TEXT NOT NULL,
    nonce TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS nonces_vin ON nonces(vin, nonce);
CREATE TABLE IF NOT EXISTS vehicle_meta (
    vin TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS server_state (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO server_state VALUES ('global', 0), ('image', 0), ('campaigns', 0), ('keys', 0)
    ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS auth_failures (
    id {serial} PRIMARY KEY,
    address TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_failures_address ON auth_failures(address, at);
CREATE TABLE IF NOT EXISTS token_grace (
    vin TEXT PRIMARY KEY,
    prev_sha256 TEXT NOT NULL,
    until DOUBLE PRECISION NOT NULL
)
"""
# Shared state (several server processes over one PostgreSQL database, see ``OtaServer``):
# ``nonces`` (one-time manifest nonces), ``vehicle_meta`` (a version per car, bumped whenever
# a process changes that car's Director metadata), ``server_state`` (versions of the Image
# repository, the campaigns and the online keys, and ``global``, bumped with any of them) and
# ``auth_failures`` (wrong admin/provisioning tokens per address, for the guessing limit).
# ``token_grace``: a car's token before its last rotation and until when (Unix seconds of the
# server's clock) it may still *complete* that rotation (the answer may have been lost).
MAX_OPEN_NONCES = 16  # per vehicle, as the Director's in-memory book
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MAX_BATCH = 512  # writes per group commit

Write = tuple[str, Sequence[Any]]  # one statement (``?`` placeholders) and its parameters


def _dumps(obj: dict[str, Any]) -> str:
    """JSON text with sorted keys (orjson; the standard library past orjson's 64-bit ints)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(obj, sort_keys=True)


class _Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def cursor(self) -> Any: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def _sqlite_batch(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


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
        self._setup(conn, "?", "INTEGER", sqlite3.IntegrityError, lambda: _sqlite_batch(conn))

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

        @contextlib.contextmanager
        def batch() -> Iterator[None]:
            with conn.transaction(), conn.pipeline():  # one round trip per batch, one commit
                yield

        self._setup(conn, "%s", "BIGSERIAL", psycopg.errors.IntegrityError, batch)
        # Reads (and single autocommit statements) on a second connection, so they never wait
        # behind a group commit's fsync; shared-state transactions on a third.
        try:
            self._rconn = psycopg.connect(dsn, autocommit=True)
            self._rconn.execute(f"SET search_path TO {schema}")
            self._tconn = psycopg.connect(dsn, autocommit=True)
            self._tconn.execute(f"SET search_path TO {schema}")
        except psycopg.Error as e:
            raise OtaError(f"cannot open OTA database on PostgreSQL ({dsn}): {e}") from e
        self.engine = "postgres"
        self._dsn, self.schema = dsn, schema
        return self

    def _setup(
        self,
        conn: _Connection,
        placeholder: str,
        serial: str,
        integrity: type[Exception],
        batch: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._conn = conn
        self._rconn: _Connection = conn  # reads: the same connection on SQLite
        self._tconn: _Connection | None = None  # shared-state transactions (PostgreSQL)
        self._rlock = threading.Lock()
        self._tlock = threading.RLock()
        self.engine = "sqlite"
        self._dsn, self.schema = "", ""
        self._ph = placeholder
        self._integrity = integrity
        self._batch = batch
        self._lock = threading.Lock()
        # Group commit: writes wait in _pending (in the order they were made) for the writer
        # thread, or one caller commits in its own thread when nothing is queued or in flight.
        # _busy: a commit is in flight. Guarded by _cv, never by self._lock (held while
        # committing).
        self._cv = threading.Condition()
        self._pending: list[tuple[list[Write], Future[None]]] = []
        self._busy = False
        self._writer: threading.Thread | None = None
        self._closed = False
        for statement in _SCHEMA.format(serial=serial).split(";"):
            conn.execute(statement)

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        lock = self._lock if self._rconn is self._conn else self._rlock
        with lock:
            cur = self._rconn.execute(sql.replace("?", self._ph), params)
            rows: list[tuple[Any, ...]] = cur.fetchall() if cur.description else []
            return rows

    def _rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement on its own (autocommit) and return how many rows it changed."""
        lock = self._lock if self._rconn is self._conn else self._rlock
        with lock:
            return int(self._rconn.execute(sql.replace("?", self._ph), params).rowcount)

    # -- shared state (several server processes over one PostgreSQL database) -----------------
    @contextlib.contextmanager
    def shared_transaction(self) -> Iterator[Callable[..., list[tuple[Any, ...]]]]:
        """A transaction that holds the server-wide lock (the ``global`` row of
        ``server_state``, ``SELECT … FOR UPDATE``) until it commits: changes to shared state
        (repositories, campaigns, keys) are made one process at a time. Yields a query
        function that runs inside it. PostgreSQL only.

        Raises:
            OtaError: an SQLite database (one process only: nothing to share).
        """
        conn = self._tconn
        if conn is None:
            raise OtaError("shared state needs PostgreSQL (SQLite serves one process)")
        import psycopg

        with self._tlock:
            assert isinstance(conn, psycopg.Connection)

            def q(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
                cur = conn.execute(sql.replace("?", self._ph), params)
                return cur.fetchall() if cur.description else []

            with conn.transaction():
                q("SELECT version FROM server_state WHERE name = 'global' FOR UPDATE")
                yield q

    @property
    def channel(self) -> str:
        """The PostgreSQL notification channel of this schema's server processes."""
        return "evtwin_ota_" + hashlib.sha256(self.schema.encode()).hexdigest()[:16]

    def listen(
        self, on_ready: Callable[[], None], on_notify: Callable[[str], None], stop: threading.Event
    ) -> None:
        """Pass each notification on :attr:`channel` to ``on_notify`` until ``stop`` is set
        (blocking: a thread's loop); ``on_ready`` once listening. PostgreSQL only; raises
        the driver's error when the connection fails (the caller listens again)."""
        import psycopg

        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute(f"LISTEN {self.channel}")
            on_ready()
            while not stop.is_set() and not self._closed:
                for note in conn.notifies(timeout=0.5):
                    on_notify(note.payload)

    def state_versions(self) -> dict[str, int]:
        """Versions of the shared state: ``global``, ``image``, ``campaigns``, ``keys``."""
        return {str(n): int(v) for n, v in self._q("SELECT name, version FROM server_state")}

    def vehicle_versions(self, vins: Sequence[str] | None = None) -> dict[str, int]:
        """Each registered car's Director metadata version (``vins``' only if given)."""
        if vins is None:
            rows = self._q("SELECT vin, version FROM vehicle_meta")
        else:
            rows = [r for v in vins for r in self._q(
                "SELECT vin, version FROM vehicle_meta WHERE vin = ?", (v,))]  # fmt: skip
        return {str(vin): int(v) for vin, v in rows}

    def check_in_state(self, vin: str) -> tuple[str | None, int, int]:
        """One round trip for a car's request: its token hash (``None``: unknown VIN), its
        Director metadata version and the ``global`` state version."""
        rows = self._q(
            "SELECT v.token_sha256, COALESCE(m.version, 0), g.version FROM server_state g "
            "LEFT JOIN vehicles v ON v.vin = ? LEFT JOIN vehicle_meta m ON m.vin = v.vin "
            "WHERE g.name = 'global'",
            (vin,),
        )
        if not rows:
            return None, 0, 0
        token, version, global_version = rows[0]
        return (None if token is None else str(token)), int(version), int(global_version)

    def consume_nonce(self, vin: str, nonce: str) -> bool:
        """Use up one of ``vin``'s issued nonces (committed at once): False if it was not
        issued or is already used, by this process or any other."""
        return self._rowcount("DELETE FROM nonces WHERE vin = ? AND nonce = ?", (vin, nonce)) == 1

    @staticmethod
    def shared_check_in_write(
        vin: str,
        nonce: str,
        manifest: dict[str, Any],
        now: datetime,
        next_nonce: str,
        token_sha256: str | None,
        global_version: int,
    ) -> Write:
        """A check-in in one statement (PostgreSQL): use up ``nonce``, store the manifest,
        issue ``next_nonce`` (one used, one issued: the open nonces need no trimming). The
        write fails, in this order, unless ``token_sha256`` (if given) is the car's current
        token hash (:meth:`token_refused`: rotated or revoked by any process), unless the
        ``global`` state version is still ``global_version`` (:meth:`state_moved`: the
        caller decided on older campaigns or releases) and unless the nonce was issued and
        is unused (:meth:`nonce_refused`). It also ends the grace of the car's token before
        its last rotation (the current one is in use)."""
        token_check = (
            "ln((SELECT COUNT(*) FROM vehicles WHERE vin = ? AND token_sha256 = ?)), "
            if token_sha256 is not None
            else ""
        )
        token_args = (vin, token_sha256) if token_sha256 is not None else ()
        return (  # ``graced``: the current token is in use, the previous one completes nothing
            "WITH used AS (DELETE FROM nonces WHERE vin = ? AND nonce = ? RETURNING 1), "
            "graced AS (DELETE FROM token_grace WHERE vin = ?), "
            "stored AS (INSERT INTO manifests (vin, received_at, manifest_json) "
            "VALUES (?, ?, ?) RETURNING 1), "
            "issued AS (INSERT INTO nonces (vin, nonce) VALUES (?, ?) RETURNING 1) "
            f"SELECT {token_check}"
            "sqrt((SELECT COUNT(*) FROM server_state WHERE name = 'global' AND version = ?) - 1), "
            "1 / (SELECT COUNT(*) FROM used)",
            (vin, nonce, vin, vin, now.isoformat(), _dumps(manifest), vin, next_nonce,
             *token_args, global_version),
        )  # fmt: skip

    @staticmethod
    def state_moved(error: BaseException) -> bool:
        """Whether a failed check-in write failed because the shared state changed."""
        return type(error).__name__ == "InvalidArgumentForPowerFunction"

    @staticmethod
    def nonce_refused(error: BaseException) -> bool:
        """Whether a failed write failed on its check-in's nonce."""
        return type(error).__name__ == "DivisionByZero"

    @staticmethod
    def token_refused(error: BaseException) -> bool:
        """Whether a failed write failed on its check-in's token."""
        return type(error).__name__ == "InvalidArgumentForLogarithm"

    @staticmethod
    def nonce_writes(vin: str, nonce: str) -> list[Write]:
        """Store a freshly issued nonce; at most :data:`MAX_OPEN_NONCES` stay open per car
        (the oldest unused ones are forgotten)."""
        return [
            ("INSERT INTO nonces (vin, nonce) VALUES (?, ?)", (vin, nonce)),
            (
                "DELETE FROM nonces WHERE vin = ? AND id <= (SELECT id FROM nonces WHERE vin = ? "
                f"ORDER BY id DESC LIMIT 1 OFFSET {MAX_OPEN_NONCES})",
                (vin, vin),
            ),
        ]

    def auth_failure_times(self, address: str, since: float) -> list[float]:
        """When ``address`` sent wrong tokens after ``since`` (Unix seconds), oldest first."""
        rows = self._q(
            "SELECT at FROM auth_failures WHERE address = ? AND at > ? ORDER BY at",
            (address, since),
        )
        return [float(r[0]) for r in rows]

    def add_auth_failure(self, address: str, at: float, forget_before: float) -> None:
        """Count a wrong token from ``address`` at ``at``; forget failures before
        ``forget_before`` (from any address: the table stays as small as the window)."""
        self.write_now(
            [
                ("DELETE FROM auth_failures WHERE at <= ?", (forget_before,)),
                ("INSERT INTO auth_failures (address, at) VALUES (?, ?)", (address[:64], at)),
            ]
        ).result()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Commit what is queued, stop the writer, close the connection (once; again: no-op)."""
        with self._cv:
            if self._closed:
                return
            self._closed = True
            writer, self._writer = self._writer, None
            self._cv.notify_all()
        if writer is not None:
            writer.join()
        with self._cv:
            while self._busy:  # a caller committing in its own thread
                self._cv.wait()
        self._conn.close()
        for other in (self._rconn, self._tconn):
            if other is not None and other is not self._conn:
                other.close()

    # -- group commit --------------------------------------------------------------------------
    def write(self, statements: Sequence[Write]) -> Future[None]:
        """Queue statements to commit in the next group commit (one transaction per batch).

        The future completes once they are durable (or fails with the database's error; a
        failing batch is retried one caller at a time, so one bad write fails only its own
        caller). Writes commit in the order they were made, :meth:`write_now`'s included.
        """
        done: Future[None] = Future()
        with self._cv:
            self._enqueue(statements, done)
        return done

    def write_now(self, statements: Sequence[Write]) -> Future[None]:
        """:meth:`write` for a caller that waits anyway: committed in the calling thread when
        nothing is queued or in flight (no hand-over to the writer thread), else queued behind
        the earlier writes. Wait on the returned future."""
        done: Future[None] = Future()
        with self._cv:
            if self._pending or self._busy:
                self._enqueue(statements, done)
                return done
            if self._closed:
                raise OtaError("OTA database is closed")
            self._busy = True
        try:
            self._commit([(list(statements), done)])
        finally:
            with self._cv:
                self._busy = False
                self._cv.notify_all()
        return done

    def _enqueue(self, statements: Sequence[Write], done: Future[None]) -> None:
        if self._closed:
            raise OtaError("OTA database is closed")
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._write_loop, name="ota-db-writer", daemon=True
            )
            self._writer.start()
        self._pending.append((list(statements), done))
        self._cv.notify_all()

    def _write_loop(self) -> None:
        while True:
            with self._cv:
                while self._busy or (not self._pending and not self._closed):
                    self._cv.wait()
                if not self._pending:
                    return  # closed, everything committed
                batch = self._pending[:_MAX_BATCH]
                del self._pending[:_MAX_BATCH]
                self._busy = True
            try:
                self._commit(batch)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()

    def _commit(self, batch: list[tuple[list[Write], Future[None]]]) -> None:
        try:
            self._run(batch)
        except Exception as e:
            if len(batch) == 1:
                batch[0][1].set_exception(e)
            else:  # find the bad write: each caller's statements on their own
                for item in batch:
                    self._commit([item])
            return
        for _, done in batch:
            done.set_result(None)

    def _run(self, batch: list[tuple[list[Write], Future[None]]]) -> None:
        with self._lock, self._batch():
            cur = self._conn.cursor()
            for statements, _ in batch:
                for sql, params in statements:
                    cur.execute(sql.replace("?", self._ph), params)

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

    def vin_for_token_sha256(self, token_sha256: str) -> str | None:
        """The VIN whose token hash this is (the revocation marker matches no token)."""
        rows = self._q("SELECT vin FROM vehicles WHERE token_sha256 = ?", (token_sha256,))
        return str(rows[0][0]) if rows else None

    def set_token_sha256(self, vin: str, token_sha256: str) -> None:
        """Replace a vehicle's token hash (rotation, or a revocation marker), durably."""
        self.write_now(
            [("UPDATE vehicles SET token_sha256 = ? WHERE vin = ?", (token_sha256, vin))]
        ).result()

    def replace_token_sha256(self, vin: str, old: str, new: str) -> bool:
        """Rotate a token hash only if it is still ``old`` (committed at once): False if
        another request rotated or revoked it first."""
        return (
            self._rowcount(
                "UPDATE vehicles SET token_sha256 = ? WHERE vin = ? AND token_sha256 = ?",
                (new, vin, old),
            )
            == 1
        )

    def rotate_token_sha256(self, vin: str, old: str, new: str, grace_until: float) -> bool:
        """Rotate a token hash only if it is still ``old``, and let ``old`` complete a
        rotation until ``grace_until`` (each statement committed at once). False if another
        request rotated or revoked it first."""
        self._rowcount(
            "INSERT INTO token_grace (vin, prev_sha256, until) SELECT ?, ?, ? WHERE EXISTS "
            "(SELECT 1 FROM vehicles WHERE vin = ? AND token_sha256 = ?) "
            "ON CONFLICT (vin) DO UPDATE SET prev_sha256 = excluded.prev_sha256, "
            "until = excluded.until",
            (vin, old, grace_until, vin, old),
        )
        return self.replace_token_sha256(vin, old, new)

    def complete_rotation_sha256(self, vin: str, prev: str, new: str, now: float) -> bool:
        """A rotation whose answer was lost, made again with the token before it: the car's
        token becomes ``new`` if ``prev`` is the one it had before its last rotation and its
        grace (:meth:`rotate_token_sha256`) lasts past ``now``; the grace is not extended.
        False otherwise (nothing changes)."""
        return (
            self._rowcount(
                "UPDATE vehicles SET token_sha256 = ? WHERE vin = ? AND EXISTS (SELECT 1 FROM "
                "token_grace g WHERE g.vin = ? AND g.prev_sha256 = ? AND g.until > ?)",
                (new, vin, vin, prev, now),
            )
            == 1
        )

    def graced_vins(self) -> list[str]:
        """The cars whose previous token may still complete a rotation (until its time)."""
        return [str(r[0]) for r in self._q("SELECT vin FROM token_grace")]

    @staticmethod
    def end_token_grace_write(vin: str) -> Write:
        """A check-in with the car's current token ends its previous token's grace."""
        return ("DELETE FROM token_grace WHERE vin = ?", (vin,))

    def end_token_grace(self, vin: str) -> None:
        """The car confirmed its new token: the one before it completes nothing any more."""
        self._rowcount("DELETE FROM token_grace WHERE vin = ?", (vin,))

    def revoke_token_sha256(self, vin: str, marker: str) -> None:
        """Revoke a car's token, and any grace of its previous one, in one transaction."""
        self.write_now(
            [
                ("UPDATE vehicles SET token_sha256 = ? WHERE vin = ?", (marker, vin)),
                ("DELETE FROM token_grace WHERE vin = ?", (vin,)),
            ]
        ).result()

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

    @staticmethod
    def manifest_write(vin: str, manifest: dict[str, Any], now: datetime) -> Write:
        """The statement storing a received manifest (for :meth:`write`)."""
        return (
            "INSERT INTO manifests (vin, received_at, manifest_json) VALUES (?, ?, ?)",
            (vin, now.isoformat(), _dumps(manifest)),
        )

    def add_manifest(self, vin: str, manifest: dict[str, Any], now: datetime) -> None:
        self.write_now([self.manifest_write(vin, manifest, now)]).result()

    def latest_manifest(self, vin: str) -> dict[str, Any] | None:
        rows = self._q(
            "SELECT manifest_json FROM manifests WHERE vin = ? ORDER BY id DESC LIMIT 1", (vin,)
        )
        if not rows:
            return None
        manifest: dict[str, Any] = json.loads(rows[0][0])
        return manifest

    @staticmethod
    def campaign_write(name: str, campaign: dict[str, Any]) -> Write:
        """The statement inserting or replacing a campaign's state (for :meth:`write`)."""
        return (
            "INSERT INTO campaigns VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET campaign_json = excluded.campaign_json",
            (name, json.dumps(campaign, sort_keys=True)),
        )

    def save_campaign(self, name: str, campaign: dict[str, Any]) -> None:
        """Insert or replace a campaign's stored state."""
        self.write_now([self.campaign_write(name, campaign)]).result()

    def campaigns(self) -> list[dict[str, Any]]:
        rows = self._q("SELECT campaign_json FROM campaigns ORDER BY name")
        return [json.loads(r[0]) for r in rows]

    def add_audit(
        self, now: datetime, address: str, action: str, outcome: str, identity: str = ""
    ) -> None:
        """Append one entry to the audit log (every admin attempt: from where, who, what,
        how it ended), committed before this returns."""
        self.write_now(
            [
                (
                    "INSERT INTO audit_log (at, address, action, outcome, identity) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (now.isoformat(), address[:64], action[:200], outcome[:32], identity[:32]),
                )
            ]
        ).result()

    def audit_log(self, limit: int = 1000) -> list[dict[str, str]]:
        """The newest ``limit`` audit entries, oldest first."""
        rows = self._q(
            "SELECT at, address, action, outcome, identity FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        keys = ("at", "address", "action", "outcome", "identity")
        return [dict(zip(keys, map(str, r), strict=True)) for r in reversed(rows)]

    def add_approval(self, image: str, identity: str, now: datetime) -> None:
        """Record ``identity``'s approval of release ``image`` (again: no change)."""
        self.write_now(
            [
                (
                    "INSERT INTO release_approvals VALUES (?, ?, ?) "
                    "ON CONFLICT (image, identity) DO NOTHING",
                    (image, identity, now.isoformat()),
                )
            ]
        ).result()

    def save_image_key(self, image: str, key: bytes) -> None:
        """Keep an encrypted image's symmetric key (the Director wraps it to each ECU)."""
        self.write_now([("INSERT INTO image_keys VALUES (?, ?)", (image, key.hex()))]).result()

    def image_key(self, image: str) -> bytes | None:
        rows = self._q("SELECT key_hex FROM image_keys WHERE image = ?", (image,))
        return bytes.fromhex(str(rows[0][0])) if rows else None

    def approval_keys(self, prefix: str) -> list[str]:
        """The distinct approved images whose key starts with ``prefix``."""
        rows = self._q(
            "SELECT DISTINCT image FROM release_approvals WHERE substr(image, 1, ?) = ? "
            "ORDER BY image",
            (len(prefix), prefix),
        )
        return [str(r[0]) for r in rows]

    def approvals(self, image: str) -> list[str]:
        """The admin identities that approved release ``image``, sorted."""
        rows = self._q(
            "SELECT identity FROM release_approvals WHERE image = ? ORDER BY identity", (image,)
        )
        return [str(r[0]) for r in rows]

    def manifest_count(self, vin: str) -> int:
        return int(self._q("SELECT COUNT(*) FROM manifests WHERE vin = ?", (vin,))[0][0])
