"""Conversions between broker values/metadata and the ``kuksa.val`` v1/v2 protobuf messages.

The messages are the generated classes shipped inside PyPI ``kuksa-client`` (``kuksa.val.v1``
and ``kuksa.val.v2``); they are untyped, hence the ``Any`` at this boundary.

Wire types follow KUKSA databroker: int8/int16/int32 travel as ``int32``, uint8/uint16/uint32
as ``uint32``, float as ``float``, double as ``double``, arrays as the matching ``*_array``.
A value sent in another wire field is a type mismatch (INVALID_ARGUMENT), as in databroker.
"""

from __future__ import annotations

from typing import Any, Final

import grpc
from kuksa.val.v1 import types_pb2 as types_v1
from kuksa.val.v2 import types_pb2 as types_v2

from evtwin.errors import (
    NotAnActuatorError,
    SignalClaimedError,
    SignalError,
    SignalNotAllowedError,
    SignalPatternError,
    SignalPermissionError,
    SignalRangeError,
    SignalTypeError,
    UnknownSignalError,
)
from evtwin.signals._types import Datapoint, DataType, EntryType, SignalMetadata, Value

__all__ = [
    "datapoint_to_v1",
    "datapoint_to_v2",
    "grpc_status",
    "metadata_to_v1",
    "metadata_to_v2",
    "v1_error",
    "value_from_v1",
    "value_from_v2",
    "value_to_v2",
]

_WIRE_SCALAR: Final[dict[DataType, str]] = {
    DataType.STRING: "string",
    DataType.BOOLEAN: "bool",
    DataType.INT8: "int32",
    DataType.INT16: "int32",
    DataType.INT32: "int32",
    DataType.INT64: "int64",
    DataType.UINT8: "uint32",
    DataType.UINT16: "uint32",
    DataType.UINT32: "uint32",
    DataType.UINT64: "uint64",
    DataType.FLOAT: "float",
    DataType.DOUBLE: "double",
}


def wire_field(datatype: DataType) -> str:
    """The protobuf oneof field that carries values of ``datatype``."""
    scalar = _WIRE_SCALAR[datatype.element]
    return f"{scalar}_array" if datatype.is_array else scalar


def _proto_data_type(module: Any, datatype: DataType) -> int:
    name = datatype.value.replace("[]", "_ARRAY").upper()
    return int(module.DataType.Value(f"DATA_TYPE_{name}"))


def _proto_entry_type(module: Any, entry_type: EntryType) -> int:
    return int(module.EntryType.Value(f"ENTRY_TYPE_{entry_type.value.upper()}"))


def _set_value(message: Any, datatype: DataType, value: Value) -> None:
    field = wire_field(datatype)
    if datatype.is_array:
        assert isinstance(value, tuple)
        getattr(message, field).values.extend(value)
    else:
        setattr(message, field, value)


def _read_value(meta: SignalMetadata, message: Any, oneof: str) -> Value:
    sent = message.WhichOneof(oneof)
    if sent is None:
        raise SignalTypeError(f"{meta.path}: no value given")
    expected = wire_field(meta.datatype)
    if sent != expected:
        raise SignalTypeError(
            f"{meta.path} ({meta.datatype.value}) expects its value in field {expected!r}, "
            f"got {sent!r}"
        )
    raw = getattr(message, sent)
    if meta.datatype.is_array:
        return tuple(raw.values)
    if isinstance(raw, bool | int | float | str):
        return raw
    raise SignalTypeError(f"{meta.path}: unsupported value {raw!r}")  # pragma: no cover


