"""Fixtures: a fresh broker on a manual clock, and a KUKSA-compatible server + real clients."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from kuksa.val.v1 import val_pb2_grpc as val_grpc_v1
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2
from kuksa_client.grpc import VSSClient

from evtwin.runtime import ManualClock
from evtwin.signals import Broker, SignalServer

T0_S = 1_800_000_000.0  # 2027-01-15, a fixed twin time


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0_S)


@pytest.fixture
def broker(clock: ManualClock) -> Broker:
    return Broker(clock=clock.now_s)


@pytest.fixture
def server(broker: Broker) -> Iterator[SignalServer]:
    with SignalServer(broker, port=0) as srv:
        yield srv


@pytest.fixture
def client(server: SignalServer) -> Iterator[VSSClient]:
    with VSSClient("127.0.0.1", server.port) as c:
        yield c


@pytest.fixture
def channel(server: SignalServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address) as ch:
        yield ch


@pytest.fixture
def v1(channel: grpc.Channel) -> val_grpc_v1.VALStub:
    return val_grpc_v1.VALStub(channel)


@pytest.fixture
def v2(channel: grpc.Channel) -> val_grpc_v2.VALStub:
    return val_grpc_v2.VALStub(channel)
