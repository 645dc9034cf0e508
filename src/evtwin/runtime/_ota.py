"""The car's OTA client as a runtime service: offer, consent, policy, install, commit or roll back.

:class:`OtaService` drives the Primary ECU (:class:`evtwin.ota.Primary`, Uptane full
verification) from the twin's service host. It reads the car's state and the driver's answer
only from the signal broker, by VSS path, and publishes every step there
(``Vehicle.Software.*``, the evtwin overlay) and in the signed manifest it sends at each
check-in (``update_state``). One state change per host step, so a subscriber sees each one:

``IDLE → AVAILABLE (offered) → CONSENTED → DOWNLOADING → INSTALLING → REBOOTING →
SUCCEEDED | ROLLED_BACK | FAILED``; ``DEFERRED`` while the install policy holds a downloaded
update back (driving, low charge, a charge planned), ``SCHEDULED`` while it waits only for
the time the driver chose (``ScheduledTime``), ``READY_TO_INSTALL`` for a download-only
campaign.

The download watchdog and the check-in interval run on the twin's clock (one
:class:`evtwin.clock.Clock` serves both), never the host's; metadata expiry runs on the clock
the Primary and its ECUs were built with: attested time from the OTA server's time server
in the running car (:func:`evtwin.runtime.open_car`), the twin's clock in unit tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, Protocol

from evtwin.clock import Clock
from evtwin.errors import OtaError
from evtwin.ota import (
    BootOutcome,
    Consent,
    InstallPolicy,
    PlannedUpdate,
    Primary,
    VehicleConditions,
    install_blockers,
)
from evtwin.runtime._signalio import read_bool, read_float, read_str
from evtwin.signals import Broker, Change, Field
from evtwin.signals import paths as P

__all__ = [
    "DEFAULT_CHECK_IN_INTERVAL_S",
    "GEAR_PARK",
    "CheckIn",
    "OtaLink",
    "OtaService",
    "TwinOtaClock",
    "UpdateState",
]

DEFAULT_CHECK_IN_INTERVAL_S: Final = 300.0
"""Twin seconds between check-ins with the OTA server (assumption: 5 min while awake)."""

GEAR_PARK: Final = 126
"""``Vehicle.Powertrain.Transmission.SelectedGear`` value for P (VSS: 126=Park, 127=Drive)."""


class UpdateState(StrEnum):
    """Values of ``Vehicle.Software.Update.State`` (the overlay's allowed list)."""

    IDLE = "IDLE"
    AVAILABLE = "AVAILABLE"
    CONSENTED = "CONSENTED"
    DOWNLOADING = "DOWNLOADING"
    READY_TO_INSTALL = "READY_TO_INSTALL"
    DEFERRED = "DEFERRED"
    SCHEDULED = "SCHEDULED"
    INSTALLING = "INSTALLING"
    REBOOTING = "REBOOTING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


class TwinOtaClock:
    """Deprecated: the twin's clock is the OTA stack's time source as it is (one
    :class:`evtwin.clock.Clock` interface); pass ``twin.clock`` itself. This wrapper only
    delegates to it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now_s(self) -> float:
        return self._clock.now_s()

    def now(self) -> datetime:
        return self._clock.now()

    def monotonic_s(self) -> float:
        return self._clock.monotonic_s()


@dataclass(frozen=True, kw_only=True)
class CheckIn:
    """What the server answered: new assignments and the campaign's consent mode."""

    assigned: dict[str, str]
    consent: Consent


class OtaLink(Protocol):
    """How the car reaches its OTA server (HTTP in the twin, in-memory in unit tests)."""

    def check_in(self, primary: Primary) -> CheckIn:
        """Send the Primary's signed manifest; return the server's answer."""
        ...


class _Phase(StrEnum):
    WAIT = "wait"  # nothing offered (or finished): check in every interval
    OFFERED = "offered"
    CONSENTED = "consented"
    DOWNLOAD = "download"
    HELD = "held"  # downloaded; policy holds it back, or download-only
    INSTALL = "install"
    REBOOT = "reboot"


_U = "Vehicle.Software.Update"
STATE: Final = f"{_U}.State"
AVAILABLE_VERSION: Final = f"{_U}.AvailableVersion"
AVAILABLE_SIZE: Final = f"{_U}.AvailableSize"
ECUS: Final = f"{_U}.Ecus"
CONSENT_MODE: Final = f"{_U}.ConsentMode"
APPROVED: Final = f"{_U}.IsInstallApproved"
DOWNLOAD_PROGRESS: Final = f"{_U}.DownloadProgress"
INSTALL_PROGRESS: Final = f"{_U}.InstallProgress"
DEFERRED_REASON: Final = f"{_U}.DeferredReason"
SCHEDULED_TIME: Final = f"{_U}.ScheduledTime"
LAST_ERROR: Final = f"{_U}.LastError"
INSTALLED_IMAGES: Final = "Vehicle.Software.InstalledImages"


def _version_label(images: dict[str, str]) -> str:
    """``bms-2.1.0.img`` → ``bms-2.1.0``; several images joined by ``+``."""
    names = sorted({n.removesuffix(".img") for n in images.values()})
    return "+".join(names)


class OtaService:
    """The OTA client of the running car (see the module docstring).

    Args:
        broker: the car's signal broker (the only way in and out).
        primary: the Primary ECU (its storage holds keys, trusted metadata, slots).
        link: the way to the server.
        clock: the twin clock (time of check-ins; the Primary was built on the same time).
        policy: install conditions (SOC floor, parked, no planned charge); its ``consent``
            is replaced by what the campaign says.
        check_in_interval_s: twin seconds between check-ins while nothing is in progress.
    """

    name = "ota"

    def __init__(
        self,
        broker: Broker,
        primary: Primary,
        link: OtaLink,
        *,
        policy: InstallPolicy | None = None,
        check_in_interval_s: float = DEFAULT_CHECK_IN_INTERVAL_S,
    ) -> None:
        if not check_in_interval_s > 0:
            raise OtaError(f"check-in interval must be positive, got {check_in_interval_s} s")
        self._broker = broker
        self.primary = primary
        self._link = link
        self.policy = policy or InstallPolicy()
        self.interval_s = check_in_interval_s
        self.phase = _Phase.WAIT
        self._next_check_in_s: float | None = None  # None: at the first step
        self._planned: PlannedUpdate | None = None
        self._planned_at_s = 0.0
        self._consent = Consent.REQUIRED
        self._reason = ""
        self.history: list[str] = []  # every state published, in order (for the screen/log)
        self._publish([(STATE, Field.VALUE, UpdateState.IDLE.value), *self._clear_offer()])
        self._publish_installed()

    # -- signals ---------------------------------------------------------------------------------
    def _publish(self, changes: list[Change]) -> None:
        self._broker.update(changes)
        for path, _, value in changes:
            if path == STATE:
                self.history.append(str(value))

    def _set_state(self, state: UpdateState, *extra: Change) -> None:
        self._publish([*extra, (STATE, Field.VALUE, state.value)])

    @staticmethod
    def _clear_offer() -> list[Change]:
        return [
            (AVAILABLE_VERSION, Field.VALUE, ""),
            (AVAILABLE_SIZE, Field.VALUE, 0),
            (ECUS, Field.VALUE, ()),
            (DOWNLOAD_PROGRESS, Field.VALUE, 0),
            (INSTALL_PROGRESS, Field.VALUE, 0),
            (DEFERRED_REASON, Field.VALUE, ""),
        ]

    def _publish_installed(self) -> None:
        images = []
        for serial, ecu in sorted(self.primary.ecus.items()):
            active = ecu.slots.active
            images.append(f"{serial}={active.filepath if active else ''}")
        self._broker.update([(INSTALLED_IMAGES, Field.VALUE, tuple(images))])

    def _fail(self, now_s: float, error: str, *, report_now: bool = True) -> None:
        """Give the cycle up; tell the server at the next step (``report_now``) or at the
        next regular check-in (when the check-in itself failed: no retry storm)."""
        self.primary.record_state({"state": "error", "error": error})
        self._planned = None
        self.phase = _Phase.WAIT
        if report_now:
            self._next_check_in_s = now_s
        if self.history[-1] == UpdateState.FAILED and read_str(self._broker, LAST_ERROR) == error:
            return  # the same failure again (e.g. still out of coverage): nothing new to say
        self._set_state(UpdateState.FAILED, (LAST_ERROR, Field.VALUE, error))

    # -- the car's own conditions ------------------------------------------------------------
    def conditions(self, now_s: float) -> VehicleConditions:
        """The install conditions, from the car's signals."""
        b = self._broker
        gear = b.get(P.SELECTED_GEAR)
        in_park = gear is None or gear.value == GEAR_PARK
        parked = in_park and read_float(b, P.SPEED_KPH, 0.0) == 0.0
        planned_end = read_str(b, P.PLANNED_END_TIME)
        charge_planned = read_bool(b, P.IS_CHARGING)
        if planned_end:
            try:
                end = datetime.fromisoformat(planned_end.replace("Z", "+00:00"))
                charge_planned = charge_planned or end.timestamp() > now_s
            except ValueError:
                charge_planned = True  # unreadable plan: assume a charge is planned
        return VehicleConditions(
            parked=parked,
            soc_percent=min(100.0, max(0.0, read_float(b, P.SOC_CURRENT_PCT, 0.0))),
            charge_planned=charge_planned,
            driver_consented=True,  # consent is settled before the policy is asked
        )

    def blockers(self, now_s: float) -> list[str]:
        """Why the install may not start now (empty: go ahead)."""
        policy = InstallPolicy(
            min_soc_percent=self.policy.min_soc_percent,
            require_parked=self.policy.require_parked,
            block_during_planned_charge=self.policy.block_during_planned_charge,
            consent=Consent.FORCED,
        )
        reasons = install_blockers(policy, self.conditions(now_s))
        when = self._scheduled_s()
        if when is not None and when > now_s:
            reasons.append(f"scheduled for {read_str(self._broker, SCHEDULED_TIME)}")
        return reasons

    def _scheduled_s(self) -> float | None:
        """The driver's chosen install time (``ScheduledTime``, ISO 8601), if any [s]."""
        text = read_str(self._broker, SCHEDULED_TIME)
        if not text:
            return None
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None  # not a time: no schedule (the screen validates what it sends)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()

    # -- stepping -----------------------------------------------------------------------------
    def step(self, now_s: float, dt_s: float) -> None:
        steps: dict[_Phase, Callable[[float], None]] = {
            _Phase.OFFERED: self._offered,
            _Phase.CONSENTED: self._consented,
            _Phase.DOWNLOAD: self._download,
            _Phase.HELD: self._held,
            _Phase.INSTALL: self._install,
            _Phase.REBOOT: self._reboot,
        }
        idle = self.phase in (_Phase.WAIT, _Phase.OFFERED, _Phase.HELD)
        if idle and (self._next_check_in_s is None or now_s >= self._next_check_in_s):
            self._check_in(now_s)
            return
        if self.phase in steps:
            steps[self.phase](now_s)

    def _check_in(self, now_s: float) -> None:
        self._next_check_in_s = now_s + self.interval_s
        if self.phase is _Phase.HELD and self._planned is not None:
            # report "deferred"; out of coverage, the next check-in does: the downloaded
            # update waits for the policy either way
            with contextlib.suppress(OtaError):
                self._link.check_in(self.primary)
            return
        try:
            answer = self._link.check_in(self.primary)
            planned = self.primary.plan()
        except OtaError as e:
            self._fail(now_s, f"{type(e).__name__}: {e}", report_now=False)
            return
        offer = {
            serial: name
            for serial, name in planned.images.items()
            if self.primary.ecus[serial].failed_images().get(name) is None
        }
        if not offer:  # nothing new (or only images that already failed here)
            self._planned = None
            if self.phase is not _Phase.WAIT:  # an offer was withdrawn
                self.phase = _Phase.WAIT
                self._set_state(UpdateState.IDLE, *self._clear_offer())
            return
        same = self._planned is not None and self._planned.images == planned.images
        self._planned, self._planned_at_s = planned, now_s
        if same and self.phase is _Phase.OFFERED:
            return
        self._consent = answer.consent
        self.phase = _Phase.OFFERED
        self.primary.record_state({"state": "offered", "images": dict(offer)})
        self._set_state(
            UpdateState.AVAILABLE,
            *self._clear_offer(),
            (AVAILABLE_VERSION, Field.VALUE, _version_label(offer)),
            (AVAILABLE_SIZE, Field.VALUE, planned.length_bytes),
            (ECUS, Field.VALUE, tuple(sorted(offer))),
            (CONSENT_MODE, Field.VALUE, answer.consent.value.upper()),
            (APPROVED, Field.VALUE, False),  # a new offer asks again
            (LAST_ERROR, Field.VALUE, ""),
        )

    def _offered(self, now_s: float) -> None:
        if self._consent is Consent.REQUIRED:
            if not read_bool(self._broker, APPROVED):
                return  # the screen asks; the driver answers through the broker
            self.phase = _Phase.CONSENTED
            self.primary.record_state({"state": "consented"})
            self._set_state(UpdateState.CONSENTED)
            return
        self._consented(now_s)  # forced or download-only: nothing to ask

    def _consented(self, now_s: float) -> None:
        self.phase = _Phase.DOWNLOAD
        self.primary.record_state({"state": "downloading"})
        self._set_state(UpdateState.DOWNLOADING)

    def _download(self, now_s: float) -> None:
        planned = self._planned
        assert planned is not None
        try:
            self.primary.download(planned)
        except OtaError as e:
            self._fail(now_s, f"{type(e).__name__}: {e}")
            return
        self._publish([(DOWNLOAD_PROGRESS, Field.VALUE, 100)])
        if self._consent is Consent.DOWNLOAD_ONLY:
            self.phase = _Phase.HELD
            self.primary.record_state({"state": "deferred", "reasons": ["download-only"]})
            self._set_state(UpdateState.READY_TO_INSTALL)
            return
        self._to_install_or_hold(now_s)

    def _to_install_or_hold(self, now_s: float) -> None:
        reasons = self.blockers(now_s)
        if reasons:
            self.phase = _Phase.HELD
            reason = "; ".join(reasons)
            only_schedule = len(reasons) == 1 and reasons[0].startswith("scheduled for ")
            state = UpdateState.SCHEDULED if only_schedule else UpdateState.DEFERRED
            if reason != self._reason or self.history[-1] != state:
                self._reason = reason
                self.primary.record_state({"state": "deferred", "reasons": reasons})
                self._set_state(state, (DEFERRED_REASON, Field.VALUE, reason))
            return
        self._reason = ""
        self.phase = _Phase.INSTALL
        self.primary.record_state({"state": "installing"})
        self._set_state(UpdateState.INSTALLING, (DEFERRED_REASON, Field.VALUE, ""))

    def _held(self, now_s: float) -> None:
        if self._consent is Consent.DOWNLOAD_ONLY:
            return
        self._to_install_or_hold(now_s)

    def _install(self, now_s: float) -> None:
        planned = self._planned
        assert planned is not None
        if self.blockers(now_s):  # the car moved off between steps
            self._to_install_or_hold(now_s)
            return
        if now_s - self._planned_at_s >= self.interval_s:  # stale: verify afresh first
            try:
                fresh = self.primary.plan()
            except OtaError as e:
                self._fail(now_s, f"{type(e).__name__}: {e}")
                return
            fresh.downloaded.update(planned.downloaded)  # the ECUs verify them again
            planned, self._planned, self._planned_at_s = fresh, fresh, now_s
        self.primary.stage(planned)
        errors = planned.report.errors
        if errors and len(errors) == len(planned.images):
            self._finish(now_s, planned)
            return
        self.phase = _Phase.REBOOT
        self.primary.record_state({"state": "rebooting"})
        self._set_state(UpdateState.REBOOTING, (INSTALL_PROGRESS, Field.VALUE, 50))

    def _reboot(self, now_s: float) -> None:
        planned = self._planned
        assert planned is not None
        self._finish(now_s, planned)

    def _finish(self, now_s: float, planned: PlannedUpdate) -> None:
        report = self.primary.boot(planned)
        self._planned = None
        self.phase = _Phase.WAIT
        self._next_check_in_s = now_s  # report the result at once
        self._publish_installed()
        rolled = [s for s, o in report.outcomes.items() if o is BootOutcome.ROLLED_BACK]
        if report.errors:
            error = "; ".join(f"{s}: {e}" for s, e in sorted(report.errors.items()))
            self._set_state(UpdateState.FAILED, (LAST_ERROR, Field.VALUE, error))
        elif rolled:
            what = ", ".join(f"{s} ({planned.images[s]})" for s in sorted(rolled))
            error = f"health check failed after reboot, rolled back by itself: {what}"
            self._set_state(
                UpdateState.ROLLED_BACK,
                (INSTALL_PROGRESS, Field.VALUE, 100),
                (LAST_ERROR, Field.VALUE, error),
            )
        else:
            self._set_state(UpdateState.SUCCEEDED, (INSTALL_PROGRESS, Field.VALUE, 100))
