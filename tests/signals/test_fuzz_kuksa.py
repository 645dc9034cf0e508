"""Property, over real gRPC: any path, any value type, any number → a correct answer or a
clear KUKSA error (NOT_FOUND, INVALID_ARGUMENT, PERMISSION_DENIED), never an INTERNAL/UNKNOWN
error or a hang, and nothing outside a signal's limits is ever stored. Seeded, at least 50
examples per operation, against the running twin (its sensors claimed)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v1 import val_pb2 as val_v1
from kuksa.val.v1 import val_pb2_grpc as val_grpc_v1
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2

from evtwin.runtime import ManualClock, Twin, World, build_twin
from evtwin.signals import SignalServer, check_value

EXAMPLES = 50
CLEAR = {
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.PERMISSION_DENIED,
}
KNOWN = [
    "Vehicle.Speed",
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit",
    "Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging",
    "Vehicle.Powertrain.TractionBattery.Charging.Plan.ReadyByTime",
    "Vehicle.Powertrain.TractionBattery.Charging.Plan.Mode",
    "Vehicle.TerrainResponse.Mode",
    "Vehicle.Trailer.IsTowingModeEnabled",
    "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen",
    "Vehicle.Software.Update.ScheduledTime",
]
paths = st.one_of(
    st.sampled_from(KNOWN),
    st.sampled_from(["Vehicle.NoSuch", "Vehicle..Speed", "", "Vehicle.Speed.X", "vehicle.speed"]),
    st.text(alphabet="ABCVehiclSpd.*", max_size=30),
)
values_v2 = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(lambda x: types_v2.Value(float=x)),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: types_v2.Value(double=x)),
    st.integers(-(2**31), 2**31 - 1).map(lambda x: types_v2.Value(int32=x)),
    st.integers(0, 2**32 - 1).map(lambda x: types_v2.Value(uint32=x)),
    st.booleans().map(lambda x: types_v2.Value(bool=x)),
    st.one_of(
        st.sampled_from(["START", "STOP", "SAND", "not-a-time", "2027-01-15T07:30:00Z", ""]),
        st.text(max_size=20),
    ).map(lambda x: types_v2.Value(string=x)),
    st.just(types_v2.Value()),
)
values_v1 = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(
        lambda x: types_v1.Datapoint(float=x)
    ),
    st.integers(-(2**31), 2**31 - 1).map(lambda x: types_v1.Datapoint(int32=x)),
    st.booleans().map(lambda x: types_v1.Datapoint(bool=x)),
    st.sampled_from(["START", "not-a-time", "2027-01-16T07:00:00Z", "SAND"]).map(
        lambda x: types_v1.Datapoint(string=x)
    ),
)
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def twin() -> Iterator[Twin]:
    t = build_twin(ManualClock(1_800_000_000.0), world=World(), reference_wh_per_km=lambda: 180.0)
    t.host.step()
    yield t
    t.close()


@pytest.fixture(scope="module")
def channel(twin: Twin) -> Iterator[grpc.Channel]:
    with SignalServer(twin.broker, port=0) as server, grpc.insecure_channel(server.address) as ch:
        yield ch


CALLS: dict[str, int] = {}


def _clear_or_ok(call: Any, name: str) -> grpc.StatusCode:
    CALLS[name] = CALLS.get(name, 0) + 1
    try:
        call()
    except grpc.RpcError as e:
        code = e.code()
        assert code in CLEAR, f"{code}: {e.details()}"
        assert e.details(), "an error without a message"
        return code
    return grpc.StatusCode.OK


def _assert_examples(before: dict[str, int]) -> None:
    ran = {k: v - before.get(k, 0) for k, v in CALLS.items() if v > before.get(k, 0)}
    assert ran and all(n >= EXAMPLES for n in ran.values()), ran


def _stored_values_respect_the_catalogue(twin: Twin) -> None:
    b = twin.broker
    for path in KNOWN:
        meta = b.metadata(path)
        for dp in (b.get(path), b.get_target(path) if meta.is_actuator else None):
            if dp is not None:
                check_value(meta, dp.value)  # raises if a bad value got in
                if isinstance(dp.value, float):
                    assert math.isfinite(dp.value)


def test_v2_get_value(channel: grpc.Channel) -> None:
    stub = val_grpc_v2.VALStub(channel)

    @FUZZ
    @given(path=paths)
    def check(path: str) -> None:
        req = val_v2.GetValueRequest(signal_id=types_v2.SignalID(path=path))
        _clear_or_ok(lambda: stub.GetValue(req, timeout=10), "v2.GetValue")

    before = dict(CALLS)
    check()
    _assert_examples(before)


def test_v2_actuate(channel: grpc.Channel, twin: Twin) -> None:
    stub = val_grpc_v2.VALStub(channel)

    @FUZZ
    @given(path=paths, value=values_v2)
    def check(path: str, value: Any) -> None:
        req = val_v2.ActuateRequest(signal_id=types_v2.SignalID(path=path), value=value)
        _clear_or_ok(lambda: stub.Actuate(req, timeout=10), "v2.Actuate")
        _stored_values_respect_the_catalogue(twin)

    before = dict(CALLS)
    check()
    _assert_examples(before)


def test_v2_publish_value(channel: grpc.Channel, twin: Twin) -> None:
    stub = val_grpc_v2.VALStub(channel)
    speed_before = twin.broker.get("Vehicle.Speed")

    @FUZZ
    @given(path=paths, value=values_v2)
    def check(path: str, value: Any) -> None:
        req = val_v2.PublishValueRequest(
            signal_id=types_v2.SignalID(path=path), data_point=types_v2.Datapoint(value=value)
        )
        code = _clear_or_ok(lambda: stub.PublishValue(req, timeout=10), "v2.PublishValue")
        if path == "Vehicle.Speed":
            assert code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT)
        _stored_values_respect_the_catalogue(twin)

    before = dict(CALLS)
    check()
    _assert_examples(before)
    assert twin.broker.get("Vehicle.Speed") == speed_before  # the twin's sensor stayed its own


def test_v1_set_and_get(channel: grpc.Channel, twin: Twin) -> None:
    stub = val_grpc_v1.VALStub(channel)

    @FUZZ
    @given(
        path=paths,
        value=values_v1,
        field=st.sampled_from([types_v1.FIELD_VALUE, types_v1.FIELD_ACTUATOR_TARGET]),
    )
    def check(path: str, value: Any, field: int) -> None:
        entry = (
            types_v1.DataEntry(path=path, value=value)
            if field == types_v1.FIELD_VALUE
            else types_v1.DataEntry(path=path, actuator_target=value)
        )
        req = val_v1.SetRequest(updates=[val_v1.EntryUpdate(entry=entry, fields=[field])])
        _clear_or_ok(lambda: stub.Set(req, timeout=10), "v1.Set")
        get = val_v1.GetRequest(entries=[val_v1.EntryRequest(path=path, view=types_v1.VIEW_ALL)])
        _clear_or_ok(lambda: stub.Get(get, timeout=10), "v1.Get")
        _stored_values_respect_the_catalogue(twin)

    before = dict(CALLS)
    check()
    _assert_examples(before)
    assert twin.broker.provider_of("Vehicle.Speed") is not None
