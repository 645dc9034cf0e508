"""VSS datatype, range and allowed-value checks (``check_value``)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evtwin.errors import SignalNotAllowedError, SignalRangeError, SignalTypeError
from evtwin.signals import DataType, EntryType, SignalMetadata, check_value, load_catalogue


def meta(datatype: DataType, **kw: object) -> SignalMetadata:
    return SignalMetadata(
        path="Vehicle.Test",
        id=0,
        entry_type=EntryType.SENSOR,
        datatype=datatype,
        description="test",
        **kw,  # type: ignore[arg-type]
    )


CHARGE_LIMIT = load_catalogue()["Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit"]


@pytest.mark.parametrize(
    ("datatype", "good", "bad"),
    [
        (DataType.BOOLEAN, True, 1),
        (DataType.STRING, "ECO", 3),
        (DataType.UINT8, 7, 7.0),
        (DataType.INT16, -7, True),
        (DataType.FLOAT, 1.5, "1.5"),
        (DataType.DOUBLE, 2.0, False),
        (DataType.STRING_ARRAY, ["A", "B"], "AB"),
        (DataType.FLOAT_ARRAY, [1.0, 2.0], [1.0, "2"]),
    ],
)
def test_value_of_the_wrong_type_is_rejected(datatype: DataType, good: object, bad: object) -> None:
    check_value(meta(datatype), good)
    with pytest.raises(SignalTypeError):
        check_value(meta(datatype), bad)


def test_integers_are_accepted_for_float_signals_as_floats() -> None:
    value = check_value(meta(DataType.FLOAT), 21)
    assert value == 21.0
    assert isinstance(value, float)


def test_arrays_come_back_as_tuples() -> None:
    assert check_value(meta(DataType.UINT8_ARRAY), [1, 2]) == (1, 2)


@pytest.mark.parametrize(
    ("datatype", "value"),
    [
        (DataType.UINT8, 256),
        (DataType.UINT8, -1),
        (DataType.INT8, -129),
        (DataType.UINT64, 2**64),
        (DataType.FLOAT, 1e39),
    ],
)
def test_value_outside_its_datatype_is_out_of_range(datatype: DataType, value: object) -> None:
    with pytest.raises(SignalRangeError):
        check_value(meta(datatype), value)


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    with pytest.raises(SignalRangeError, match="finite"):
        check_value(meta(DataType.DOUBLE), value)


def test_range_error_names_path_value_and_unit() -> None:
    with pytest.raises(SignalRangeError) as exc:
        check_value(CHARGE_LIMIT, 120)
    message = str(exc.value)
    assert CHARGE_LIMIT.path in message
    assert "120 percent" in message
    assert "100 percent" in message


def test_type_error_names_path_datatype_and_unit() -> None:
    with pytest.raises(SignalTypeError, match=r"ChargeLimit \(uint8, percent\).*'full'"):
        check_value(CHARGE_LIMIT, "full")


def test_value_not_in_allowed_list_is_rejected() -> None:
    start_stop = load_catalogue()["Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging"]
    assert check_value(start_stop, "START") == "START"
    with pytest.raises(SignalNotAllowedError, match="'PAUSE' is not an allowed value"):
        check_value(start_stop, "PAUSE")


def test_every_array_element_is_checked() -> None:
    array = meta(DataType.UINT8_ARRAY, min=0, max=10)
    with pytest.raises(SignalRangeError):
        check_value(array, [1, 11])


@given(st.integers(min_value=-1000, max_value=1000))
def test_charge_limit_accepts_exactly_its_range(value: int) -> None:
    if 0 <= value <= 100:
        assert check_value(CHARGE_LIMIT, value) == value
    else:
        with pytest.raises(SignalRangeError):
            check_value(CHARGE_LIMIT, value)
