"""A TUF repository on python-tuf's Metadata API: the top-level roles, signing and publishing.

Both Uptane repositories build on this: the Image repository (offline root/targets keys)
and the Director (one of these per vehicle, online keys). Metadata is published with
consistent snapshots: ``{prefix}/metadata/{version}.{role}.json`` for root, snapshot and
targets, plus ``{prefix}/metadata/timestamp.json`` and unversioned copies of each role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Self

from securesystemslib.signer import Signer
from tuf.api.metadata import (
    SPECIFICATION_VERSION,
    Metadata,
    MetaFile,
    Role,
    Root,
    Snapshot,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from evtwin.clock import Clock
from evtwin.errors import OtaKeyError, OtaMetadataError
from evtwin.ota._keys import OfflineKey, RoleKeys
from evtwin.ota._store import ArtifactStore

__all__ = [
    "TOP_LEVEL_ROLES",
    "ExpiryPolicy",
    "RefreshPolicy",
    "TufRepository",
    "build_root",
    "check_root_names",
    "offline_role_keys",
]

TOP_LEVEL_ROLES: tuple[str, ...] = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
_SPEC = ".".join(SPECIFICATION_VERSION)


@dataclass(frozen=True, kw_only=True)
class ExpiryPolicy:
    """How long each role's metadata stays valid after it is signed."""

    root: timedelta = timedelta(days=365)
    targets: timedelta = timedelta(days=90)
    snapshot: timedelta = timedelta(days=7)
    timestamp: timedelta = timedelta(days=1)

    def lifetime(self, role: str) -> timedelta:
        lifetime: timedelta = getattr(self, role)
        return lifetime


@dataclass(frozen=True, kw_only=True)
class RefreshPolicy:
    """When a server re-signs an online role (and warns about an offline one).

    A role is *due* once less than ``fraction`` of its lifetime (from :class:`ExpiryPolicy`)
    remains before it expires, or, if ``margin`` is set, less than ``margin``. The default
    re-signs the one-day timestamp when under 12 hours are left, the 7-day snapshot under
    3.5 days. Times are the server's injected clock.

    Raises:
        OtaMetadataError: ``fraction`` not in (0, 1), or ``margin`` not positive.
    """

    fraction: float = 0.5
    margin: timedelta | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.fraction < 1.0:
            raise OtaMetadataError(
                f"refresh fraction must be between 0 and 1 (exclusive), got {self.fraction}"
            )
        if self.margin is not None and self.margin <= timedelta(0):
            raise OtaMetadataError(f"refresh margin must be positive, got {self.margin}")

    def due(self, *, expires: datetime, lifetime: timedelta, now: datetime) -> bool:
        """Whether metadata of ``lifetime`` that ``expires`` then must be re-signed at ``now``."""
        margin = self.margin if self.margin is not None else lifetime * self.fraction
        return expires - now < margin


def build_root(keys: Mapping[str, RoleKeys], expires: datetime, version: int = 1) -> Root:
    """Unsigned root metadata naming each top-level role's keys and threshold."""
    root = Root(
        version=version,
        spec_version=_SPEC,
        expires=expires,
        consistent_snapshot=True,
        roles={r: Role([], keys[r].threshold) for r in TOP_LEVEL_ROLES},
    )
    for role in TOP_LEVEL_ROLES:
        for key in keys[role].public_keys:
            root.add_key(key, role)
    return root


def offline_role_keys(root: Root, role: str) -> RoleKeys:
    """``role``'s keys as ``root`` names them, public halves only (:class:`OfflineKey`)."""
    named = root.roles[role]
    return RoleKeys(
        signers=tuple(OfflineKey(root.keys[keyid]) for keyid in named.keyids),
        threshold=named.threshold,
    )


def check_root_names(root: Root, keys: Mapping[str, RoleKeys], where: str) -> None:
    """Raises OtaKeyError unless ``root`` names exactly ``keys`` (key IDs and thresholds)."""
    for role in TOP_LEVEL_ROLES:
        named = root.roles[role]
        if set(named.keyids) != set(keys[role].keyids) or named.threshold != keys[role].threshold:
            raise OtaKeyError(
                f"{where}: the signed root names other {role} keys than the repository holds"
            )


