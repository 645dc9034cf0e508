"""Fetchers (python-tuf ``FetcherInterface``) the OTA client downloads through.

:class:`StoreFetcher` serves an :class:`ArtifactStore` under a URL prefix (the in-memory twin
of HTTP). :class:`WatchdogFetcher` wraps any fetcher with a minimum-throughput watchdog (the
defence against slow-retrieval attacks); the length caps come from python-tuf itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tuf.api.exceptions import DownloadHTTPError, SlowRetrievalError
from tuf.ngclient import FetcherInterface

from evtwin.clock import Clock
from evtwin.ota._store import ArtifactStore

__all__ = ["StoreFetcher", "WatchdogConfig", "WatchdogFetcher"]

_CHUNK_BYTES = 64 * 1024


class StoreFetcher(FetcherInterface):
    """Serve ``{base_url}{path}`` from ``store[path]``; a missing path is HTTP 404."""

    def __init__(self, store: ArtifactStore, base_url: str = "mem://") -> None:
        self.store = store
        self.base_url = base_url
        self.requested: list[str] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        self.requested.append(url)
        if not url.startswith(self.base_url):
            raise DownloadHTTPError(f"{url} is outside {self.base_url}", 404)
        data = self.store.get(url.removeprefix(self.base_url))
        if data is None:
            raise DownloadHTTPError(f"{url} not found", 404)
        return iter([data[i : i + _CHUNK_BYTES] for i in range(0, len(data), _CHUNK_BYTES)])


@dataclass(frozen=True, kw_only=True)
class WatchdogConfig:
    """Minimum-throughput watchdog limits.

    Args:
        min_bytes_per_s: average throughput below which a download is abandoned [B/s].
        grace_s: time from the start of a download before the average is enforced [s].
    """

    min_bytes_per_s: float = 1024.0
    grace_s: float = 10.0


class WatchdogFetcher(FetcherInterface):
    """Abort a download whose average throughput falls below a floor (slow retrieval).

    Time comes from the injected clock's monotonic seconds, so tests simulate a slow server
    by advancing a :class:`~evtwin.ota.ManualClock` between chunks instead of sleeping. A
    real transport must also set socket timeouts so that a server that sends nothing at all
    is cut off.
    """

    def __init__(
        self, inner: FetcherInterface, clock: Clock, config: WatchdogConfig | None = None
    ) -> None:
        self.inner = inner
        self.clock = clock
        self.config = config or WatchdogConfig()

    def _fetch(self, url: str) -> Iterator[bytes]:
        return self._guarded(url, self.inner.fetch(url))

    def _guarded(self, url: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        start_s = self.clock.monotonic_s()
        received = 0
        for chunk in chunks:
            received += len(chunk)
            elapsed_s = self.clock.monotonic_s() - start_s
            if elapsed_s > self.config.grace_s:
                rate = received / elapsed_s
                if rate < self.config.min_bytes_per_s:
                    raise SlowRetrievalError(
                        f"{url}: {rate:.1f} B/s over {elapsed_s:.1f} s is below the "
                        f"{self.config.min_bytes_per_s:.1f} B/s floor"
                    )
            yield chunk
