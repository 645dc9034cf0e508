"""Running the API: in the foreground (``evtwin serve``) or on a background thread
(``evtwin up`` starts it beside the signal broker).

The listening socket is bound here, before uvicorn starts, so a port in use or a bad address
is an :class:`ApiServerError` naming it (exit code 2 in the CLI), and port 0 (any free port)
reports the port it got.
"""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Final

import uvicorn
from fastapi import FastAPI

from evtwin.api._app import create_app
from evtwin.errors import EvtwinError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ApiServer",
    "ApiServerError",
    "bind_socket",
    "is_loopback",
    "serve_forever",
    "start_api_server",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8000
_STARTUP_LIMIT_S: Final = 30.0
_STOP_LIMIT_S: Final = 10.0


class ApiServerError(EvtwinError):
    """The HTTP API cannot start (address in use, bad host or port) or stop."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1`` or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 = any free port)."""
    if not 0 <= port <= 65535:
        raise ApiServerError(f"port must be in 0..65535 (0 = any free), got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ApiServerError(f"cannot resolve host {host!r}: {e.strerror}") from e
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise ApiServerError(f"cannot listen on {host}:{port}: {e.strerror}") from e
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _config(
    log_level: str, access_log: bool, screen: Callable[[FastAPI], None] | None = None
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(screen),
        log_level=log_level,
        access_log=access_log,
        server_header=False,
        timeout_graceful_shutdown=5,
    )


@dataclass(eq=False)
class ApiServer:
    """The API on a daemon thread; :meth:`stop` ends it. Made by :func:`start_api_server`."""

    url: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Ask uvicorn to finish the requests in flight and close; wait for the thread."""
        self._server.should_exit = True
        self._thread.join(_STOP_LIMIT_S)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(_STOP_LIMIT_S)

    def __enter__(self) -> ApiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_api_server(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "warning",
    screen: Callable[[FastAPI], None] | None = None,
) -> ApiServer:
    """Start the API on a background (daemon) thread and return once it accepts requests.

    For ``evtwin up``: ``server = start_api_server()`` then ``server.stop()`` on the way out.
    Port 0 takes any free port (``server.port`` says which); ``screen`` installs the central
    screen at ``/`` (``evtwin.hmi.Screen(...).install``). Raises :class:`ApiServerError`
    when the address cannot be bound or the server does not come up.
    """
    sock = bind_socket(host, port)
    url, bound_port = _url(sock), int(sock.getsockname()[1])
    server = uvicorn.Server(_config(log_level, access_log=False, screen=screen))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as e:  # reported by start_api_server, not lost with the thread
            failure.append(e)
        finally:
            sock.close()

    thread = threading.Thread(target=run, name=f"evtwin-api-{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_LIMIT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            why = repr(failure[0]) if failure else "it did not start in time"
            raise ApiServerError(f"the HTTP API on {url} did not start: {why}")
        time.sleep(0.01)
    return ApiServer(url=url, port=bound_port, _server=server, _thread=thread)


def serve_forever(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "info",
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM, then return (a graceful stop).

    ``announce`` gets the URL once the socket listens (port 0 = any free port): connections
    queue from then on. Call from the main thread (it handles SIGINT and SIGTERM).
    """
    sock = bind_socket(host, port)
    server = uvicorn.Server(_config(log_level, access_log=True))

    def stop(signum: int, frame: FrameType | None) -> None:
        # Before uvicorn installs its own handlers (a signal right after ``announce``), and
        # after it restores these and raises the signal that stopped it again.
        server.should_exit = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.closing(sock):
            if announce is not None:
                announce(_url(sock))
            server.run(sockets=[sock])
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