class TufRepository:
    """The four top-level roles of one repository, signed with their key sets.

    Args:
        prefix: store path prefix of this repository (``image`` or ``director/<VIN>``).
        keys: the key set of each top-level role.
        store: where metadata is published.
        clock: time source for expiry dates.
        expiry: lifetime of each role.
        root_md: root metadata signed elsewhere (offline, at a key ceremony) to publish as
            version 1 instead of building and signing one; it must name exactly ``keys``.

    Raises:
        OtaKeyError: a top-level role has no key set, or ``root_md`` names other keys.
    """

    def __init__(
        self,
        *,
        prefix: str,
        keys: Mapping[str, RoleKeys],
        store: ArtifactStore,
        clock: Clock,
        expiry: ExpiryPolicy | None = None,
        root_md: Metadata[Root] | None = None,
    ) -> None:
        missing = [r for r in TOP_LEVEL_ROLES if r not in keys]
        if missing:
            raise OtaKeyError(f"repository {prefix!r} has no keys for role(s) {missing}")
        self.prefix = prefix
        self.keys: dict[str, RoleKeys] = dict(keys)
        self.store = store
        self.clock = clock
        self.expiry = expiry or ExpiryPolicy()
        if root_md is None:
            self.root_md: Metadata[Root] = Metadata(build_root(self.keys, self._expiry(Root.type)))
            self._sign(self.root_md, self.keys[Root.type].signers)
        else:
            check_root_names(root_md.signed, self.keys, prefix)
            self.root_md = Metadata[Root].from_bytes(root_md.to_bytes())  # a private copy
        self.targets_md: Metadata[Targets] = Metadata(
            Targets(version=1, spec_version=_SPEC, expires=self._expiry(Targets.type))
        )
        self.snapshot_md: Metadata[Snapshot] = Metadata(
            Snapshot(version=1, spec_version=_SPEC, expires=self._expiry(Snapshot.type))
        )
        self.timestamp_md: Metadata[Timestamp] = Metadata(
            Timestamp(version=1, spec_version=_SPEC, expires=self._expiry(Timestamp.type))
        )
        self.publish_targets(bump=False)

    @classmethod
    def load(
        cls,
        *,
        prefix: str,
        keys: Mapping[str, RoleKeys],
        store: ArtifactStore,
        clock: Clock,
        expiry: ExpiryPolicy | None = None,
    ) -> Self:
        """Reopen a repository from the metadata it published to ``store`` (after a restart).

        Raises:
            OtaMetadataError: a role's metadata is missing or malformed in the store.
            OtaKeyError: a role has no key set.
        """
        missing = [r for r in TOP_LEVEL_ROLES if r not in keys]
        if missing:
            raise OtaKeyError(f"repository {prefix!r} has no keys for role(s) {missing}")
        self = cls.__new__(cls)
        self.prefix = prefix
        self.keys = dict(keys)
        self.store = store
        self.clock = clock
        self.expiry = expiry or ExpiryPolicy()
        loaded: dict[str, Metadata[Any]] = {}
        for role in TOP_LEVEL_ROLES:
            data = store.get(f"{prefix}/metadata/{role}.json")
            if data is None:
                raise OtaMetadataError(f"{prefix}/metadata/{role}.json is not in the store")
            try:
                loaded[role] = Metadata.from_bytes(data)
            except Exception as e:  # DeserializationError and the like
                raise OtaMetadataError(f"{prefix}/metadata/{role}.json: {e}") from e
            if loaded[role].signed.type != role:
                raise OtaMetadataError(
                    f"{prefix}/metadata/{role}.json holds {loaded[role].signed.type!r}"
                )
        self.root_md = loaded[Root.type]
        self.targets_md = loaded[Targets.type]
        self.snapshot_md = loaded[Snapshot.type]
        self.timestamp_md = loaded[Timestamp.type]
        return self

    # -- reading -------------------------------------------------------------------------------
    @property
    def metadata_prefix(self) -> str:
        return f"{self.prefix}/metadata"

    def role_bytes(self, role: str) -> bytes:
        """Current serialized metadata of a top-level role."""
        return self._md(role).to_bytes(JSONSerializer(compact=True))

    # -- writing -------------------------------------------------------------------------------
    def _expiry(self, role: str) -> datetime:
        return (self.clock.now() + self.expiry.lifetime(role)).replace(microsecond=0)

    def _md(self, role: str) -> Metadata[Any]:
        mds: dict[str, Metadata[Any]] = {
            Root.type: self.root_md,
            Targets.type: self.targets_md,
            Snapshot.type: self.snapshot_md,
            Timestamp.type: self.timestamp_md,
        }
        return mds[role]

    @staticmethod
    def _sign(md: Metadata[Any], signers: Sequence[Signer]) -> None:
        md.signatures.clear()
        for signer in signers:
            md.sign(signer, append=True)

    def _bump(self, role: str) -> None:
        signed = self._md(role).signed
        signed.version += 1
        signed.expires = self._expiry(role)

    def publish_targets(
        self, *, bump: bool = True, targets_signers: Sequence[Signer] | None = None
    ) -> None:
        """Re-sign targets, then snapshot and timestamp over it, and publish all of it.

        ``targets_signers`` are the targets keys present (default: every key held); a client
        accepts the result only if they reach the targets threshold.
        """
        if bump:
            self._bump(Targets.type)
        signers = self.keys[Targets.type].signers if targets_signers is None else targets_signers
        self._sign(self.targets_md, signers)
        self.commit_snapshot(bump=bump)

    def commit_snapshot(self, *, bump: bool = True) -> None:
        """New snapshot over the current targets, new timestamp over it, then publish."""
        if bump:
            self._bump(Snapshot.type)
        self.snapshot_md.signed.meta[f"{Targets.type}.json"] = MetaFile(
            version=self.targets_md.signed.version
        )
        self._sign(self.snapshot_md, self.keys[Snapshot.type].signers)
        self.refresh_timestamp(bump=bump)

    def refresh_timestamp(self, *, bump: bool = True) -> None:
        """Re-sign the timestamp (online role) with a fresh expiry, then publish."""
        if bump:
            self._bump(Timestamp.type)
        snap = self.snapshot_md.to_bytes(JSONSerializer(compact=True))
        self.timestamp_md.signed.snapshot_meta = MetaFile.from_data(
            self.snapshot_md.signed.version, snap, ["sha256"]
        )
        self._sign(self.timestamp_md, self.keys[Timestamp.type].signers)
        self.publish()

    def publish(self) -> None:
        """Write every role to the store (versioned and unversioned names)."""
        base = self.metadata_prefix
        for role in TOP_LEVEL_ROLES:
            data = self.role_bytes(role)
            if role != Timestamp.type:
                self.store.put(f"{base}/{self._md(role).signed.version}.{role}.json", data)
            self.store.put(f"{base}/{role}.json", data)

    def refresh_all(self) -> None:
        """Re-sign targets, snapshot and timestamp with fresh expiry (a periodic online job)."""
        self.publish_targets(bump=True)

    def due_roles(self, roles: Sequence[str], policy: RefreshPolicy) -> list[str]:
        """Those of ``roles`` whose metadata ``policy`` says must be re-signed now."""
        now = self.clock.now()
        return [
            r
            for r in roles
            if policy.due(
                expires=self._md(r).signed.expires, lifetime=self.expiry.lifetime(r), now=now
            )
        ]

    def refresh_online(self, online: Sequence[str], policy: RefreshPolicy) -> tuple[str, ...]:
        """Re-sign the roles of ``online`` (a subset of targets/snapshot/timestamp, the roles
        whose keys this server holds) that are due by ``policy``, with the roles below them.

        A due targets role is re-signed with a new version (and snapshot and timestamp over
        it); a due snapshot gets a new snapshot and timestamp; a due timestamp a new
        timestamp. Root is never re-signed here (offline). Returns the roles re-signed.

        Raises:
            OtaKeyError: ``online`` names root or an unknown role.
        """
        bad = [r for r in online if r not in (Targets.type, Snapshot.type, Timestamp.type)]
        if bad:
            raise OtaKeyError(f"cannot refresh {bad}: only targets, snapshot, timestamp")
        due = self.due_roles(online, policy)
        if Targets.type in due:
            self.publish_targets(bump=True)
            return (Targets.type, Snapshot.type, Timestamp.type)
        if Snapshot.type in due:
            self.commit_snapshot(bump=True)
            return (Snapshot.type, Timestamp.type)
        if Timestamp.type in due:
            self.refresh_timestamp(bump=True)
            return (Timestamp.type,)
        return ()

    def revoke_key(self, role: str, keyid: str) -> None:
        """Revoke one (compromised) key of ``role``; the role keeps its threshold.

        Raises:
            OtaKeyError: unknown key, or too few keys left for the threshold.
        """
        current = self.keys.get(role)
        if current is None or keyid not in current.keyids:
            raise OtaKeyError(f"key {keyid[:12]}… is not a {role!r} key")
        left = tuple(s for s in current.signers if s.public_key.keyid != keyid)
        if len(left) < current.threshold:
            raise OtaKeyError(
                f"revoking {keyid[:12]}… leaves {len(left)} {role!r} key(s) for a threshold "
                f"of {current.threshold}: rotate in new keys instead"
            )
        self.rotate_keys(role, RoleKeys(signers=left, threshold=current.threshold))

    def rotate_keys(self, role: str, new_keys: RoleKeys) -> None:
        """Replace every key of ``role`` (and its threshold) with ``new_keys``; revoke the old.

        A new root version is signed by the old root keys and, for a root rotation, by the new
        ones too, so that clients can follow the chain. The rotated role (and the roles below
        it) are re-signed with the new keys and published.

        Raises:
            OtaKeyError: ``role`` is not a top-level role.
        """
        if role not in TOP_LEVEL_ROLES:
            raise OtaKeyError(f"cannot rotate keys of {role!r}: not one of {TOP_LEVEL_ROLES}")
        old_root_signers = self.keys[Root.type].signers
        root = self.root_md.signed
        for keyid in list(root.roles[role].keyids):
            root.revoke_key(keyid, role)
        for key in new_keys.public_keys:
            root.add_key(key, role)
        root.roles[role].threshold = new_keys.threshold
        self.keys[role] = new_keys
        self._bump(Root.type)
        signers = list(old_root_signers)
        if role == Root.type:
            signers += [s for s in new_keys.signers if s not in old_root_signers]
        self._sign(self.root_md, signers)
        self.publish_targets(bump=True)
