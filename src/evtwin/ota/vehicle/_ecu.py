"""An ECU as the update client sees it: keys, A/B slots and Uptane partial verification.

Every ECU (the Primary included) checks what it is told to install itself: the Director's
targets metadata must carry a threshold of signatures by the Director targets keys of the
Director root the ECU trusts, be unexpired by the ECU's clock and not older than the last it
saw, list this ECU's serial and hardware ID, and match the image's length and hashes.
A Secondary that cannot reach the repositories thus still refuses an image a compromised
Primary forges (Uptane §5.4.4.4, partial verification).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from securesystemslib.signer import Signer
from tuf.api.exceptions import RepositoryError
from tuf.api.metadata import Metadata, Root, TargetFile, Targets

from evtwin.clock import Clock
from evtwin.errors import OtaImageError, OtaMetadataError, OtaRollbackError, OtaSlotError
from evtwin.ota._crypt import decrypt_image, unwrap_key
from evtwin.ota._delta import apply_delta
from evtwin.ota._fields import (
    CUSTOM_ECU_IDENTIFIERS,
    CUSTOM_ENCRYPTED,
    CUSTOM_ENCRYPTED_KEY,
    CUSTOM_RELEASE_COUNTER,
)
from evtwin.ota._manifest import EcuVersionReport, InstalledImage
from evtwin.ota._store import atomic_write
from evtwin.ota.vehicle._full import check_image_repository
from evtwin.ota.vehicle._slots import BootOutcome, FaultHook, SlotStore

__all__ = ["Ecu", "HealthCheck", "default_health_check", "ecu_status"]

HealthCheck = Callable[[bytes], bool]


def default_health_check(image: bytes) -> bool:
    """The simulated firmware comes up unless its image carries the marker ``BROKEN``."""
    return b"BROKEN" not in image


class Ecu:
    """One ECU: serial, hardware ID, signing key, A/B slots, pinned Director root.

    Args:
        serial: ECU serial as registered with the Director.
        hardware_id: hardware ID images must be built for.
        signer: the ECU's private key (signs its version reports).
        root_dir: the ECU's storage (slots and trusted Director root).
        director_root: the Director root metadata provisioned at the factory.
        clock: the ECU's secure time source.
        health_check: decides whether a booted image came up.
        fault: power-cut hook passed to the slots.
        image_root: the Image repository's root metadata, provisioned at the factory: the
            ECU then does full verification (it checks the Image repository's metadata
            itself, :mod:`evtwin.ota.vehicle._full`); without it, partial verification.
    """

    def __init__(
        self,
        *,
        serial: str,
        hardware_id: str,
        signer: Signer,
        root_dir: Path,
        director_root: bytes,
        clock: Clock,
        health_check: HealthCheck = default_health_check,
        fault: FaultHook | None = None,
        image_root: bytes | None = None,
        encryption_key: X25519PrivateKey | None = None,
    ) -> None:
        self.serial = serial
        self.hardware_id = hardware_id
        self.signer = signer
        self.root_dir = root_dir
        self.clock = clock
        self.health_check = health_check
        self.slots = SlotStore(root_dir / "slots", fault=fault)
        self._root_path = root_dir / "director_root.json"
        self._targets_version_path = root_dir / "director_targets_version"
        self._failed_path = root_dir / "failed_images.json"
        self._error_path = root_dir / "last_error.txt"
        self._sent_path = root_dir / "last_error.sent"
        self._image_root_path = root_dir / "image_root.json"
        self._image_seen_path = root_dir / "image_targets_version"
        self._decryption_path = root_dir / "encryption.key"  # X25519 private key, owner-only
        self._image_keys_dir = root_dir / "image_keys"  # wrapped keys by ciphertext sha256
        if encryption_key is not None and not self._decryption_path.exists():
            root_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._decryption_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(encryption_key.private_bytes_raw())
        if image_root is not None and not self._image_root_path.exists():
            _parse_image_root(image_root)
            atomic_write(self._image_root_path, image_root)
        if not self._root_path.exists():
            self._parse_root(director_root)
            atomic_write(self._root_path, director_root)
        identity = root_dir / "ecu.json"
        if not identity.exists():
            atomic_write(
                identity, json.dumps({"serial": serial, "hardware_id": hardware_id}).encode()
            )

    @property
    def attacks_detected(self) -> str:
        """The last verification failure seen by this ECU ('' if none); kept on disk."""
        try:
            return self._error_path.read_text()
        except FileNotFoundError:
            return ""

    @attacks_detected.setter
    def attacks_detected(self, message: str) -> None:
        atomic_write(self._error_path, message.encode())
        self._sent_path.unlink(missing_ok=True)

    def clear_reported_attack(self) -> None:
        """After a clean cycle, forget the last error, but only once a report carried it."""
        if self._sent_path.exists():
            self._error_path.unlink(missing_ok=True)
            self._sent_path.unlink(missing_ok=True)

    def status(self) -> dict[str, Any]:
        """This ECU's state (see :func:`ecu_status`)."""
        return ecu_status(self.root_dir)

    # -- trust ---------------------------------------------------------------------------------
    @staticmethod
    def _parse_root(data: bytes) -> Metadata[Root]:
        try:
            md = Metadata[Root].from_bytes(data)
        except Exception as e:  # tuf raises DeserializationError / ValueError / KeyError
            raise OtaMetadataError(f"malformed Director root metadata: {e}") from e
        if not isinstance(md.signed, Root):
            raise OtaMetadataError(f"expected Director root, got {md.signed.type!r}")
        return md

    @property
    def trusted_root(self) -> Metadata[Root]:
        return self._parse_root(self._root_path.read_bytes())

    def update_root(self, chain: Sequence[bytes]) -> None:
        """Follow Director root rotations: each new root signed by the old and by itself.

        Raises:
            OtaMetadataError: a root in the chain is malformed, unsigned or out of order.
        """
        trusted = self.trusted_root
        for data in chain:
            new = self._parse_root(data)
            if new.signed.version <= trusted.signed.version:
                continue
            if new.signed.version != trusted.signed.version + 1:
                raise OtaMetadataError(
                    f"Director root v{new.signed.version} does not follow v{trusted.signed.version}"
                )
            try:
                trusted.signed.verify_delegate(Root.type, new.signed_bytes, new.signatures)
                new.signed.verify_delegate(Root.type, new.signed_bytes, new.signatures)
            except RepositoryError as e:
                raise OtaMetadataError(f"Director root v{new.signed.version}: {e}") from e
            atomic_write(self._root_path, data)
            trusted = new

    def _last_targets_version(self) -> int:
        """The newest Director targets version this ECU verified (0: none, or the record
        was torn by a crash; the expiry and signatures of older targets still hold)."""
        try:
            return int(self._targets_version_path.read_text())
        except FileNotFoundError:
            return 0
        except ValueError:  # torn in place (a file system without atomic rename)
            return 0

    # -- install -------------------------------------------------------------------------------
    def _my_target(self, director_targets: bytes) -> tuple[TargetFile, int]:
        """This ECU's target in verified Director targets, and the targets version."""
        root = self.trusted_root.signed
        try:
            md = Metadata[Targets].from_bytes(director_targets)
        except Exception as e:  # DeserializationError, ValueError, KeyError, TypeError
            raise OtaMetadataError(
                f"ECU {self.serial}: malformed Director targets: {type(e).__name__}: {e}"
            ) from e
        if not isinstance(md.signed, Targets):
            raise OtaMetadataError(f"ECU {self.serial}: expected targets, got {md.signed.type!r}")
        try:
            root.verify_delegate(Targets.type, md.signed_bytes, md.signatures)
        except RepositoryError as e:
            raise OtaMetadataError(
                f"ECU {self.serial}: Director targets: {type(e).__name__}: {e}"
            ) from e
        targets = md.signed
        if targets.is_expired(self.clock.now()):
            raise OtaMetadataError(
                f"ECU {self.serial}: Director targets v{targets.version} expired at "
                f"{targets.expires.isoformat()} (now {self.clock.now().isoformat()})"
            )
        if targets.version < self._last_targets_version():
            raise OtaMetadataError(
                f"ECU {self.serial}: Director targets v{targets.version} is older than "
                f"v{self._last_targets_version()} already seen"
            )
        mine = [t for t in targets.targets.values() if self.serial in _ecu_ids(t.custom)]
        if len(mine) != 1:
            raise OtaImageError(f"Director targets name {len(mine)} images for ECU {self.serial}")
        target = mine[0]
        hw = _ecu_ids(target.custom)[self.serial].get("hardwareId")
        if hw != self.hardware_id:
            raise OtaImageError(
                f"ECU {self.serial} is hardware {self.hardware_id!r}, image {target.path!r} "
                f"is for {hw!r}"
            )
        return target, targets.version

    @property
    def full_verification(self) -> bool:
        """Whether this ECU checks the Image repository's metadata itself."""
        return self._image_root_path.exists()

    def verify(
        self,
        director_targets: bytes,
        image: bytes,
        image_metadata: Mapping[str, bytes] | None = None,
    ) -> InstalledImage:
        """Partial verification of ``image`` against the Director's targets metadata.

        Returns:
            the description of the verified image (name, length, hashes, release counter).

        Raises:
            OtaMetadataError: targets unsigned, malformed, expired, or older than seen before.
            OtaImageError: no target for this ECU, wrong hardware ID, length or hash mismatch.
        """
        target, version = self._my_target(director_targets)
        if self.full_verification:
            if image_metadata is None:
                raise OtaMetadataError(
                    f"ECU {self.serial} does full verification: it needs the Image "
                    "repository's timestamp, snapshot and targets"
                )
            check_image_repository(
                root=_parse_image_root(self._image_root_path.read_bytes()).signed,
                bundle=image_metadata,
                director_target=target,
                hardware_id=self.hardware_id,
                now=self.clock.now(),
                seen_path=self._image_seen_path,
            )
        if len(image) != target.length:
            raise OtaImageError(
                f"image {target.path!r} is {len(image)} bytes, metadata says {target.length}"
            )
        for algo, expected in target.hashes.items():
            if algo not in ("sha256", "sha512"):
                continue
            if hashlib.new(algo, image).hexdigest() != expected:
                raise OtaImageError(f"image {target.path!r}: {algo} does not match metadata")
        if "sha256" not in target.hashes:
            raise OtaImageError(f"image {target.path!r} has no sha256 in Director targets")
        custom = target.custom if isinstance(target.custom, dict) else {}
        counter = custom.get(CUSTOM_RELEASE_COUNTER)
        if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
            raise OtaMetadataError(
                f"ECU {self.serial}: image {target.path!r} has no release counter in the "
                "signed Director targets"
            )
        atomic_write(self._targets_version_path, str(version).encode())
        return InstalledImage(
            filepath=target.path,
            length=target.length,
            hashes=dict(target.hashes),
            release_counter=counter,
        )

    def install(
        self,
        director_targets: bytes,
        image: bytes,
        release_counter: int | None = None,
        *,
        image_metadata: Mapping[str, bytes] | None = None,
    ) -> BootOutcome:
        """Verify, stage into the inactive slot, reboot and commit or roll back.

        The release counter comes from the signed Director targets (never from the Primary:
        ``release_counter``, what the Primary read in the Image repository, must agree with
        it); the ECU refuses one lower than it runs (Uptane rollback defence). The same as
        :meth:`stage_update` followed by :meth:`boot_staged`.

        Raises:
            OtaMetadataError, OtaImageError: partial verification failed (nothing written).
            OtaRollbackError: lower release counter than installed.
        """
        early = self.stage_update(
            director_targets, image, release_counter, image_metadata=image_metadata
        )
        return early if early is not None else self.boot_staged()

    def stage_update(
        self,
        director_targets: bytes,
        image: bytes,
        release_counter: int | None = None,
        *,
        image_metadata: Mapping[str, bytes] | None = None,
    ) -> BootOutcome | None:
        """Verify ``image`` and write it to the inactive slot, pending its first boot.

        Returns ``None`` when the image is staged (call :meth:`boot_staged`), or the outcome
        when there is nothing to boot: ``BOOTED`` if the ECU already runs it, ``ROLLED_BACK``
        if it failed its health check here before (never looped on).

        Raises:
            OtaMetadataError, OtaImageError: partial verification failed (nothing written).
            OtaRollbackError: lower release counter than installed.
        """
        info = self.verify(director_targets, image, image_metadata)
        self._keep_image_key(director_targets, image)
        signed_counter = info.release_counter  # from the Director's signature
        if release_counter is not None and release_counter != signed_counter:
            raise OtaRollbackError(
                f"ECU {self.serial}: the Primary says release counter {release_counter} for "
                f"{info.filepath!r}, the signed Director targets say {signed_counter}"
            )
        current = self.slots.active
        if current is not None:
            if current.hashes.get("sha256") == info.hashes["sha256"]:
                return BootOutcome.BOOTED
            if signed_counter < current.release_counter:
                raise OtaRollbackError(
                    f"ECU {self.serial}: release counter {signed_counter} of "
                    f"{info.filepath!r} is below the installed {current.release_counter}"
                )
        if self.failed_images().get(info.filepath) == info.hashes["sha256"]:
            return BootOutcome.ROLLED_BACK  # it failed here before: do not loop on it
        staged = InstalledImage(
            filepath=info.filepath,
            length=info.length,
            hashes=info.hashes,
            release_counter=signed_counter,
        )
        self.slots.stage(image, staged)
        return None

    def boot_staged(self) -> BootOutcome:
        """Reboot into the staged slot: commit it, or roll back and remember the failure."""
        pending = self.slots.pending
        outcome = self.reboot()
        if outcome is BootOutcome.ROLLED_BACK and pending is not None:
            failed = self.failed_images()
            failed[pending.filepath] = pending.hashes["sha256"]
            atomic_write(self._failed_path, json.dumps(failed, sort_keys=True).encode())
        return outcome

    def failed_images(self) -> dict[str, str]:
        """Images that failed their health check on this ECU: ``{name: sha256}``."""
        try:
            data = json.loads(self._failed_path.read_bytes())
        except FileNotFoundError:
            return {}
        except ValueError:  # torn by a crash: a failed image may be tried (and rolled back) again
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def image_from_delta(self, director_targets: bytes, patch: bytes) -> bytes:
        """Rebuild this ECU's new image from a delta against its verified active slot.

        The result is checked against the Director's length and hashes (partial
        verification); nothing is installed.

        Raises:
            OtaImageError: no verified active image, the patch does not apply, or the result
                does not match the metadata.
            OtaMetadataError: the Director targets fail verification.
        """
        base = self.slots.read_active()
        if base is None:
            raise OtaImageError(f"ECU {self.serial} has no verified image to apply a delta to")
        target, _ = self._my_target(director_targets)
        image = apply_delta(base, patch, expected_length=target.length)
        self.verify(director_targets, image)
        return image

    def reboot(self) -> BootOutcome:
        """Run the bootloader (commit or roll back a pending slot); an encrypted image is
        decrypted for its health check (its slot keeps the verified ciphertext)."""
        return self.slots.boot(lambda image: self.health_check(self._plaintext(image)))

    def running_image(self) -> bytes | None:
        """What the ECU runs, decrypted if it was delivered encrypted."""
        image = self.slots.read_active()
        return None if image is None else self._plaintext(image)

    def _decryption_key(self) -> X25519PrivateKey | None:
        try:
            return X25519PrivateKey.from_private_bytes(self._decryption_path.read_bytes())
        except FileNotFoundError:
            return None

    def _plaintext(self, image: bytes) -> bytes:
        record = self._image_keys_dir / f"{hashlib.sha256(image).hexdigest()}.json"
        try:
            wrapped = json.loads(record.read_bytes())
        except FileNotFoundError:
            return image  # not encrypted
        private = self._decryption_key()
        if private is None:
            raise OtaImageError(f"ECU {self.serial} holds no decryption key")
        name = str(wrapped["name"])
        key = unwrap_key(private, wrapped["key"], serial=self.serial, name=name)
        return decrypt_image(key, image, name)

    def _keep_image_key(self, director_targets: bytes, image: bytes) -> None:
        """For an encrypted image: unwrap its key now (refuse what this ECU cannot decrypt)
        and keep the wrapped key beside the slot for the boot."""
        target, _ = self._my_target(director_targets)
        custom = target.custom if isinstance(target.custom, dict) else {}
        if not custom.get(CUSTOM_ENCRYPTED):
            return
        wrapped = _ecu_ids(custom)[self.serial].get(CUSTOM_ENCRYPTED_KEY)
        private = self._decryption_key()
        if wrapped is None or private is None:
            raise OtaImageError(
                f"ECU {self.serial}: {target.path!r} is encrypted and no key is wrapped to it"
            )
        key = unwrap_key(private, wrapped, serial=self.serial, name=target.path)
        decrypt_image(key, image, target.path)  # the ciphertext decrypts (and authenticates)
        atomic_write(
            self._image_keys_dir / f"{hashlib.sha256(image).hexdigest()}.json",
            json.dumps({"name": target.path, "key": wrapped}, sort_keys=True).encode(),
        )

    def version_report(self, nonce: str) -> dict[str, Any]:
        """This ECU's signed version report for the Director (marks the last error sent)."""
        if self._error_path.exists():
            atomic_write(self._sent_path, b"")
        return EcuVersionReport(
            ecu_serial=self.serial,
            installed=self.slots.active,
            nonce=nonce,
            time=self.clock.now().isoformat(),
            attacks_detected=self.attacks_detected,
            install_failures=tuple(sorted(self.failed_images())),
        ).sign(self.signer)


