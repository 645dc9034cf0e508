"""Full verification on a Secondary: the Image repository's metadata checked by the ECU itself.

A partial-verification ECU trusts the Director's signature alone; a compromised Director
(online keys) plus a compromised Primary could then install anything the Director signs. A
full-verification ECU also holds the Image repository's root (pinned at the factory) and
checks, with its own clock, the chain the Primary hands it: timestamp, snapshot and targets
signed by the thresholds that root names, unexpired, consistent with each other (versions and
hashes), not older than it has seen; and that the Image repository's entry for its image
agrees with the Director's (length, hashes, hardware ID, release counter).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tuf.api.metadata import Metadata, Root, Snapshot, TargetFile, Targets, Timestamp

from evtwin.errors import OtaConsensusError, OtaMetadataError
from evtwin.ota._fields import CUSTOM_HARDWARE_IDS, CUSTOM_RELEASE_COUNTER
from evtwin.ota._store import atomic_write

__all__ = ["check_image_repository"]


def _load(kind: type[Any], role: str, data: bytes | None) -> Metadata[Any]:
    if data is None:
        raise OtaMetadataError(f"Image repository {role} metadata missing for full verification")
    try:
        md: Metadata[Any] = Metadata.from_bytes(data)
    except Exception as e:  # DeserializationError and the like
        raise OtaMetadataError(f"Image repository {role}: malformed: {e}") from e
    if not isinstance(md.signed, kind):
        raise OtaMetadataError(f"Image repository {role}: got {md.signed.type!r} metadata")
    return md


def check_image_repository(
    *,
    root: Root,
    bundle: Mapping[str, bytes],
    director_target: TargetFile,
    hardware_id: str,
    now: datetime,
    seen_path: Path,
) -> None:
    """Verify the Image repository chain in ``bundle`` (``timestamp``, ``snapshot``,
    ``targets``) under ``root`` and that it agrees with ``director_target``.

    Raises:
        OtaMetadataError: unsigned, expired, inconsistent or older metadata.
        OtaConsensusError: the Image repository does not list the image as the Director does.
    """
    timestamp = _load(Timestamp, "timestamp", bundle.get("timestamp"))
    snapshot = _load(Snapshot, "snapshot", bundle.get("snapshot"))
    targets = _load(Targets, "targets", bundle.get("targets"))
    for role, md in (("timestamp", timestamp), ("snapshot", snapshot), ("targets", targets)):
        try:
            root.verify_delegate(role, md.signed_bytes, md.signatures)
        except Exception as e:  # UnsignedMetadataError: below the root's threshold
            raise OtaMetadataError(f"Image repository {role}: {type(e).__name__}: {e}") from e
        if md.signed.is_expired(now):
            raise OtaMetadataError(
                f"Image repository {role} v{md.signed.version} expired at "
                f"{md.signed.expires.isoformat()} (now {now.isoformat()})"
            )
    snap_meta = timestamp.signed.snapshot_meta
    try:
        snap_meta.verify_length_and_hashes(bundle["snapshot"])
    except Exception as e:  # LengthOrHashMismatchError
        raise OtaMetadataError(
            f"Image repository snapshot does not match the timestamp: {e}"
        ) from e
    if snapshot.signed.version != snap_meta.version:
        raise OtaMetadataError("Image repository snapshot version differs from the timestamp's")
    targets_meta = snapshot.signed.meta.get("targets.json")
    if targets_meta is None or targets_meta.version != targets.signed.version:
        raise OtaMetadataError("Image repository targets version differs from the snapshot's")
    try:
        seen = int(seen_path.read_text())
    except (FileNotFoundError, ValueError):
        seen = 0
    if targets.signed.version < seen:
        raise OtaMetadataError(
            f"Image repository targets v{targets.signed.version} is older than v{seen} seen"
        )
    image = targets.signed.targets.get(director_target.path)
    if image is None:
        raise OtaConsensusError(
            f"{director_target.path!r}: the Director names it, the Image repository does not"
        )
    custom_i = image.custom if isinstance(image.custom, dict) else {}
    custom_d = director_target.custom if isinstance(director_target.custom, dict) else {}
    if (
        image.length != director_target.length
        or image.hashes.get("sha256") != director_target.hashes.get("sha256")
        or hardware_id not in custom_i.get(CUSTOM_HARDWARE_IDS, [])
        or custom_i.get(CUSTOM_RELEASE_COUNTER) != custom_d.get(CUSTOM_RELEASE_COUNTER)
    ):
        raise OtaConsensusError(
            f"{director_target.path!r}: the Image repository's entry (length, sha256, hardware "
            "IDs, release counter) does not match the Director's"
        )
    atomic_write(seen_path, str(targets.signed.version).encode())
