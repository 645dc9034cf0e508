"""Binary delta updates (``detools``: bsdiff with lzma) against the ECU's installed image.

A delta is a TUF target of its own in the Image repository, named
``{image}.from-{base sha256[:16]}.patch`` with custom metadata ``deltaFrom`` (the base's
sha256) and ``deltaTo`` (the full image's name). The ECU applies it to its verified active
slot with output capped at the full image's length, and the result must match the Director's
and Image repository's hashes of the full image; on any failure the full image is used.
"""

from __future__ import annotations

import io

import detools

from evtwin.errors import OtaImageError

__all__ = ["apply_delta", "create_delta", "delta_name"]


def delta_name(image_name: str, base_sha256: str) -> str:
    """Target name of the delta that turns the image with ``base_sha256`` into ``image_name``."""
    return f"{image_name}.from-{base_sha256[:16]}.patch"


def create_delta(base: bytes, new: bytes) -> bytes:
    """A patch that turns ``base`` into ``new``."""
    patch = io.BytesIO()
    detools.create_patch(io.BytesIO(base), io.BytesIO(new), patch, compression="lzma")
    return patch.getvalue()


class _CappedWriter(io.RawIOBase):
    """A write-only buffer that refuses to grow past ``cap_bytes`` (bounded memory)."""

    def __init__(self, cap_bytes: int) -> None:
        self.cap_bytes = cap_bytes
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if len(self.buffer) + len(data) > self.cap_bytes:
            raise OtaImageError(f"delta output exceeds the image's {self.cap_bytes} bytes")
        self.buffer += data
        return len(data)


def apply_delta(base: bytes, patch: bytes, *, expected_length: int) -> bytes:
    """Apply ``patch`` to ``base``; the output may not exceed ``expected_length`` bytes.

    Raises:
        OtaImageError: malformed patch, wrong base, or output of the wrong length. (The
            caller still checks the result's hashes against the metadata.)
    """
    out = _CappedWriter(expected_length)
    try:
        detools.apply_patch(io.BytesIO(base), io.BytesIO(patch), out)
    except OtaImageError:
        raise
    except Exception as e:  # detools.errors.Error, lzma.LZMAError, struct.error, ...
        raise OtaImageError(f"delta does not apply: {type(e).__name__}: {e}") from e
    if len(out.buffer) != expected_length:
        raise OtaImageError(
            f"delta produced {len(out.buffer)} bytes, the image is {expected_length}"
        )
    return bytes(out.buffer)