def _parse_image_root(data: bytes) -> Metadata[Root]:
    try:
        md = Metadata[Root].from_bytes(data)
    except Exception as e:  # DeserializationError and the like
        raise OtaMetadataError(f"malformed Image repository root metadata: {e}") from e
    if not isinstance(md.signed, Root):
        raise OtaMetadataError(f"expected the Image repository root, got {md.signed.type!r}")
    return md


def ecu_status(root_dir: Path) -> dict[str, Any]:
    """An ECU's state read from its storage alone (no keys needed), as stable JSON:
    ``{"serial", "hardware_id", "image", "release_counter", "pending", "boot_attempts",
    "failed_images", "last_error"}``; ``image``/``pending`` are target names or ``null``.

    Raises:
        OtaSlotError: the directory holds no ECU or its state is corrupt.
    """

    def read_json(name: str, default: Any) -> Any:
        try:
            return json.loads((root_dir / name).read_bytes())
        except FileNotFoundError:
            return default
        except ValueError as e:
            raise OtaSlotError(f"{root_dir / name} is corrupt: {e}") from e

    identity = read_json("ecu.json", None)
    if not isinstance(identity, dict):
        raise OtaSlotError(f"{root_dir} holds no ECU")
    failed = read_json("failed_images.json", {})
    slots = SlotStore(root_dir / "slots")
    active, pending = slots.active, slots.pending
    try:
        last_error = (root_dir / "last_error.txt").read_text()
    except FileNotFoundError:
        last_error = ""
    return {
        "serial": identity["serial"],
        "hardware_id": identity["hardware_id"],
        "image": active.filepath if active else None,
        "release_counter": active.release_counter if active else None,
        "pending": pending.filepath if pending else None,
        "boot_attempts": slots.boot_attempts,
        "failed_images": sorted(failed),
        "last_error": last_error,
    }


def _ecu_ids(custom: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(custom, dict):
        return {}
    ids = custom.get(CUSTOM_ECU_IDENTIFIERS)
    return ids if isinstance(ids, dict) else {}
