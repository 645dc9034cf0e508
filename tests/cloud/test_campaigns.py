"""Campaign rollout: stages, thresholds, pause, stop, cancel, maintenance windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evtwin.cloud import Campaign, CampaignSpec, CampaignState, VehicleOutcome
from evtwin.errors import OtaError

NOON = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
VINS = [f"SALDS27A1RA{i:06d}" for i in range(100)]


def spec(**changes: object) -> CampaignSpec:
    base: dict[str, object] = {"name": "bms-2-1", "images": {"ds-bms-r2": "bms-2.1.0.img"}}
    return CampaignSpec(**{**base, **changes})  # type: ignore[arg-type]


def offered(c: Campaign, now: datetime = NOON) -> list[str]:
    return [v for v in VINS if c.offered_to(v, now)]


def test_nothing_is_offered_before_start() -> None:
    assert offered(Campaign.create(spec(), VINS)) == []


def test_stages_widen_only_after_every_offered_car_succeeded() -> None:
    c = Campaign.create(spec(stages_percent=(10.0, 50.0, 100.0)), VINS)
    c.start()

    first = offered(c)
    assert len(first) == 10
    for vin in first[:-1]:
        c.report(vin, VehicleOutcome.SUCCEEDED)
    assert c.stage == 0  # one car still installing
    c.report(first[-1], VehicleOutcome.SUCCEEDED)

    assert c.stage == 1
    second = offered(c)
    assert len(second) == 40 and not set(second) & set(first)  # the next 40 of 50 %


def test_a_full_rollout_completes() -> None:
    c = Campaign.create(spec(stages_percent=(50.0, 100.0)), VINS)
    c.start()
    for _ in range(2):
        for vin in offered(c):
            c.report(vin, VehicleOutcome.SUCCEEDED)

    assert c.state is CampaignState.COMPLETED
    assert c.status()["vehicles"]["succeeded"] == 100


def test_too_many_failures_pause_the_campaign_by_itself() -> None:
    c = Campaign.create(spec(stages_percent=(10.0, 100.0), max_failure_ratio=0.1), VINS)
    c.start()
    first = offered(c)
    c.report(first[0], VehicleOutcome.FAILED)
    assert c.state is CampaignState.RUNNING  # 1 of 10 is not above 10 %
    c.report(first[1], VehicleOutcome.FAILED)

    assert c.state is CampaignState.PAUSED
    assert "2 of 10" in c.pause_reason
    assert offered(c) == first[2:]  # pending offers stand, nobody new is offered


def test_emergency_stop_withdraws_pending_offers() -> None:
    c = Campaign.create(spec(), VINS)
    c.start()
    assert offered(c)

    c.stop()

    assert offered(c) == []
    with pytest.raises(OtaError, match="cannot go to running"):
        c.resume()


def test_cancel_and_illegal_moves() -> None:
    c = Campaign.create(spec(), VINS)
    with pytest.raises(OtaError):
        c.pause()
    c.cancel()
    assert c.state is CampaignState.CANCELLED and offered(c) == []


def test_maintenance_window_wrapping_midnight() -> None:
    c = Campaign.create(spec(window_utc_hours=(22, 5), stages_percent=(100.0,)), VINS)
    c.start()

    assert offered(c, NOON) == []
    assert len(offered(c, NOON.replace(hour=23))) == 100


def test_target_group_by_vin_prefix() -> None:
    c = Campaign.create(spec(vin_prefixes=("SALDS27A1RA00000",)), VINS)

    assert sorted(c.group) == VINS[:10]


@pytest.mark.parametrize(
    "bad",
    [
        {"stages_percent": (50.0, 10.0, 100.0)},
        {"stages_percent": (10.0, 50.0)},
        {"max_failure_ratio": 1.5},
        {"consent": "maybe"},
        {"name": "Bad Name"},
        {"images": {}},
    ],
)
def test_malformed_campaigns_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(OtaError):
        spec(**bad)
