"""The Primary ECU: Uptane full verification against the Director and the Image repository.

One update cycle (Uptane §5.4.4.2):

1. refresh the Director's and the Image repository's metadata with two python-tuf
   ``Updater``s, both pinned to the injected secure time (never the host clock);
2. for every image the Director's targets name, check that the Image repository lists the
   same image with the same length and hashes, built for the ECU's hardware ID, with a
   release counter not below the installed one (the consensus check);
3. download and verify **every** image before installing any (no partial bundles), as a
   delta against the ECU's installed image where the Image repository publishes one
   (rebuilt and checked against the full image's hashes; the full image otherwise);
4. hand each ECU its image and the Director's targets, which it verifies again (partial
   verification), installs into its inactive slot, boots, and commits or rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuf.api.exceptions import DownloadError, RepositoryError
from tuf.api.metadata import Metadata, TargetFile, Targets
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

from evtwin.clock import Clock
from evtwin.errors import (
    OtaConsensusError,
    OtaDownloadError,
    OtaError,
    OtaImageError,
    OtaMetadataError,
    OtaRollbackError,
    OtaSlotError,
)
from evtwin.ota._delta import delta_name
from evtwin.ota._fields import (
    CUSTOM_DELTA_FROM,
    CUSTOM_DELTA_TO,
    CUSTOM_ECU_IDENTIFIERS,
    CUSTOM_HARDWARE_IDS,
    CUSTOM_RELEASE_COUNTER,
)
from evtwin.ota._manifest import VehicleManifest
from evtwin.ota._store import atomic_write
from evtwin.ota.vehicle._ecu import Ecu, ecu_status
from evtwin.ota.vehicle._fetch import WatchdogConfig, WatchdogFetcher
from evtwin.ota.vehicle._policy import InstallPolicy, VehicleConditions, install_blockers
from evtwin.ota.vehicle._slots import BootOutcome

__all__ = ["PlannedUpdate", "Primary", "RepositoryUrls", "UpdateReport", "vehicle_status"]


@dataclass(frozen=True, kw_only=True)
class RepositoryUrls:
    """Where the Primary finds the two repositories (``mem://…`` or ``http://…``)."""

    director_metadata: str
    image_metadata: str
    image_targets: str


@dataclass
class UpdateReport:
    """What one update cycle did, per ECU serial."""

    outcomes: dict[str, BootOutcome] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    transfers: dict[str, str] = field(default_factory=dict)  # "delta" or "full"
    delta_fallbacks: dict[str, str] = field(default_factory=dict)  # why a delta was not used
    deferred: list[str] = field(default_factory=list)  # why nothing was installed this cycle

    @property
    def installed(self) -> list[str]:
        return sorted(s for s, o in self.outcomes.items() if o is BootOutcome.COMMITTED)


@dataclass(frozen=True)
class _Planned:
    ecu: Ecu
    target: TargetFile
    release_counter: int


@dataclass
class PlannedUpdate:
    """An update cycle's plan: both repositories refreshed and the consensus checked, nothing
    downloaded yet. :meth:`Primary.plan` makes it; :meth:`Primary.download` fetches it.

    ``images`` maps each ECU serial that needs a new image to the image's name;
    ``length_bytes`` is the full images' total size [B] (a delta may fetch less);
    ``release_counters`` by ECU serial.
    """

    images: dict[str, str]
    length_bytes: int
    release_counters: dict[str, int]
    _image: Updater
    _director_targets: bytes
    _work: list[_Planned]
    downloaded: dict[str, bytes] = field(default_factory=dict)  # by ECU serial, verified
    report: UpdateReport = field(default_factory=UpdateReport)

    @property
    def empty(self) -> bool:
        """True when every ECU already runs what the Director names."""
        return not self._work


def vehicle_status(root_dir: Path) -> dict[str, Any]:
    """A provisioned car's status from its storage alone (``root_dir`` as given to
    :func:`~evtwin.ota.build_vehicle`): same shape as :meth:`Primary.status`.

    Raises:
        OtaSlotError: ``root_dir`` holds no provisioned vehicle.
    """
    try:
        vin = str(json.loads((root_dir / "primary" / "vehicle.json").read_bytes())["vin"])
    except (OSError, ValueError, KeyError) as e:
        raise OtaSlotError(f"{root_dir} holds no provisioned vehicle: {e}") from e
    ecus = sorted(p for p in (root_dir / "ecus").iterdir() if (p / "ecu.json").exists())
    return {"vin": vin, "ecus": {p.name: ecu_status(p) for p in ecus}}


def pin_reference_time(updater: Updater, clock: Clock) -> None:
    """Make ``updater`` check expiry against ``clock`` instead of the host clock.

    python-tuf 7 takes its reference time from the host clock when the ``Updater`` is
    created (``TrustedMetadataSet.reference_time``) and offers no public way to inject it;
    this is the one place evtwin reaches into that attribute. A test checks that expiry is
    judged by the injected clock, so an upgrade that moves it fails loudly.
    """
    trusted = getattr(updater, "_trusted_set", None)
    if trusted is None or not hasattr(trusted, "reference_time"):
        raise OtaError("python-tuf no longer exposes the reference time; cannot inject clock")
    trusted.reference_time = clock.now()


@contextmanager
def tuf_errors(what: str) -> Iterator[None]:
    """Wrap python-tuf's two error families into evtwin's, once, at this boundary."""
    try:
        yield
    except RepositoryError as e:
        raise OtaMetadataError(f"{what}: {type(e).__name__}: {e}") from e
    except DownloadError as e:
        raise OtaDownloadError(f"{what}: {type(e).__name__}: {e}") from e
    except OSError as e:
        raise OtaError(f"{what}: cannot use local storage: {e}") from e


class Primary:
    """The vehicle's Primary ECU and update client.

    Args:
        vin: the vehicle's VIN.
        ecu: the Primary's own ECU (it updates itself like any other).
        secondaries: the Secondaries it serves, by serial.
        storage_dir: the Primary's storage (trusted metadata, downloads).
        urls: repository locations.
        fetcher: the transport (in-memory twin, or HTTP).
        clock: secure time source.
        image_root, director_root: root metadata provisioned at the factory.
    """

    def __init__(
        self,
        *,
        vin: str,
        ecu: Ecu,
        secondaries: Mapping[str, Ecu],
        storage_dir: Path,
        urls: RepositoryUrls,
        fetcher: FetcherInterface,
        clock: Clock,
        image_root: bytes,
        director_root: bytes,
        watchdog: WatchdogConfig | None = None,
        config: UpdaterConfig | None = None,
    ) -> None:
        self.vin = vin
        self.ecu = ecu
        self.ecus: dict[str, Ecu] = {ecu.serial: ecu, **secondaries}
        self.storage_dir = storage_dir
        self.urls = urls
        self.fetcher = WatchdogFetcher(fetcher, clock, watchdog)
        self.clock = clock
        self.config = config or UpdaterConfig()
        vehicle = storage_dir / "vehicle.json"
        if not vehicle.exists():
            atomic_write(vehicle, json.dumps({"vin": vin}).encode())
        for name, root in (("director", director_root), ("image", image_root)):
            path = storage_dir / name / "root.json"
            if not path.exists():
                atomic_write(path, root)

    def _updater(self, name: str, metadata_url: str, targets_url: str | None) -> Updater:
        with tuf_errors(f"{name} repository"):
            updater = Updater(
                metadata_dir=str(self.storage_dir / name),
                metadata_base_url=metadata_url,
                target_dir=str(self.storage_dir / "downloads"),
                target_base_url=targets_url,
                fetcher=self.fetcher,
                config=self.config,
                bootstrap=None,
            )
        pin_reference_time(updater, self.clock)
        return updater

    def status(self) -> dict[str, Any]:
        """What every ECU runs: ``{"vin", "ecus": {serial: ecu_status}}`` (see
        :func:`~evtwin.ota.vehicle._ecu.ecu_status`), for signals, the screen and the CLI."""
        return {
            "vin": self.vin,
            "ecus": {serial: ecu.status() for serial, ecu in sorted(self.ecus.items())},
        }

    def manifest(self, nonce: str) -> dict[str, Any]:
        """The signed vehicle version manifest, each ECU's report signed by that ECU."""
        reports = {serial: ecu.version_report(nonce) for serial, ecu in self.ecus.items()}
        return VehicleManifest(
            update_state=self.update_state,
            vin=self.vin,
            primary_ecu_serial=self.ecu.serial,
            nonce=nonce,
            ecu_version_reports=reports,
        ).sign(self.ecu.signer)

    def update(
        self,
        conditions: VehicleConditions | None = None,
        policy: InstallPolicy | None = None,
    ) -> UpdateReport:
        """Run one full update cycle; see the module docstring.

        With ``conditions``, images are verified and downloaded but installed only if
        :func:`install_blockers` finds nothing against ``policy`` (default
        :class:`InstallPolicy`); otherwise ``report.deferred`` says why.

        Raises:
            OtaMetadataError: either repository's metadata failed to verify.
            OtaDownloadError: metadata or an image could not be fetched (dropped, slow, long).
            OtaConsensusError: the Director names an image the Image repository does not
                vouch for (same length and hashes).
            OtaImageError: the Director names an unknown ECU or a wrong hardware ID.
            OtaRollbackError: an image's release counter is below the installed one.
        """
        try:
            report = self._update(conditions, policy or InstallPolicy())
        except OtaError as e:
            self.ecu.attacks_detected = f"{type(e).__name__}: {e}"
            self._save_state({"state": "error", "error": f"{type(e).__name__}: {e}"})
            raise
        if self.ecu.serial not in report.errors:
            self.ecu.clear_reported_attack()  # a clean cycle
        if report.deferred:
            self._save_state({"state": "deferred", "reasons": list(report.deferred)})
        elif report.errors:
            self._save_state({"state": "error", "errors": dict(report.errors)})
        elif report.outcomes:
            self._save_state({"state": "installed", "outcomes": dict(report.outcomes)})
        else:
            self._save_state({"state": "idle"})
        return report

    @property
    def update_state(self) -> dict[str, Any]:
        """The last update cycle: ``{"state": "idle"|"deferred"|"installed"|"error", …}``."""
        try:
            state: dict[str, Any] = json.loads(
                (self.storage_dir / "update_state.json").read_bytes()
            )
        except (FileNotFoundError, ValueError):
            return {"state": "idle"}
        return state

    def _save_state(self, state: dict[str, Any]) -> None:
        atomic_write(self.storage_dir / "update_state.json", json.dumps(state).encode())

    def plan(self) -> PlannedUpdate:
        """Refresh both repositories and check the consensus (steps 1-2 of the cycle).

        Raises: as :meth:`update` (metadata, consensus, hardware and rollback errors).
        """
        director = self._updater("director", self.urls.director_metadata, None)
        image = self._updater("image", self.urls.image_metadata, self.urls.image_targets)
        with tuf_errors("Director"):
            director.refresh()
        with tuf_errors("Image repository"):
            image.refresh()
        director_targets = (self.storage_dir / "director" / "targets.json").read_bytes()
        names = sorted(Metadata[Targets].from_bytes(director_targets).signed.targets)
        plan: list[_Planned] = []
        for name in names:
            with tuf_errors("Director"):
                d_target = director.get_targetinfo(name)
            if d_target is None:  # pragma: no cover - the name came from the trusted file
                raise OtaMetadataError(f"Director target {name!r} vanished during the update")
            with tuf_errors("Image repository"):
                i_target = image.get_targetinfo(name)
            plan += self._check_consensus(d_target, i_target)
        work = [p for p in plan if not self._runs(p)]
        return PlannedUpdate(
            images={p.ecu.serial: p.target.path for p in work},
            length_bytes=sum(p.target.length for p in {p.target.path: p for p in work}.values()),
            release_counters={p.ecu.serial: p.release_counter for p in work},
            _image=image,
            _director_targets=director_targets,
            _work=work,
        )

    def download(self, planned: PlannedUpdate) -> None:
        """Download and verify every planned image before any is installed (step 3): into
        ``planned.downloaded``, a delta where published (``planned.report.transfers``).

        Raises:
            OtaDownloadError, OtaMetadataError: as :meth:`update`.
        """
        report, full = planned.report, {}
        for p in planned._work:
            patched = self._via_delta(planned._image, p, planned._director_targets, report)
            if patched is not None:
                planned.downloaded[p.ecu.serial] = patched
                report.transfers[p.ecu.serial] = "delta"
                continue
            if p.target.path not in full:
                full[p.target.path] = self._download(
                    planned._image, p.target, f"image {p.target.path!r}"
                )
            planned.downloaded[p.ecu.serial] = full[p.target.path]
            report.transfers[p.ecu.serial] = "full"

    def stage(self, planned: PlannedUpdate) -> None:
        """Hand every downloaded image to its ECU, which verifies it again and writes its
        inactive slot (step 4, before the reboot). An ECU that refuses lands in
        ``planned.report.errors``; one with nothing to boot in ``planned.report.outcomes``."""
        chain = self._director_root_chain()
        for p in planned._work:
            serial = p.ecu.serial
            if serial not in planned.downloaded:
                continue
            try:
                p.ecu.update_root(chain)
                early = p.ecu.stage_update(
                    planned._director_targets,
                    planned.downloaded[serial],
                    p.release_counter,
                    image_metadata=self._image_metadata(),
                )
            except OtaError as e:
                p.ecu.attacks_detected = f"{type(e).__name__}: {e}"
                planned.report.errors[serial] = str(e)
                continue
            if early is not None:
                planned.report.outcomes[serial] = early

    def boot(self, planned: PlannedUpdate) -> UpdateReport:
        """Reboot every ECU that staged an image: commit, or roll back by itself. Records the
        cycle's result (``update_state``) for the next manifest and returns the report."""
        report = planned.report
        for p in planned._work:
            serial = p.ecu.serial
            if serial in report.errors or serial in report.outcomes:
                continue
            if serial in planned.downloaded:
                report.outcomes[serial] = p.ecu.boot_staged()
                p.ecu.clear_reported_attack()
        if self.ecu.serial not in report.errors:
            self.ecu.clear_reported_attack()  # a clean cycle
        if report.errors:
            self._save_state({"state": "error", "errors": dict(report.errors)})
        else:
            self._save_state({"state": "installed", "outcomes": dict(report.outcomes)})
        return report

    def record_state(self, state: dict[str, Any]) -> None:
        """Record where the cycle stands (``{"state": "downloading", …}``) for the next
        signed manifest; the runtime's OTA service reports each step this way."""
        self._save_state(dict(state))

    def _update(self, conditions: VehicleConditions | None, policy: InstallPolicy) -> UpdateReport:
        planned = self.plan()
        self.download(planned)
        report = planned.report
        if planned._work and conditions is not None:
            report.deferred = install_blockers(policy, conditions)
            if report.deferred:
                return report
        chain = self._director_root_chain()
        for p in planned._work:
            try:
                p.ecu.update_root(chain)
                report.outcomes[p.ecu.serial] = p.ecu.install(
                    planned._director_targets,
                    planned.downloaded[p.ecu.serial],
                    p.release_counter,
                    image_metadata=self._image_metadata(),
                )
                p.ecu.clear_reported_attack()
            except OtaError as e:
                p.ecu.attacks_detected = f"{type(e).__name__}: {e}"
                report.errors[p.ecu.serial] = str(e)
        return report

    @staticmethod
    def _download(image: Updater, target: TargetFile, what: str) -> bytes:
        """Download one target through python-tuf (length cap, hashes), return its bytes."""
        with tuf_errors(what):
            path = Path(image.download_target(target))
        try:
            return path.read_bytes()
        finally:
            path.unlink(missing_ok=True)

    def _via_delta(
        self, image: Updater, p: _Planned, director_targets: bytes, report: UpdateReport
    ) -> bytes | None:
        """The new image rebuilt from a published delta, or ``None`` to use the full image."""
        active = p.ecu.slots.active
        if active is None:
            return None
        name = delta_name(p.target.path, active.hashes["sha256"])
        with tuf_errors("Image repository"):
            info = image.get_targetinfo(name)
        if info is None:
            return None
        custom = info.custom if isinstance(info.custom, dict) else {}
        if (custom.get(CUSTOM_DELTA_FROM), custom.get(CUSTOM_DELTA_TO)) != (
            active.hashes["sha256"],
            p.target.path,
        ):
            report.delta_fallbacks[p.ecu.serial] = f"{name!r} names another base or image"
            return None
        try:
            patch = self._download(image, info, f"delta {name!r}")
            return p.ecu.image_from_delta(director_targets, patch)
        except OtaError as e:  # fall back to the full image, which is verified on its own
            report.delta_fallbacks[p.ecu.serial] = f"{type(e).__name__}: {e}"
            return None

    def _runs(self, p: _Planned) -> bool:
        active = p.ecu.slots.active
        return active is not None and active.hashes.get("sha256") == p.target.hashes["sha256"]

    def _check_consensus(self, d: TargetFile, i: TargetFile | None) -> list[_Planned]:
        if i is None:
            raise OtaConsensusError(f"Director names {d.path!r}; the Image repository does not")
        if d.length != i.length:
            raise OtaConsensusError(
                f"{d.path!r}: Director says {d.length} bytes, Image repository {i.length}"
            )
        common = set(d.hashes) & set(i.hashes)
        if "sha256" not in common or any(d.hashes[a] != i.hashes[a] for a in common):
            raise OtaConsensusError(f"{d.path!r}: Director and Image repository hashes differ")
        custom_i = i.custom if isinstance(i.custom, dict) else {}
        hardware_ids = custom_i.get(CUSTOM_HARDWARE_IDS, [])
        release_counter = custom_i.get(CUSTOM_RELEASE_COUNTER)
        if not isinstance(release_counter, int):
            raise OtaConsensusError(f"{d.path!r} has no release counter in the Image repository")
        custom_d = d.custom if isinstance(d.custom, dict) else {}
        ecu_ids = custom_d.get(CUSTOM_ECU_IDENTIFIERS, {})
        if not isinstance(ecu_ids, dict) or not ecu_ids:
            raise OtaImageError(f"Director target {d.path!r} names no ECU")
        planned = []
        for serial, ident in ecu_ids.items():
            ecu = self.ecus.get(serial)
            if ecu is None:
                raise OtaImageError(f"Director target {d.path!r} names unknown ECU {serial!r}")
            hw = ident.get("hardwareId") if isinstance(ident, dict) else None
            if hw != ecu.hardware_id or hw not in hardware_ids:
                raise OtaImageError(
                    f"{d.path!r} for ECU {serial}: Director says hardware {hw!r}, the ECU is "
                    f"{ecu.hardware_id!r}, the Image repository allows {hardware_ids}"
                )
            active = ecu.slots.active
            if active is not None and release_counter < active.release_counter:
                raise OtaRollbackError(
                    f"{d.path!r} has release counter {release_counter}, ECU {serial} runs "
                    f"{active.filepath!r} with {active.release_counter}"
                )
            planned.append(_Planned(ecu, i, release_counter))
        if custom_d.get(CUSTOM_RELEASE_COUNTER) != release_counter:
            raise OtaConsensusError(
                f"{d.path!r}: Director says release counter "
                f"{custom_d.get(CUSTOM_RELEASE_COUNTER)!r}, Image repository {release_counter}"
            )
        return planned

    def _image_metadata(self) -> dict[str, bytes]:
        """The Image repository metadata this cycle verified (for full-verification ECUs)."""
        folder = self.storage_dir / "image"
        return {
            role: (folder / f"{role}.json").read_bytes()
            for role in ("timestamp", "snapshot", "targets")
            if (folder / f"{role}.json").exists()
        }

    def _director_root_chain(self) -> list[bytes]:
        history = self.storage_dir / "director" / "root_history"
        files = sorted(history.glob("*.root.json"), key=lambda p: int(p.name.split(".")[0]))
        return [f.read_bytes() for f in files]
