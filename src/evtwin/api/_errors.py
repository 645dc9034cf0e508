"""Errors as JSON: every failure answers ``{"error": {"type", "message"}}``, never a traceback.

- :class:`~evtwin.errors.UnknownVehicleError` → 404 (in the path or in ``vs``), the message
  lists close matches;
- any other :class:`~evtwin.errors.EvtwinError` (a value out of bounds, a malformed date,
  negative miles) → 400, the message names the value and its unit;
- a query value of the wrong type (``years=four``) → 422, with ``details`` per parameter;
- an unknown path → 404; anything unexpected → 500 with the error's type only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from evtwin.errors import EvtwinError, UnknownVehicleError

__all__ = ["ERROR_RESPONSES", "error_body", "install_error_handlers", "status_for"]

_log = logging.getLogger("evtwin.api")


_ERROR_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string", "examples": ["UnknownVehicleError"]},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "the input at fault, if known"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def _response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_SCHEMA}},
    }


ERROR_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: _response("Bad input: a value out of bounds or inconsistent (message names it)"),
    404: _response("Unknown vehicle (the message lists close matches)"),
    422: _response("A query value of the wrong type (details per parameter)"),
}
"""OpenAPI ``responses`` for every endpoint that takes input."""


def status_for(error: EvtwinError) -> int:
    """HTTP status of an evtwin error: 404 for an unknown vehicle, else 400."""
    return 404 if isinstance(error, UnknownVehicleError) else 400


def error_body(
    type_: str, message: str, details: Sequence[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The error object: ``{"error": {"type", "message"[, "details"]}}``."""
    err: dict[str, Any] = {"type": type_, "message": message}
    if details is not None:
        err["details"] = list(details)
    return {"error": err}


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        where = loc[0] if loc else ""
        name = ".".join(loc[1:]) if len(loc) > 1 else where
        out.append(
            {
                "parameter": name,
                "in": where,
                "message": str(e.get("msg", "invalid")),
                "input": e.get("input") if isinstance(e.get("input"), str | int | float) else None,
            }
        )
    return out


def _validation_message(details: Sequence[dict[str, Any]]) -> str:
    parts = []
    for d in details:
        got = f", got {d['input']!r}" if d["input"] is not None else ""
        parts.append(f"{d['parameter']}: {d['message']}{got}")
    return "; ".join(parts) or "invalid request"


async def _on_evtwin_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EvtwinError)
    body = error_body(type(exc).__name__, str(exc))
    if exc.field is not None:  # the input at fault, where the domain names it
        body["error"]["field"] = exc.field
    return JSONResponse(body, status_code=status_for(exc))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    return JSONResponse(
        error_body("RequestValidationError", _validation_message(details), details),
        status_code=422,
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    kind = "NotFound" if exc.status_code == 404 else "HTTPError"
    message = f"no such endpoint: {request.url.path}" if exc.status_code == 404 else exc.detail
    return JSONResponse(
        error_body(kind, str(message)), status_code=exc.status_code, headers=exc.headers
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unexpected error on %s", request.url.path)
    return JSONResponse(
        error_body(
            "InternalError", f"evtwin could not answer ({type(exc).__name__}); see the server log"
        ),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the JSON error object (see the module docstring)."""
    app.add_exception_handler(EvtwinError, _on_evtwin_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
