"""OTA artefacts (metadata and images) in any S3-compatible object store.

An :class:`~evtwin.ota.ArtifactStore` over the S3 REST API (path-style URLs), signed with AWS
Signature Version 4 — small enough to keep without an SDK. Tested against SeaweedFS on
loopback; works with AWS S3, MinIO, Ceph RGW and the like.

Reference: AWS, "Signature Version 4 signing process" (Authenticating Requests, S3 API).
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, cast
from urllib.parse import quote, urlsplit

import urllib3

from evtwin.errors import OtaError

__all__ = ["S3Config", "S3Store"]

_ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True, kw_only=True)
class S3Config:
    """Where and as whom: ``endpoint`` like ``http://127.0.0.1:8333``."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    prefix: str = ""  # key prefix inside the bucket, e.g. "evtwin/"
    timeout_s: float = 30.0


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


class S3Store:
    """:class:`~evtwin.ota.ArtifactStore` on an S3 bucket.

    Args:
        config: endpoint, bucket, credentials.
        now: the signing clock (S3 refuses requests more than 15 minutes off real time).
    """

    def __init__(self, config: S3Config, now: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self._now = now or (lambda: datetime.now(UTC))
        self._host = urlsplit(config.endpoint).netloc
        self._pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(total=config.timeout_s), retries=False
        )

    def _path(self, key: str) -> str:
        full = f"{self.config.bucket}/{self.config.prefix}{key}" if key else self.config.bucket
        return "/" + quote(full, safe="/-_.~")

    def _request(
        self,
        method: str,
        key: str,
        body: bytes = b"",
        *,
        extra: dict[str, str] | None = None,
        preload: bool = True,
    ) -> urllib3.BaseHTTPResponse:
        now = self._now().astimezone(UTC)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload_sha = hashlib.sha256(body).hexdigest()
        path = self._path(key)
        headers = {"host": self._host, "x-amz-content-sha256": payload_sha, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join(
            [
                method,
                path,
                "",  # no query string
                "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
                signed,
                payload_sha,
            ]
        )
        scope = f"{day}/{self.config.region}/s3/aws4_request"
        to_sign = "\n".join(
            [_ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key_bytes = _hmac(f"AWS4{self.config.secret_key}".encode(), day)
        for part in (self.config.region, "s3", "aws4_request"):
            key_bytes = _hmac(key_bytes, part)
        signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"{_ALGORITHM} Credential={self.config.access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )
        url = f"{self.config.endpoint.rstrip('/')}{path}"
        try:
            return self._pool.request(
                method,
                url,
                body=body or None,
                headers={**headers, **(extra or {})},  # extra headers are not signed
                preload_content=preload,
            )
        except urllib3.exceptions.HTTPError as e:
            raise OtaError(f"S3 {method} {url} failed: {e}") from e

    @staticmethod
    def _fail(resp: urllib3.BaseHTTPResponse, what: str) -> OtaError:
        return OtaError(
            f"S3 {what}: HTTP {resp.status}: {resp.data[:300].decode(errors='replace')}"
        )

    def create_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        resp = self._request("PUT", "")
        if resp.status not in (200, 409):  # 409: BucketAlreadyOwnedByYou / Exists
            raise self._fail(resp, f"create bucket {self.config.bucket!r}")

    def put(self, path: str, data: bytes) -> None:
        resp = self._request("PUT", path, bytes(data))
        if resp.status != 200:
            raise self._fail(resp, f"PUT {path}")

    def get(self, path: str) -> bytes | None:
        resp = self._request("GET", path)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise self._fail(resp, f"GET {path}")
        return bytes(resp.data)

    def open(self, path: str) -> tuple[BinaryIO, int] | None:
        """The object at ``path`` as a reader that fetches only what is read (a ranged GET
        from the first position read, streamed), and its size; ``None`` if absent."""
        resp = self._request("HEAD", path)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise self._fail(resp, f"HEAD {path}")
        size = int(resp.headers.get("Content-Length", "0"))
        return cast(BinaryIO, _RangeReader(self, path, size)), size


class _RangeReader(io.RawIOBase):
    """A read-only, seekable file over one S3 object: each run of reads from a position is one
    ``Range: bytes=position-`` GET, streamed and dropped when the reader seeks or closes."""

    def __init__(self, store: S3Store, path: str, size: int) -> None:
        self._store, self._path, self._size = store, path, size
        self._pos = 0
        self._resp: urllib3.BaseHTTPResponse | None = None
        self._resp_pos = -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def _drop(self) -> None:
        if self._resp is not None:
            self._resp.close()  # not drained: the rest of the object is never read
            self._resp = None

    def read(self, size: int = -1) -> bytes:
        if self._pos >= self._size or size == 0:
            return b""
        if self._resp is None or self._resp_pos != self._pos:
            self._drop()
            resp = self._store._request(
                "GET", self._path, extra={"Range": f"bytes={self._pos}-"}, preload=False
            )
            if resp.status not in (200, 206):
                raise self._store._fail(resp, f"GET {self._path} from byte {self._pos}")
            self._resp, self._resp_pos = resp, self._pos
            if resp.status == 200 and self._pos:  # the server ignored Range: skip ahead
                resp.read(self._pos)
        want = self._size - self._pos if size < 0 else min(size, self._size - self._pos)
        data = bytes(self._resp.read(want))
        self._pos += len(data)
        self._resp_pos = self._pos
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._drop()
        super().close()
