"""When an update may be installed: parked, enough charge, no planned charge, consent.

Pure: the Primary asks :func:`install_blockers` with the vehicle's conditions (read from the
signal broker by the runtime) and installs only when the list is empty. Verification and
download are never blocked; only the switch of slots is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from evtwin.errors import OtaError

__all__ = ["Consent", "InstallPolicy", "VehicleConditions", "install_blockers"]


class Consent(StrEnum):
    """How a campaign treats the driver's consent."""

    REQUIRED = "required"  # install only after the driver accepts on the central screen
    FORCED = "forced"  # safety recall: install without asking (other conditions still apply)
    DOWNLOAD_ONLY = "download_only"  # fetch and verify now, never install in this cycle


@dataclass(frozen=True, kw_only=True)
class VehicleConditions:
    """The car's state at install time.

    Args:
        parked: gear in P and the vehicle stationary.
        soc_percent: battery state of charge [%], 0..100.
        charge_planned: a charge session is scheduled within the install window.
        driver_consented: the driver accepted the update on the central screen.
    """

    parked: bool
    soc_percent: float
    charge_planned: bool = False
    driver_consented: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.soc_percent <= 100.0:
            raise OtaError(f"soc_percent must be within 0..100 %, got {self.soc_percent} %")


@dataclass(frozen=True, kw_only=True)
class InstallPolicy:
    """Install conditions; ``min_soc_percent`` in % of usable capacity."""

    min_soc_percent: float = 30.0
    require_parked: bool = True
    block_during_planned_charge: bool = True
    consent: Consent = Consent.REQUIRED

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_soc_percent <= 100.0:
            raise OtaError(f"min_soc_percent must be within 0..100 %, got {self.min_soc_percent}")


def install_blockers(policy: InstallPolicy, conditions: VehicleConditions) -> list[str]:
    """Every reason the update may not be installed now (empty: go ahead)."""
    reasons = []
    if policy.consent is Consent.DOWNLOAD_ONLY:
        reasons.append("campaign is download-only")
    if policy.consent is Consent.REQUIRED and not conditions.driver_consented:
        reasons.append("waiting for the driver's consent")
    if policy.require_parked and not conditions.parked:
        reasons.append("vehicle is not parked")
    if conditions.soc_percent < policy.min_soc_percent:
        reasons.append(
            f"state of charge {conditions.soc_percent:.0f} % is below "
            f"{policy.min_soc_percent:.0f} %"
        )
    if policy.block_during_planned_charge and conditions.charge_planned:
        reasons.append("a charge is planned")
    return reasons
