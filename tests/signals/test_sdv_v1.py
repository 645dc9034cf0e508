"""``sdv.databroker.v1.Broker`` (the API Velocitas apps speak) over real gRPC, raw stubs built
from the same descriptors: values, actuation with the car's limits and roles, subscriptions
that send current values first, metadata; plus a seeded property over SetDatapoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evtwin.runtime import ManualClock, Twin, World, build_twin
from evtwin.signals import SignalServer
from evtwin.signals._sdv_proto import SERVICE, messages
from evtwin.signals._sdv_v1 import parse_query

M = messages()
SET_POINT = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"


def _m(name: str) -> Any:
    return M[f"sdv.databroker.v1.{name}"]


@pytest.fixture(scope="module")
def twin() -> Iterator[Twin]:
    t = build_twin(ManualClock(1_800_000_000.0), world=World(), reference_wh_per_km=lambda: 180.0)
    t.host.step()
    yield t
    t.close()


@pytest.fixture(scope="module")
def stub(twin: Twin) -> Iterator[dict[str, Any]]:
    with SignalServer(twin.broker, port=0) as server, grpc.insecure_channel(server.address) as ch:

        def unary(method: str, req: str, rep: str) -> Any:
            return ch.unary_unary(
                f"/{SERVICE}/{method}",
                request_serializer=_m(req).SerializeToString,
                response_deserializer=_m(rep).FromString,
            )

        yield {
            "get": unary("GetDatapoints", "GetDatapointsRequest", "GetDatapointsReply"),
            "set": unary("SetDatapoints", "SetDatapointsRequest", "SetDatapointsReply"),
            "meta": unary("GetMetadata", "GetMetadataRequest", "GetMetadataReply"),
            "sub": ch.unary_stream(
                f"/{SERVICE}/Subscribe",
                request_serializer=_m("SubscribeRequest").SerializeToString,
                response_deserializer=_m("SubscribeReply").FromString,
            ),
        }


def _set(stub: dict[str, Any], **values: Any) -> dict[str, str]:
    req = _m("SetDatapointsRequest")()
    for path, (field, value) in values.items():
        setattr(req.datapoints[path.replace("__", ".")], field, value)
    reply = stub["set"](req, timeout=10)
    enum = _m("Datapoint").DESCRIPTOR.file.pool.FindEnumTypeByName(
        "sdv.databroker.v1.DatapointError"
    )
    return {k: enum.values_by_number[v].name for k, v in reply.errors.items()}


def test_get_datapoints_gives_values_and_names_unknown_ones(stub: dict[str, Any]) -> None:
    reply = stub["get"](
        _m("GetDatapointsRequest")(datapoints=["Vehicle.Speed", SOC, "Vehicle.Nope"]), timeout=10
    )
    assert reply.datapoints["Vehicle.Speed"].float_value == 0.0
    assert reply.datapoints[SOC].float_value == 80.0
    assert reply.datapoints["Vehicle.Nope"].WhichOneof("value") == "failure_value"


def test_set_datapoints_actuates_within_the_limits_and_roles(
    stub: dict[str, Any], twin: Twin
) -> None:
    assert _set(stub, **{SET_POINT.replace(".", "__"): ("float_value", 22.0)}) == {}
    assert twin.broker.get_target(SET_POINT).value == 22.0
    errors = _set(
        stub,
        **{
            SET_POINT.replace(".", "__"): ("float_value", 99.0),
            "Vehicle__Speed": ("float_value", -5000.0),
            "Vehicle__Nope": ("bool_value", True),
        },
    )
    assert errors == {
        SET_POINT: "OUT_OF_BOUNDS",
        "Vehicle.Speed": "ACCESS_DENIED",
        "Vehicle.Nope": "UNKNOWN_DATAPOINT",
    }
    assert twin.broker.get_target(SET_POINT).value == 22.0  # nothing of a failed request
    assert _set(stub, **{SET_POINT.replace(".", "__"): ("string_value", "hot")}) == {
        SET_POINT: "INVALID_TYPE"
    }


def test_subscribe_sends_current_values_first(stub: dict[str, Any], twin: Twin) -> None:
    stream = stub["sub"](_m("SubscribeRequest")(query=f"SELECT Vehicle.Speed, {SOC}"), timeout=10)
    first = next(stream)
    assert set(first.fields) == {"Vehicle.Speed", SOC}
    twin.broker.set_current(SOC, 79.0)
    assert next(stream).fields[SOC].float_value == 79.0
    stream.cancel()


@pytest.mark.parametrize(
    "query",
    ["Vehicle.Speed", "SELECT", "SELECT Vehicle.Nope", "SELECT Vehicle.Speed WHERE x > 1"],
)
def test_a_bad_query_is_invalid_argument(stub: dict[str, Any], query: str) -> None:
    with pytest.raises(grpc.RpcError) as e:
        next(stub["sub"](_m("SubscribeRequest")(query=query), timeout=10))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and e.value.details()


def test_get_metadata(stub: dict[str, Any], twin: Twin) -> None:
    one = stub["meta"](_m("GetMetadataRequest")(names=["Vehicle.Speed", "Vehicle.Nope"]))
    assert [m.name for m in one.list] == ["Vehicle.Speed"]
    assert one.list[0].id == twin.broker.metadata("Vehicle.Speed").id
    everything = stub["meta"](_m("GetMetadataRequest")(), timeout=10)
    assert len(everything.list) == len(twin.broker.list_metadata("**"))


def test_parse_query() -> None:
    assert parse_query("select A.B ,  C.D") == ["A.B", "C.D"]


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(lambda x: ("float_value", x)),
    st.integers(-(2**31), 2**31 - 1).map(lambda x: ("int32_value", x)),
    st.integers(0, 2**32 - 1).map(lambda x: ("uint32_value", x)),
    st.booleans().map(lambda x: ("bool_value", x)),
    st.text(max_size=12).map(lambda x: ("string_value", x)),
)
paths = st.one_of(
    st.sampled_from(
        [
            SET_POINT,
            "Vehicle.Speed",
            "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
            "Vehicle.Powertrain.TractionBattery.Charging.Plan.ReadyByTime",
            "Vehicle.TerrainResponse.Mode",
        ]
    ),
    st.text(alphabet="Vehicl.Spd*", max_size=20),
)


def test_any_set_datapoints_is_applied_or_named(stub: dict[str, Any], twin: Twin) -> None:
    calls = []

    @settings(
        max_examples=50,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(path=paths, value=values)
    def check(path: str, value: tuple[str, Any]) -> None:
        req = _m("SetDatapointsRequest")()
        setattr(req.datapoints[path], value[0], value[1])
        reply = stub["set"](req, timeout=10)  # never an RPC error
        calls.append(reply)
        if not reply.errors:
            meta = twin.broker.metadata(path)
            target = twin.broker.get_target(path)
            assert target is not None
            if meta.min is not None:
                assert target.value >= meta.min  # type: ignore[operator]
            if meta.max is not None:
                assert target.value <= meta.max  # type: ignore[operator]

    check()
    assert len(calls) >= 50
