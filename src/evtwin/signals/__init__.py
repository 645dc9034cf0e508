"""Vehicle signals: the VSS catalogue (+ evtwin overlay), the in-process broker, and the
KUKSA-compatible gRPC server (``kuksa.val.v1`` and ``kuksa.val.v2``).

Services inside the car read and write only through a :class:`Broker`, by VSS path::

    broker = Broker()
    broker.set_current("Vehicle.Speed", 42.0)
    broker.set_target("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 21)
    with broker.subscribe("Vehicle.Cabin.HVAC", fields=[Field.TARGET]) as sub:
        for batch in sub: ...

External clients (``kuksa-client``, KUKSA SDKs) connect to a :class:`SignalServer`.
The VSS paths the car's services use are named once in :mod:`evtwin.signals.paths`
(``from evtwin.signals import paths as P``; ``P.SPEED`` …).
"""

from __future__ import annotations

from evtwin.signals._broker import TWIN_PROVIDER, Broker, Change
from evtwin.signals._catalogue import Catalogue, load_catalogue
from evtwin.signals._server import DEFAULT_HOST, DEFAULT_PORT, SignalServer
from evtwin.signals._subscription import Field, SignalUpdate, Subscription
from evtwin.signals._types import (
    Datapoint,
    DataType,
    EntryType,
    Scalar,
    SignalMetadata,
    Value,
    check_value,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "TWIN_PROVIDER",
    "Broker",
    "Catalogue",
    "Change",
    "DataType",
    "Datapoint",
    "EntryType",
    "Field",
    "Scalar",
    "SignalMetadata",
    "SignalServer",
    "SignalUpdate",
    "Subscription",
    "Value",
    "check_value",
    "load_catalogue",
]
