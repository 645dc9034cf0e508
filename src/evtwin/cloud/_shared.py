"""State shared by several OTA server processes over one PostgreSQL database.

Each process (a uvicorn worker) keeps the repositories it signs with in memory, as a *cache*
of what the database and the artefact store hold; the database says when a cache is stale:

- ``server_state``: a version each for the Image repository (``image``), the campaigns
  (``campaigns``) and the online keys (``keys``), and ``global``, bumped with any of them;
- ``vehicle_meta``: a version per car, bumped whenever a process changes that car's Director
  metadata (an assignment, a re-signed timestamp, a rotated key).

A car's request reads its token hash, its version and ``global`` in one query
(:meth:`SharedState.current`); a stale car is reloaded from the store (its metadata) and the
database (its inventory and last manifest), a stale ``global`` reloads what changed. Anything
that changes shared state runs in :meth:`SharedState.exclusive`: a PostgreSQL transaction
holding the ``global`` row (``SELECT … FOR UPDATE``), so such changes happen one process at
a time; it reloads what is stale first, and bumps (and ``NOTIFY``s) the versions of what it
changed before it commits (after the store holds the new metadata).

A check-in that changes no shared state (no live campaign for the car, nothing due for
re-signing) takes no lock and, while this process listens for notifications
(:meth:`SharedState.start_listener`), makes no query before its commit: one statement in the
group commit checks the car's token and that ``global`` is still the version the process
decided on, uses up the nonce, stores the manifest and issues the next nonce
(:meth:`OtaDatabase.shared_check_in_write`); if ``global`` moved, the check-in is made again
under the lock.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from evtwin.cloud._campaigns import Campaign
from evtwin.cloud._db import OtaDatabase
from evtwin.errors import OtaInventoryError, OtaKeyError
from evtwin.ota import OtaBackend, VehicleInventory, key_paths, load_keys
from evtwin.ota.repository import TufRepository

__all__ = ["SharedState"]

log = logging.getLogger("evtwin.cloud.ota")

Query = Callable[..., list[tuple[Any, ...]]]


class _Server(Protocol):
    """What of :class:`~evtwin.cloud.OtaServer` the caches belong to."""

    db: OtaDatabase
    backend: OtaBackend
    campaigns: dict[str, Campaign]
    state_dir: Path | None


def _fingerprint(repo: TufRepository) -> tuple[int, int, int, int]:
    """Versions of a repository's four roles: any publish changes at least one."""
    return (
        repo.root_md.signed.version,
        repo.targets_md.signed.version,
        repo.snapshot_md.signed.version,
        repo.timestamp_md.signed.version,
    )


def _reload(repo: TufRepository) -> None:
    """Re-read a repository's metadata from its store, in place."""
    fresh = TufRepository.load(
        prefix=repo.prefix, keys=repo.keys, store=repo.store, clock=repo.clock, expiry=repo.expiry
    )
    repo.root_md, repo.targets_md = fresh.root_md, fresh.targets_md
    repo.snapshot_md, repo.timestamp_md = fresh.snapshot_md, fresh.timestamp_md


