"""The Uptane Image repository: every released image, signed with offline keys.

Root and targets keys are offline (k-of-n thresholds; a release is a signing ceremony);
snapshot and timestamp keys are online. Each image's targets entry carries Uptane custom
metadata: the hardware IDs it may be installed on and its release counter.

In the twin the offline signers are held in process memory; a production deployment would
pass them in from the key holders' hardware tokens at signing time (``signers=``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from securesystemslib.signer import Signer
from tuf.api.metadata import Metadata, TargetFile, Targets

from evtwin.clock import Clock
from evtwin.errors import (
    OtaError,
    OtaKeyError,
    OtaMetadataError,
    OtaReleaseConflictError,
    OtaReleaseError,
)
from evtwin.ota._crypt import ENCRYPTION_ALG
from evtwin.ota._delta import create_delta, delta_name
from evtwin.ota._fields import (
    CUSTOM_DELTA_FROM,
    CUSTOM_DELTA_TO,
    CUSTOM_ENCRYPTED,
    CUSTOM_HARDWARE_IDS,
    CUSTOM_RELEASE_COUNTER,
)
from evtwin.ota._keys import RoleKeys
from evtwin.ota._store import ArtifactStore
from evtwin.ota.repository._tufrepo import ExpiryPolicy, TufRepository

__all__ = [
    "HARDWARE_ID_PATTERN",
    "MAX_RELEASE_COUNTER",
    "ImageRepository",
    "check_release_bounds",
]

_TARGET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_RELEASE_COUNTER = 2**31 - 1  # fits every JSON/SQL/ECU integer on the way to the car
HARDWARE_ID_PATTERN = re.compile(r"^[a-z0-9-]{1,64}$")


def check_release_bounds(hardware_ids: Sequence[str], release_counter: int) -> None:
    """Refuse a release outside the bounds every ECU and encoder on the way can carry.

    Raises:
        OtaReleaseError: no hardware ID, one not matching ``[a-z0-9-]{1,64}``, or a release
            counter outside 0..2³¹−1.
    """
    if not hardware_ids:
        raise OtaReleaseError("a release needs at least one hardware ID")
    for hw in hardware_ids:
        if not isinstance(hw, str) or not HARDWARE_ID_PATTERN.fullmatch(hw):
            shown = hw if len(str(hw)) <= 80 else str(hw)[:80] + "…"
            raise OtaReleaseError(f"hardware ID {shown!r} must match {HARDWARE_ID_PATTERN.pattern}")
    if (
        isinstance(release_counter, bool)
        or not isinstance(release_counter, int)
        or not 0 <= release_counter <= MAX_RELEASE_COUNTER
    ):
        raise OtaReleaseError(
            f"release counter {release_counter!r} must be an integer 0..{MAX_RELEASE_COUNTER}"
        )


class ImageRepository(TufRepository):
    """Image repository published under ``image/`` in the store.

    Images are stored as ``image/targets/{sha256}.{name}`` (consistent snapshots).
    """

    def __init__(
        self,
        *,
        keys: Mapping[str, RoleKeys],
        store: ArtifactStore,
        clock: Clock,
        expiry: ExpiryPolicy | None = None,
        prefix: str = "image",
    ) -> None:
        super().__init__(prefix=prefix, keys=keys, store=store, clock=clock, expiry=expiry)

    @property
    def targets_prefix(self) -> str:
        return f"{self.prefix}/targets"

    def add_image(
        self,
        name: str,
        data: bytes,
        *,
        hardware_ids: Sequence[str],
        release_counter: int,
        signers: Sequence[Signer] | None = None,
        encrypted: bool = False,
    ) -> TargetFile:
        """Release an image: store it, list it in targets, re-sign targets/snapshot/timestamp.

        ``encrypted``: ``data`` is ciphertext (:mod:`evtwin.ota._crypt`); the entry says so
        (``custom.encryptedImage``) and the Director wraps the image key to each ECU.

        Args:
            name: target name, e.g. ``bms-2.1.0.img``.
            data: image bytes.
            hardware_ids: hardware IDs the image is built for.
            release_counter: monotonic release number; ECUs refuse a lower one than installed.
            signers: the offline targets keys present at the ceremony (default: all held).

        Releases are immutable: releasing a name again is a no-op only with the same bytes,
        hardware IDs and release counter.

        Raises:
            OtaError: bad name.
            OtaReleaseError: no hardware ID, a malformed one, or a release counter outside
                0..2³¹−1.
            OtaReleaseConflictError: the name is already released with other content,
                hardware IDs or release counter.
            OtaKeyError: fewer signers than the targets threshold.
        """
        if not _TARGET_NAME.fullmatch(name):
            raise OtaError(f"image name {name!r} must match {_TARGET_NAME.pattern}")
        check_release_bounds(hardware_ids, release_counter)
        threshold = self.keys["targets"].threshold
        if signers is not None and len(signers) < threshold:
            raise OtaKeyError(
                f"releasing {name!r} needs {threshold} targets signatures, got {len(signers)}"
            )
        target = TargetFile.from_data(name, data, ["sha256", "sha512"])
        custom: dict[str, Any] = {
            CUSTOM_HARDWARE_IDS: sorted(set(hardware_ids)),
            CUSTOM_RELEASE_COUNTER: release_counter,
        }
        if encrypted:
            custom[CUSTOM_ENCRYPTED] = ENCRYPTION_ALG
        old = self.targets_md.signed.targets.get(name)
        if old is not None:
            if encrypted or old.hashes != target.hashes:  # fresh ciphertext never matches
                raise OtaReleaseConflictError(
                    f"image {name!r} is already released with different content"
                )
            if old.custom != custom:
                raise OtaReleaseConflictError(
                    f"image {name!r} is already released for {old.custom.get(CUSTOM_HARDWARE_IDS)}"
                    f" with release counter {old.custom.get(CUSTOM_RELEASE_COUNTER)}: releases "
                    "are immutable (release it under a new name)"
                )
            return old  # the same release again: nothing changes
        target.unrecognized_fields["custom"] = custom
        self.store.put(f"{self.targets_prefix}/{target.hashes['sha256']}.{name}", data)
        self.targets_md.signed.targets[name] = target
        self.publish_targets(targets_signers=signers)
        return target

    @property
    def pending_prefix(self) -> str:
        """Where uploads wait for the offline targets signers (never served to cars)."""
        return f"{self.prefix}/pending"

    def _new_target(
        self,
        name: str,
        data: bytes,
        hardware_ids: Sequence[str],
        release_counter: int,
        encrypted: bool = False,
    ) -> TargetFile:
        if not _TARGET_NAME.fullmatch(name):
            raise OtaError(f"image name {name!r} must match {_TARGET_NAME.pattern}")
        check_release_bounds(hardware_ids, release_counter)
        target = TargetFile.from_data(name, data, ["sha256", "sha512"])
        custom: dict[str, Any] = {
            CUSTOM_HARDWARE_IDS: sorted(set(hardware_ids)),
            CUSTOM_RELEASE_COUNTER: release_counter,
        }
        if encrypted:
            custom[CUSTOM_ENCRYPTED] = ENCRYPTION_ALG
        target.unrecognized_fields["custom"] = custom
        old = self.targets_md.signed.targets.get(name)
        if old is not None and old.to_dict() != target.to_dict():
            raise OtaReleaseConflictError(
                f"image {name!r} is already released with other content, hardware IDs or "
                "release counter: releases are immutable (release it under a new name)"
            )
        return target

    def stage_pending(
        self,
        name: str,
        data: bytes,
        *,
        hardware_ids: Sequence[str],
        release_counter: int,
        encrypted: bool = False,
    ) -> TargetFile:
        """Keep an upload for the offline targets keys: stored under :attr:`pending_prefix`,
        listed nowhere, offered to no car until :meth:`accept_signed_targets` names it.
        ``encrypted``: ``data`` is ciphertext (the entry says so, as with :meth:`add_image`).

        Returns the targets entry the key holders are to sign.

        Raises:
            OtaError, OtaReleaseError, OtaReleaseConflictError: as :meth:`add_image`.
        """
        target = self._new_target(name, data, hardware_ids, release_counter, encrypted)
        self.store.put(f"{self.pending_prefix}/{target.hashes['sha256']}.{name}", data)
        return target

    def accept_signed_targets(
        self, data: bytes, *, known_hardware_ids: frozenset[str] | None = None
    ) -> Metadata[Targets]:
        """Publish targets metadata signed offline (at the key holders' ceremony).

        It must be signed by the targets threshold of the current root, be the next version,
        unexpired, keep every released entry unchanged (releases are immutable), and each
        new entry's image must be uploaded (pending) with its length and hashes. The new
        images move from pending to ``targets/``; snapshot and timestamp are re-signed over it.

        Raises:
            OtaMetadataError: malformed, under-signed, wrong version or expired.
            OtaReleaseConflictError: a released entry changed or vanished.
            OtaReleaseError: a new entry out of bounds (or naming hardware outside
                ``known_hardware_ids``), or its image not uploaded.
        """
        try:
            md = Metadata[Targets].from_bytes(data)
        except Exception as e:  # DeserializationError and the like
            raise OtaMetadataError(f"signed targets: malformed: {e}") from e
        if not isinstance(md.signed, Targets):
            raise OtaMetadataError(f"signed targets: got {md.signed.type!r} metadata")
        try:
            self.root_md.signed.verify_delegate(Targets.type, md.signed_bytes, md.signatures)
        except Exception as e:  # UnsignedMetadataError: below the threshold
            raise OtaMetadataError(f"signed targets: {type(e).__name__}: {e}") from e
        new, current = md.signed, self.targets_md.signed
        if new.version != current.version + 1:
            raise OtaMetadataError(
                f"signed targets v{new.version}: the next version is v{current.version + 1}"
            )
        if new.is_expired(self.clock.now()):
            raise OtaMetadataError(f"signed targets v{new.version} expired {new.expires}")
        for name, old in current.targets.items():
            if name not in new.targets or new.targets[name].to_dict() != old.to_dict():
                raise OtaReleaseConflictError(
                    f"signed targets change or drop released image {name!r}: releases are immutable"
                )
        moves = []
        for name, target in new.targets.items():
            if name in current.targets:
                continue
            custom = target.custom if isinstance(target.custom, dict) else {}
            if not _TARGET_NAME.fullmatch(name):
                raise OtaReleaseError(f"image name {name!r} must match {_TARGET_NAME.pattern}")
            hardware_ids = custom.get(CUSTOM_HARDWARE_IDS) or []
            check_release_bounds(hardware_ids, custom.get(CUSTOM_RELEASE_COUNTER, -1))
            unknown = sorted(set(hardware_ids) - (known_hardware_ids or set(hardware_ids)))
            if unknown:
                raise OtaReleaseError(f"{name!r}: hardware ID(s) {unknown} are not in the fleet")
            sha256 = target.hashes.get("sha256", "")
            pending = self.store.get(f"{self.pending_prefix}/{sha256}.{name}")
            if (
                pending is None
                or len(pending) != target.length
                or hashlib.sha256(pending).hexdigest() != sha256
                or hashlib.sha512(pending).hexdigest() != target.hashes.get("sha512")
            ):
                raise OtaReleaseError(
                    f"signed targets name {name!r}, but no upload matches its length and hashes"
                )
            moves.append((f"{self.targets_prefix}/{sha256}.{name}", pending))
        for path, blob in moves:
            self.store.put(path, blob)
        self.targets_md = md
        self.commit_snapshot(bump=True)
        return md

    def add_delta(
        self, image_name: str, base_name: str, *, signers: Sequence[Signer] | None = None
    ) -> TargetFile:
        """Publish a delta from the released ``base_name`` to the released ``image_name``.

        The delta is a target of its own (see :mod:`evtwin.ota._delta`), signed like any
        release. Returns its targets entry.

        Raises:
            OtaError: either image is not released.
        """
        new, base = self.get_image(image_name), self.get_image(base_name)
        if new is None or base is None:
            missing = image_name if new is None else base_name
            raise OtaError(f"cannot make a delta: image {missing!r} is not released")
        new_data = self.store.get(f"{self.targets_prefix}/{new.hashes['sha256']}.{new.path}")
        base_data = self.store.get(f"{self.targets_prefix}/{base.hashes['sha256']}.{base.path}")
        if new_data is None or base_data is None:
            raise OtaError("cannot make a delta: image bytes missing from the store")
        name = delta_name(image_name, base.hashes["sha256"])
        patch = create_delta(base_data, new_data)
        target = TargetFile.from_data(name, patch, ["sha256", "sha512"])
        target.unrecognized_fields["custom"] = {  # no hardware IDs: a delta is not an image
            CUSTOM_DELTA_FROM: base.hashes["sha256"],
            CUSTOM_DELTA_TO: image_name,
        }
        self.store.put(f"{self.targets_prefix}/{target.hashes['sha256']}.{name}", patch)
        self.targets_md.signed.targets[name] = target
        self.publish_targets(targets_signers=signers)
        return target

    def get_image(self, name: str) -> TargetFile | None:
        """The released targets entry for ``name``, if any."""
        return self.targets_md.signed.targets.get(name)
