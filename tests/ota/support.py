"""Helpers shared by the OTA tests: small images, releases, check-ins."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from fnmatch import fnmatch

from tuf.api.exceptions import DownloadHTTPError

from evtwin.ota import ArtifactStore, ManualClock, OtaBackend, Primary, StoreFetcher

VIN = "SALDS27A1RA000001"
VIN2 = "SALDS27A1RA000002"


def image(tag: str, size_bytes: int = 2048) -> bytes:
    """A small deterministic image whose content depends on ``tag``."""
    head = f"EVTWIN-IMAGE {tag}\n".encode()
    return (head * (size_bytes // len(head) + 1))[:size_bytes]


def release(backend: OtaBackend, name: str, data: bytes, hw: str, counter: int) -> None:
    backend.image_repo.add_image(name, data, hardware_ids=[hw], release_counter=counter)


def check_in(backend: OtaBackend, car: Primary) -> dict[str, str]:
    """The vehicle reports what it runs; the Director answers with new targets."""
    nonce = backend.director.issue_nonce(car.vin)
    backend.director.receive_manifest(car.vin, car.manifest(nonce))
    return backend.director.assign_latest(car.vin)


class AttackFetcher(StoreFetcher):
    """A man in the middle on the in-memory transport.

    Patterns are ``fnmatch`` globs over store paths (``director/*/metadata/timestamp.json``).
    """

    def __init__(self, store: ArtifactStore, clock: ManualClock) -> None:
        super().__init__(store, "mem://")
        self.clock = clock
        self.drop: list[str] = []
        self.replace: dict[str, bytes] = {}
        self.endless: list[str] = []
        self.slow_s_per_chunk: dict[str, float] = {}

    def _fetch(self, url: str) -> Iterator[bytes]:
        path = url.removeprefix("mem://")
        if any(fnmatch(path, p) for p in self.drop):
            raise DownloadHTTPError(f"{url}: dropped by attacker", 404)
        if any(fnmatch(path, p) for p in self.endless):
            return itertools.repeat(b"\0" * 1024)
        for pattern, data in self.replace.items():
            if fnmatch(path, pattern):
                return iter([data])
        for pattern, delay_s in self.slow_s_per_chunk.items():
            if fnmatch(path, pattern):
                return self._slow(b"".join(super()._fetch(url)), delay_s)
        return super()._fetch(url)

    def _slow(self, data: bytes, delay_s: float) -> Iterator[bytes]:
        for i in range(0, len(data), 64):
            self.clock.advance(timedelta(seconds=delay_s))
            yield data[i : i + 64]
