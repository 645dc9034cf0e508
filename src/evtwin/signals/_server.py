"""The KUKSA-compatible gRPC server: ``kuksa.val.v1``, ``kuksa.val.v2`` and the older
``sdv.databroker.v1`` (Velocitas vehicle apps) over one broker.

Listens on 127.0.0.1:55555 by default (KUKSA databroker's default port), insecure (no TLS),
as a local databroker in development mode. With ``jwt_public_key`` every call needs a
KUKSA-style JWT (``read``/``actuate``/``provide`` scopes, see ``_auth``); listening beyond
loopback without one is refused. The service stubs are the ones generated
by the KUKSA project and shipped inside PyPI ``kuksa-client``.
"""

from __future__ import annotations

import ipaddress
from concurrent import futures
from types import TracebackType
from typing import Final

import grpc
from kuksa.val.v1 import val_pb2_grpc as val_grpc_v1
from kuksa.val.v2 import val_pb2_grpc as val_grpc_v2

from evtwin.errors import SignalServerError
from evtwin.signals._auth import AuthInterceptor, JwtVerifier
from evtwin.signals._broker import Broker
from evtwin.signals._kuksa_v1 import ValV1Servicer
from evtwin.signals._kuksa_v2 import ValV2Servicer
from evtwin.signals._sdv_v1 import sdv_v1_handler

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "SignalServer", "is_loopback"]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 55555
"""KUKSA databroker's default gRPC port."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SignalServer:
    """Serve ``broker`` over gRPC. ``port=0`` picks a free port (see :attr:`port`).

    Each open stream (a subscription, a provider) holds one of ``max_workers`` threads while
    it lasts; size it above the number of concurrent subscribers you expect.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        max_workers: int = 64,
        jwt_public_key: bytes | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise SignalServerError(f"port must be in 0..65535, got {port}")
        if jwt_public_key is None and not is_loopback(host):
            raise SignalServerError(
                f"listening on {host} (beyond loopback) needs token authorization: give the "
                "public key that verifies clients' JWTs (evtwin up --jwt-public-key FILE)"
            )
        self._verifier = None if jwt_public_key is None else JwtVerifier(jwt_public_key)
        self.broker = broker
        self.host = host
        self._requested_port = port
        self._max_workers = max_workers
        self._server: grpc.Server | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port listened on (known once started)."""
        if self._port is None:
            raise SignalServerError("the signal server is not started")
        return self._port

    @property
    def address(self) -> str:
        """``host:port`` to give a gRPC client."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def start(self) -> SignalServer:
        if self._server is not None:
            return self
        server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=self._max_workers, thread_name_prefix="evtwin-grpc"
            ),
            options=[("grpc.so_reuseport", 0)],
            interceptors=(
                []
                if self._verifier is None
                else [AuthInterceptor(self._verifier, self.broker.catalogue)]
            ),
        )
        val_grpc_v1.add_VALServicer_to_server(ValV1Servicer(self.broker), server)
        val_grpc_v2.add_VALServicer_to_server(ValV2Servicer(self.broker), server)
        server.add_generic_rpc_handlers((sdv_v1_handler(self.broker),))
        target = (
            f"[{self.host}]:{self._requested_port}"
            if ":" in self.host
            else (f"{self.host}:{self._requested_port}")
        )
        try:
            port = int(server.add_insecure_port(target))
        except RuntimeError as e:
            raise SignalServerError(f"cannot listen on {target} (in use?): {e}") from e
        if port == 0:
            raise SignalServerError(f"cannot listen on {target} (address in use?)")
        server.start()
        self._server, self._port = server, port
        return self

    def stop(self, grace_s: float | None = 1.0) -> None:
        """Stop serving; open streams are cancelled after ``grace_s`` seconds."""
        if self._server is not None:
            self._server.stop(grace_s).wait()
            self._server = None

    def __enter__(self) -> SignalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
