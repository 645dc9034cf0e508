"""The in-process broker: VSS current/target semantics, checks, timestamps, subscriptions."""

from __future__ import annotations

import threading

import pytest

from evtwin.errors import (
    NotAnActuatorError,
    SignalNotAllowedError,
    SignalRangeError,
    SignalTypeError,
    UnknownSignalError,
)
from evtwin.runtime import ManualClock
from evtwin.signals import Broker, Datapoint, Field, SignalUpdate

SPEED = "Vehicle.Speed"
CABIN_TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
CHARGE_LIMIT = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"


def test_unpublished_signal_has_no_value(broker: Broker) -> None:
    assert broker.get(SPEED) is None


def test_published_value_is_read_back_with_the_clock_timestamp(
    broker: Broker, clock: ManualClock
) -> None:
    clock.advance(5.0)
    broker.set_current(SPEED, 42.5)
    assert broker.get(SPEED) == Datapoint(value=42.5, timestamp_s=clock.now_s())


def test_explicit_timestamp_is_kept(broker: Broker) -> None:
    broker.set_current(SPEED, 10.0, timestamp_s=123.0)
    dp = broker.get(SPEED)
    assert dp is not None
    assert dp.timestamp_s == 123.0


def test_catalogue_defaults_are_current_values_at_start(broker: Broker) -> None:
    major = broker.get("Vehicle.VersionVSS.Major")
    limit = broker.get(CHARGE_LIMIT)
    assert major is not None and major.value == 6
    assert limit is not None and limit.value == 100


def test_actuator_target_is_separate_from_its_current_value(broker: Broker) -> None:
    broker.set_current(CABIN_TEMP, 18.0)
    broker.set_target(CABIN_TEMP, 21.5)
    current, target = broker.get(CABIN_TEMP), broker.get_target(CABIN_TEMP)
    assert current is not None and current.value == 18.0
    assert target is not None and target.value == 21.5


def test_setting_a_sensor_target_is_rejected(broker: Broker) -> None:
    with pytest.raises(NotAnActuatorError, match=r"Vehicle\.Speed.*sensor"):
        broker.set_target(SPEED, 50.0)


def test_reading_a_sensor_target_is_rejected(broker: Broker) -> None:
    with pytest.raises(NotAnActuatorError):
        broker.get_target(SPEED)


def test_setting_an_attribute_target_is_rejected(broker: Broker) -> None:
    with pytest.raises(NotAnActuatorError, match="attribute"):
        broker.set_target("Vehicle.VersionVSS.Major", 7)


def test_unknown_path_is_rejected(broker: Broker) -> None:
    with pytest.raises(UnknownSignalError):
        broker.set_current("Vehicle.Warp.Factor", 9.0)
    with pytest.raises(UnknownSignalError):
        broker.get("Vehicle.Warp.Factor")


def test_bad_value_is_rejected_and_never_clamped(broker: Broker) -> None:
    broker.set_target(CHARGE_LIMIT, 80)
    with pytest.raises(SignalRangeError):
        broker.set_target(CHARGE_LIMIT, 101)
    with pytest.raises(SignalTypeError):
        broker.set_target(CHARGE_LIMIT, "full")
    target = broker.get_target(CHARGE_LIMIT)
    assert target is not None and target.value == 80


def test_batch_update_is_all_or_nothing(broker: Broker) -> None:
    with pytest.raises(SignalNotAllowedError):
        broker.update(
            [
                (SPEED, Field.VALUE, 30.0),
                ("Vehicle.TerrainResponse.Mode", Field.TARGET, "LUDICROUS"),
            ]
        )
    assert broker.get(SPEED) is None


def test_list_metadata_of_a_branch(broker: Broker) -> None:
    paths = {m.path for m in broker.list_metadata("Vehicle.TerrainResponse")}
    assert "Vehicle.TerrainResponse.Mode" in paths
    assert "Vehicle.TerrainResponse.Wading.MaxDepth" in paths


# -- subscriptions -------------------------------------------------------------------------------
def test_subscription_starts_with_current_values(broker: Broker) -> None:
    broker.set_current(SPEED, 12.0)
    with broker.subscribe([SPEED, SOC]) as sub:
        batch = sub.next_batch(timeout_s=0)
    by_path = {u.path: u.datapoint for u in batch}
    assert by_path[SPEED] is not None and by_path[SPEED].value == 12.0
    assert by_path[SOC] is None


def test_subscriber_receives_changes(broker: Broker) -> None:
    with broker.subscribe(SPEED, initial=False) as sub:
        broker.set_current(SPEED, 12.0)
        (update,) = sub.next_batch(timeout_s=0)
    assert update.path == SPEED and update.field is Field.VALUE
    assert update.datapoint is not None and update.datapoint.value == 12.0


