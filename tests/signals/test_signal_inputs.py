"""Issue 14 over real gRPC with the unmodified kuksa-client: metadata subscriptions answer,
the car's limits are in the metadata and enforced, a ready-by time must be a time, the car
says why it did not start charging, and only the twin writes the sensors it simulates."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc as val_grpc_v1
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2
from kuksa_client.grpc import Datapoint, VSSClient, VSSClientError

from evtwin.runtime import ManualClock, Twin, World, build_twin
from evtwin.signals import SignalServer

SET_POINT = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
READY_BY = "Vehicle.Powertrain.TractionBattery.Charging.Plan.ReadyByTime"
START_STOP = "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging"
REFUSAL = "Vehicle.Powertrain.TractionBattery.Charging.RefusalReason"
SPEED = "Vehicle.Speed"


@pytest.fixture
def twin() -> Iterator[Twin]:
    t = build_twin(ManualClock(1_800_000_000.0), world=World(), reference_wh_per_km=lambda: 180.0)
    t.host.step()
    yield t
    t.close()


@pytest.fixture
def server(twin: Twin) -> Iterator[SignalServer]:
    with SignalServer(twin.broker, port=0) as s:
        yield s


@pytest.fixture
def client(server: SignalServer) -> Iterator[VSSClient]:
    with VSSClient("127.0.0.1", server.port) as c:
        yield c


@pytest.fixture
def channel(server: SignalServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as ch:
        yield ch


def _first_within(iterator: Iterator[Any], timeout_s: float = 10.0) -> Any:
    """The first item of a (blocking) stream, or fail instead of hanging."""
    box: list[Any] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            box.append(next(iterator))
        except BaseException as e:  # handed to the test thread
            errors.append(e)

    t = threading.Thread(target=take, daemon=True)
    t.start()
    t.join(timeout_s)
    if errors:
        raise errors[0]
    assert box, f"no answer within {timeout_s} s"
    return box[0]


def test_subscribe_metadata_answers_with_the_metadata(client: VSSClient) -> None:
    updates = _first_within(iter(client.subscribe_metadata([SET_POINT, SPEED])))
    assert set(updates) == {SET_POINT, SPEED}
    assert updates[SPEED].unit == "km/h"
    assert updates[SET_POINT].value_restriction.min == 15.0
    assert updates[SET_POINT].value_restriction.max == 28.0


def test_subscribe_metadata_of_an_unknown_path_is_not_found(client: VSSClient) -> None:
    with pytest.raises(VSSClientError) as e:
        _first_within(iter(client.subscribe_metadata(["Vehicle.NoSuchThing"])))
    assert e.value.error["code"] == grpc.StatusCode.NOT_FOUND.value[0]


def test_set_point_limits_are_in_the_metadata_v1_and_v2(
    client: VSSClient, channel: grpc.Channel
) -> None:
    md = client.get_metadata([SET_POINT])[SET_POINT]
    assert (md.value_restriction.min, md.value_restriction.max) == (15.0, 28.0)
    v2 = val_grpc_v2.VALStub(channel)
    listed = v2.ListMetadata(val_v2.ListMetadataRequest(root=SET_POINT)).metadata[0]
    assert (listed.min.float, listed.max.float) == (15.0, 28.0)


@pytest.mark.parametrize("value", [99.0, -300.0, 14.9, 28.1])
def test_an_out_of_range_set_point_is_refused_with_the_limit(
    client: VSSClient, twin: Twin, value: float
) -> None:
    with pytest.raises(VSSClientError) as e:
        client.set_target_values({SET_POINT: Datapoint(value)})
    assert "min/max" in str(e.value.error) or "maximum" in str(e.value) or "minimum" in str(e.value)
    assert twin.broker.get_target(SET_POINT) is None


def test_an_out_of_range_set_point_over_v2_is_invalid_argument(channel: grpc.Channel) -> None:
    v2 = val_grpc_v2.VALStub(channel)
    with pytest.raises(grpc.RpcError) as e:
        v2.Actuate(
            val_v2.ActuateRequest(
                signal_id=types_v2.SignalID(path=SET_POINT), value=types_v2.Value(float=99.0)
            )
        )
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "above the maximum 28.0 Celsius" in (e.value.details() or "")


def test_a_set_point_inside_the_limits_takes_effect(client: VSSClient, twin: Twin) -> None:
    client.set_target_values({SET_POINT: Datapoint(24.0)})
    twin.advance(2)
    assert client.get_current_values([SET_POINT])[SET_POINT].value == 24.0


def test_a_ready_by_time_that_is_not_a_time_is_refused(client: VSSClient, twin: Twin) -> None:
    with pytest.raises(VSSClientError) as e:
        client.set_target_values({READY_BY: Datapoint("not-a-time")})
    assert "ISO 8601" in str(e.value)
    client.set_target_values({READY_BY: Datapoint("2027-01-16T07:30:00Z")})
    client.set_target_values({READY_BY: Datapoint("")})  # empty: no ready-by time


def test_start_charging_without_a_cable_publishes_why(client: VSSClient, twin: Twin) -> None:
    assert client.get_current_values([REFUSAL])[REFUSAL].value == ""
    client.set_target_values({START_STOP: Datapoint("START")})
    twin.advance(2)
    values = client.get_current_values([REFUSAL, START_STOP])
    assert values[REFUSAL].value == "no charging cable connected"
    assert values[START_STOP].value == "STOP"


def test_a_client_cannot_overwrite_a_simulated_sensor_v1(
    client: VSSClient, channel: grpc.Channel, twin: Twin
) -> None:
    with pytest.raises(VSSClientError) as e:
        client.set_current_values({SPEED: Datapoint(-5000.0)})
    assert e.value.error["code"] == grpc.StatusCode.PERMISSION_DENIED.value[0]
    raw = val_grpc_v1.VALStub(channel)
    with pytest.raises(grpc.RpcError) as r:
        raw.Set(
            val_v1.SetRequest(
                updates=[
                    val_v1.EntryUpdate(
                        entry=types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(float=12.0)),
                        fields=[types_v1.FIELD_VALUE],
                    )
                ]
            )
        )
    assert r.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert twin.broker.get(SPEED).value == 0.0


def test_a_client_cannot_publish_a_simulated_sensor_v2(channel: grpc.Channel, twin: Twin) -> None:
    v2 = val_grpc_v2.VALStub(channel)
    with pytest.raises(grpc.RpcError) as e:
        v2.PublishValue(
            val_v2.PublishValueRequest(
                signal_id=types_v2.SignalID(path=SPEED),
                data_point=types_v2.Datapoint(value=types_v2.Value(float=-5000.0)),
            )
        )
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "provided by evtwin" in (e.value.details() or "")
    assert twin.broker.get(SPEED).value == 0.0


def test_a_provider_cannot_claim_a_sensor_the_twin_simulates(
    channel: grpc.Channel, twin: Twin
) -> None:
    v2 = val_grpc_v2.VALStub(channel)
    speed_id = twin.broker.metadata(SPEED).id
    request = val_v2.OpenProviderStreamRequest(
        provide_signal_request=val_v2.ProvideSignalRequest(
            signals_sample_intervals={speed_id: types_v2.SampleInterval(interval_ms=0)}
        )
    )
    stream = v2.OpenProviderStream(iter([request]), timeout=10)
    with pytest.raises(grpc.RpcError) as e:
        list(stream)
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_a_provider_publishes_a_signal_it_claimed(channel: grpc.Channel, twin: Twin) -> None:
    """An unclaimed sensor (not simulated by the twin) can be claimed and published."""
    path = "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen"
    signal_id = twin.broker.metadata(path).id
    v2 = val_grpc_v2.VALStub(channel)
    done = threading.Event()

    def requests() -> Iterator[Any]:
        yield val_v2.OpenProviderStreamRequest(
            provide_signal_request=val_v2.ProvideSignalRequest(
                signals_sample_intervals={signal_id: types_v2.SampleInterval(interval_ms=0)}
            )
        )
        yield val_v2.OpenProviderStreamRequest(
            publish_values_request=val_v2.PublishValuesRequest(
                request_id=1,
                data_points={signal_id: types_v2.Datapoint(value=types_v2.Value(bool=True))},
            )
        )
        done.wait(10)

    stream = v2.OpenProviderStream(requests(), timeout=10)
    first = _first_within(stream)
    assert first.HasField("provide_signal_response")
    for _ in range(40):
        dp = twin.broker.get(path)
        if dp is not None and dp.value is True:
            break
        threading.Event().wait(0.05)
    assert twin.broker.get(path) is not None and twin.broker.get(path).value is True
    assert twin.broker.provider_of(path) is not None
    done.set()
