"""OpenAPI documentation of the routes FastAPI cannot describe by itself.

The two check-in routes are plain Starlette routes (no validation layer on the hot path) and
registration reads its body by hand (the token is checked first), so their shapes are added
to the generated schema here. The HTTP fuzz test (``tests/cloud/test_fuzz.py``) generates
requests from this schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["extend_openapi"]

_ERROR = {"description": "refused, with a JSON body {detail}"}
_VIN = {"name": "vin", "in": "path", "required": True, "schema": {"type": "string"}}
_BEARER = {"name": "authorization", "in": "header", "required": False, "schema": {"type": "string"}}
_SIGNATURE = {
    "type": "object",
    "required": ["keyid", "sig"],
    "properties": {"keyid": {"type": "string"}, "sig": {"type": "string"}},
}
_ENVELOPE = {
    "type": "object",
    "required": ["signed", "signatures"],
    "properties": {
        "signed": {"type": "object"},
        "signatures": {"type": "array", "items": _SIGNATURE},
    },
}
_INVENTORY = {
    "type": "object",
    "required": ["vin", "primary_serial", "ecus"],
    "properties": {
        "vin": {"type": "string"},
        "primary_serial": {"type": "string"},
        "ecus": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["serial", "hardware_id", "public_key"],
                "properties": {
                    "serial": {"type": "string"},
                    "hardware_id": {"type": "string"},
                    "public_key": {
                        "type": "object",
                        "properties": {
                            "keyid": {"type": "string"},
                            "keytype": {"type": "string"},
                            "scheme": {"type": "string"},
                            "keyval": {"type": "object"},
                        },
                    },
                },
            },
        },
    },
}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answers(*codes: int) -> dict[str, Any]:
    return {"200": {"description": "OK"}, **{str(c): _ERROR for c in codes}}


PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/vehicles/{vin}/nonce": {
        "get": {
            "summary": "A one-time nonce for the vehicle's next manifest (bearer token)",
            "operationId": "nonce",
            "parameters": [_VIN, _BEARER],
            "responses": _answers(401),
        }
    },
    "/api/v1/vehicles/{vin}/time": {
        "post": {
            "summary": "The time server: the current time signed over the car's nonces",
            "operationId": "attest_time",
            "parameters": [_VIN, _BEARER],
            "requestBody": _json_body(
                {
                    "type": "object",
                    "required": ["nonces"],
                    "properties": {"nonces": {"type": "array", "items": {"type": "string"}}},
                }
            ),
            "responses": _answers(400, 401, 413),
        }
    },
    "/api/v1/vehicles/{vin}/token": {
        "post": {
            "summary": "A fresh bearer token replaces the car's current one (bearer token)",
            "operationId": "rotate_token",
            "parameters": [_VIN, _BEARER],
            "responses": _answers(401),
        }
    },
    "/api/v1/vehicles/{vin}/manifest": {
        "post": {
            "summary": "The vehicle's signed version manifest (bearer token, at most 64 KiB)",
            "operationId": "manifest",
            "parameters": [_VIN, _BEARER],
            "requestBody": _json_body(_ENVELOPE),
            "responses": _answers(400, 401, 413),
        }
    },
}


def extend_openapi(generate: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's ``app.openapi`` so the schema also names the check-in routes and the
    registration body."""
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not cache:
            schema = generate()
            schema.setdefault("paths", {}).update(PATHS)
            register = schema["paths"].get("/api/v1/vehicles", {}).get("post")
            if register is not None:
                register["requestBody"] = _json_body(_INVENTORY)
            cache.update(schema)
        return cache

    return openapi