def _stamp(message: Any, timestamp_s: float) -> None:
    seconds = int(timestamp_s // 1)
    message.timestamp.seconds = seconds
    message.timestamp.nanos = round((timestamp_s - seconds) * 1e9) % 1_000_000_000


def timestamp_s_of(message: Any) -> float | None:
    """Seconds since the epoch of a message's ``timestamp``, ``None`` if unset."""
    if not message.HasField("timestamp"):
        return None
    seconds, nanos = int(message.timestamp.seconds), int(message.timestamp.nanos)
    if seconds == 0 and nanos == 0:
        return None
    return seconds + nanos * 1e-9


# -- v1 ----------------------------------------------------------------------------------------
def datapoint_to_v1(meta: SignalMetadata, dp: Datapoint) -> Any:
    message = types_v1.Datapoint()
    _stamp(message, dp.timestamp_s)
    _set_value(message, meta.datatype, dp.value)
    return message


def value_from_v1(meta: SignalMetadata, message: Any) -> Value:
    return _read_value(meta, message, "value")


def _restriction_v1(meta: SignalMetadata) -> Any | None:
    if meta.datatype.element is DataType.STRING:
        if not meta.allowed:
            return None
        return types_v1.ValueRestriction(
            string=types_v1.ValueRestrictionString(allowed_values=list(map(str, meta.allowed)))
        )
    if not meta.datatype.is_numeric or (meta.min is None and meta.max is None and not meta.allowed):
        return None

    def cast(v: object) -> int | float:
        assert isinstance(v, int | float)
        return float(v) if meta.datatype.is_floating else int(v)

    if meta.datatype.is_floating:
        kind, cls = "floating_point", types_v1.ValueRestrictionFloat
    elif meta.datatype.element.value.startswith("u"):
        kind, cls = "unsigned", types_v1.ValueRestrictionUint
    else:
        kind, cls = "signed", types_v1.ValueRestrictionInt
    inner = cls(allowed_values=[cast(v) for v in meta.allowed or ()])
    if meta.min is not None:
        inner.min = cast(meta.min)
    if meta.max is not None:
        inner.max = cast(meta.max)
    return types_v1.ValueRestriction(**{kind: inner})


_V1_METADATA_FIELDS: Final = {
    "data_type": types_v1.FIELD_METADATA_DATA_TYPE,
    "description": types_v1.FIELD_METADATA_DESCRIPTION,
    "entry_type": types_v1.FIELD_METADATA_ENTRY_TYPE,
    "comment": types_v1.FIELD_METADATA_COMMENT,
    "deprecation": types_v1.FIELD_METADATA_DEPRECATION,
    "unit": types_v1.FIELD_METADATA_UNIT,
    "value_restriction": types_v1.FIELD_METADATA_VALUE_RESTRICTION,
}


def metadata_to_v1(meta: SignalMetadata, fields: set[int]) -> Any | None:
    """v1 ``Metadata`` with the requested ``Field`` numbers (``FIELD_METADATA`` = all)."""
    want_all = types_v1.FIELD_METADATA in fields
    wanted = {name for name, f in _V1_METADATA_FIELDS.items() if want_all or f in fields}
    if not wanted:
        return None
    message = types_v1.Metadata()
    if "data_type" in wanted:
        message.data_type = _proto_data_type(types_v1, meta.datatype)
    if "entry_type" in wanted:
        message.entry_type = _proto_entry_type(types_v1, meta.entry_type)
    if "description" in wanted:
        message.description = meta.description
    if "comment" in wanted and meta.comment is not None:
        message.comment = meta.comment
    if "deprecation" in wanted and meta.deprecation is not None:
        message.deprecation = meta.deprecation
    if "unit" in wanted and meta.unit is not None:
        message.unit = meta.unit
    if "value_restriction" in wanted:
        restriction = _restriction_v1(meta)
        if restriction is not None:
            message.value_restriction.CopyFrom(restriction)
    return message


# -- v2 ----------------------------------------------------------------------------------------
def value_to_v2(meta: SignalMetadata, value: Value) -> Any:
    message = types_v2.Value()
    _set_value(message, meta.datatype, value)
    return message


def datapoint_to_v2(meta: SignalMetadata, dp: Datapoint | None) -> Any:
    """v2 ``Datapoint``; without a value (signal not yet known) when ``dp`` is ``None``."""
    message = types_v2.Datapoint()
    if dp is not None:
        _stamp(message, dp.timestamp_s)
        message.value.CopyFrom(value_to_v2(meta, dp.value))
    return message


def value_from_v2(meta: SignalMetadata, message: Any) -> Value:
    return _read_value(meta, message, "typed_value")


def _bound_v2(meta: SignalMetadata, bound: int | float | None) -> Any | None:
    if bound is None or not meta.datatype.is_numeric:
        return None
    number = float(bound) if meta.datatype.is_floating else int(bound)
    return value_to_v2_scalar(meta, number)


def value_to_v2_scalar(meta: SignalMetadata, scalar: bool | int | float | str) -> Any:
    message = types_v2.Value()
    setattr(message, _WIRE_SCALAR[meta.datatype.element], scalar)
    return message


def metadata_to_v2(meta: SignalMetadata) -> Any:
    message = types_v2.Metadata(
        path=meta.path,
        id=meta.id,
        data_type=_proto_data_type(types_v2, meta.datatype),
        entry_type=_proto_entry_type(types_v2, meta.entry_type),
        description=meta.description,
        comment=meta.comment or "",
        deprecation=meta.deprecation or "",
        unit=meta.unit or "",
    )
    if meta.allowed:
        array_type = meta.datatype if meta.datatype.is_array else DataType(f"{meta.datatype}[]")
        allowed = types_v2.Value()
        _set_value(allowed, array_type, meta.allowed)
        message.allowed_values.CopyFrom(allowed)
    low, high = _bound_v2(meta, meta.min), _bound_v2(meta, meta.max)
    if low is not None:
        message.min.CopyFrom(low)
    if high is not None:
        message.max.CopyFrom(high)
    return message


# -- errors ------------------------------------------------------------------------------------
def grpc_status(error: SignalError) -> grpc.StatusCode:
    """The gRPC status KUKSA databroker answers for this kind of error."""
    if isinstance(error, UnknownSignalError):
        return grpc.StatusCode.NOT_FOUND
    if isinstance(error, SignalPermissionError):
        return grpc.StatusCode.PERMISSION_DENIED
    if isinstance(error, SignalClaimedError):
        return grpc.StatusCode.ALREADY_EXISTS
    if isinstance(
        error,
        SignalTypeError
        | SignalRangeError
        | SignalNotAllowedError
        | NotAnActuatorError
        | SignalPatternError,
    ):
        return grpc.StatusCode.INVALID_ARGUMENT
    return grpc.StatusCode.INTERNAL


def v1_error(error: SignalError) -> Any:
    """v1 ``Error`` (HTTP-style code and reason) as databroker's v1 Get/Set report them."""
    if isinstance(error, UnknownSignalError):
        code, reason = 404, "not_found"
    elif isinstance(error, SignalTypeError):
        code, reason = 400, "type mismatch"
    elif isinstance(error, SignalNotAllowedError):
        code, reason = 400, "value out of allowed bounds"
    elif isinstance(error, SignalRangeError):
        code, reason = 400, "value out of min/max bounds"
    elif isinstance(error, SignalPatternError):
        code, reason = 400, "bad_request"
    elif isinstance(error, SignalPermissionError):
        code, reason = 403, "forbidden"
    else:
        code, reason = 400, "bad_request"
    return types_v1.Error(code=code, reason=reason, message=str(error))
