"""HTTP ``Range`` requests (RFC 9110 §14) for image downloads: one byte range per request."""

from __future__ import annotations

import re

from evtwin.errors import OtaRangeError

__all__ = ["parse_range"]

_SINGLE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size_bytes: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions asked for, or ``None`` for the whole file.

    Multi-range and malformed headers are ignored (the whole file is served), as RFC 9110
    allows. Raises :class:`OtaRangeError` for a range starting past the end.
    """
    if not header:
        return None
    match = _SINGLE.match(header.strip())
    if match is None:
        return None
    first_s, last_s = match.groups()
    if not first_s and not last_s:
        return None
    if not first_s:  # suffix: the last N bytes
        suffix = int(last_s)
        if suffix == 0:
            raise OtaRangeError(f"empty suffix range {header!r}")
        return max(0, size_bytes - suffix), size_bytes - 1
    first = int(first_s)
    last = int(last_s) if last_s else size_bytes - 1
    if first >= size_bytes or last < first:
        raise OtaRangeError(f"range {header!r} outside {size_bytes} bytes")
    return first, min(last, size_bytes - 1)
