"""Install only when parked, charged enough, not before a planned charge, with consent."""

from __future__ import annotations

import pytest

from evtwin.errors import OtaError
from evtwin.ota import (
    BootOutcome,
    Consent,
    InstallPolicy,
    OtaBackend,
    Primary,
    VehicleConditions,
    install_blockers,
)

from .support import check_in, image, release

READY = VehicleConditions(parked=True, soc_percent=80.0, driver_consented=True)


def test_a_ready_car_has_no_blockers() -> None:
    assert install_blockers(InstallPolicy(), READY) == []


def driver(**changes: object) -> VehicleConditions:
    """READY with some conditions changed."""
    base = {"parked": True, "soc_percent": 80.0, "driver_consented": True, **changes}
    return VehicleConditions(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("conditions", "policy", "reason"),
    [
        (driver(parked=False), InstallPolicy(), "not parked"),
        (driver(soc_percent=12.0), InstallPolicy(), "12 % is below 30 %"),
        (driver(charge_planned=True), InstallPolicy(), "charge is planned"),
        (driver(driver_consented=False), InstallPolicy(), "consent"),
        (READY, InstallPolicy(consent=Consent.DOWNLOAD_ONLY), "download-only"),
    ],
)
def test_each_condition_blocks_installation(
    conditions: VehicleConditions, policy: InstallPolicy, reason: str
) -> None:
    assert any(reason in r for r in install_blockers(policy, conditions))


def test_forced_campaign_needs_no_consent_but_still_needs_park() -> None:
    forced = InstallPolicy(consent=Consent.FORCED)

    assert install_blockers(forced, VehicleConditions(parked=True, soc_percent=50)) == []
    assert install_blockers(forced, VehicleConditions(parked=False, soc_percent=50)) != []


def test_out_of_range_soc_is_an_error_not_a_clamp() -> None:
    with pytest.raises(OtaError, match="120"):
        VehicleConditions(parked=True, soc_percent=120)


def test_primary_defers_installation_while_driving_and_installs_once_parked(
    backend: OtaBackend, car: Primary
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    driving = VehicleConditions(parked=False, soc_percent=70, driver_consented=True)

    deferred = car.update(driving)
    parked = car.update(READY)

    assert deferred.deferred == ["vehicle is not parked"] and deferred.outcomes == {}
    assert car.ecus["bms-0001"].slots.active is not None
    assert parked.outcomes == {"bms-0001": BootOutcome.COMMITTED}
