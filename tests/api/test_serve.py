"""``evtwin serve`` over real HTTP, and the background server ``evtwin up`` will start."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import httpx2
import pytest

from evtwin.api import ApiServerError, start_api_server
from evtwin.cli.main import main


def test_serve_answers_health_over_http_on_loopback() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "evtwin", "serve", "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", banner)
        assert match, f"no address in {banner!r}"
        r = httpx2.get(f"http://127.0.0.1:{match.group(1)}/api/v1/health", timeout=30)
        assert r.status_code == 200 and r.json()["status"] == "ok"
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def test_background_server_answers_and_stops() -> None:
    with start_api_server(port=0) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        r = httpx2.get(f"{server.url}/api/v1/vehicles", timeout=30)
        assert r.status_code == 200 and any(v["id"] == "defender-sport" for v in r.json())
    assert not server.running


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ApiServerError, match=f"cannot listen on 127.0.0.1:{port}"):
            start_api_server(port=port)


def test_serve_on_a_port_in_use_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 2
    assert "evtwin: error: cannot listen on 127.0.0.1:" in capsys.readouterr().err


def test_serve_stops_cleanly_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "evtwin", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        assert "http://127.0.0.1:" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
    assert "evtwin serve: stopped" in err and "Traceback" not in err
