"""The databroker's older ``sdv.databroker.v1.Broker`` API, which Velocitas vehicle apps speak.

Served on the same port as ``kuksa.val.v1``/``v2``, over the same broker, with the same
limits and roles. Semantics follow eclipse-kuksa/kuksa-databroker
``databroker/src/grpc/sdv_databroker_v1/broker.rs``:

- ``GetDatapoints(names)``: the current value of each; an unknown name gets a datapoint whose
  ``failure_value`` is ``UNKNOWN_DATAPOINT``, a known one without a value ``NOT_AVAILABLE``.
- ``SetDatapoints({name: datapoint})``: requests actuator targets (an application actuates;
  providers publish through ``kuksa.val``). Errors per name (``UNKNOWN_DATAPOINT``,
  ``INVALID_TYPE``, ``OUT_OF_BOUNDS``, ``ACCESS_DENIED`` for a sensor or attribute); if any
  name fails nothing is applied.
- ``Subscribe(query)``: ``SELECT path[, path ...]`` (databroker's query language; a ``WHERE``
  clause is refused INVALID_ARGUMENT, not silently dropped); the first reply carries the
  current values, then each change.
- ``GetMetadata(names)``: every signal for an empty list, else the names found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

import grpc

from evtwin.errors import (
    NotAnActuatorError,
    SignalError,
    SignalNotAllowedError,
    SignalPermissionError,
    SignalRangeError,
    SignalTypeError,
    UnknownSignalError,
)
from evtwin.signals._broker import Broker, Change
from evtwin.signals._sdv_proto import SERVICE, messages
from evtwin.signals._subscription import Field
from evtwin.signals._types import Datapoint, DataType, EntryType, SignalMetadata, Value

__all__ = ["sdv_v1_handler"]

POLL_S: Final = 0.25
_PKG: Final = "sdv.databroker.v1"
_SCALAR_FIELD: Final[dict[DataType, str]] = {
    DataType.STRING: "string_value",
    DataType.BOOLEAN: "bool_value",
    DataType.INT8: "int32_value",
    DataType.INT16: "int32_value",
    DataType.INT32: "int32_value",
    DataType.INT64: "int64_value",
    DataType.UINT8: "uint32_value",
    DataType.UINT16: "uint32_value",
    DataType.UINT32: "uint32_value",
    DataType.UINT64: "uint64_value",
    DataType.FLOAT: "float_value",
    DataType.DOUBLE: "double_value",
}
_SELECT = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s*$", re.IGNORECASE | re.DOTALL)


def _m(name: str) -> Any:
    return messages()[f"{_PKG}.{name}"]


def _field_of(datatype: DataType) -> str:
    scalar = _SCALAR_FIELD[datatype.element]
    return scalar.replace("_value", "_array") if datatype.is_array else scalar


def _datapoint(meta: SignalMetadata | None, dp: Datapoint | None) -> Any:
    message = _m("Datapoint")()
    if meta is None:
        message.failure_value = message.UNKNOWN_DATAPOINT
        return message
    if dp is None:
        message.failure_value = message.NOT_AVAILABLE
        return message
    message.timestamp.FromNanoseconds(round(dp.timestamp_s * 1e9))
    field = _field_of(meta.datatype)
    if meta.datatype.is_array:
        assert isinstance(dp.value, tuple)
        getattr(message, field).values.extend(dp.value)
    else:
        setattr(message, field, dp.value)
    return message


def _value(meta: SignalMetadata, message: Any) -> Value:
    sent = message.WhichOneof("value")
    if sent is None or sent == "failure_value":
        raise SignalTypeError(f"{meta.path}: no value given")
    raw = getattr(message, sent)
    if sent.endswith("_array"):
        return tuple(raw.values)
    if isinstance(raw, bool | int | float | str):
        return raw
    raise SignalTypeError(f"{meta.path}: unsupported value {raw!r}")  # pragma: no cover


def _error(error: SignalError) -> int:
    codes = _m("SetDatapointsReply")  # enum values live in the types file's DatapointError
    pool_enum = codes.DESCRIPTOR.file.pool.FindEnumTypeByName(f"{_PKG}.DatapointError")
    if isinstance(error, UnknownSignalError):
        name = "UNKNOWN_DATAPOINT"
    elif isinstance(error, NotAnActuatorError | SignalPermissionError):
        name = "ACCESS_DENIED"
    elif isinstance(error, SignalRangeError | SignalNotAllowedError):
        name = "OUT_OF_BOUNDS"
    else:
        name = "INVALID_TYPE"
    return int(pool_enum.values_by_name[name].number)


def _data_type(meta: SignalMetadata) -> int:
    enum = _m("Metadata").DESCRIPTOR.file.pool.FindEnumTypeByName(f"{_PKG}.DataType")
    name = meta.datatype.value.replace("[]", "_ARRAY").upper().replace("BOOLEAN", "BOOL")
    return int(enum.values_by_name[name].number)


def parse_query(query: str) -> list[str]:
    """The signal paths of a ``SELECT a, b`` query (INVALID_ARGUMENT-worthy
    :class:`~evtwin.errors.SignalTypeError` for anything else)."""
    match = _SELECT.match(query)
    if match is None:
        raise SignalTypeError(f"query must be 'SELECT <path>[, <path> ...]', got {query!r}")
    fields = match.group("fields")
    if re.search(r"\bWHERE\b", fields, re.IGNORECASE):
        raise SignalTypeError(f"WHERE conditions are not supported by this broker: {query!r}")
    paths = [p.strip() for p in fields.split(",")]
    if not all(paths):
        raise SignalTypeError(f"empty field in query {query!r}")
    return paths


class _SdvV1:
    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    def _meta(self, name: str) -> SignalMetadata | None:
        try:
            return self._broker.metadata(name)
        except UnknownSignalError:
            return None

    def get_datapoints(self, request: Any, context: Any) -> Any:
        reply = _m("GetDatapointsReply")()
        for name in request.datapoints:
            meta = self._meta(name)
            dp = self._broker.get(name) if meta is not None else None
            reply.datapoints[name].CopyFrom(_datapoint(meta, dp))
        return reply

    def set_datapoints(self, request: Any, context: Any) -> Any:
        reply = _m("SetDatapointsReply")()
        changes: list[Change] = []
        for name, message in request.datapoints.items():
            try:
                meta = self._broker.metadata(name)
                if not meta.is_actuator:
                    raise NotAnActuatorError(
                        f"{name} is a {meta.entry_type.value}: an application may only "
                        "request actuator targets"
                    )
                value = self._broker.check(name, Field.TARGET, _value(meta, message))
                changes.append((name, Field.TARGET, value))
            except SignalError as e:
                reply.errors[name] = _error(e)
        if changes and not reply.errors:
            self._broker.update(changes)
        return reply

    def get_metadata(self, request: Any, context: Any) -> Any:
        reply = _m("GetMetadataReply")()
        metas = (
            self._broker.list_metadata("**")
            if not request.names
            else [m for name in request.names if (m := self._meta(name)) is not None]
        )
        change = _m("Metadata").DESCRIPTOR.file.pool.FindEnumTypeByName(f"{_PKG}.ChangeType")
        for meta in metas:
            kind = "STATIC" if meta.entry_type is EntryType.ATTRIBUTE else "ON_CHANGE"
            reply.list.add(
                id=meta.id,
                name=meta.path,
                data_type=_data_type(meta),
                change_type=change.values_by_name[kind].number,
                description=meta.description,
            )
        return reply

    def subscribe(self, request: Any, context: Any) -> Iterator[Any]:
        try:
            paths = parse_query(request.query)
            metas = [self._broker.metadata(p) for p in paths]
        except SignalError as e:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            return
        keys = frozenset((m.path, Field.VALUE) for m in metas)
        sub = self._broker.subscribe_keys(keys, max_pending=max(1, len(keys)))
        context.add_callback(sub.close)
        try:
            while context.is_active() and not sub.closed:
                batch = sub.next_batch(timeout_s=POLL_S)
                if not batch:
                    continue
                reply = _m("SubscribeReply")()
                for update in batch:
                    meta = self._broker.metadata(update.path)
                    reply.fields[update.path].CopyFrom(_datapoint(meta, update.datapoint))
                yield reply
        finally:
            sub.close()


def sdv_v1_handler(broker: Broker) -> grpc.GenericRpcHandler:
    """The ``sdv.databroker.v1.Broker`` service over ``broker`` (a generic gRPC handler)."""
    s = _SdvV1(broker)

    def unary(fn: Any, req: str, rep: str) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(
            fn,
            request_deserializer=_m(req).FromString,
            response_serializer=_m(rep).SerializeToString,
        )

    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "GetDatapoints": unary(s.get_datapoints, "GetDatapointsRequest", "GetDatapointsReply"),
            "SetDatapoints": unary(s.set_datapoints, "SetDatapointsRequest", "SetDatapointsReply"),
            "GetMetadata": unary(s.get_metadata, "GetMetadataRequest", "GetMetadataReply"),
            "Subscribe": grpc.unary_stream_rpc_method_handler(
                s.subscribe,
                request_deserializer=_m("SubscribeRequest").FromString,
                response_serializer=_m("SubscribeReply").SerializeToString,
            ),
        },
    )
