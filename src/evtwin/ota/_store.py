"""Where repositories publish metadata and images: an in-memory twin and a directory.

Paths are ``/``-separated and relative (``image/metadata/1.root.json``).
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from evtwin.errors import OtaError

__all__ = [
    "ArtifactStore",
    "DirectoryStore",
    "MemoryStore",
    "atomic_write",
    "check_store_path",
    "open_artifact",
]


class ArtifactStore(Protocol):
    """A flat key-value store of published files."""

    def put(self, path: str, data: bytes) -> None: ...

    def get(self, path: str) -> bytes | None:
        """The bytes at ``path``, or ``None`` when nothing is published there."""
        ...


def check_store_path(path: str) -> str:
    """``path`` if it is a valid store path.

    Raises:
        OtaError: absolute, empty, or with a ``.``/``..``/empty part or a NUL.
    """
    parts = path.split("/")
    if not path or path.startswith("/") or "\0" in path or any(p in ("", ".", "..") for p in parts):
        raise OtaError(f"store path {path!r} must be relative without '.', '..' or '//'")
    return path


_check_path = check_store_path


def open_artifact(store: ArtifactStore, path: str) -> tuple[BinaryIO, int] | None:
    """A readable binary file over the artefact at ``path`` and its size in bytes, or
    ``None`` when nothing is published there. The caller closes the file.

    Stores with an ``open(path)`` method (:class:`DirectoryStore`, :class:`MemoryStore`)
    hand out a file that is read in the chunks asked for (nothing more is loaded); any other
    store's bytes are fetched whole with ``get``.

    Raises:
        OtaError: ``path`` is not a valid store path.
    """
    check_store_path(path)
    opener = getattr(store, "open", None)
    if callable(opener):
        opened: tuple[BinaryIO, int] | None = opener(path)
        return opened
    data = store.get(path)
    return None if data is None else (io.BytesIO(data), len(data))


class MemoryStore:
    """In-memory :class:`ArtifactStore` for tests and the single-process twin."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, path: str, data: bytes) -> None:
        self.files[_check_path(path)] = bytes(data)

    def get(self, path: str) -> bytes | None:
        return self.files.get(path)

    def open(self, path: str) -> tuple[BinaryIO, int] | None:
        """The file at ``path`` as a reader over the stored bytes (no copy), and its size."""
        data = self.files.get(check_store_path(path))
        return None if data is None else (io.BytesIO(data), len(data))


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old or the new file, never a mix.

    Write-temp in the same directory, fsync, rename over the target, fsync the directory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class DirectoryStore:
    """:class:`ArtifactStore` on a local directory, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, path: str, data: bytes) -> None:
        atomic_write(self.root / _check_path(path), data)

    def get(self, path: str) -> bytes | None:
        try:
            return (self.root / _check_path(path)).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def open(self, path: str) -> tuple[BinaryIO, int] | None:
        """The file at ``path`` opened for reading (read it in chunks), and its size."""
        try:
            f = (self.root / _check_path(path)).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        try:
            size = os.fstat(f.fileno()).st_size
        except OSError:
            f.close()
            raise
        return f, size
