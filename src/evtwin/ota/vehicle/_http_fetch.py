"""HTTP transport for the vehicle: per-vehicle credentials and resume with Range after a drop.

A python-tuf ``FetcherInterface`` over urllib3. When a connection drops mid-body the fetcher
asks again with ``Range: bytes=N-`` for the rest (up to ``max_resumes`` times) and checks the
server's ``Content-Range``, so a flaky cellular link costs only the missing bytes. Length caps
and hashes are still enforced by python-tuf over the stitched stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import urllib3
from tuf.api.exceptions import DownloadError, DownloadHTTPError
from tuf.ngclient import FetcherInterface

__all__ = ["HttpConfig", "HttpFetcher"]

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True, kw_only=True)
class HttpConfig:
    """HTTP transport limits.

    Args:
        connect_timeout_s: TCP connect timeout [s].
        read_timeout_s: longest wait for the next bytes (cuts off a silent server) [s].
        chunk_bytes: read size [B].
        max_resumes: Range requests allowed after drops, per download.
        ca_file: PEM bundle that HTTPS servers are verified against (``None``: system CAs).
        client_cert: the car's client certificate (PEM) for a server that requires mutual
            TLS; ``client_key`` is its private key (PEM).
    """

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    chunk_bytes: int = 64 * 1024
    max_resumes: int = 5
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None

    def pool(self) -> urllib3.PoolManager:
        """A connection pool with these timeouts; HTTPS always verifies the server (and
        presents the car's client certificate, if it has one)."""
        return urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=self.connect_timeout_s, read=self.read_timeout_s),
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=str(self.ca_file) if self.ca_file else None,
            cert_file=str(self.client_cert) if self.client_cert else None,
            key_file=str(self.client_key) if self.client_key else None,
        )


class HttpFetcher(FetcherInterface):
    """Fetch over HTTP(S) with optional headers (``Authorization: Bearer …``) and resume.

    ``headers`` may be a callable, read at each request (credentials issued later).
    """

    def __init__(
        self,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        config: HttpConfig | None = None,
    ) -> None:
        self.config = config or HttpConfig()
        self._headers = headers if callable(headers) else dict(headers or {})
        self._pool = self.config.pool()
        self.resumes = 0

    def _fetch(self, url: str) -> Iterator[bytes]:
        first = self._request(url, 0)
        return self._stream(url, first)

    def _request(self, url: str, offset: int) -> urllib3.BaseHTTPResponse:
        headers = dict(self._headers() if callable(self._headers) else self._headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            resp = self._pool.request("GET", url, headers=headers, preload_content=False)
        except urllib3.exceptions.HTTPError as e:
            raise DownloadError(f"GET {url} failed: {e}") from e
        if offset == 0 and resp.status != 200:
            _discard(resp)
            raise DownloadHTTPError(f"GET {url}: HTTP {resp.status}", resp.status)
        if offset:
            match = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
            if resp.status != 206 or match is None or int(match.group(1)) != offset:
                _discard(resp)
                raise DownloadError(
                    f"GET {url} resume at byte {offset}: HTTP {resp.status}, "
                    f"Content-Range {resp.headers.get('Content-Range')!r}"
                )
        return resp

    def _stream(self, url: str, resp: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
        received = 0
        resumes = 0
        try:
            while True:
                try:
                    for chunk in resp.stream(self.config.chunk_bytes):
                        received += len(chunk)
                        yield chunk
                    resp.release_conn()
                    return
                except (
                    urllib3.exceptions.ProtocolError,
                    urllib3.exceptions.ReadTimeoutError,
                ) as e:
                    resp.close()  # a broken connection is never reused
                    if resumes >= self.config.max_resumes:
                        raise DownloadError(
                            f"GET {url}: dropped at byte {received} after {resumes} resumes: {e}"
                        ) from e
                    resumes += 1
                    self.resumes += 1
                    resp = self._request(url, received)
        except GeneratorExit:  # the caller stopped reading (e.g. a length cap): drop the socket
            resp.close()
            raise


def _discard(resp: urllib3.BaseHTTPResponse) -> None:
    """Read and drop an unwanted body so the pooled connection stays in sync."""
    try:
        resp.drain_conn()
        resp.release_conn()
    except urllib3.exceptions.HTTPError:
        resp.close()
