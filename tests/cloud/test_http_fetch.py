"""The vehicle's HTTP fetcher resumes a dropped download with Range."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from tuf.api.exceptions import DownloadError

from evtwin.cloud import parse_range
from evtwin.ota import HttpConfig, HttpFetcher

PAYLOAD = bytes(range(256)) * 64  # 16 KiB


class FlakyHandler(BaseHTTPRequestHandler):
    """Serves PAYLOAD with Range support; drops the connection after ``cut`` bytes."""

    cut_bytes = 5000
    drops_left = 1
    ranges_seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        header = self.headers.get("Range")
        span = parse_range(header, len(PAYLOAD))
        first, last = span if span else (0, len(PAYLOAD) - 1)
        body = PAYLOAD[first : last + 1]
        if header:
            type(self).ranges_seen.append(header)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if type(self).drops_left > 0:
            type(self).drops_left -= 1
            self.wfile.write(body[: self.cut_bytes])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def flaky_url() -> Iterator[str]:
    FlakyHandler.drops_left = 1
    FlakyHandler.ranges_seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/image.bin"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_dropped_download_resumes_where_it_stopped(flaky_url: str) -> None:
    fetcher = HttpFetcher(config=HttpConfig(chunk_bytes=1024))

    data = fetcher.download_bytes(flaky_url, len(PAYLOAD))

    assert data == PAYLOAD
    assert fetcher.resumes == 1
    (resumed_at,) = FlakyHandler.ranges_seen  # one resume, from what had arrived whole
    offset = int(resumed_at.removeprefix("bytes=").removesuffix("-"))
    assert 0 < offset <= FlakyHandler.cut_bytes


def test_a_link_that_keeps_dropping_gives_up_after_max_resumes(flaky_url: str) -> None:
    FlakyHandler.drops_left = 10
    fetcher = HttpFetcher(config=HttpConfig(chunk_bytes=1024, max_resumes=2))

    with pytest.raises(DownloadError, match="after 2 resumes"):
        fetcher.download_bytes(flaky_url, len(PAYLOAD))
