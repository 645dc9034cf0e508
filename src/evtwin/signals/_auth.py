"""KUKSA-style JWT authorization for the gRPC API: ``read``, ``actuate`` and ``provide`` scopes.

As KUKSA databroker (``--jwt-public-key``): a client sends ``authorization: Bearer <JWT>``,
the token is signed RS256 with the operator's private key, and its ``scope`` claim is a
space-separated list of ``action`` or ``action:pattern`` entries (``read:Vehicle.Speed``,
``actuate:Vehicle.Cabin.**``, ``provide``). ``read`` allows getting, subscribing and
metadata; ``actuate`` requesting actuator targets; ``provide`` publishing current values and
providing signals. A call without a valid token is UNAUTHENTICATED; a valid token without the
scope the call needs is PERMISSION_DENIED. ``GetServerInfo`` needs no token (it is how a
client checks the server and presents its token).

Optional on loopback (the twin on a laptop); :class:`~evtwin.signals.SignalServer` refuses to
listen beyond loopback without a public key.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import grpc
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from evtwin.errors import SignalError, SignalServerError
from evtwin.signals._catalogue import Catalogue, _pattern_regex

__all__ = ["ACTIONS", "AuthInterceptor", "Grant", "JwtVerifier", "TokenError"]

ACTIONS: Final = ("read", "actuate", "provide")
_OPEN: Final = frozenset({"GetServerInfo"})


def _covers(pattern: str, path: str) -> bool:
    """Whether a scope pattern (``Vehicle.Cabin.**``, a leaf, a branch) covers ``path``."""
    try:
        return pattern == path or _pattern_regex(pattern).match(path) is not None
    except SignalError:
        return False


class TokenError(Exception):
    """A token that cannot be trusted (malformed, bad signature, expired)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token allows: per action, ``None`` = every signal, else path patterns."""

    scopes: dict[str, tuple[str, ...] | None]

    @classmethod
    def parse(cls, scope: str) -> Grant:
        scopes: dict[str, tuple[str, ...] | None] = {}
        for item in scope.split():
            action, _, pattern = item.partition(":")
            if action not in ACTIONS:
                continue  # databroker ignores scopes it does not know
            if not pattern:
                scopes[action] = None
            elif scopes.get(action, ()) is not None:
                scopes[action] = (*(scopes.get(action) or ()), pattern)
        return cls(scopes)

    def allows(self, action: str, paths: Iterable[str]) -> bool:
        if action not in self.scopes:
            return False
        patterns = self.scopes[action]
        if patterns is None:
            return True
        return all(any(_covers(p, path) for p in patterns) for path in paths)


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as e:
        raise TokenError("token is not base64url") from e


class JwtVerifier:
    """Checks RS256 tokens against one RSA public key (PEM)."""

    def __init__(self, public_key_pem: bytes, *, clock: Callable[[], float] = time.time) -> None:
        try:
            key = load_pem_public_key(public_key_pem)
        except ValueError as e:
            raise SignalServerError(f"JWT public key is not a PEM public key: {e}") from e
        if not isinstance(key, rsa.RSAPublicKey):
            raise SignalServerError("JWT public key must be an RSA key (tokens are RS256)")
        self._key = key
        self._clock = clock

    def verify(self, token: str) -> Grant:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("token is not a JWT (header.payload.signature)")
        try:
            header = json.loads(_b64(parts[0]))
            claims = json.loads(_b64(parts[1]))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise TokenError("token header or payload is not JSON") from e
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise TokenError("token must be signed RS256")
        try:
            self._key.verify(
                _b64(parts[2]),
                f"{parts[0]}.{parts[1]}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature as e:
            raise TokenError("token signature does not verify") from e
        if not isinstance(claims, dict):
            raise TokenError("token payload is not an object")
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp < self._clock():
            raise TokenError("token has expired")
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise TokenError("token scope must be a string")
        return Grant.parse(scope)


# -- which action (and which signals) each call needs --------------------------------------
_READ: Final = {
    "Get",
    "Subscribe",
    "GetValue",
    "GetValues",
    "SubscribeById",
    "ListMetadata",
    "GetDatapoints",
    "GetMetadata",
}
_ACTUATE: Final = {"Actuate", "BatchActuate", "ActuateStream", "SetDatapoints"}
_PROVIDE: Final = {"PublishValue", "OpenProviderStream"}


def _by_id(catalogue: Catalogue, signal_id: int) -> str:
    try:
        return catalogue.by_id(signal_id).path
    except SignalError:
        return ""  # unknown: the servicer answers NOT_FOUND if the scope lets it through


def _action(method: str) -> str:
    if method in _READ:
        return "read"
    return "actuate" if method in _ACTUATE else "provide"


def _v2_path(catalogue: Catalogue, signal_id: Any) -> str:
    if signal_id.WhichOneof("signal") == "id":
        return _by_id(catalogue, signal_id.id)
    return str(signal_id.path)


def needs(method: str, request: Any, catalogue: Catalogue) -> list[tuple[str, list[str]]]:
    """The (action, paths) a unary-request call needs; paths empty = not known up front."""
    if method == "Set":  # v1: current values are provided, targets actuated
        out: list[tuple[str, list[str]]] = []
        for u in request.updates:
            action = "provide" if 2 in u.fields else "actuate"  # FIELD_VALUE = 2
            out.append((action, [u.entry.path]))
        return out or [("actuate", [])]
    action = _action(method)
    paths: list[str] = []
    if method in ("Get", "Subscribe") and hasattr(request, "entries"):
        paths = [e.path for e in request.entries]
    elif method == "Subscribe" and hasattr(request, "signal_paths"):
        paths = list(request.signal_paths)
    elif method == "Subscribe" and hasattr(request, "query"):
        from evtwin.signals._sdv_v1 import parse_query

        try:
            paths = parse_query(request.query)
        except SignalError:
            paths = []
    elif method in ("GetValue", "Actuate", "PublishValue"):
        paths = [_v2_path(catalogue, request.signal_id)]
    elif method == "GetValues":
        paths = [_v2_path(catalogue, s) for s in request.signal_ids]
    elif method == "SubscribeById":
        paths = [_by_id(catalogue, i) for i in request.signal_ids]
    elif method == "BatchActuate":
        paths = [_v2_path(catalogue, r.signal_id) for r in request.actuate_requests]
    elif method == "ListMetadata":
        paths = [request.root] if request.root else []
    elif method == "GetDatapoints":
        paths = list(request.datapoints)
    elif method == "SetDatapoints":
        paths = list(request.datapoints.keys())
    elif method == "GetMetadata":
        paths = list(request.names)
    return [(action, paths)]


def _bearer(context: Any) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
    return None


class AuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Checks every call's token and scopes before the servicer sees it."""

    def __init__(self, verifier: JwtVerifier, catalogue: Catalogue) -> None:
        self._verifier = verifier
        self._catalogue = catalogue

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        method = str(handler_call_details.method).rsplit("/", 1)[-1]
        if handler is None or method in _OPEN:
            return handler
        return _wrap(handler, method, self)

    def check(self, method: str, request: Any | None, context: Any) -> None:
        token = _bearer(context)
        if token is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Bearer token required")
        try:
            grant = self._verifier.verify(str(token))
        except TokenError as e:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, f"invalid token: {e}")
        wanted: list[tuple[str, list[str]]]
        if request is None:  # a streaming request: the action only
            wanted = [(_action(method), [])]
        else:
            wanted = needs(method, request, self._catalogue)
        for action, paths in wanted:
            if not grant.allows(action, paths):
                shown = f" for {', '.join(paths[:3])}" if paths else ""
                context.abort(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"the token's scope does not allow {action}{shown}",
                )


def _wrap(handler: Any, method: str, auth: AuthInterceptor) -> Any:
    if handler.unary_unary is not None:
        inner_uu = handler.unary_unary

        def uu(request: Any, context: Any) -> Any:
            auth.check(method, request, context)
            return inner_uu(request, context)

        return grpc.unary_unary_rpc_method_handler(
            uu, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream is not None:
        inner_us = handler.unary_stream

        def us(request: Any, context: Any) -> Iterator[Any]:
            auth.check(method, request, context)
            yield from inner_us(request, context)

        return grpc.unary_stream_rpc_method_handler(
            us, handler.request_deserializer, handler.response_serializer
        )
    if handler.stream_unary is not None:
        inner_su = handler.stream_unary

        def su(requests: Any, context: Any) -> Any:
            auth.check(method, None, context)
            return inner_su(requests, context)

        return grpc.stream_unary_rpc_method_handler(
            su, handler.request_deserializer, handler.response_serializer
        )
    inner_ss = handler.stream_stream

    def ss(requests: Any, context: Any) -> Iterator[Any]:
        auth.check(method, None, context)
        yield from inner_ss(requests, context)

    return grpc.stream_stream_rpc_method_handler(
        ss, handler.request_deserializer, handler.response_serializer
    )
