"""The Uptane Director: per-vehicle targets metadata, signed with online keys.

The Director knows each vehicle's inventory, checks its signed version manifest (with a
one-time nonce against replay), and writes the vehicle's own TUF targets naming the image
each ECU must run. Its metadata lives under ``director/<VIN>/metadata/`` and every vehicle's
repository shares the Director's key sets. Director targets carry Uptane custom metadata:
``{"ecuIdentifiers": {serial: {"hardwareId": …}}}``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tuf.api.metadata import Metadata, Root, TargetFile

from evtwin.clock import Clock
from evtwin.errors import OtaImageError, OtaInventoryError, OtaManifestError
from evtwin.ota._crypt import wrap_key
from evtwin.ota._fields import (
    CUSTOM_ECU_IDENTIFIERS,
    CUSTOM_ENCRYPTED,
    CUSTOM_ENCRYPTED_KEY,
    CUSTOM_HARDWARE_IDS,
    CUSTOM_RELEASE_COUNTER,
)
from evtwin.ota._inventory import EcuRecord, VehicleInventory
from evtwin.ota._keys import RoleKeys
from evtwin.ota._manifest import (
    EcuVersionReport,
    InstalledImage,
    SignatureCheck,
    canonical_bytes,
    check_signature,
    open_envelope,
)
from evtwin.ota._store import ArtifactStore
from evtwin.ota.repository._image_repo import ImageRepository
from evtwin.ota.repository._tufrepo import ExpiryPolicy, RefreshPolicy, TufRepository

__all__ = ["DIRECTOR_ONLINE_ROLES", "Director", "PendingManifest"]

# The Director signs targets, snapshot and timestamp with online keys; its root is offline.
DIRECTOR_ONLINE_ROLES: tuple[str, ...] = ("targets", "snapshot", "timestamp")

MAX_OPEN_NONCES = 16  # per vehicle; issuing another forgets the oldest unused one


class PendingManifest:
    """A parsed vehicle manifest whose signatures are still to be verified.

    :meth:`Director.open_manifest` makes one; :meth:`verify` (here) or a caller that
    verified every one of :attr:`checks` elsewhere (:meth:`set_verified`, e.g. after
    :func:`~evtwin.ota._manifest.verify_ed25519_batch` in a worker process) marks it
    verified; only then does :meth:`Director.accept_manifest` take it.
    """

    def __init__(
        self,
        *,
        vin: str,
        envelope: Mapping[str, Any],
        signed: dict[str, Any],
        reports: dict[str, dict[str, Any]],
        checks: tuple[SignatureCheck, ...],
    ) -> None:
        self.vin = vin
        self.envelope = envelope  # as received (what the server stores)
        self.signed = signed
        self.reports = reports
        self.checks = checks
        self._verified = False

    @property
    def verified(self) -> bool:
        return self._verified

    def verify(self) -> None:
        """Verify every signature here. Raises OtaManifestError at the first bad one."""
        for check in self.checks:
            check_signature(check)
        self._verified = True

    def set_verified(self) -> None:
        """Record that every one of :attr:`checks` was verified by the caller."""
        self._verified = True


class Director:
    """Director repository for a fleet.

    Args:
        keys: online key sets of the four top-level roles (shared by every vehicle).
        store: where per-vehicle metadata is published.
        clock: time source for expiry dates.
        image_repo: the Image repository whose released images the Director may assign.
        signed_root: root metadata signed offline at the key ceremony (every vehicle's
            Director root is this one); ``None``: the Director holds its root key and signs
            a root per vehicle.
    """

    def __init__(
        self,
        *,
        keys: Mapping[str, RoleKeys],
        store: ArtifactStore,
        clock: Clock,
        image_repo: ImageRepository,
        expiry: ExpiryPolicy | None = None,
        signed_root: bytes | None = None,
    ) -> None:
        self.keys = dict(keys)
        self.signed_root: Metadata[Root] | None = (
            None if signed_root is None else Metadata[Root].from_bytes(signed_root)
        )
        self.store = store
        self.clock = clock
        self.image_repo = image_repo
        self.expiry = expiry
        self._repos: dict[str, TufRepository] = {}
        self._inventory: dict[str, VehicleInventory] = {}
        self._nonces: dict[str, dict[str, None]] = {}  # insertion-ordered sets
        self.installed: dict[str, dict[str, InstalledImage | None]] = {}
        self.reported_attacks: dict[str, dict[str, str]] = {}
        self.install_failures: dict[str, dict[str, tuple[str, ...]]] = {}
        self.update_states: dict[str, dict[str, Any]] = {}  # the car's last update cycle
        # the symmetric key of an encrypted image, by name (the server keeps them)
        self.image_keys: Callable[[str], bytes | None] = lambda name: None
        # where nonces are used up, when they live outside this object (a database shared by
        # several server processes): ``(vin, nonce) -> False`` if not issued or already used
        self.consume_nonce: Callable[[str, str], bool] | None = None

    # -- vehicles ------------------------------------------------------------------------------
    def register_vehicle(self, inventory: VehicleInventory) -> bytes:
        """Register a vehicle and publish its (empty) targets; return its root metadata.

        Raises:
            OtaInventoryError: the VIN is already registered.
        """
        vin = inventory.vin
        if vin in self._repos:
            raise OtaInventoryError(f"vehicle {vin} is already registered")
        self._inventory[vin] = inventory
        self._nonces[vin] = {}
        self.installed[vin] = dict.fromkeys(inventory.ecus)
        self._repos[vin] = TufRepository(
            prefix=f"director/{vin}",
            keys=self.keys,
            store=self.store,
            clock=self.clock,
            expiry=self.expiry,
            root_md=self.signed_root,
        )
        return self._repos[vin].role_bytes("root")

    def restore_vehicle(
        self, inventory: VehicleInventory, last_manifest: Mapping[str, Any] | None = None
    ) -> None:
        """Reopen a registered vehicle's repository from the store (after a server restart).

        ``last_manifest`` (as stored when it was received) restores what each ECU runs; its
        signatures are checked again, its one-time nonce is not.
        """
        vin = inventory.vin
        self._inventory[vin] = inventory
        self._nonces[vin] = {}
        self.installed[vin] = dict.fromkeys(inventory.ecus)
        self._repos[vin] = TufRepository.load(
            prefix=f"director/{vin}",
            keys=self.keys,
            store=self.store,
            clock=self.clock,
            expiry=self.expiry,
        )
        if last_manifest is not None:
            self._record(vin, self._verify_manifest(vin, last_manifest, check_nonce=False))

    @property
    def registered(self) -> list[str]:
        """VINs this Director serves."""
        return sorted(self._inventory)

    def knows(self, vin: str) -> bool:
        """Whether ``vin`` is registered here (constant time, unlike :attr:`registered`)."""
        return vin in self._inventory

    def inventory(self, vin: str) -> VehicleInventory:
        try:
            return self._inventory[vin]
        except KeyError:
            raise OtaInventoryError(f"vehicle {vin!r} is not registered") from None

    def vehicle_repo(self, vin: str) -> TufRepository:
        """The vehicle's TUF repository (tests use it to play a compromised Director)."""
        self.inventory(vin)
        return self._repos[vin]

    # -- manifests -----------------------------------------------------------------------------
    def issue_nonce(self, vin: str) -> str:
        """A one-time token the vehicle must put in its next manifest.

        At most :data:`MAX_OPEN_NONCES` are open per vehicle (memory stays bounded however
        often a car asks); the oldest unused one is forgotten first.
        """
        self.inventory(vin)
        nonce = secrets.token_hex(16)
        open_nonces = self._nonces[vin]
        open_nonces[nonce] = None
        while len(open_nonces) > MAX_OPEN_NONCES:
            del open_nonces[next(iter(open_nonces))]
        return nonce

    def receive_manifest(self, vin: str, envelope: Mapping[str, Any]) -> dict[str, Any]:
        """Verify a vehicle version manifest and record what each ECU runs.

        The whole manifest is rejected if the Primary's signature, the nonce, or any ECU
        report (signature by that ECU's registered key, serial, nonce) is wrong.

        Raises:
            OtaInventoryError: unknown VIN or ECU.
            OtaManifestError: bad signature, wrong VIN, unknown or reused nonce.
        """
        pending = self.open_manifest(vin, envelope)
        pending.verify()
        return self.accept_manifest(pending)

    def open_manifest(self, vin: str, envelope: Mapping[str, Any]) -> PendingManifest:
        """First half of :meth:`receive_manifest`: parse the manifest and collect the
        signatures to verify (the Primary's and every ECU report's). Changes nothing.

        Raises:
            OtaInventoryError: unknown VIN or ECU.
            OtaManifestError: malformed manifest, or a signature missing.
        """
        inv = self.inventory(vin)
        signed, primary_check = open_envelope(envelope, inv.ecu(inv.primary_serial).public_key)
        reports_raw = signed.get("ecu_version_reports")
        if not isinstance(reports_raw, dict):
            raise OtaManifestError("manifest has no ecu_version_reports object")
        reports: dict[str, dict[str, Any]] = {}
        checks = [primary_check]
        for serial, report_env in reports_raw.items():
            if not isinstance(report_env, Mapping):
                raise OtaManifestError(f"report of ECU {serial!r} is not a signed envelope")
            reports[serial], check = open_envelope(report_env, inv.ecu(serial).public_key)
            checks.append(check)
        return PendingManifest(
            vin=vin, envelope=envelope, signed=signed, reports=reports, checks=tuple(checks)
        )

    def accept_manifest(
        self, pending: PendingManifest, *, nonce_used_by_caller: bool = False
    ) -> dict[str, Any]:
        """Second half of :meth:`receive_manifest`, once every signature of ``pending`` is
        verified: check VIN, serials and the one-time nonce (consumed here), then record.

        ``nonce_used_by_caller``: the caller uses the nonce up itself, atomically with storing
        the manifest, and refuses the manifest (answering nothing) if it was not issued or is
        already used (a server whose nonces live in a shared database).

        Raises:
            OtaManifestError: signatures not verified, wrong VIN, unknown or reused nonce.
        """
        signed, reports = self._check_manifest(pending, check_nonce=not nonce_used_by_caller)
        self._record(pending.vin, (signed, reports))
        return signed

    def _verify_manifest(
        self, vin: str, envelope: Mapping[str, Any], *, check_nonce: bool
    ) -> tuple[dict[str, Any], dict[str, EcuVersionReport]]:
        pending = self.open_manifest(vin, envelope)
        pending.verify()
        return self._check_manifest(pending, check_nonce=check_nonce)

    def _check_manifest(
        self, pending: PendingManifest, *, check_nonce: bool
    ) -> tuple[dict[str, Any], dict[str, EcuVersionReport]]:
        if not pending.verified:
            raise OtaManifestError("manifest signatures are not verified")
        vin, signed = pending.vin, pending.signed
        inv = self.inventory(vin)
        if signed.get("vin") != vin or signed.get("primary_ecu_serial") != inv.primary_serial:
            raise OtaManifestError(
                f"manifest names vehicle {signed.get('vin')!r} / primary "
                f"{signed.get('primary_ecu_serial')!r}, expected {vin} / {inv.primary_serial}"
            )
        nonce = signed.get("nonce")
        reports: dict[str, EcuVersionReport] = {}
        for serial, report_signed in pending.reports.items():
            report = EcuVersionReport.from_dict(report_signed)
            if report.ecu_serial != serial:
                raise OtaManifestError(
                    f"report filed under ECU {serial!r} names ECU {report.ecu_serial!r}"
                )
            if report.nonce != nonce:
                raise OtaManifestError(f"report of ECU {serial!r} carries a stale nonce")
            reports[serial] = report
        if check_nonce:  # last: only a manifest that is right in every other way uses it up
            if not isinstance(nonce, str):
                issued = False
            elif self.consume_nonce is not None:
                issued = self.consume_nonce(vin, nonce)
            else:
                issued = nonce in self._nonces[vin]
                if issued:
                    del self._nonces[vin][nonce]
            if not issued:
                raise OtaManifestError(
                    f"manifest nonce {nonce!r} was not issued or is already used"
                )
        return signed, reports

    def _record(
        self, vin: str, verified: tuple[dict[str, Any], dict[str, EcuVersionReport]]
    ) -> None:
        state = verified[0].get("update_state")
        self.update_states[vin] = dict(state) if isinstance(state, dict) else {}
        for serial, report in verified[1].items():
            self.installed[vin][serial] = report.installed
            self.install_failures.setdefault(vin, {})[serial] = report.install_failures
            if report.attacks_detected:
                self.reported_attacks.setdefault(vin, {})[serial] = report.attacks_detected

    # -- targets -------------------------------------------------------------------------------
    def assign(self, vin: str, images: Mapping[str, str]) -> None:
        """Tell ECUs of ``vin`` to run the named images (``{ecu_serial: image_name}``).

        Raises:
            OtaInventoryError: unknown VIN or ECU serial.
            OtaImageError: image not released, or not built for the ECU's hardware ID.
        """
        inv = self.inventory(vin)
        repo = self._repos[vin]
        targets = repo.targets_md.signed.targets
        before = self._targets_snapshot(targets)  # a copy: the loop edits these entries
        for serial, name in images.items():
            ecu = inv.ecu(serial)
            image = self.image_repo.get_image(name)
            if image is None:
                raise OtaImageError(f"image {name!r} is not in the Image repository")
            if ecu.hardware_id not in image.custom.get(CUSTOM_HARDWARE_IDS, []):
                raise OtaImageError(
                    f"image {name!r} is for {image.custom.get(CUSTOM_HARDWARE_IDS)}, ECU {serial} "
                    f"is {ecu.hardware_id!r}"
                )
            kept_key = None
            for path in list(targets):  # one image per ECU: drop its previous assignment
                ids: dict[str, Any] = targets[path].custom[CUSTOM_ECU_IDENTIFIERS]
                previous = ids.pop(serial, None)
                if path == name and isinstance(previous, dict):
                    kept_key = previous.get(CUSTOM_ENCRYPTED_KEY)  # same image: same wrapping
                if not ids:
                    del targets[path]
            entry = targets.get(name)
            if entry is None:
                entry = TargetFile(image.length, dict(image.hashes), name)
                entry.unrecognized_fields["custom"] = {CUSTOM_ECU_IDENTIFIERS: {}}
                targets[name] = entry
            ident: dict[str, Any] = {"hardwareId": ecu.hardware_id}
            if image.custom.get(CUSTOM_ENCRYPTED):  # only this ECU can unwrap the image key
                ident[CUSTOM_ENCRYPTED_KEY] = kept_key or self._wrap_for(ecu, name)
                entry.custom[CUSTOM_ENCRYPTED] = image.custom[CUSTOM_ENCRYPTED]
            entry.custom[CUSTOM_ECU_IDENTIFIERS][serial] = ident
            # the release counter reaches every ECU inside the Director's signature, so a
            # Primary cannot hand a Secondary another one (Uptane rollback defence)
            entry.custom[CUSTOM_RELEASE_COUNTER] = image.custom[CUSTOM_RELEASE_COUNTER]
        if self._targets_snapshot(targets) != before:
            repo.refresh_all()  # a new targets version only when something changed

    def _wrap_for(self, ecu: EcuRecord, name: str) -> dict[str, str]:
        key = self.image_keys(name)
        if key is None:
            raise OtaImageError(f"image {name!r} is encrypted, and its key is not known")
        if ecu.encryption_key is None:
            raise OtaImageError(
                f"image {name!r} is encrypted; ECU {ecu.serial} registered no encryption key"
            )
        return wrap_key(key, ecu.encryption_key, serial=ecu.serial, name=name)

    @staticmethod
    def _targets_snapshot(targets: Mapping[str, TargetFile]) -> bytes:
        return canonical_bytes({path: t.to_dict() for path, t in targets.items()})

    def withdraw(self, vin: str, serials: Sequence[str]) -> list[str]:
        """Remove any image assigned to these ECUs (a stopped campaign). Returns those removed."""
        repo = self.vehicle_repo(vin)
        targets = repo.targets_md.signed.targets
        removed = []
        for path in list(targets):
            ids: dict[str, Any] = targets[path].custom[CUSTOM_ECU_IDENTIFIERS]
            for serial in serials:
                if ids.pop(serial, None) is not None:
                    removed.append(serial)
            if not ids:
                del targets[path]
        if removed:
            repo.refresh_all()
        return sorted(removed)

    def assign_latest(self, vin: str) -> dict[str, str]:
        """Assign each ECU the newest released image for its hardware ID, if it runs another.

        Uses the installed images and install failures from the vehicle's last manifest
        (an image that failed its health check on an ECU is not offered to it again).
        Returns the assignments.
        """
        inv = self.inventory(vin)
        chosen: dict[str, str] = {}
        released = self.image_repo.targets_md.signed.targets
        assigned_now = {
            serial: path
            for path, t in self._repos[vin].targets_md.signed.targets.items()
            for serial in t.custom[CUSTOM_ECU_IDENTIFIERS]
        }
        for serial, ecu in inv.ecus.items():
            failed = self.install_failures.get(vin, {}).get(serial, ())
            fits = [
                t
                for t in released.values()
                if ecu.hardware_id in t.custom.get(CUSTOM_HARDWARE_IDS, []) and t.path not in failed
            ]
            if not fits:
                continue
            best = max(fits, key=lambda t: (t.custom[CUSTOM_RELEASE_COUNTER], t.path))
            current = self.installed[vin].get(serial)
            runs_best = (
                current is not None and current.hashes.get("sha256") == best.hashes["sha256"]
            )
            if not runs_best or assigned_now.get(serial, best.path) != best.path:
                chosen[serial] = best.path
        if chosen:
            self.assign(vin, chosen)
        return chosen

    def rotate_keys(self, role: str, new_keys: RoleKeys) -> None:
        """Rotate a role's keys for every vehicle (revoking the old keys)."""
        self.keys[role] = new_keys
        for repo in self._repos.values():
            repo.rotate_keys(role, new_keys)

    def refresh_due(
        self, policy: RefreshPolicy, vins: Sequence[str] | None = None
    ) -> dict[str, tuple[str, ...]]:
        """Re-sign each vehicle's online roles that ``policy`` says are due (all vehicles, or
        those of ``vins`` that are registered). Returns ``{vin: roles re-signed}`` for the
        vehicles that changed. The per-vehicle root (offline) is never re-signed here."""
        out: dict[str, tuple[str, ...]] = {}
        for vin in self._repos if vins is None else [v for v in vins if v in self._repos]:
            done = self._repos[vin].refresh_online(DIRECTOR_ONLINE_ROLES, policy)
            if done:
                out[vin] = done
        return out

    def offline_due(self, policy: RefreshPolicy) -> dict[str, tuple[int, datetime]]:
        """Vehicles whose root (offline: never re-signed by the server) ``policy`` finds
        near expiry: ``{vin: (root version, expires)}``."""
        return {
            vin: (repo.root_md.signed.version, repo.root_md.signed.expires)
            for vin, repo in self._repos.items()
            if repo.due_roles(("root",), policy)
        }

    def refresh_timestamps(self) -> None:
        """Periodic online job: re-sign every vehicle's timestamp with a fresh expiry."""
        for repo in self._repos.values():
            repo.refresh_timestamp()
