"""The ``kuksa.val.v1`` API, driven by the real ``kuksa-client`` (PyPI) as an external client.

``VSSClient`` uses v1 for get, get-target, metadata and set-target; raw v1 stubs (shipped in
kuksa-client) send what the high-level client refuses to build (a value of the wrong type).
"""

from __future__ import annotations

import grpc
import pytest
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc as val_grpc_v1
from kuksa_client.grpc import (
    Datapoint,
    DataType,
    EntryRequest,
    EntryType,
    Field,
    SubscribeEntry,
    View,
    VSSClient,
    VSSClientError,
)

from evtwin.signals import Broker

SPEED = "Vehicle.Speed"
CABIN_TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
CHARGE_LIMIT = "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"
TERRAIN_MODE = "Vehicle.TerrainResponse.Mode"
STREAM_TIMEOUT_S = 10  # guards a broken stream from hanging the suite; not an assertion


def test_server_info_names_evtwin(client: VSSClient) -> None:
    info = client.get_server_info()
    assert info is not None and info.name == "evtwin"


def test_get_reads_the_current_value(client: VSSClient, broker: Broker) -> None:
    broker.set_current(SPEED, 88.5)
    values = client.get_current_values([SPEED, "Vehicle.VersionVSS.Major"])
    assert values[SPEED].value == 88.5
    assert values["Vehicle.VersionVSS.Major"].value == 6


def test_get_of_an_unpublished_signal_is_none(client: VSSClient) -> None:
    assert client.get_current_values([SPEED])[SPEED] is None


def test_set_target_actuates(client: VSSClient, broker: Broker) -> None:
    client.set_target_values({CABIN_TEMP: Datapoint(21.5)})
    target = broker.get_target(CABIN_TEMP)
    assert target is not None and target.value == 21.5
    assert client.get_target_values([CABIN_TEMP])[CABIN_TEMP].value == 21.5
    assert broker.get(CABIN_TEMP) is None  # the actuator has not acted yet


def test_metadata_has_type_unit_and_range(client: VSSClient) -> None:
    meta = client.get_metadata([CHARGE_LIMIT])[CHARGE_LIMIT]
    assert meta.data_type is DataType.UINT8
    assert meta.entry_type is EntryType.ACTUATOR
    assert meta.unit == "percent"
    assert meta.value_restriction is not None
    assert (meta.value_restriction.min, meta.value_restriction.max) == (0, 100)


def test_metadata_lists_allowed_values(client: VSSClient) -> None:
    meta = client.get_metadata([TERRAIN_MODE])[TERRAIN_MODE]
    assert meta.value_restriction is not None
    assert meta.value_restriction.allowed_values is not None
    assert "ROCK_CRAWL" in meta.value_restriction.allowed_values


def test_branch_get_returns_every_leaf_below(client: VSSClient) -> None:
    entries = client.get([EntryRequest("Vehicle.TerrainResponse.Wading", View.METADATA, ())])
    assert {e.path for e in entries} == {
        "Vehicle.TerrainResponse.Wading.Depth",
        "Vehicle.TerrainResponse.Wading.MaxDepth",
        "Vehicle.TerrainResponse.Wading.IsLimitExceeded",
    }


def test_unknown_path_is_not_found(client: VSSClient) -> None:
    with pytest.raises(VSSClientError) as exc:
        client.get_current_values(["Vehicle.Warp.Factor"])
    assert exc.value.error["code"] == 404
    assert exc.value.errors[0]["path"] == "Vehicle.Warp.Factor"


def test_setting_a_sensor_target_is_invalid_argument(client: VSSClient, broker: Broker) -> None:
    with pytest.raises(VSSClientError) as exc:
        client.set_target_values({SPEED: Datapoint(50.0)})
    assert exc.value.error["reason"] == "invalid argument"
    assert "non-actuator" in exc.value.error["message"]


