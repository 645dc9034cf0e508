"""HTTP ``Range`` requests (RFC 9110 §14) for image downloads: one byte range per request."""

from __future__ import annotations

import re

from evtwin.errors import OtaRangeError

__all__ = ["MAX_RANGE_HEADER_CHARS", "parse_range"]

MAX_RANGE_HEADER_CHARS = 64
# 18 digits: every position below 10**18 bytes (an exabyte) fits, and int() never meets
# Python's integer-string digit limit.
_SINGLE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


def parse_range(header: str | None, size_bytes: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions asked for, or ``None`` for the whole file.

    This server serves one byte range per request. Anything else in a ``Range`` header is
    refused rather than guessed at: another unit, several ranges, a position of more than 18
    digits, a header past :data:`MAX_RANGE_HEADER_CHARS` characters, an empty or inverted
    range, or one starting past the end.

    Raises:
        OtaRangeError: the header is malformed, absurd or unsatisfiable (answer 416).
    """
    if header is None or not header.strip():
        return None
    shown = header if len(header) <= MAX_RANGE_HEADER_CHARS else header[:32] + "…"
    if len(header) > MAX_RANGE_HEADER_CHARS:
        raise OtaRangeError(f"Range header of {len(header)} characters is too long: {shown!r}")
    match = _SINGLE.match(header.strip())
    if match is None:
        raise OtaRangeError(f"Range {shown!r} is not one byte range 'bytes=first-last'")
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        raise OtaRangeError(f"Range {shown!r} names no byte")
    if not first_s:  # suffix: the last N bytes
        suffix = int(last_s)
        if suffix == 0 or size_bytes == 0:
            raise OtaRangeError(f"empty suffix range {shown!r} of {size_bytes} bytes")
        return max(0, size_bytes - suffix), size_bytes - 1
    first = int(first_s)
    last = int(last_s) if last_s else size_bytes - 1
    if first >= size_bytes or last < first:
        raise OtaRangeError(f"range {shown!r} outside {size_bytes} bytes")
    return first, min(last, size_bytes - 1)
