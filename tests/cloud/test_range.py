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
        ("bytes=0-1,5-6", None),  # multi-range: serve the whole file
        ("items=0-1", None),
    ],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-2", "bytes=-0"])
def test_unsatisfiable_ranges_are_rejected(header: str) -> None:
    with pytest.raises(OtaRangeError):
        parse_range(header, 1000)
