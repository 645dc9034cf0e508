"""Single byte ranges for resumable image downloads (RFC 9110 §14)."""

from __future__ import annotations

import pytest

from evtwin.cloud import parse_range
from evtwin.errors import OtaRangeError


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=900-5000", (900, 999)),
    ],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    [
        "bytes=1000-",
        "bytes=5-2",
        "bytes=-0",
        "bytes=-",
        "bytes=0-1,5-6",  # several ranges: this server serves one
        "items=0-1",
        "bytes=abc-",
        "bytes=" + "9" * 5000 + "-",  # past Python's int digit limit: still 416, not 500
        "bytes=9999999999999999999-",  # 19 digits: absurd
    ],
)
def test_unsatisfiable_ranges_are_rejected(header: str) -> None:
    with pytest.raises(OtaRangeError):
        parse_range(header, 1000)
