"""The fleet HTTP API (FastAPI): fleet questions over stored telemetry.

``GET /api/v1/fleet/consumption``, ``/charging``, ``/software``, ``/vehicles/{vin}/latest``,
``/health``, ``/campaigns`` (the campaigns the service was started with, each with its
status) and, when given the built front end's directory, the fleet page at ``/`` (assets
under ``/screen``). Bad input is a 4xx with ``{"error": {"type", "message"}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from evtwin.errors import EvtwinError, TelemetryError
from evtwin.fleet import _questions as Q
from evtwin.fleet._store import TelemetryStore

__all__ = ["create_fleet_app"]

PREFIX = "/api/v1/fleet"
Since = Annotated[float | None, Query(ge=0, allow_inf_nan=False, description="unix s")]
Until = Annotated[float | None, Query(gt=0, allow_inf_nan=False, description="unix s")]
MinKm = Annotated[float, Query(ge=0, le=10000, allow_inf_nan=False)]
Prefixes = Annotated[list[str], Query(max_length=17)]
Version = Annotated[str | None, Query(max_length=64)]


def _err(kind: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


PAGE: Final = "fleet.html"
ASSETS_PATH: Final = "/screen"


def create_fleet_app(
    store: TelemetryStore,
    *,
    campaigns: Sequence[Q.Campaign] = (),
    page_dir: Path | None = None,
) -> FastAPI:
    """The fleet API over ``store``; ``campaigns`` for ``/campaigns``; ``page_dir``: the built
    front end (``fleet.html`` and its ``assets/``) to serve the fleet page from."""
    ids = [c.id for c in campaigns]
    if len(set(ids)) != len(ids):
        raise TelemetryError(f"campaign ids must be unique, got {ids}")
    app = FastAPI(title="evtwin fleet", version="1")

    @app.exception_handler(EvtwinError)
    async def _evtwin(request: Request, exc: Exception) -> JSONResponse:
        return _err(type(exc).__name__, str(exc), 400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        msg = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return _err("ValidationError", msg, 422)

    @app.get(f"{PREFIX}/health")
    def health() -> dict[str, Any]:
        return {
            "store": store.kind,
            "rows": store.count(),
            "retention_days": store.retention_days,
            "partitions": len(store.partitions()),
        }

    @app.get(f"{PREFIX}/consumption")
    def consumption(
        since_s: Since = None,
        until_s: Until = None,
        min_km: MinKm = Q.MIN_KM_DEFAULT,
    ) -> dict[str, Any]:
        return Q.consumption(store, since_s=since_s, until_s=until_s, min_km=min_km)

    @app.get(f"{PREFIX}/charging")
    def charging(since_s: Since = None, until_s: Until = None) -> dict[str, Any]:
        return Q.charging(store, since_s=since_s, until_s=until_s)

    @app.get(f"{PREFIX}/software")
    def software(
        vin_prefix: Prefixes = [],  # noqa: B006
        target_version: Version = None,
    ) -> dict[str, Any]:
        return Q.software(store, vin_prefixes=vin_prefix, target_version=target_version)

    @app.get(f"{PREFIX}/vehicles/{{vin}}/latest", response_model=None)
    def latest(vin: str) -> dict[str, Any] | JSONResponse:
        try:
            return Q.latest(store, vin)
        except LookupError:
            return _err("NotFound", f"no telemetry from {vin}", 404)

    @app.get(f"{PREFIX}/campaigns")
    def campaigns_status() -> dict[str, Any]:
        return {"campaigns": [Q.campaign(store, c) for c in campaigns]}

    @app.get("/", include_in_schema=False)
    @app.get("/fleet", include_in_schema=False)
    def page() -> HTMLResponse:
        index = page_dir / PAGE if page_dir is not None else None
        if index is None or not index.is_file():
            return HTMLResponse(
                "<!doctype html><html lang=en><title>evtwin fleet</title><p>The fleet page is "
                "not built: run <code>make frontend</code> (needs Node and npm). The API is at "
                '<a href="/docs">/docs</a>.</p></html>',
                status_code=503,
            )
        return HTMLResponse(index.read_text(encoding="utf-8"))

    if page_dir is not None and (page_dir / "assets").is_dir():
        app.mount(ASSETS_PATH, StaticFiles(directory=str(page_dir)), name="fleet-page")
    return app
