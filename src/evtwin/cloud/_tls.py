"""Mutual TLS bound to the car: the client certificate names the VIN it may act for.

uvicorn verifies a client certificate (``ssl_cert_reqs=CERT_REQUIRED``) but does not hand it
to the application. :func:`vin_bound_protocol` is uvicorn's HTTP protocol that does: each TLS
connection's peer certificate goes into every request's ASGI scope as the standard ASGI TLS
extension (``scope["extensions"]["tls"]``: ``client_cert_chain`` as PEM, ``client_cert_name``
as an RFC 4514 string), so any ASGI server implementing that extension works the same.

:func:`certificate_vins` reads which VINs a certificate names: its subject's common name and
each ``subjectAltName`` entry, a DNS name or a URI ``urn:vin:<VIN>``, that has the form of a
VIN (17 characters of A-Z/0-9 without I, O, Q). The app (:mod:`evtwin.cloud._app`) refuses a
car's routes, registration and image downloads for a VIN the certificate does not name (403).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from evtwin.errors import OtaAuthError

__all__ = [
    "VinBinding",
    "certificate_vins",
    "request_certificate_vins",
    "vin_bound_protocol",
]

_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_URN = "urn:vin:"

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]


def certificate_vins(cert: x509.Certificate) -> frozenset[str]:
    """The VINs a car's certificate names (common name, SAN DNS names, SAN ``urn:vin:``)."""
    names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        names += san.get_values_for_type(x509.DNSName)
        names += [
            u[len(_URN) :]
            for u in san.get_values_for_type(x509.UniformResourceIdentifier)
            if u.lower().startswith(_URN)
        ]
    return frozenset(n.upper() for n in names if _VIN.fullmatch(n.upper()))


def request_certificate_vins(scope: Scope) -> frozenset[str] | None:
    """The VINs named by the client certificate of this request's connection; ``None`` when
    the connection carries no client certificate (plain HTTP, or TLS without client
    certificates): then nothing is bound.

    Raises:
        OtaAuthError: the certificate in the scope cannot be read.
    """
    tls = (scope.get("extensions") or {}).get("tls")
    chain = tls.get("client_cert_chain") if isinstance(tls, dict) else None
    if not chain:
        return None
    return _pem_vins(str(chain[0]))


@functools.lru_cache(maxsize=4096)
def _pem_vins(pem: str) -> frozenset[str]:
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError as e:
        raise OtaAuthError(f"client certificate unreadable: {e}") from e
    return certificate_vins(cert)


_CAR_PATH = re.compile(r"^/(?:api/v1/vehicles|director)/([^/]+)/")


class VinBinding:
    """ASGI middleware: a request over a connection with a client certificate may act only
    for a VIN the certificate names (else 403). A car's own routes
    (``/api/v1/vehicles/{vin}/…``, ``/director/{vin}/…``) are checked by their path; image
    downloads (``/image/targets/…``) by the VIN of the bearer token
    (``vin_for_token``, ``None`` for an unknown token: the route answers 401 itself).
    Registration checks the inventory's VIN in its route. Requests without a client
    certificate pass unchanged (plain HTTP, TLS without client certificates).
    """

    def __init__(self, app: Asgi, vin_for_token: Callable[[str], str | None]) -> None:
        self.app = app
        self.vin_for_token = vin_for_token

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        try:
            vins = request_certificate_vins(scope)
        except OtaAuthError as e:
            await _forbidden(send, str(e))
            return
        if vins is None:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        wanted: str | None = None
        m = _CAR_PATH.match(path)
        if m:
            wanted = m[1]
        elif path.startswith("/image/targets/"):
            token = _bearer_of(scope)
            wanted = self.vin_for_token(token) if token else None
        if wanted is not None and wanted.upper() not in vins:
            await _forbidden(
                send, f"client certificate names {sorted(vins) or 'no VIN'}, not {wanted[:40]!r}"
            )
            return
        await self.app(scope, receive, send)


def _bearer_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            text = bytes(value).decode("latin-1")
            return text.removeprefix("Bearer ") if text.startswith("Bearer ") else None
    return None


async def _forbidden(send: Any, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _tls_extension(transport: asyncio.BaseTransport) -> dict[str, Any] | None:
    ssl_object = transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return None
    cert = x509.load_der_x509_certificate(der)
    return {
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)],
        "client_cert_name": cert.subject.rfc4514_string(),
        "client_cert_error": None,
        "tls_version": None,
        "cipher_suite": None,
    }


def _with_tls(app: Asgi, tls: dict[str, Any]) -> Asgi:
    async def bound(scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") in ("http", "websocket"):
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), "tls": tls}}
        await app(scope, receive, send)

    return bound


def vin_bound_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) that passes each TLS
    connection's client certificate to the app (``uvicorn.Config(http=…)``)."""
    base: type[Any]
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    except ImportError:  # httptools not installed
        from uvicorn.protocols.http.h11_impl import H11Protocol

        base = H11Protocol

    class VinBoundProtocol(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            tls = _tls_extension(transport)
            if tls is not None:  # this connection's requests carry its certificate
                app: Asgi = getattr(self, "app")  # noqa: B009  (set by uvicorn; untyped base)
                self.app = _with_tls(app, tls)

    return VinBoundProtocol
