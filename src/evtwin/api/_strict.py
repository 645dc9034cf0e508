"""Unknown query parameters are an error (422), for every endpoint, from its own declaration.

A misspelt or unsupported parameter (``?temp=-5&speed=120``) must not quietly return the
default answer. :func:`reject_unknown_query` is an app-wide dependency: it reads the query
parameters the matched route declares (its own and its dependencies', by alias) and answers
422 naming the accepted ones, so a new endpoint gets the check without any code of its own.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

__all__ = ["accepted_query_names", "reject_unknown_query"]

_CACHE: dict[int, frozenset[str]] = {}


def accepted_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` declares (aliases where given)."""
    key = id(route)
    names = _CACHE.get(key)
    if names is None:
        names = frozenset(_query_names(route.dependant))
        _CACHE[key] = names
    return names


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias or p.name for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
    """Raise a 422 ``RequestValidationError`` for each query parameter the route lacks."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    accepted = accepted_query_names(route)
    unknown = sorted({k for k in request.query_params if k not in accepted})
    if not unknown:
        return
    hint = (
        "accepted: " + ", ".join(sorted(accepted))
        if accepted
        else "this endpoint takes no query parameters"
    )
    errors: list[dict[str, Any]] = [
        {
            "type": "extra_forbidden",
            "loc": ("query", name),
            "msg": f"unknown query parameter ({hint})",
            "input": request.query_params.get(name),
        }
        for name in unknown
    ]
    raise RequestValidationError(errors)
