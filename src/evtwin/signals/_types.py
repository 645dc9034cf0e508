"""Typed signal metadata and values, and the VSS datatype/range/allowed-value checks.

Values travel in the unit the VSS catalogue names for the signal (``Vehicle.Speed`` in km/h,
``...StateOfCharge.Current`` in percent): the signal API is the car's VSS interface, so its
units are VSS's. Every check raises a :class:`~evtwin.errors.SignalError` subclass whose
message names the path, the offending value and the unit.

Reference: COVESA VSS 6.0 documentation, "Datatypes" and "Sensors, actuators and attributes"
(covesa.github.io/vehicle_signal_specification).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from evtwin.errors import (
    SignalNotAllowedError,
    SignalRangeError,
    SignalTypeError,
)

__all__ = [
    "DataType",
    "Datapoint",
    "EntryType",
    "Scalar",
    "SignalMetadata",
    "Value",
    "check_value",
]

Scalar = bool | int | float | str
"""One VSS scalar value: boolean, integer (any width), float/double, or string."""

Value = Scalar | tuple[Scalar, ...]
"""A VSS value: a scalar, or a tuple of scalars for the ``[]`` (array) datatypes."""


class EntryType(StrEnum):
    """VSS node types that carry values. Sensors and attributes have a current value only;
    actuators have a current value and a target value (the requested state)."""

    SENSOR = "sensor"
    ACTUATOR = "actuator"
    ATTRIBUTE = "attribute"


class DataType(StrEnum):
    """VSS datatypes (the ``datatype`` key of a leaf)."""

    STRING = "string"
    BOOLEAN = "boolean"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    UINT64 = "uint64"
    FLOAT = "float"
    DOUBLE = "double"
    STRING_ARRAY = "string[]"
    BOOLEAN_ARRAY = "boolean[]"
    INT8_ARRAY = "int8[]"
    INT16_ARRAY = "int16[]"
    INT32_ARRAY = "int32[]"
    INT64_ARRAY = "int64[]"
    UINT8_ARRAY = "uint8[]"
    UINT16_ARRAY = "uint16[]"
    UINT32_ARRAY = "uint32[]"
    UINT64_ARRAY = "uint64[]"
    FLOAT_ARRAY = "float[]"
    DOUBLE_ARRAY = "double[]"

    @property
    def is_array(self) -> bool:
        return self.value.endswith("[]")

    @property
    def element(self) -> DataType:
        """The scalar datatype of one element (the type itself for scalars)."""
        return DataType(self.value.removesuffix("[]"))

    @property
    def is_integer(self) -> bool:
        return self.element.value in _INT_BOUNDS

    @property
    def is_floating(self) -> bool:
        return self.element in (DataType.FLOAT, DataType.DOUBLE)

    @property
    def is_numeric(self) -> bool:
        return self.is_integer or self.is_floating


_INT_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint8": (0, 2**8 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
}
FLOAT32_MAX: Final = 3.4028234663852886e38
"""Largest finite IEEE 754 binary32 value (VSS ``float``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SignalMetadata:
    """What the catalogue says about one VSS leaf.

    ``min``/``max``/``allowed``/``default`` are in the signal's ``unit``; ``id`` is the
    numeric id the KUKSA v2 API uses (stable for one catalogue).
    """

    path: str
    id: int
    entry_type: EntryType
    datatype: DataType
    description: str
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    allowed: tuple[Scalar, ...] | None = None
    default: Value | None = None
    comment: str | None = None
    deprecation: str | None = None

    @property
    def is_actuator(self) -> bool:
        return self.entry_type is EntryType.ACTUATOR

    def describe_value(self, value: object) -> str:
        """``value`` with the signal's unit, for messages (``120 percent``)."""
        return f"{value!r} {self.unit}" if self.unit else repr(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class Datapoint:
    """A value and when it was taken, in seconds since the Unix epoch (twin clock)."""

    value: Value
    timestamp_s: float


def _type_name(value: object) -> str:
    return type(value).__name__


def _check_scalar(meta: SignalMetadata, element: DataType, value: object) -> Scalar:
    where = f"{meta.path} ({meta.datatype.value}"
    where += f", {meta.unit})" if meta.unit else ")"
    if element is DataType.BOOLEAN:
        if not isinstance(value, bool):
            raise SignalTypeError(f"{where} expects a boolean, got {_type_name(value)} {value!r}")
        return value
    if element is DataType.STRING:
        if not isinstance(value, str):
            raise SignalTypeError(f"{where} expects a string, got {_type_name(value)} {value!r}")
        return value
    if element.value in _INT_BOUNDS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SignalTypeError(f"{where} expects an integer, got {_type_name(value)} {value!r}")
        low, high = _INT_BOUNDS[element.value]
        if not low <= value <= high:
            raise SignalRangeError(
                f"{meta.path}: {meta.describe_value(value)} is outside the {element.value} "
                f"range [{low}, {high}]"
            )
        return value
    # float / double: accept ints as numbers, never bools or strings
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SignalTypeError(f"{where} expects a number, got {_type_name(value)} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise SignalRangeError(f"{meta.path}: {meta.describe_value(value)} is not a finite number")
    if element is DataType.FLOAT and abs(number) > FLOAT32_MAX:
        raise SignalRangeError(
            f"{meta.path}: {meta.describe_value(value)} is outside the float (binary32) range"
        )
    return number


def _check_bounds(meta: SignalMetadata, item: Scalar, whole: Value) -> None:
    if isinstance(item, bool) or not isinstance(item, int | float):
        return
    if meta.min is not None and item < meta.min:
        raise SignalRangeError(
            f"{meta.path}: {meta.describe_value(whole)} is below the minimum "
            f"{meta.describe_value(meta.min)}"
        )
    if meta.max is not None and item > meta.max:
        raise SignalRangeError(
            f"{meta.path}: {meta.describe_value(whole)} is above the maximum "
            f"{meta.describe_value(meta.max)}"
        )


def _check_allowed(meta: SignalMetadata, item: Scalar, whole: Value) -> None:
    if meta.allowed is not None and item not in meta.allowed:
        allowed = ", ".join(repr(a) for a in meta.allowed)
        raise SignalNotAllowedError(
            f"{meta.path}: {meta.describe_value(whole)} is not an allowed value ({allowed})"
        )


_ISO8601: Final = re.compile(
    r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])"
    r"(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?)?)?"
)
"""ISO 8601 calendar date / date-time as VSS uses it (``2027-01-15T07:30:00Z``, ``2027-01-15``,
``0000-01-01T00:00Z``), for string signals whose unit is ``iso8601``."""


def _check_format(meta: SignalMetadata, item: Scalar, whole: Value) -> None:
    iso = meta.unit == "iso8601" and isinstance(item, str) and item
    if iso and _ISO8601.fullmatch(str(item)) is None:
        raise SignalRangeError(
            f"{meta.path}: {item!r} is not an ISO 8601 time (e.g. 2027-01-15T07:30:00Z); "
            "send an empty string for none"
        )


def check_value(meta: SignalMetadata, value: object) -> Value:
    """Validate ``value`` against the signal's datatype, min/max and allowed values.

    Returns the normalised value (floats for ``float``/``double``, tuples for arrays).
    Never clamps: a bad value raises :class:`SignalTypeError`, :class:`SignalRangeError`
    or :class:`SignalNotAllowedError`.
    """
    if meta.datatype.is_array:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise SignalTypeError(
                f"{meta.path} ({meta.datatype.value}) expects a list, "
                f"got {_type_name(value)} {value!r}"
            )
        items = tuple(_check_scalar(meta, meta.datatype.element, v) for v in value)
        for item in items:
            _check_bounds(meta, item, items)
            _check_allowed(meta, item, items)
            _check_format(meta, item, items)
        return items
    scalar = _check_scalar(meta, meta.datatype, value)
    _check_bounds(meta, scalar, scalar)
    _check_allowed(meta, scalar, scalar)
    _check_format(meta, scalar, scalar)
    return scalar