class SharedState:
    """The caches of one server process and the versions they were loaded at."""

    def __init__(self, server: _Server) -> None:
        self.server = server
        self.versions: dict[str, int] = {}
        self.vin_versions: dict[str, int] = {}
        self.lock = threading.RLock()  # this process's threads: one reload or change at a time
        self._changed: set[str] = set()
        # LISTEN/NOTIFY: while listening, a car's check-in trusts this process's caches unless
        # a notification said they changed (``_fresh``: cars known current since then)
        self._listening = False
        self._stale_global = True
        self._fresh: set[str] = set()
        self._tokens: dict[str, str] = {}  # VIN -> token hash last read (checked at commit)
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    # -- reading -------------------------------------------------------------------------------
    def start(self) -> None:
        """Load everything (at start-up): versions first, so a change made meanwhile is
        seen as stale later rather than missed."""
        with self.lock:
            self.versions = self.server.db.state_versions()
            known = self.server.db.vehicle_versions()
            self.vin_versions = {vin: known.get(vin, 0) for vin in self.server.db.vehicles()}
            self._reload_campaigns()

    # -- notifications -------------------------------------------------------------------------
    def start_listener(self) -> None:
        """Listen for other processes' changes (a daemon thread with its own connection)."""
        self._listener = threading.Thread(
            target=self._listen_loop, name="ota-state-listener", daemon=True
        )
        self._listener.start()

    def stop_listener(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=5)

    def _listen_loop(self) -> None:
        while not self._stop.is_set() and not self.server.db.closed:
            try:
                self.server.db.listen(self._on_ready, self._on_notify, self._stop)
            except Exception:  # reads stay correct meanwhile: every check-in reads through
                log.exception("listening for shared-state changes failed; retrying in 1 s")
            self._listening = False
            self._stop.wait(1.0)

    def _on_ready(self) -> None:
        self._stale_global = True  # anything may have changed before we listened
        self._fresh.clear()
        self._listening = True

    def _on_notify(self, payload: str) -> None:
        if payload.startswith("vin:"):
            self._fresh.discard(payload[4:])
        else:
            self._stale_global = True

    def check_in_token(self, vin: str, token_sha256: str) -> bool:
        """The check-in's first look at a car's token: against this process's cache, with
        the caches brought up to date if a notification said they changed (no query when
        none did). Provisional: the check-in's commit checks the token again
        (:meth:`OtaDatabase.shared_check_in_write`), so a token rotated or revoked through
        another process is refused even if this cache has not heard of it yet."""
        if not self._listening:
            current = self.current(vin)
            return current is not None and hmac.compare_digest(current, token_sha256)
        director = self.server.backend.director
        if self._stale_global or vin not in self._fresh or not director.knows(vin):
            with self.lock:
                self.sync([vin])
        cached = self._tokens.get(vin)
        if cached is None or not hmac.compare_digest(cached, token_sha256):
            cached = self.server.db.token_sha256(vin)  # a fresh token, or a wrong one
            if cached is None:
                return False
            self._tokens[vin] = cached
        return hmac.compare_digest(cached, token_sha256)

    def registered(self, vin: str) -> bool:
        """Whether ``vin`` is registered, with this process's view of it current: no query
        while listening and no notification said it changed (else :meth:`current`)."""
        if (
            self._listening
            and not self._stale_global
            and vin in self._fresh
            and self.server.backend.director.knows(vin)
        ):
            return True
        return self.current(vin) is not None

    def stale(self) -> None:
        """Another process changed the server-wide state: reload before the next use."""
        self._stale_global = True

    def forget_token(self, vin: str) -> None:
        self._tokens.pop(vin, None)
        self._fresh.discard(vin)

    # -- reading -------------------------------------------------------------------------------
    def current(self, vin: str) -> str | None:
        """The car's token hash (``None``: not registered), with this process's view of the
        car and of the server-wide state brought up to date first (one query when nothing
        changed)."""
        token, version, global_version = self.server.db.check_in_state(vin)
        if token is None:
            return None
        if (
            global_version != self.versions.get("global")
            or self.vin_versions.get(vin) != version
            or not self.server.backend.director.knows(vin)
        ):
            with self.lock:
                self.sync([vin])
        return token

    def sync(self, vins: Sequence[str] = (), *, all_vehicles: bool = False) -> None:
        """Reload whatever of the server-wide state, and of these cars, is stale (lock held)."""
        db, backend = self.server.db, self.server.backend
        self._stale_global = False  # before reading: a notification from now on sets it again
        self._fresh.update(vins)
        versions = db.state_versions()
        if versions.get("global") != self.versions.get("global"):
            if versions.get("keys") != self.versions.get("keys"):
                self._reload_keys()
                all_vehicles = True
                self.vin_versions.clear()  # every car's metadata is signed by the new keys
            elif versions.get("image") != self.versions.get("image"):
                _reload(backend.image_repo)
            if versions.get("campaigns") != self.versions.get("campaigns"):
                self._reload_campaigns()
            self.versions = versions
        if all_vehicles:
            known = db.vehicle_versions()
            wanted = {vin: known.get(vin, 0) for vin in db.vehicles()}
        else:
            known = db.vehicle_versions(vins)
            wanted = {vin: known.get(vin, 0) for vin in vins}
        director = backend.director
        for vin, version in wanted.items():
            if self.vin_versions.get(vin) != version or not director.knows(vin):
                try:
                    self.load_vehicle(vin)
                except OtaInventoryError:
                    if all_vehicles:
                        raise
                    continue  # not registered (yet): nothing to reload
                self.vin_versions[vin] = version

    def load_vehicle(self, vin: str) -> None:
        """(Re)open a car's Director repository from the store and its last manifest.

        Raises:
            OtaInventoryError: not registered.
        """
        db = self.server.db
        inventory = db.inventory(vin)
        if inventory is None:
            raise OtaInventoryError(f"vehicle {vin!r} is not registered")
        self.server.backend.director.restore_vehicle(
            VehicleInventory.from_dict(inventory), db.latest_manifest(vin)
        )

    def _reload_campaigns(self) -> None:
        campaigns = [Campaign.from_dict(c) for c in self.server.db.campaigns()]
        self.server.campaigns = {c.spec.name: c for c in campaigns}

    def _reload_keys(self) -> None:
        """Online keys rotated by another process: read them where it saved them."""
        state_dir = self.server.state_dir
        backend = self.server.backend
        if state_dir is None:  # keys in memory: no other process can share them anyway
            raise OtaKeyError("another process rotated keys, and this one has no --state DIR")
        image_path, director_path = key_paths(state_dir)
        image_keys, director_keys = load_keys(image_path), load_keys(director_path)
        for role in ("snapshot", "timestamp"):
            backend.image_repo.keys[role] = image_keys[role]
        for role in ("targets", "snapshot", "timestamp"):
            backend.director.keys[role] = director_keys[role]
        _reload(backend.image_repo)

    # -- changing ------------------------------------------------------------------------------
    def mark(self, kind: str) -> None:
        """Record (inside :meth:`exclusive`) that ``kind`` (``campaigns``, ``keys``) changed."""
        self._changed.add(kind)

    @contextlib.contextmanager
    def exclusive(self, vins: Sequence[str] = (), *, all_vehicles: bool = False) -> Iterator[None]:
        """Change shared state: one process at a time (the database's server-wide lock),
        from current caches (stale ones reloaded first); the versions of what changed (the
        Image repository, ``vins``' or every car's Director metadata, what :meth:`mark`
        named) are bumped in the same transaction. An error inside still publishes what it
        had changed, then propagates."""
        server = self.server
        director = server.backend.director
        error: BaseException | None = None
        with self.lock, server.db.shared_transaction() as q:
            self.sync(vins, all_vehicles=all_vehicles)
            self._changed = set()
            scope = list(director.registered) if all_vehicles else list(vins)
            before_image = _fingerprint(server.backend.image_repo)
            before = {vin: self._vin_fingerprint(vin) for vin in scope}
            try:
                yield
            except BaseException as e:  # publish what changed, then raise it
                error = e
            if _fingerprint(server.backend.image_repo) != before_image:
                self._changed.add("image")
            if all_vehicles:
                scope = list(director.registered)
            changed_vins = [v for v in scope if self._vin_fingerprint(v) != before.get(v)]
            self._bump(q, sorted(self._changed), changed_vins)
        if error is not None:
            raise error

    def _vin_fingerprint(self, vin: str) -> tuple[int, int, int, int] | None:
        director = self.server.backend.director
        if not director.knows(vin):
            return None
        return _fingerprint(director.vehicle_repo(vin))

    def _bump(self, q: Query, kinds: Sequence[str], vins: Sequence[str]) -> None:
        if kinds:
            names = ["global", *kinds]
            marks = ", ".join("?" * len(names))
            rows = q(
                f"UPDATE server_state SET version = version + 1 WHERE name IN ({marks}) "
                "RETURNING name, version",
                names,
            )
            self.versions.update({str(n): int(v) for n, v in rows})
            q("SELECT pg_notify(?, 'global')", (self.server.db.channel,))
        for vin in vins:
            rows = q(
                "INSERT INTO vehicle_meta VALUES (?, 1) ON CONFLICT (vin) DO UPDATE "
                "SET version = vehicle_meta.version + 1 RETURNING version",
                (vin,),
            )
            self.vin_versions[vin] = int(rows[0][0])
            q("SELECT pg_notify(?, ?)", (self.server.db.channel, f"vin:{vin}"))