def test_unchanged_current_value_is_not_notified_again(broker: Broker) -> None:
    broker.set_current(SPEED, 12.0)
    with broker.subscribe(SPEED, initial=False) as sub:
        broker.set_current(SPEED, 12.0)
        assert sub.next_batch(timeout_s=0) == []


def test_every_actuation_request_is_notified(broker: Broker) -> None:
    with broker.subscribe(CABIN_TEMP, fields=[Field.TARGET], initial=False) as sub:
        broker.set_target(CABIN_TEMP, 21.0)
        first = sub.next_batch(timeout_s=0)
        broker.set_target(CABIN_TEMP, 21.0)
        second = sub.next_batch(timeout_s=0)
    assert [u.field for u in first + second] == [Field.TARGET, Field.TARGET]


def test_target_subscription_ignores_sensors(broker: Broker) -> None:
    keys = broker.resolve([SPEED, CABIN_TEMP], fields=[Field.TARGET])
    assert keys == {(CABIN_TEMP, Field.TARGET)}


def test_slow_subscriber_gets_the_latest_value_and_never_blocks_the_publisher(
    broker: Broker,
) -> None:
    with broker.subscribe([SPEED, SOC], initial=False) as slow:
        for i in range(10_000):  # the subscriber reads nothing meanwhile
            broker.set_current(SPEED, float(i))
            broker.set_current(SOC, (i % 1000) / 10)
        batch = slow.next_batch(timeout_s=0)
    latest = {u.path: u.datapoint.value for u in batch if u.datapoint is not None}
    assert latest == {SPEED: 9999.0, SOC: 99.9}
    assert slow.dropped == 2 * 10_000 - 2


def test_pending_updates_are_bounded(broker: Broker) -> None:
    paths = [m.path for m in broker.list_metadata("Vehicle.Cabin.HVAC.Station.*.*.FanSpeed")]
    with broker.subscribe(paths, initial=False, max_pending=2) as sub:
        for path in paths:
            broker.set_current(path, 50)
        batch = sub.next_batch(timeout_s=0)
    assert [u.path for u in batch] == paths[-2:]
    assert sub.dropped == len(paths) - 2


def test_closed_subscription_receives_nothing(broker: Broker) -> None:
    sub = broker.subscribe(SPEED, initial=False)
    sub.close()
    broker.set_current(SPEED, 1.0)
    assert sub.next_batch(timeout_s=0) == []
    assert list(sub) == []


def test_iterating_a_subscription_ends_when_it_is_closed(broker: Broker) -> None:
    sub = broker.subscribe(SPEED, initial=False)
    received: list[list[SignalUpdate]] = []

    def consume() -> None:
        for batch in sub:
            received.append(batch)
            sub.close()

    reader = threading.Thread(target=consume)
    reader.start()
    broker.set_current(SPEED, 3.0)
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert received[0][0].datapoint == broker.get(SPEED)


def test_concurrent_publishers_leave_consistent_values(broker: Broker) -> None:
    paths = [m.path for m in broker.list_metadata("Vehicle.Cabin.HVAC.Station.*.*.Temperature")]

    def publish(path: str) -> None:
        for i in range(200):
            broker.set_current(path, float(15 + i % 10))

    threads = [threading.Thread(target=publish, args=(p,)) for p in paths]
    with broker.subscribe(paths, initial=False) as sub:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        batch = sub.next_batch(timeout_s=0)
    assert {u.path for u in batch} == set(paths)
    assert all(u.datapoint is not None and u.datapoint.value == 15 + 199 % 10 for u in batch)


def test_asyncio_consumer_receives_batches_without_blocking_its_loop(broker: Broker) -> None:
    import asyncio

    async def consume() -> list[object]:
        seen: list[object] = []
        sub = broker.subscribe(SPEED, initial=False)
        publisher = threading.Thread(
            target=lambda: [broker.set_current(SPEED, float(v)) for v in (1, 2, 3)]
        )

        async def reader() -> None:
            async for batch in sub.batches():
                seen.extend(u.datapoint.value for u in batch if u.datapoint is not None)
                if seen and seen[-1] == 3.0:
                    sub.close()

        task = asyncio.create_task(reader())
        await asyncio.sleep(0)  # the reader is now waiting on the loop, not on a thread
        publisher.start()
        await asyncio.wait_for(task, timeout=10)
        publisher.join()
        return seen

    seen = asyncio.run(consume())
    assert seen[-1] == 3.0
    assert seen == [v for v in (1.0, 2.0, 3.0) if v in seen]
