"""Online metadata is re-signed before it expires; offline metadata never is, by the server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from evtwin.errors import OtaKeyError, OtaMetadataError
from evtwin.ota import BootOutcome, ManualClock, OtaBackend, Primary, RefreshPolicy

from .support import check_in, image, release

BMS = "bms-0001"
IMAGE_ONLINE = ("snapshot", "timestamp")
HALF = RefreshPolicy()


def versions(md_owner: object) -> dict[str, tuple[int, object]]:
    return {
        role: (getattr(md_owner, f"{role}_md").signed.version,
               getattr(md_owner, f"{role}_md").signed.expires)
        for role in ("root", "targets", "snapshot", "timestamp")
    }  # fmt: skip


def test_timestamp_is_resigned_only_once_less_than_half_its_lifetime_is_left(
    backend: OtaBackend, clock: ManualClock
) -> None:
    repo = backend.image_repo
    before = repo.timestamp_md.signed
    old_version, old_expires = before.version, before.expires

    clock.advance(timedelta(hours=11))  # 13 h of 24 left
    assert repo.refresh_online(IMAGE_ONLINE, HALF) == ()
    clock.advance(timedelta(hours=2))  # 11 h left
    assert repo.refresh_online(IMAGE_ONLINE, HALF) == ("timestamp",)

    after = repo.timestamp_md.signed
    assert after.version == old_version + 1
    assert after.expires == (clock.now() + timedelta(days=1)).replace(microsecond=0)
    assert after.expires > old_expires
    assert backend.store.get("image/metadata/timestamp.json") == repo.role_bytes("timestamp")


def test_a_due_snapshot_is_resigned_with_a_timestamp_over_it(
    backend: OtaBackend, clock: ManualClock
) -> None:
    repo = backend.image_repo
    snapshot_version = repo.snapshot_md.signed.version

    clock.advance(timedelta(days=4))  # 3 of 7 days left: under half

    assert repo.refresh_online(IMAGE_ONLINE, HALF) == ("snapshot", "timestamp")
    assert repo.snapshot_md.signed.version == snapshot_version + 1
    assert repo.timestamp_md.signed.snapshot_meta.version == snapshot_version + 1
    assert backend.store.get(f"image/metadata/{snapshot_version + 1}.snapshot.json") is not None


def test_offline_roles_of_the_image_repository_are_never_resigned(
    backend: OtaBackend, clock: ManualClock
) -> None:
    repo = backend.image_repo
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    before = versions(repo)
    root_bytes, targets_bytes = repo.role_bytes("root"), repo.role_bytes("targets")

    clock.advance(timedelta(days=80))  # targets (90 days) has 10 left: near expiry
    repo.refresh_online(IMAGE_ONLINE, HALF)

    after = versions(repo)
    assert after["root"] == before["root"] and after["targets"] == before["targets"]
    assert repo.role_bytes("root") == root_bytes and repo.role_bytes("targets") == targets_bytes
    assert after["timestamp"][0] > before["timestamp"][0]
    assert repo.due_roles(("root", "targets"), HALF) == ["targets"]  # what the server warns of


def test_root_is_not_an_online_role_to_refresh(backend: OtaBackend) -> None:
    with pytest.raises(OtaKeyError, match="root"):
        backend.image_repo.refresh_online(("root", "timestamp"), HALF)


def test_director_refreshes_each_vehicle_s_online_roles_but_never_its_root(
    backend: OtaBackend, car: Primary, clock: ManualClock
) -> None:
    repo = backend.director.vehicle_repo(car.vin)
    before = versions(repo)

    clock.advance(timedelta(days=50))  # Director targets: 40 of 90 days left
    done = backend.director.refresh_due(HALF)

    after = versions(repo)
    assert done == {car.vin: ("targets", "snapshot", "timestamp")}
    assert after["root"] == before["root"]
    for role in ("targets", "snapshot", "timestamp"):
        assert after[role][0] == before[role][0] + 1
        assert after[role][1] > before[role][1]  # type: ignore[operator]
    assert backend.director.refresh_due(HALF) == {}  # nothing due right after
    assert backend.director.offline_due(HALF) == {}  # root: 315 of 365 days left


def test_a_fixed_margin_replaces_the_fraction(backend: OtaBackend, clock: ManualClock) -> None:
    six_hours = RefreshPolicy(margin=timedelta(hours=6))
    clock.advance(timedelta(hours=17))  # 7 h left

    assert backend.image_repo.refresh_online(IMAGE_ONLINE, six_hours) == ()
    clock.advance(timedelta(hours=2))
    assert backend.image_repo.refresh_online(IMAGE_ONLINE, six_hours) == ("timestamp",)


@pytest.mark.parametrize(("fraction", "margin"), [(0.0, None), (1.0, None), (0.5, timedelta(0))])
def test_a_refresh_policy_out_of_range_is_refused(
    fraction: float, margin: timedelta | None
) -> None:
    with pytest.raises(OtaMetadataError, match="refresh"):
        RefreshPolicy(fraction=fraction, margin=margin)


def test_a_long_parked_car_installs_once_a_live_server_refreshed_its_online_roles(
    backend: OtaBackend, car: Primary, clock: ManualClock
) -> None:
    release(backend, "bms-1.0.0.img", image("bms 1.0.0"), "ds-bms-r2", 1)
    check_in(backend, car)
    clock.advance(timedelta(days=40))  # timestamps (1 day) and snapshots (7 days) expired
    with pytest.raises(OtaMetadataError, match="ExpiredMetadataError"):
        car.update()  # nothing re-signed yet: the freeze defence holds

    backend.image_repo.refresh_online(IMAGE_ONLINE, HALF)
    backend.director.refresh_due(HALF)
    report = car.update()

    assert report.outcomes == {BMS: BootOutcome.COMMITTED}, report.errors
