"""The OTA server's logic, without HTTP: registration, credentials, manifests, releases.

Wraps an :class:`~evtwin.ota.OtaBackend` (Image repository + Director) and an
:class:`OtaDatabase`. On SQLite one lock serialises changes to the repositories, which are not
thread-safe. On PostgreSQL the server is one of any number of processes over the same database
(``shared``, :mod:`evtwin.cloud._shared`): its repositories are caches, changes to shared
state take the database's server-wide lock, and a check-in that changes none takes no lock at
all. The HTTP layer (:mod:`evtwin.cloud._app`) only translates.

Limitation of this slice: repository keys and metadata live in the server process (the
artefacts in its store persist, the keys do not), so a restarted server starts new
repositories. Persisting keys and metadata is a later slice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import logging
import multiprocessing
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from securesystemslib.signer import Signer
from tuf.api.metadata import Metadata, Targets

from evtwin.cloud._campaigns import Campaign, CampaignSpec, CampaignState, VehicleOutcome
from evtwin.cloud._db import OtaDatabase
from evtwin.cloud._kek import image_key_wrapper
from evtwin.cloud._shared import SharedState
from evtwin.errors import (
    OtaAuthError,
    OtaError,
    OtaImageError,
    OtaInventoryError,
    OtaKeyError,
    OtaManifestError,
    OtaReleaseConflictError,
    OtaReleaseError,
)
from evtwin.ota import (
    CUSTOM_ENCRYPTED,
    CUSTOM_HARDWARE_IDS,
    DEFENDER_SPORT_ECUS,
    ExpiryPolicy,
    OtaBackend,
    RefreshPolicy,
    RoleKeys,
    VehicleInventory,
    decrypt_image,
    encrypt_image,
    generate_signer,
    is_offline,
    open_artifact,
    sign_envelope,
    time_signer,
    verify_ed25519_batch,
)
from evtwin.ota.repository import DIRECTOR_ONLINE_ROLES, PendingManifest, check_release_bounds

__all__ = [
    "DEFAULT_TOKEN_GRACE_S",
    "IMAGE_ONLINE_ROLES",
    "CheckIn",
    "OtaServer",
    "VehicleCredentials",
]

DEFAULT_TOKEN_GRACE_S = 3600.0
"""Seconds (server clock) a car's token before its last rotation may still complete that
rotation, if its answer was lost (assumption: an hour covers a car's retry at its next
check-in, every 300 s by default, several times over, and keeps a leaked pre-rotation token
good for one more hour, for the rotation route only)."""

_IDENTITY = re.compile(r"^[a-z0-9_-]{1,32}$")
_NONCE = re.compile(r"^[0-9a-f]{16,64}$")
_REVOKED = "revoked"


def _approval_key(name: str, sha256: str) -> str:
    """Approvals are of content: the image name and its SHA-256."""
    return f"{name}#{sha256}"  # never the SHA-256 of any token (not 64 hex digits)


log = logging.getLogger("evtwin.cloud.ota")

# The Image repository's roles whose keys the server holds; root and targets are offline.
IMAGE_ONLINE_ROLES: tuple[str, ...] = ("snapshot", "timestamp")
IMAGE_OFFLINE_ROLES: tuple[str, ...] = ("root", "targets")


@dataclass(frozen=True, kw_only=True)
class VehicleCredentials:
    """What registration returns to the factory: the bearer token and the roots to pin."""

    vin: str
    token: str
    director_root: bytes
    image_root: bytes
    time_key: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class CheckIn:
    """A verified check-in: the answer for the car, and its database write.

    ``next_nonce`` is a fresh one-time nonce for the car's next manifest (it saves the car a
    round trip; ``GET …/nonce`` still issues one). Answer the car only once ``durable`` is
    done: the manifest (and any campaign state it moved) is then committed.
    """

    assigned: dict[str, str]
    consent: str
    next_nonce: str
    durable: Future[None]


class _StateMoved(OtaError):
    """A lock-free check-in decided on state another process has changed since."""

    def __init__(self) -> None:
        super().__init__("the server's shared state changed during this check-in: check in again")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class OtaServer:
    """Registration, check-ins and releases over an OTA backend.

    Args:
        backend: the repositories and their store.
        db: vehicles and manifests.
        provisioning_token: the factory's secret for registering vehicles.
        admin_token: the release engineers' secret for publishing images (identity
            ``admin``).
        admin_tokens: more admin identities, ``{name: token}`` (each its own secret).
        approvals_required: distinct admin identities that must approve a release before a
            campaign may offer it (the uploader's counts as one; see :meth:`approve`).
        verify_workers: worker processes that verify manifest signatures for
            :meth:`check_in_async` (0: in the server's own thread). ed25519 verification
            holds the GIL, so this is how one server process uses more than one core.
        refresh: when online metadata is re-signed (:meth:`refresh_metadata`) and offline
            metadata warned about; default: under half of a role's lifetime left.
        refreshing: False for a server that never re-signs online metadata on its own (an
            unmaintained server: what the car's freeze-attack defence is tested against).
            :attr:`refreshing` may be switched later.
        hardware_ids: the fleet's ECU hardware IDs a release may name (default: the
            Defender Sport's); every registered vehicle's ECUs count too.
        auto_assign: offer each ECU the newest image released for its hardware ID without
            a campaign (the in-process twin's shortcut). Off by default: releases reach cars
            only through a started campaign.
        shared: keep no state of its own but caches, so that several server processes may
            serve one database (:mod:`evtwin.cloud._shared`); default: on PostgreSQL. Needs
            PostgreSQL, and for processes beyond the first a state directory (the keys) and
            a store they share (a directory or S3).
        listen: with ``shared``, hear other processes' changes through PostgreSQL
            LISTEN/NOTIFY (one more connection), so a car's check-in needs no query before
            its commit; without, each check-in reads its car's state through first.
        token_grace_s: how long (server clock) a car's token before its last rotation may
            still complete that rotation, if the answer was lost (0: never; default
            :data:`DEFAULT_TOKEN_GRACE_S`); kept in the database, so any process honours it.
    """

    def __init__(
        self,
        backend: OtaBackend,
        db: OtaDatabase,
        *,
        provisioning_token: str,
        admin_token: str,
        state_dir: Path | None = None,
        verify_workers: int = 0,
        refresh: RefreshPolicy | None = None,
        refreshing: bool = True,
        hardware_ids: Iterable[str] | None = None,
        auto_assign: bool = False,
        admin_tokens: Mapping[str, str] | None = None,
        approvals_required: int = 1,
        shared: bool | None = None,
        listen: bool = False,
        token_grace_s: float = DEFAULT_TOKEN_GRACE_S,
    ) -> None:
        if not 0 <= token_grace_s <= 86400:
            raise OtaError(f"token grace must be 0..86400 s, got {token_grace_s}")
        self.token_grace_s = float(token_grace_s)
        identities = {"admin": admin_token, **dict(admin_tokens or {})}
        if len(provisioning_token) < 16 or any(len(t) < 16 for t in identities.values()):
            raise OtaError("provisioning and admin tokens must be at least 16 characters")
        bad = [n for n in identities if not _IDENTITY.fullmatch(n)]
        if bad or len(set(identities.values())) != len(identities):
            raise OtaError(
                f"admin identities must match {_IDENTITY.pattern} and have distinct tokens "
                f"(got {sorted(identities)})"
            )
        if not 1 <= approvals_required <= len(identities):
            raise OtaError(
                f"{approvals_required} approvals cannot come from {len(identities)} admin "
                "identities"
            )
        if auto_assign and approvals_required > 1:
            raise OtaError("auto_assign offers releases without approvals: use campaigns")
        self.approvals_required = approvals_required
        self.refresh_policy = refresh or RefreshPolicy()
        margin = self.refresh_policy.margin
        director_expiry = backend.director.expiry or ExpiryPolicy()
        shortest = min(
            *(backend.image_repo.expiry.lifetime(r) for r in IMAGE_ONLINE_ROLES),
            *(director_expiry.lifetime(r) for r in DIRECTOR_ONLINE_ROLES),
        )
        if margin is not None and margin >= shortest:
            raise OtaError(
                f"refresh margin {margin} is not shorter than the shortest online lifetime "
                f"({shortest}): every check would re-sign"
            )
        self.backend = backend
        self.db = db
        self.shared = db.engine == "postgres" if shared is None else shared
        if self.shared and db.engine != "postgres":
            raise OtaError(
                "several server processes share their state through PostgreSQL; an SQLite "
                "database serves one process"
            )
        self._shared = SharedState(self) if self.shared else None
        if self.shared:  # nonces live in the database: any process may issue or use one
            backend.director.consume_nonce = db.consume_nonce
        self.state_dir = state_dir  # where rotated keys are saved (None: keys live in memory)
        self._provisioning_sha = _sha256(provisioning_token)
        self._admin_sha = {name: _sha256(token) for name, token in identities.items()}
        self._lock = threading.Lock()
        self._token_sha: dict[str, str] = {}  # VIN -> current token hash
        # VINs whose previous token may still complete a rotation (one process only: with
        # shared state every check-in ends any grace in its own statement)
        self._graced: set[str] = set() if self.shared else set(db.graced_vins())
        self._vin_by_token: dict[str, str] = {}  # token hash -> VIN (image downloads)
        if verify_workers < 0:
            raise OtaError(f"verify_workers must be 0 or more, got {verify_workers}")
        self._pool: ProcessPoolExecutor | None = None
        if verify_workers:
            self._pool = ProcessPoolExecutor(
                verify_workers, mp_context=multiprocessing.get_context("spawn")
            )
            for f in [self._pool.submit(verify_ed25519_batch, []) for _ in range(verify_workers)]:
                f.result()  # start the workers now, not on the first check-in
        self.campaigns: dict[str, Campaign] = {}
        self.refreshing = refreshing
        self.auto_assign = auto_assign
        self._time_signer = backend.time_signer or self._time_key_signer(state_dir)
        self._kek = image_key_wrapper(backend, state_dir)  # image keys are stored wrapped
        backend.director.image_keys = self._image_key
        self.hardware_ids = frozenset(
            hardware_ids
            if hardware_ids is not None
            else (e.hardware_id for e in DEFENDER_SPORT_ECUS)
        )
        self._warned: set[tuple[str, str, int]] = set()  # (repository, role, version)
        self._restore()
        if self._shared is not None and listen:
            self._shared.start_listener()

    def _restore(self) -> None:
        """Reopen the repositories of vehicles registered before a restart, and campaigns."""
        if self._shared is not None:
            self._shared.start()  # the versions the caches start from, and the campaigns
        else:
            for stored in self.db.campaigns():
                campaign = Campaign.from_dict(stored)
                self.campaigns[campaign.spec.name] = campaign
        for vin in self.db.vehicles():
            inventory = self.db.inventory(vin)
            if inventory is None or self.backend.director.knows(vin):
                continue
            self.backend.director.restore_vehicle(
                VehicleInventory.from_dict(inventory), self.db.latest_manifest(vin)
            )

    def _image_key(self, name: str) -> bytes | None:
        """The released image ``name``'s key, unwrapped with the KEK (PKCS#11 token or
        state directory): the database holds it only wrapped, under the name and the
        ciphertext's SHA-256 (several pending uploads may share a name)."""
        released = self.backend.image_repo.get_image(name)
        stored = None
        if released is not None:
            stored = self.db.image_key(_approval_key(name, released.hashes["sha256"]))
        if stored is None:
            stored = self.db.image_key(name)  # stored before keys were bound to content
        return None if stored is None else self._kek.unwrap(stored, name)

    def _save_image_key(self, name: str, sha256: str, key: bytes) -> None:
        self.db.save_image_key(_approval_key(name, sha256), self._kek.wrap(key, name))

    def _exclusive(
        self, vins: Sequence[str] = (), *, all_vehicles: bool = False
    ) -> contextlib.AbstractContextManager[Any]:
        """Hold the server's state while changing it: this process's lock, and with shared
        state the database's server-wide lock too (:meth:`SharedState.exclusive`)."""
        if self._shared is None:
            return self._lock
        return self._shared.exclusive(vins, all_vehicles=all_vehicles)

    def _refresh_caches(self, vins: Sequence[str] = ()) -> None:
        """With shared state: reload what other processes changed (no-op otherwise)."""
        if self._shared is not None:
            with self._shared.lock:
                self._shared.sync(vins)

    def _mark(self, kind: str) -> None:
        if self._shared is not None:
            self._shared.mark(kind)

    def _due(self, vins: Sequence[str]) -> bool:
        """Whether a refresh of these cars' (and the Image) online metadata has work."""
        policy = self.refresh_policy
        if self.backend.image_repo.due_roles(IMAGE_ONLINE_ROLES, policy):
            return True
        director = self.backend.director
        return any(
            director.vehicle_repo(v).due_roles(DIRECTOR_ONLINE_ROLES, policy)
            for v in vins
            if director.knows(v)
        )

    # -- online metadata -------------------------------------------------------------------------
    def refresh_metadata(self, vins: Sequence[str] | None = None) -> dict[str, list[str]]:
        """Re-sign every online role that :attr:`refresh_policy` finds due, on the backend's
        clock: the Image repository's snapshot/timestamp and each vehicle's Director
        targets/snapshot/timestamp (only ``vins``' if given: the cheap per-request check).

        Offline roles (Image root and targets, each Director root) are never re-signed here;
        a full pass (``vins`` None) logs one warning per role version that is near expiry.
        Returns ``{"image": roles, "director/<VIN>": roles}`` for what was re-signed
        (nothing while :attr:`refreshing` is off).
        """
        if not self.refreshing:
            return {}
        policy = self.refresh_policy
        if self._shared is not None and vins is not None:  # the per-request check: no lock
            self._refresh_caches(vins)
            if not self._due(vins):
                return {}
        with self._exclusive(vins or (), all_vehicles=vins is None):
            out: dict[str, list[str]] = {}
            image_done = self.backend.image_repo.refresh_online(IMAGE_ONLINE_ROLES, policy)
            if image_done:
                out["image"] = list(image_done)
            director = self.backend.director
            for vin, done in director.refresh_due(policy, vins).items():
                out[f"director/{vin}"] = list(done)
            if vins is None:
                self._warn_offline()
        if out:
            log.info("re-signed online metadata: %s", out)
        return out

    def _refresh_for(self, vin: str) -> None:
        """The check-in's cheap refresh (lock held). A failure is logged, not the car's: the
        background pass and the car's ``timestamp.json`` request try again."""
        try:
            self.backend.director.refresh_due(self.refresh_policy, [vin])
            self.backend.image_repo.refresh_online(IMAGE_ONLINE_ROLES, self.refresh_policy)
        except Exception:
            log.exception("re-signing online metadata for %s at its check-in failed", vin)

    def _warn_offline(self) -> None:
        policy, image = self.refresh_policy, self.backend.image_repo
        for role in image.due_roles(IMAGE_OFFLINE_ROLES, policy):
            signed = image.root_md.signed if role == "root" else image.targets_md.signed
            if ("image", role, signed.version) not in self._warned:
                self._warned.add(("image", role, signed.version))
                log.warning(
                    "Image repository %s metadata (version %d, offline keys) expires %s: the "
                    "server never re-signs it; its key holders must sign a new version before "
                    "then, or cars will refuse every update",
                    role,
                    signed.version,
                    signed.expires.isoformat(),
                )
        due = self.backend.director.offline_due(policy)
        new = {v: d for v, d in due.items() if ("director/" + v, "root", d[0]) not in self._warned}
        if new:
            self._warned.update(("director/" + v, "root", d[0]) for v, d in new.items())
            first = min(expires for _, expires in new.values())
            log.warning(
                "Director root metadata (offline keys) of %d vehicle(s) expires from %s (e.g. "
                "%s): the server never re-signs it; rotate or re-sign the Director root",
                len(new),
                first.isoformat(),
                ", ".join(sorted(new)[:3]),
            )

    # -- auth ----------------------------------------------------------------------------------
    @staticmethod
    def _check(given: str | None, expected_sha: str | None, what: str) -> None:
        # One message for every failure, so an unknown VIN and a wrong token look the same.
        if given is None or expected_sha is None:
            raise OtaAuthError(f"{what}: not authorized")
        if not hmac.compare_digest(_sha256(given), expected_sha):
            raise OtaAuthError(f"{what}: not authorized")

    def authenticate_vehicle(self, vin: str, token: str | None) -> None:
        """Raises OtaAuthError unless ``token`` is the one issued to ``vin``.

        The stored token hash is read once per VIN and kept (it changes only through
        :meth:`rotate_vehicle_token` and :meth:`revoke_vehicle`, which update it); unknown
        VINs are not remembered.
        """
        if self._shared is not None:  # no cache: another process may rotate or revoke it
            self._check(token, self._shared.current(vin), f"vehicle {vin}")
            return
        expected = self._token_sha.get(vin)
        if expected is None:
            expected = self.db.token_sha256(vin)
            if expected is not None:
                self._token_sha[vin] = expected
        self._check(token, expected, f"vehicle {vin}")

    def authenticate_check_in(self, vin: str, token: str | None) -> None:
        """:meth:`authenticate_vehicle` for a check-in, which passes the same ``token`` to
        :meth:`check_in_async`: with shared state a provisional check against this process's
        cache (no query), made final in the check-in's commit.

        Raises:
            OtaAuthError: not ``vin``'s token (as far as this process knows).
        """
        if self._shared is None:
            self.authenticate_vehicle(vin, token)
        elif not token or not self._shared.check_in_token(vin, _sha256(token)):
            raise OtaAuthError(f"vehicle {vin}: not authorized")

    def authenticate_any_vehicle(self, token: str | None) -> str:
        """The VIN whose current bearer token ``token`` is (image downloads need a car's
        identity, not a particular one).

        Raises:
            OtaAuthError: no registered, unrevoked car has this token.
        """
        if not token:
            raise OtaAuthError("vehicle: not authorized")
        sha = _sha256(token)
        if self._shared is not None:
            found = self.db.vin_for_token_sha256(sha)
            if found is None:
                raise OtaAuthError("vehicle: not authorized")
            return found
        vin = self._vin_by_token.get(sha)
        if vin is None:
            vin = self.db.vin_for_token_sha256(sha)
            if vin is None:
                raise OtaAuthError("vehicle: not authorized")
            self._vin_by_token[sha] = vin
        if self._token_sha.get(vin, sha) != sha:  # rotated or revoked since
            self._vin_by_token.pop(sha, None)
            raise OtaAuthError("vehicle: not authorized")
        return vin

    def rotate_vehicle_token(self, vin: str, token: str | None) -> str:
        """Replace ``vin``'s bearer token (checked first) with a fresh one and return it; the
        old one stops working for everything but this: for :attr:`token_grace_s` (the
        server's clock) it may complete the rotation again, in case the answer was lost (the
        car still holds the old token): that issues yet another token, and the one whose
        answer was lost stops working. The grace ends early once the new token is used for a
        check-in or confirmed (:meth:`confirm_vehicle_token`), or the car is revoked. Cars
        rotate theirs regularly, so a leaked token lives only until the next rotation (plus
        the grace, for this route only).

        Raises:
            OtaAuthError: ``token`` is neither ``vin``'s current token nor, within the
                grace, the one before its last rotation.
        """
        if not token:
            raise OtaAuthError(f"vehicle {vin}: not authorized")
        sha, fresh = _sha256(token), secrets.token_urlsafe(32)
        now = self.backend.clock.now().timestamp()
        if self._shared is not None:  # only if the token is still the current one
            if not self.db.rotate_token_sha256(
                vin, sha, _sha256(fresh), now + self.token_grace_s
            ) and not self.db.complete_rotation_sha256(vin, sha, _sha256(fresh), now):
                raise OtaAuthError(f"vehicle {vin}: not authorized")
            return fresh
        with self._lock:
            try:
                self.authenticate_vehicle(vin, token)
                current = True
            except OtaAuthError:
                current = False
            if current:
                done = self.db.rotate_token_sha256(
                    vin, sha, _sha256(fresh), now + self.token_grace_s
                )
            else:
                done = self.db.complete_rotation_sha256(vin, sha, _sha256(fresh), now)
            if not done:
                raise OtaAuthError(f"vehicle {vin}: not authorized")
            self._graced.add(vin)
            self._vin_by_token.pop(self._token_sha.get(vin, ""), None)
            self._token_sha[vin] = _sha256(fresh)
        return fresh

    def confirm_vehicle_token(self, vin: str, token: str | None) -> None:
        """The car stored the token its last rotation issued (``token``, checked): the token
        before it may no longer complete that rotation (the grace ends now).

        Raises:
            OtaAuthError: ``token`` is not ``vin``'s current token.
        """
        self.authenticate_vehicle(vin, token)
        self.db.end_token_grace(vin)
        self._graced.discard(vin)

    def revoke_vehicle(self, vin: str) -> None:
        """Revoke ``vin``'s credentials (a stolen or scrapped car): every request with its
        token (and any grace of the one before it) is refused from now on; it needs
        re-provisioning at the factory.

        Raises:
            OtaInventoryError: unknown VIN.
        """
        if self._shared is not None:
            if self.db.token_sha256(vin) is None:
                raise OtaInventoryError(f"vehicle {vin!r} is not registered")
            self.db.revoke_token_sha256(vin, _REVOKED)
            return
        with self._lock:
            if self.db.token_sha256(vin) is None:
                raise OtaInventoryError(f"vehicle {vin!r} is not registered")
            self.db.revoke_token_sha256(vin, _REVOKED)
            self._graced.discard(vin)
            self._vin_by_token.pop(self._token_sha.get(vin, ""), None)
            self._token_sha[vin] = _REVOKED

    def authenticate_admin(self, token: str | None) -> str:
        """The admin identity whose token ``token`` is.

        Raises:
            OtaAuthError: no identity has it.
        """
        given = _sha256(token) if token is not None else ""
        found = None
        for name, expected in self._admin_sha.items():  # compare with every one: no early exit
            if hmac.compare_digest(given, expected):
                found = name
        if found is None:
            raise OtaAuthError("admin: not authorized")
        return found

    def authenticate_provisioning(self, token: str | None) -> None:
        """Raises OtaAuthError unless ``token`` is the factory's provisioning token."""
        self._check(token, self._provisioning_sha, "provisioning")

    def audit(self, address: str, action: str, outcome: str, identity: str = "") -> None:
        """Record an admin (or provisioning) attempt in the database's audit log, durably."""
        self.db.add_audit(self.backend.clock.now(), address, action, outcome, identity)

    # -- operations ----------------------------------------------------------------------------
    def register(
        self, inventory: dict[str, Any], provisioning_token: str | None
    ) -> VehicleCredentials:
        """Register a vehicle; return its one-time-shown bearer token and the roots to pin.

        Raises:
            OtaAuthError: wrong provisioning token.
            OtaInventoryError: malformed inventory or VIN already registered.
        """
        self._check(provisioning_token, self._provisioning_sha, "provisioning")
        inv = VehicleInventory.from_dict(inventory)
        token = secrets.token_urlsafe(32)
        with self._exclusive([inv.vin]):
            if self.db.token_sha256(inv.vin) is not None:
                raise OtaInventoryError(f"vehicle {inv.vin} is already registered")
            director_root = self.backend.director.register_vehicle(inv)
            self.db.add_vehicle(inv.vin, _sha256(token), inv.to_dict(), self.backend.clock.now())
            image_root = self.backend.image_repo.role_bytes("root")
        return VehicleCredentials(
            vin=inv.vin,
            token=token,
            director_root=director_root,
            image_root=image_root,
            time_key=self.time_key,
        )

    @staticmethod
    def _time_key_signer(state_dir: Path | None) -> Signer:
        """The time server's online key: kept (owner-only) in ``state_dir/keys`` so cars'
        pinned key survives a restart (and the factory can hand it out beforehand,
        ``evtwin ota keys factory``); in memory without a state directory."""
        if state_dir is None:
            return generate_signer()
        return time_signer(state_dir)

    @property
    def time_key(self) -> dict[str, Any]:
        """The time server's public key, as cars pin it."""
        key = self._time_signer.public_key
        return {"keyid": key.keyid, **key.to_dict()}

    def attest_time(self, vin: str, nonces: Any) -> dict[str, Any]:
        """The time server: the server's current time signed over the car's ``nonces``
        (Uptane time attestation; cars check expiry against it, not their own clock).

        Raises:
            OtaManifestError: not a list of 1..16 nonces of 16..64 hex digits.
        """
        if (
            not isinstance(nonces, list)
            or not 1 <= len(nonces) <= 16
            or not all(isinstance(n, str) and _NONCE.fullmatch(n) for n in nonces)
        ):
            raise OtaManifestError("nonces must be a list of 1..16 strings of 16..64 hex digits")
        when = self.backend.clock.now().replace(microsecond=0).isoformat()
        return sign_envelope({"time": when, "nonces": nonces, "vin": vin}, self._time_signer)

    def nonce(self, vin: str) -> str:
        """A one-time nonce for ``vin``'s next manifest.

        Raises:
            OtaInventoryError: not registered.
        """
        if self._shared is not None:
            self._vehicle_current(vin)
            fresh = secrets.token_hex(16)
            self.db.write_now(self.db.nonce_writes(vin, fresh)).result()
            return fresh
        with self._lock:
            return self.backend.director.issue_nonce(vin)

    def _vehicle_current(self, vin: str) -> None:
        """Shared state: this process's view of ``vin`` brought up to date.

        Raises:
            OtaInventoryError: not registered.
        """
        if self._shared is not None and not self._shared.registered(vin):
            raise OtaInventoryError(f"vehicle {vin!r} is not registered")

    def check_in(self, vin: str, manifest: dict[str, Any]) -> dict[str, str]:
        """Verify and store a manifest; assign new images. Returns the new assignments.

        With campaigns, images come only from the campaigns that offer them to this vehicle
        now (and its results move those campaigns on); without, each ECU gets the newest
        image released for its hardware ID.

        Raises:
            OtaManifestError: bad signature, replayed nonce, inconsistent reports.
        """
        pending = self._open(vin, manifest)
        pending.verify()
        result = self._accept(pending, wait=True)  # committed in this thread: no hand-over
        result.durable.result()
        return result.assigned

    def begin_check_in(self, vin: str, manifest: dict[str, Any]) -> CheckIn:
        """:meth:`check_in` without waiting for the database: verify the manifest, update
        the Director, queue the writes (group commit) and issue the next nonce. With shared
        state, ``durable`` fails (an ``OtaError``: check in again) in the rare case that
        another process changed the server-wide state after this check-in looked at it
        (:meth:`check_in` and :meth:`check_in_async` then make it again themselves).

        Raises:
            OtaManifestError: bad signature, replayed nonce, inconsistent reports.
        """
        pending = self._open(vin, manifest)
        pending.verify()
        return self._accept(pending)

    def _open(self, vin: str, manifest: dict[str, Any]) -> PendingManifest:
        if self._shared is not None:
            self._vehicle_current(vin)
            return self.backend.director.open_manifest(vin, manifest)
        with self._lock:
            return self.backend.director.open_manifest(vin, manifest)

    async def check_in_async(
        self,
        vin: str,
        manifest: dict[str, Any],
        *,
        offload: bool = True,
        token: str | None = None,
    ) -> CheckIn:
        """:meth:`begin_check_in` for the event loop: the signatures are verified in the
        worker processes (if any) while the loop serves other requests.

        Parsing (canonical JSON of every report) and verifying change nothing and take no
        lock. ``offload``: do both in a worker thread (one hand-over), so a large manifest
        never holds the event loop; the HTTP layer asks for it above a few KiB and keeps
        the usual small manifest on the loop (a thread hand-over costs more than it saves).

        ``token``: the car's bearer token, checked once more when the check-in commits
        (shared state; see :meth:`authenticate_check_in`).

        Raises:
            OtaManifestError: bad signature, replayed nonce, inconsistent reports.
        """
        director = self.backend.director
        token_sha = _sha256(token) if token is not None else None
        if offload and self._pool is None:

            def open_and_verify() -> PendingManifest:
                opened = director.open_manifest(vin, manifest)
                opened.verify()
                return opened

            return await self._accept_async(await asyncio.to_thread(open_and_verify), token_sha)
        if offload:
            pending = await asyncio.to_thread(director.open_manifest, vin, manifest)
        else:
            pending = director.open_manifest(vin, manifest)
        args = [check.ed25519_args() for check in pending.checks]
        if self._pool is None or any(a is None for a in args):
            pending.verify()
        else:
            batch = [a for a in args if a is not None]
            bad = await asyncio.wrap_future(self._pool.submit(verify_ed25519_batch, batch))
            if bad >= 0:
                keyid = pending.checks[bad].key.keyid
                raise OtaManifestError(f"bad signature by key {keyid[:12]}…: invalid")
            pending.set_verified()
        return await self._accept_async(pending, token_sha)

    async def _accept_async(self, pending: PendingManifest, token_sha: str | None) -> CheckIn:
        if self._shared is None:
            return self._accept(pending)
        if not self._needs_exclusive(pending.vin):
            result = self._accept_fast(pending, wait=False, token_sha=token_sha)
            try:
                await asyncio.wrap_future(result.durable)
                return result
            except _StateMoved:  # decided on stale campaigns/releases: again, under the lock
                pass
        accept = functools.partial(self._accept, pending, token_sha=token_sha, exclusive=True)
        return await asyncio.to_thread(accept)  # waits for other processes

    def close(self) -> None:
        """Stop the verification workers and close the database."""
        if self._shared is not None:
            self._shared.stop_listener()
        if self._pool is not None:
            self._pool.shutdown()
        self.db.close()

    def _needs_exclusive(self, vin: str) -> bool:
        """Shared state: whether a check-in of ``vin`` may change shared state (a campaign
        that offers it images or withdraws them, auto-assignment, metadata due for
        re-signing); every other check-in takes no lock."""
        if self.auto_assign:
            return True
        live = (CampaignState.DRAFT, CampaignState.COMPLETED)
        if any(c.state not in live and vin in c.group for c in self.campaigns.values()):
            return True
        return self.refreshing and self._due([vin])

    def _accept(
        self,
        pending: PendingManifest,
        *,
        wait: bool = False,
        token_sha: str | None = None,
        exclusive: bool = False,
    ) -> CheckIn:
        vin = pending.vin
        if self._shared is None:
            with self._lock:
                return self._accept_locked(pending, wait=wait)
        if not exclusive and not self._needs_exclusive(vin):
            result = self._accept_fast(pending, wait=wait, token_sha=token_sha)
            if not wait:  # begin_check_in: its ``durable`` may fail with "check in again"
                return result
            try:
                result.durable.result()
                return result
            except _StateMoved:  # decided on stale campaigns/releases: again, under the lock
                pass
        with self._shared.exclusive([vin]):
            current = self.db.token_sha256(vin) or ""  # the provisional check made final
            if token_sha is not None and not hmac.compare_digest(current, token_sha):
                self._shared.forget_token(vin)
                raise OtaAuthError(f"vehicle {vin}: not authorized")
            if set(pending.reports) != set(self.backend.director.inventory(vin).ecus):
                self._shared.load_vehicle(vin)  # unreported ECUs: as the database last saw them
            result = self._accept_locked(pending, wait=True)
            result.durable.result()  # committed before another process may read the campaigns
            return result

    def _accept_fast(
        self, pending: PendingManifest, *, wait: bool, token_sha: str | None
    ) -> CheckIn:
        """Shared state, a check-in that changes no shared state: no lock. The nonce is used
        up in the same transaction that stores the manifest and the next nonce (the group
        commit); a nonce not issued or already used (by any process) fails that transaction,
        and the car gets an error, never an answer."""
        vin = pending.vin
        nonce = pending.signed.get("nonce")
        if not isinstance(nonce, str):
            raise OtaManifestError(f"manifest nonce {nonce!r} was not issued or is already used")
        shared = self._shared
        if shared is None:  # pragma: no cover - only called with shared state
            raise OtaError("a lock-free check-in needs shared state")
        seen = shared.versions.get("global", 0)
        self.backend.director.accept_manifest(pending, nonce_used_by_caller=True)
        next_nonce = secrets.token_hex(16)
        writes = [
            self.db.shared_check_in_write(
                vin,
                nonce,
                dict(pending.envelope),
                self.backend.clock.now(),
                next_nonce,
                token_sha,
                seen,
            )
        ]
        written = self.db.write_now(writes) if wait else self.db.write(writes)
        durable: Future[None] = Future()

        def translate(done: Future[None]) -> None:
            error = done.exception()
            if error is None:
                durable.set_result(None)
                return
            shared.vin_versions.pop(vin, None)  # what this process recorded was not accepted
            shared.forget_token(vin)
            if self.db.token_refused(error):
                error = OtaAuthError(f"vehicle {vin}: not authorized")
            elif self.db.state_moved(error):
                shared.stale()
                error = _StateMoved()
            elif self.db.nonce_refused(error):
                error = OtaManifestError(
                    f"manifest nonce {nonce!r} was not issued or is already used"
                )
            durable.set_exception(error)

        written.add_done_callback(translate)
        return CheckIn(
            assigned={}, consent=self.consent_for(vin), next_nonce=next_nonce, durable=durable
        )

    def _accept_locked(self, pending: PendingManifest, *, wait: bool) -> CheckIn:
        vin = pending.vin
        director = self.backend.director
        director.accept_manifest(pending)
        writes = [self.db.manifest_write(vin, dict(pending.envelope), self.backend.clock.now())]
        if self.campaigns:
            assigned = self._campaign_check_in(vin, writes)
        elif self.auto_assign:
            assigned = director.assign_latest(vin)
        else:  # no campaign: nothing reaches cars
            assigned = {}
        if self._shared is not None:
            next_nonce = secrets.token_hex(16)
            writes += self.db.nonce_writes(vin, next_nonce)
            writes.append(self.db.end_token_grace_write(vin))  # the new token is in use
        else:
            next_nonce = director.issue_nonce(vin)
            if vin in self._graced:  # the new token is in use: the old one completes nothing
                self._graced.discard(vin)
                writes.append(self.db.end_token_grace_write(vin))
        durable = self.db.write_now(writes) if wait else self.db.write(writes)
        if self.refreshing:  # a few date comparisons; the car fetches metadata next
            self._refresh_for(vin)
        return CheckIn(
            assigned=assigned,
            consent=self._consent(vin),
            next_nonce=next_nonce,
            durable=durable,
        )

    # -- campaigns -----------------------------------------------------------------------------
    def create_campaign(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Create a campaign (state ``draft``) over the vehicles registered now.

        Raises:
            OtaError: malformed spec, duplicate name, or an image that is not released for
                the hardware ID it is listed under.
        """
        parsed = CampaignSpec.from_dict(spec)
        with self._exclusive():
            if parsed.name in self.campaigns:
                raise OtaError(f"campaign {parsed.name!r} already exists")
            for hw, name in parsed.images.items():
                image = self.backend.image_repo.get_image(name)
                if image is None or hw not in image.custom.get(CUSTOM_HARDWARE_IDS, []):
                    raise OtaError(f"image {name!r} is not released for hardware {hw!r}")
                key = _approval_key(name, image.hashes["sha256"])
                approvals = self.db.approvals(key) if self.approvals_required > 1 else []
                if self.approvals_required > 1 and len(approvals) < self.approvals_required:
                    raise OtaError(
                        f"image {name!r} needs {self.approvals_required} approvals by distinct "
                        f"admin identities, has {len(approvals)} ({', '.join(approvals) or '-'})"
                    )
            campaign = Campaign.create(parsed, self.db.vehicles())
            self.campaigns[parsed.name] = campaign
            self.db.save_campaign(parsed.name, campaign.to_dict())
            self._mark("campaigns")
            return campaign.status()

    def campaign_action(self, name: str, action: str) -> dict[str, Any]:
        """``start``, ``pause``, ``resume``, ``stop`` (emergency) or ``cancel``; or ``status``."""
        if action == "status":
            self._refresh_caches()
        with self._lock if action == "status" or self._shared is None else self._exclusive():
            campaign = self.campaigns.get(name)
            if campaign is None:
                raise OtaError(f"no campaign {name!r}")
            moves: dict[str, Callable[[], None]] = {
                "start": campaign.start,
                "pause": campaign.pause,
                "resume": campaign.resume,
                "stop": campaign.stop,
                "cancel": campaign.cancel,
                "status": lambda: None,
            }
            if action not in moves:
                raise OtaError(f"campaign action {action!r} is not one of {sorted(moves)}")
            moves[action]()
            if action != "status":
                self.db.save_campaign(name, campaign.to_dict())
                self._mark("campaigns")
            return campaign.status()

    def has_campaign(self, name: str) -> bool:
        """Whether a campaign of this name exists (on any server process)."""
        self._refresh_caches()
        return name in self.campaigns

    def consent_for(self, vin: str) -> str:
        """The consent mode of the campaign offering this vehicle images (default required)."""
        if self._shared is not None:  # a read of this process's (current) campaigns
            return self._consent(vin)
        with self._lock:
            return self._consent(vin)

    def _consent(self, vin: str) -> str:
        for c in self.campaigns.values():
            outcome = c.outcomes.get(vin)
            if c.active and outcome is not None and outcome.pending:
                return c.spec.consent
        return "required"

    def _campaign_check_in(self, vin: str, writes: list[tuple[str, Any]]) -> dict[str, str]:
        director = self.backend.director
        inv = director.inventory(vin)
        now = self.backend.clock.now()
        assign: dict[str, str] = {}
        for c in self.campaigns.values():
            wanted = {
                serial: c.spec.images[ecu.hardware_id]
                for serial, ecu in inv.ecus.items()
                if ecu.hardware_id in c.spec.images
            }
            if not wanted or vin not in c.group:
                continue
            current = c.outcomes.get(vin)
            if current is not None and current.pending:
                c.report(vin, self._outcome(vin, wanted))
            if c.offered_to(vin, now):
                for serial, image in wanted.items():
                    running = director.installed[vin].get(serial)
                    if running is None or running.filepath != image:
                        assign[serial] = image
            elif c.state in (CampaignState.STOPPED, CampaignState.CANCELLED):
                director.withdraw(vin, [s for s in wanted if s not in assign])
        if assign:
            director.assign(vin, assign)
        for c in self.campaigns.values():
            if vin in c.group:
                writes.append(self.db.campaign_write(c.spec.name, c.to_dict()))
                self._mark("campaigns")
        return assign

    def _outcome(self, vin: str, wanted: dict[str, str]) -> VehicleOutcome:
        director = self.backend.director
        failures = director.install_failures.get(vin, {})
        if any(image in failures.get(serial, ()) for serial, image in wanted.items()):
            return VehicleOutcome.FAILED
        running = director.installed[vin]
        if all(
            (r := running.get(serial)) is not None and r.filepath == image
            for serial, image in wanted.items()
        ):
            return VehicleOutcome.SUCCEEDED
        if director.update_states.get(vin, {}).get("state") == "deferred":
            return VehicleOutcome.DEFERRED
        return VehicleOutcome.OFFERED

    def rotate_online_key(self, repository: str, role: str) -> dict[str, Any]:
        """Replace an online role's key with a fresh one and revoke the old (root re-signed).

        Online roles: the Image repository's ``snapshot`` and ``timestamp``, and every
        Director role except ``root``. Offline roles (Image ``root``/``targets``, Director
        ``root``) need their key holders: not over this API. Returns the new key IDs.

        Raises:
            OtaKeyError: not an online role.
        """
        online = {
            "image": ("snapshot", "timestamp"),
            "director": ("targets", "snapshot", "timestamp"),
        }
        if role not in online.get(repository, ()):
            raise OtaKeyError(f"{repository} {role!r} is not an online role; online: {online}")
        repo_keys = (
            self.backend.image_repo.keys if repository == "image" else self.backend.director.keys
        )
        if is_offline(repo_keys["root"]):  # a new root version needs the root key holders
            raise OtaKeyError(
                f"rotating {repository} {role} re-signs the {repository} root, whose keys are "
                "offline: rotate at a key ceremony"
            )
        new = RoleKeys.generate()
        with self._exclusive(all_vehicles=True):
            self._mark("keys")
            if repository == "image":
                self.backend.image_repo.rotate_keys(role, new)
            else:
                self.backend.director.rotate_keys(role, new)
            if self.state_dir is not None:
                self.backend.save_keys(self.state_dir)
        return {"repository": repository, "role": role, "keyids": new.keyids}

    def fleet_hardware_ids(self) -> frozenset[str]:
        """Hardware IDs a release may name: :attr:`hardware_ids` and every registered ECU's."""
        if self._shared is not None:  # cars registered through other processes count too
            with self._shared.lock:
                self._shared.sync(all_vehicles=True)
        director = self.backend.director
        registered = {
            ecu.hardware_id
            for vin in list(director.registered)
            for ecu in director.inventory(vin).ecus.values()
        }
        return self.hardware_ids | registered

    def check_release(self, hardware_ids: Sequence[str], release_counter: int) -> None:
        """The checks :meth:`release` makes before it looks at the image (so an HTTP upload
        is refused before its body is read).

        Raises:
            OtaReleaseError: a hardware ID malformed or unknown to the fleet, or a release
                counter outside 0..2³¹−1.
        """
        check_release_bounds(hardware_ids, release_counter)
        unknown = sorted(set(hardware_ids) - self.fleet_hardware_ids())
        if unknown:
            raise OtaReleaseError(
                f"hardware ID(s) {unknown} are not in the fleet's ECU list "
                f"{sorted(self.fleet_hardware_ids())}"
            )

    def release(
        self,
        name: str,
        data: bytes,
        hardware_ids: Sequence[str],
        release_counter: int,
        *,
        by: str = "admin",
        encrypt: bool = False,
        image_key: bytes | None = None,
    ) -> dict[str, Any]:
        """Publish an image in the Image repository. Returns its targets entry.

        Releases are immutable (the same name again only with the same bytes, hardware IDs
        and counter), and reach cars only through a campaign (unless :attr:`auto_assign`).
        The upload counts as ``by``'s approval (:meth:`approve`). ``encrypt``: publish it as
        AES-256-GCM ciphertext under a fresh key the server keeps; the Director wraps that key
        to each ECU it assigns the image to (:mod:`evtwin.ota._crypt`). ``image_key``: the
        uploader encrypted the image (``data`` is the ciphertext; checked to decrypt under the
        key): what a server whose targets keys are offline needs, since the key holders sign
        the ciphertext they made. The key is stored wrapped (:mod:`evtwin.cloud._kek`).

        Raises:
            OtaReleaseError: a hardware ID malformed or unknown to the fleet, a release
                counter outside 0..2³¹−1 (HTTP 422).
            OtaReleaseConflictError: the name is released with other content (HTTP 409).
            OtaError: a malformed image name.
        """
        self.check_release(hardware_ids, release_counter)
        repo = self.backend.image_repo
        if image_key is not None:  # encrypted by the uploader: data is the ciphertext
            try:
                decrypt_image(image_key, data, name)
            except OtaImageError as e:
                raise OtaReleaseError(f"the upload does not decrypt under its key: {e}") from e
        with self._exclusive():
            if encrypt or image_key is not None:
                if image_key is None and self.targets_offline:
                    raise OtaReleaseError(
                        "the targets keys are offline: encrypt on the key holders' side "
                        "(evtwin ota release --encrypt --keys DIR sends the ciphertext and key)"
                    )
                if repo.get_image(name) is not None:
                    raise OtaReleaseConflictError(
                        f"image {name!r} is already released: releases are immutable"
                    )
                if image_key is None:
                    image_key, data = encrypt_image(data, name)
                if self.targets_offline:  # pending until the key holders sign the ciphertext
                    target = repo.stage_pending(
                        name,
                        data,
                        hardware_ids=hardware_ids,
                        release_counter=release_counter,
                        encrypted=True,
                    )
                    out = {"name": name, "pending": True, **target.to_dict()}
                else:
                    target = repo.add_image(
                        name,
                        data,
                        hardware_ids=hardware_ids,
                        release_counter=release_counter,
                        encrypted=True,
                    )
                    out = {"name": name, "pending": False, **target.to_dict()}
                self._save_image_key(name, target.hashes["sha256"], image_key)
            elif self.targets_offline:  # the key holders sign it: pending until then
                target = repo.stage_pending(
                    name, data, hardware_ids=hardware_ids, release_counter=release_counter
                )
                released = repo.get_image(name) is not None
                out = {"name": name, "pending": not released, **target.to_dict()}
            else:
                target = repo.add_image(
                    name, data, hardware_ids=hardware_ids, release_counter=release_counter
                )
                out = {"name": name, "pending": False, **target.to_dict()}
        key = _approval_key(name, target.hashes["sha256"])
        if not self.db.approvals(key):  # the first upload of this content is its uploader's
            self.db.add_approval(key, by, self.backend.clock.now())
        return {**out, "approvals": self.db.approvals(key)}

    def pending_releases(self) -> list[dict[str, Any]]:
        """Uploads waiting for the key holders' signatures (a ceremony server): name,
        SHA-256 and who approved them; offered to no car until signed targets name them."""
        self._refresh_caches()
        repo = self.backend.image_repo
        out = []
        for key in self.db.approval_keys(""):
            name, _, sha256 = key.rpartition("#")
            released = repo.get_image(name)
            if released is not None and released.hashes.get("sha256") == sha256:
                continue
            if self.artefact(f"{repo.pending_prefix}/{sha256}.{name}") is None:
                continue
            out.append({"name": name, "sha256": sha256, "approvals": self.db.approvals(key)})
        return out

    def approve(self, name: str, by: str, sha256: str | None = None) -> dict[str, Any]:
        """Record admin identity ``by``'s approval of the uploaded release ``name`` — of its
        content: approvals are bound to the image's SHA-256, so another upload under the same
        name starts from none. A campaign may offer it once :attr:`approvals_required`
        distinct identities approved that content.

        ``sha256`` picks the upload when several (pending) ones share the name.

        Raises:
            OtaReleaseError: nothing (or several uploads, and no ``sha256``) under ``name``.
        """
        self._refresh_caches()
        released = self.backend.image_repo.get_image(name)
        if released is not None:
            candidates = [released.hashes["sha256"]]
        else:
            prefix = _approval_key(name, "")
            candidates = [k[len(prefix) :] for k in self.db.approval_keys(prefix)]
        if sha256 is not None:
            candidates = [c for c in candidates if c == sha256]
        if not candidates:
            raise OtaReleaseError(f"no release {name!r} was uploaded" + (
                f" with sha256 {sha256[:16]}…" if sha256 else ""))  # fmt: skip
        if len(candidates) > 1:
            raise OtaReleaseError(
                f"{len(candidates)} uploads are named {name!r}: say which (sha256)"
            )
        key = _approval_key(name, candidates[0])
        self.db.add_approval(key, by, self.backend.clock.now())
        approvals = self.db.approvals(key)
        return {
            "name": name,
            "sha256": candidates[0],
            "approvals": approvals,
            "required": self.approvals_required,
            "approved": len(approvals) >= self.approvals_required,
        }

    @property
    def targets_offline(self) -> bool:
        """Whether the Image targets keys are offline (a server made by the key ceremony):
        uploads then wait, pending, for targets metadata signed by the key holders."""
        return is_offline(self.backend.image_repo.keys["targets"])

    def publish_signed_targets(self, data: bytes) -> dict[str, Any]:
        """Publish Image targets metadata signed offline (see
        :meth:`ImageRepository.accept_signed_targets`); returns its version and images.

        Raises:
            OtaMetadataError: malformed, under-signed, wrong version or expired.
            OtaReleaseConflictError: a released image changed (HTTP 409).
            OtaReleaseError: a new image out of bounds or not uploaded (HTTP 422).
        """
        known = self.fleet_hardware_ids()
        with self._exclusive():
            self._check_encrypted_keys(data)
            md = self.backend.image_repo.accept_signed_targets(data, known_hardware_ids=known)
        return {"version": md.signed.version, "images": sorted(md.signed.targets)}

    def _check_encrypted_keys(self, data: bytes) -> None:
        """Every new encrypted entry of signed targets must have its image key uploaded
        (else no ECU could ever be given it). Malformed metadata is left to the repository."""
        try:
            md = Metadata[Targets].from_bytes(data)
            new = md.signed.targets
        except Exception:  # DeserializationError and the like: accept_signed_targets says why
            return
        current = self.backend.image_repo.targets_md.signed.targets
        for name, target in new.items():
            custom = target.custom if isinstance(target.custom, dict) else {}
            if name in current or not custom.get(CUSTOM_ENCRYPTED):
                continue
            sha256 = str(target.hashes.get("sha256", ""))
            if self.db.image_key(_approval_key(name, sha256)) is None:
                raise OtaReleaseError(
                    f"signed targets name {name!r} as encrypted, but no image key was uploaded "
                    "with that ciphertext"
                )

    def artefact(self, path: str) -> bytes | None:
        """Published metadata or image bytes at a store path (``None``: nothing there, or
        not a valid store path such as one with ``..``).

        Read without the server's lock: stores replace files atomically and images are
        written once under their hash.
        """
        try:
            return self.backend.store.get(path)
        except OtaError:
            return None

    def open_artefact(self, path: str) -> tuple[BinaryIO, int] | None:
        """:meth:`artefact` as an open file and its size, for streaming in chunks (the
        caller closes it); ``None`` when nothing valid is published there."""
        try:
            return open_artifact(self.backend.store, path)
        except OtaError:
            return None
