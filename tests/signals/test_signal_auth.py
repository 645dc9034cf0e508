"""KUKSA-style JWT authorization over real gRPC with kuksa-client: optional on loopback,
required beyond it; read / actuate / provide scopes, with path patterns."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from kuksa.val.v2 import types_pb2 as types_v2
from kuksa.val.v2 import val_pb2 as val_v2
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2
from kuksa_client.grpc import Datapoint, VSSClient, VSSClientError

from evtwin.errors import SignalServerError
from evtwin.runtime import ManualClock, Twin, World, build_twin
from evtwin.signals import SignalServer

SET_POINT = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(scope: str, *, key: rsa.RSAPrivateKey = KEY, exp_s: float = 3600) -> str:
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = {"sub": "test", "scope": scope, "exp": int(time.time() + exp_s)}
    payload = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{_b64(signature)}"


@pytest.fixture
def twin() -> Iterator[Twin]:
    t = build_twin(ManualClock(1_800_000_000.0), world=World(), reference_wh_per_km=lambda: 180.0)
    t.host.step()
    yield t
    t.close()


@pytest.fixture
def server(twin: Twin) -> Iterator[SignalServer]:
    with SignalServer(twin.broker, port=0, jwt_public_key=PUBLIC_PEM) as s:
        yield s


def _client(server: SignalServer, tok: str | None) -> VSSClient:
    return VSSClient("127.0.0.1", server.port, token=tok)


def _code(e: VSSClientError) -> int:
    return int(e.error["code"])


def test_listening_beyond_loopback_without_a_key_is_refused(twin: Twin) -> None:
    with pytest.raises(SignalServerError, match="beyond loopback"):
        SignalServer(twin.broker, host="0.0.0.0", port=0)
    SignalServer(twin.broker, host="0.0.0.0", port=0, jwt_public_key=PUBLIC_PEM)  # accepted


def test_loopback_without_a_key_needs_no_token(twin: Twin) -> None:
    with SignalServer(twin.broker, port=0) as s, VSSClient("127.0.0.1", s.port) as c:
        assert c.get_current_values(["Vehicle.Speed"])["Vehicle.Speed"].value == 0.0


def test_no_token_or_a_bad_one_is_unauthenticated(server: SignalServer) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for tok in (None, "not.a.jwt", token("read", key=other), token("read", exp_s=-60)):
        with _client(server, tok) as c, pytest.raises(VSSClientError) as e:
            c.get_current_values(["Vehicle.Speed"])
        assert _code(e.value) == grpc.StatusCode.UNAUTHENTICATED.value[0], tok


def test_read_scope_reads_but_cannot_actuate(server: SignalServer, twin: Twin) -> None:
    with _client(server, token("read")) as c:
        assert c.get_current_values(["Vehicle.Speed"])["Vehicle.Speed"].value == 0.0
        with pytest.raises(VSSClientError) as e:
            c.set_target_values({SET_POINT: Datapoint(22.0)})
        assert _code(e.value) == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert twin.broker.get_target(SET_POINT) is None


def test_actuate_scope_with_a_pattern(server: SignalServer, twin: Twin) -> None:
    with _client(server, token("read actuate:Vehicle.Cabin.HVAC.**")) as c:
        c.set_target_values({SET_POINT: Datapoint(22.0)})
        with pytest.raises(VSSClientError) as e:
            c.set_target_values({"Vehicle.TerrainResponse.Mode": Datapoint("SAND")})
        assert _code(e.value) == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert twin.broker.get_target(SET_POINT).value == 22.0


def test_provide_scope_over_v2_and_the_roles_still_hold(server: SignalServer) -> None:
    with grpc.insecure_channel(server.address) as ch:
        stub = val_grpc_v2.VALStub(ch)
        door = "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen"

        def publish(path: str, tok: str, value: Any) -> None:
            stub.PublishValue(
                val_v2.PublishValueRequest(
                    signal_id=types_v2.SignalID(path=path),
                    data_point=types_v2.Datapoint(value=value),
                ),
                metadata=[("authorization", f"Bearer {tok}")],
                timeout=10,
            )

        publish(door, token("provide"), types_v2.Value(bool=True))
        with pytest.raises(grpc.RpcError) as e:
            publish(door, token("read"), types_v2.Value(bool=False))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as e:  # a token does not lift the twin's claim
            publish("Vehicle.Speed", token("provide"), types_v2.Value(float=-5000.0))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "provided by evtwin" in (e.value.details() or "")


def test_server_info_needs_no_token(server: SignalServer) -> None:
    with _client(server, None) as c:
        assert c.get_server_info().name == "evtwin"