def test_out_of_range_target_is_rejected_and_not_applied(client: VSSClient, broker: Broker) -> None:
    with pytest.raises(VSSClientError) as exc:
        client.set_target_values({CHARGE_LIMIT: Datapoint(120)})
    (error,) = exc.value.errors
    assert error["error"]["code"] == 400
    assert "120 percent" in error["error"]["message"]
    assert broker.get_target(CHARGE_LIMIT) is None


def test_value_outside_allowed_list_is_rejected(client: VSSClient) -> None:
    with pytest.raises(VSSClientError) as exc:
        client.set_target_values({TERRAIN_MODE: Datapoint("LUDICROUS")})
    assert exc.value.errors[0]["error"]["reason"] == "value out of allowed bounds"


def test_wrong_type_is_a_type_mismatch(v1: val_grpc_v1.VALStub, broker: Broker) -> None:
    entry = types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(string="fast"))
    update = val_v1.EntryUpdate(entry=entry, fields=[types_v1.FIELD_VALUE])
    response = v1.Set(val_v1.SetRequest(updates=[update]))
    (error,) = response.errors
    assert (error.path, error.error.code, error.error.reason) == (SPEED, 400, "type mismatch")
    assert broker.get(SPEED) is None


def test_empty_get_is_invalid_argument(v1: val_grpc_v1.VALStub) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        v1.Get(val_v1.GetRequest())
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_subscribe_streams_current_values(client: VSSClient, broker: Broker) -> None:
    broker.set_current(SPEED, 10.0)
    stream = client.subscribe(
        [SubscribeEntry(SPEED, View.CURRENT_VALUE, (Field.VALUE,))], timeout=STREAM_TIMEOUT_S
    )
    first = next(stream)
    broker.set_current(SPEED, 11.0)
    second = next(stream)
    stream.close()
    assert [u.entry.value.value for u in first] == [10.0]
    assert [u.entry.value.value for u in second] == [11.0]


def test_subscribe_streams_actuation_requests(client: VSSClient, broker: Broker) -> None:
    stream = client.subscribe(
        [SubscribeEntry(CABIN_TEMP, View.TARGET_VALUE, (Field.ACTUATOR_TARGET,))],
        timeout=STREAM_TIMEOUT_S,
    )
    (initial,) = next(stream)
    broker.set_target(CABIN_TEMP, 22.0)
    (update,) = next(stream)
    stream.close()
    assert initial.entry.actuator_target is None
    assert update.entry.actuator_target.value == 22.0


def test_subscribe_to_unknown_path_is_not_found(client: VSSClient) -> None:
    stream = client.subscribe(
        [SubscribeEntry("Vehicle.Warp", View.CURRENT_VALUE, (Field.VALUE,))],
        timeout=STREAM_TIMEOUT_S,
    )
    with pytest.raises(VSSClientError) as exc:
        next(stream)
    assert exc.value.error["reason"] == "not found"


def test_set_without_a_path_is_invalid_argument(v1: val_grpc_v1.VALStub) -> None:
    update = val_v1.EntryUpdate(fields=[types_v1.FIELD_VALUE])
    with pytest.raises(grpc.RpcError) as exc:
        v1.Set(val_v1.SetRequest(updates=[update]))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_streamed_update_reports_errors_per_request(
    v1: val_grpc_v1.VALStub, broker: Broker
) -> None:
    good = types_v1.DataEntry(path=SPEED, value=types_v1.Datapoint(float=20.0))
    bad = types_v1.DataEntry(path="Vehicle.Warp", value=types_v1.Datapoint(float=1.0))
    requests = [
        val_v1.StreamedUpdateRequest(
            updates=[val_v1.EntryUpdate(entry=e, fields=[types_v1.FIELD_VALUE])]
        )
        for e in (good, bad)
    ]
    first, second = v1.StreamedUpdate(iter(requests), timeout=STREAM_TIMEOUT_S)
    assert list(first.errors) == []
    assert [(e.path, e.error.code) for e in second.errors] == [("Vehicle.Warp", 404)]
    current = broker.get(SPEED)
    assert current is not None and current.value == 20.0
