"""The ``kuksa.val.v2`` API, driven by the real ``kuksa-client`` as an external client.

``VSSClient`` uses v2 to publish current values (PublishValue), to subscribe to current
values (Subscribe) and to follow actuation requests as a provider (OpenProviderStream); the
raw v2 stubs shipped in kuksa-client cover the rest (GetValue(s), Actuate, BatchActuate,
ListMetadata) and the error codes.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator

import grpc
import pytest
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2
from kuksa_client.grpc import Datapoint, VSSClient, VSSClientError

from evtwin.signals import Broker

SPEED = "Vehicle.Speed"
CABIN_TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
CHARGE_LIMIT = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"
START_STOP = "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging"
STREAM_TIMEOUT_S = 10  # guards a broken stream from hanging the suite; not an assertion


def path(p: str) -> types_v2.SignalID:
    return types_v2.SignalID(path=p)


def actuate(p: str, **value: object) -> val_v2.ActuateRequest:
    return val_v2.ActuateRequest(signal_id=path(p), value=types_v2.Value(**value))


def code_of(call: object) -> grpc.StatusCode:
    assert callable(call)
    with pytest.raises(grpc.RpcError) as exc:
        call()
    return exc.value.code()


def test_server_info(v2: val_grpc_v2.VALStub) -> None:
    assert v2.GetServerInfo(val_v2.GetServerInfoRequest()).name == "evtwin"


def test_get_value(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    broker.set_current(SPEED, 64.0)
    response = v2.GetValue(val_v2.GetValueRequest(signal_id=path(SPEED)))
    assert response.data_point.value.float == 64.0


def test_get_value_of_an_unpublished_signal_has_no_value(v2: val_grpc_v2.VALStub) -> None:
    response = v2.GetValue(val_v2.GetValueRequest(signal_id=path(SPEED)))
    assert response.data_point.value.WhichOneof("typed_value") is None


def test_get_values_by_path_and_id(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    broker.set_current(SPEED, 30.0)
    limit_id = broker.metadata(CHARGE_LIMIT).id
    request = val_v2.GetValuesRequest(signal_ids=[path(SPEED), types_v2.SignalID(id=limit_id)])
    points = v2.GetValues(request).data_points
    assert [points[0].value.float, points[1].value.uint32] == [30.0, 100]


def test_unknown_path_is_not_found(v2: val_grpc_v2.VALStub) -> None:
    request = val_v2.GetValueRequest(signal_id=path("Vehicle.Warp.Factor"))
    assert code_of(lambda: v2.GetValue(request)) == grpc.StatusCode.NOT_FOUND


def test_actuate_sets_the_target(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    v2.Actuate(actuate(CABIN_TEMP, float=19.5))
    target = broker.get_target(CABIN_TEMP)
    assert target is not None and target.value == 19.5


def test_actuating_a_sensor_is_invalid_argument(v2: val_grpc_v2.VALStub) -> None:
    request = actuate(SPEED, float=50.0)
    assert code_of(lambda: v2.Actuate(request)) == grpc.StatusCode.INVALID_ARGUMENT


def test_actuating_an_unknown_path_is_not_found(v2: val_grpc_v2.VALStub) -> None:
    request = actuate("Vehicle.Warp.Factor", float=9.0)
    assert code_of(lambda: v2.Actuate(request)) == grpc.StatusCode.NOT_FOUND


def test_actuating_with_the_wrong_type_is_invalid_argument(v2: val_grpc_v2.VALStub) -> None:
    request = actuate(CABIN_TEMP, string="warm")
    assert code_of(lambda: v2.Actuate(request)) == grpc.StatusCode.INVALID_ARGUMENT


def test_out_of_range_actuation_is_invalid_argument(
    v2: val_grpc_v2.VALStub, broker: Broker
) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        v2.Actuate(actuate(CHARGE_LIMIT, uint32=120))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "120 percent is above the maximum 100 percent" in exc.value.details()
    assert broker.get_target(CHARGE_LIMIT) is None


def test_batch_actuate_applies_all_or_nothing(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    good = actuate(CHARGE_LIMIT, uint32=80)
    bad = actuate(START_STOP, string="PAUSE")
    request = val_v2.BatchActuateRequest(actuate_requests=[good, bad])
    assert code_of(lambda: v2.BatchActuate(request)) == grpc.StatusCode.INVALID_ARGUMENT
    assert broker.get_target(CHARGE_LIMIT) is None
    v2.BatchActuate(val_v2.BatchActuateRequest(actuate_requests=[good]))
    target = broker.get_target(CHARGE_LIMIT)
    assert target is not None and target.value == 80


def test_publish_value_sets_the_current_value(client: VSSClient, broker: Broker) -> None:
    client.set_current_values({SPEED: Datapoint(72.0)})  # v2 PublishValue underneath
    current = broker.get(SPEED)
    assert current is not None and current.value == 72.0


def test_publishing_an_out_of_range_value_is_invalid_argument(client: VSSClient) -> None:
    with pytest.raises(VSSClientError) as exc:
        client.set_current_values(
            {"Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": Datapoint(101.0)}
        )
    assert exc.value.error["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_publishing_the_wrong_type_is_invalid_argument(v2: val_grpc_v2.VALStub) -> None:
    data_point = types_v2.Datapoint(value=types_v2.Value(bool=True))
    request = val_v2.PublishValueRequest(signal_id=path(SPEED), data_point=data_point)
    assert code_of(lambda: v2.PublishValue(request)) == grpc.StatusCode.INVALID_ARGUMENT


def test_list_metadata_of_a_branch(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    response = v2.ListMetadata(val_v2.ListMetadataRequest(root="Vehicle.TerrainResponse"))
    by_path = {m.path: m for m in response.metadata}
    mode = by_path["Vehicle.TerrainResponse.Mode"]
    assert mode.id == broker.metadata("Vehicle.TerrainResponse.Mode").id
    assert mode.entry_type == types_v2.ENTRY_TYPE_ACTUATOR
    assert mode.data_type == types_v2.DATA_TYPE_STRING
    assert "WADE" in mode.allowed_values.string_array.values


def test_list_metadata_carries_unit_and_range(v2: val_grpc_v2.VALStub) -> None:
    (meta,) = v2.ListMetadata(val_v2.ListMetadataRequest(root=CHARGE_LIMIT)).metadata
    assert (meta.unit, meta.min.uint32, meta.max.uint32) == ("percent", 0, 100)


def test_list_metadata_of_an_unknown_branch_is_not_found(v2: val_grpc_v2.VALStub) -> None:
    request = val_v2.ListMetadataRequest(root="Vehicle.Warp")
    assert code_of(lambda: v2.ListMetadata(request)) == grpc.StatusCode.NOT_FOUND


def test_list_metadata_with_a_bad_pattern_is_invalid_argument(v2: val_grpc_v2.VALStub) -> None:
    request = val_v2.ListMetadataRequest(root="Vehicle..Speed")
    assert code_of(lambda: v2.ListMetadata(request)) == grpc.StatusCode.INVALID_ARGUMENT


def test_subscribe_streams_current_values(client: VSSClient, broker: Broker) -> None:
    stream = client.subscribe_current_values([SPEED, CHARGE_LIMIT], timeout=STREAM_TIMEOUT_S)
    first = next(stream)
    broker.set_current(SPEED, 33.0)
    second = next(stream)
    stream.close()
    assert first[SPEED].value is None  # not published yet
    assert first[CHARGE_LIMIT].value == 100
    assert second[SPEED].value == 33.0


def test_subscribe_to_an_unknown_path_is_not_found(client: VSSClient) -> None:
    stream = client.subscribe_current_values(["Vehicle.Warp.Factor"], timeout=STREAM_TIMEOUT_S)
    with pytest.raises(VSSClientError) as exc:
        next(stream)
    assert exc.value.error["code"] == grpc.StatusCode.NOT_FOUND.value[0]


def test_subscribe_buffer_size_over_1000_is_invalid_argument(v2: val_grpc_v2.VALStub) -> None:
    request = val_v2.SubscribeRequest(signal_paths=[SPEED], buffer_size=1001)
    stream = v2.Subscribe(request, timeout=STREAM_TIMEOUT_S)
    assert code_of(lambda: next(stream)) == grpc.StatusCode.INVALID_ARGUMENT


def test_subscribe_by_id(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    speed_id = broker.metadata(SPEED).id
    request = val_v2.SubscribeByIdRequest(signal_ids=[speed_id])
    stream = v2.SubscribeById(request, timeout=STREAM_TIMEOUT_S)
    next(stream)
    broker.set_current(SPEED, 5.0)
    update = next(stream)
    stream.cancel()
    assert update.entries[speed_id].value.float == 5.0


def _requests(inbox: queue.Queue[val_v2.OpenProviderStreamRequest | None]) -> Iterator[object]:
    while (request := inbox.get()) is not None:
        yield request


def test_provider_receives_actuation_requests(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    inbox: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()
    stream = v2.OpenProviderStream(_requests(inbox), timeout=STREAM_TIMEOUT_S)
    claim = val_v2.ProvideActuationRequest(actuator_identifiers=[path(CABIN_TEMP)])
    inbox.put(val_v2.OpenProviderStreamRequest(provide_actuation_request=claim))
    assert next(stream).HasField("provide_actuation_response")
    v2.Actuate(actuate(CABIN_TEMP, float=23.0))
    forwarded = next(stream).batch_actuate_stream_request.actuate_requests
    inbox.put(None)
    stream.cancel()
    assert [(r.signal_id.id, r.value.float) for r in forwarded] == [
        (broker.metadata(CABIN_TEMP).id, 23.0)
    ]


def test_provider_claiming_a_sensor_is_invalid_argument(v2: val_grpc_v2.VALStub) -> None:
    claim = val_v2.ProvideActuationRequest(actuator_identifiers=[path(SPEED)])
    requests = iter([val_v2.OpenProviderStreamRequest(provide_actuation_request=claim)])
    stream = v2.OpenProviderStream(requests, timeout=STREAM_TIMEOUT_S)
    assert code_of(lambda: next(stream)) == grpc.StatusCode.INVALID_ARGUMENT


def test_provider_publishes_values_by_id(v2: val_grpc_v2.VALStub, broker: Broker) -> None:
    speed_id = broker.metadata(SPEED).id
    bad_id = broker.metadata(CHARGE_LIMIT).id
    publish = val_v2.PublishValuesRequest(
        request_id=7,
        data_points={
            speed_id: types_v2.Datapoint(value=types_v2.Value(float=12.0)),
            bad_id: types_v2.Datapoint(value=types_v2.Value(uint32=250)),
        },
    )
    requests = iter([val_v2.OpenProviderStreamRequest(publish_values_request=publish)])
    (response,) = list(v2.OpenProviderStream(requests, timeout=STREAM_TIMEOUT_S))
    status = response.publish_values_response.status
    assert list(status) == [bad_id]
    assert status[bad_id].code == types_v2.ERROR_CODE_INVALID_ARGUMENT
    current = broker.get(SPEED)
    assert current is not None and current.value == 12.0


def test_kuksa_client_follows_target_values_as_a_provider(
    client: VSSClient, broker: Broker
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    stream = client.subscribe_target_values([CABIN_TEMP], timeout=STREAM_TIMEOUT_S)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(next, stream)
        # The client does not say when its claim is registered: actuate until it hears one.
        for _ in range(200):
            broker.set_target(CABIN_TEMP, 20.5)
            try:
                updates = first.result(timeout=0.05)
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("kuksa-client never received the actuation request")
    stream.close()
    assert updates[CABIN_TEMP].value == 20.5


@pytest.mark.parametrize(
    "bad_call",
    [
        lambda v2: v2.Actuate(val_v2.ActuateRequest()),  # no signal
        lambda v2: v2.Actuate(val_v2.ActuateRequest(signal_id=path(CABIN_TEMP))),  # no value
        lambda v2: v2.GetValue(val_v2.GetValueRequest(signal_id=types_v2.SignalID())),
        lambda v2: v2.GetValue(val_v2.GetValueRequest(signal_id=path("x" * 1001))),
        lambda v2: next(v2.Subscribe(val_v2.SubscribeRequest(), timeout=STREAM_TIMEOUT_S)),
        lambda v2: v2.PublishValue(val_v2.PublishValueRequest(signal_id=path(SPEED))),
    ],
    ids=["no-signal", "no-value", "empty-id", "path-too-long", "empty-subscribe", "no-datapoint"],
)
def test_malformed_requests_are_invalid_argument_and_the_car_keeps_running(
    v2: val_grpc_v2.VALStub, broker: Broker, bad_call: object
) -> None:
    assert callable(bad_call)
    assert code_of(lambda: bad_call(v2)) == grpc.StatusCode.INVALID_ARGUMENT
    broker.set_current(SPEED, 1.0)
    assert v2.GetValue(val_v2.GetValueRequest(signal_id=path(SPEED))).data_point.value.float == 1.0


def test_unknown_id_is_not_found(v2: val_grpc_v2.VALStub) -> None:
    request = val_v2.GetValueRequest(signal_id=types_v2.SignalID(id=99_999))
    assert code_of(lambda: v2.GetValue(request)) == grpc.StatusCode.NOT_FOUND


def test_a_second_provider_for_the_same_actuator_is_already_exists(
    v2: val_grpc_v2.VALStub,
) -> None:
    inbox: queue.Queue[val_v2.OpenProviderStreamRequest | None] = queue.Queue()
    first = v2.OpenProviderStream(_requests(inbox), timeout=STREAM_TIMEOUT_S)
    claim = val_v2.ProvideActuationRequest(actuator_identifiers=[path(CABIN_TEMP)])
    inbox.put(val_v2.OpenProviderStreamRequest(provide_actuation_request=claim))
    assert next(first).HasField("provide_actuation_response")
    again = iter([val_v2.OpenProviderStreamRequest(provide_actuation_request=claim)])
    second = v2.OpenProviderStream(again, timeout=STREAM_TIMEOUT_S)
    assert code_of(lambda: next(second)) == grpc.StatusCode.ALREADY_EXISTS
    inbox.put(None)
    first.cancel()
