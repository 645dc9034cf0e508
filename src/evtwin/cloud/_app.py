"""HTTP API of the OTA server (FastAPI). Routes translate; :class:`OtaServer` decides.

Routes (JSON unless noted):

- ``POST /api/v1/vehicles`` (``X-Provisioning-Token``): register an inventory; returns
  ``{vin, token, director_root, image_root}`` (roots as metadata JSON).
- ``GET /api/v1/vehicles/{vin}/nonce`` (``Authorization: Bearer``): ``{nonce}``.
- ``POST /api/v1/vehicles/{vin}/manifest`` (bearer): signed manifest; returns
  ``{assigned, consent, nonce}`` once the manifest is committed (``nonce``: a fresh one-time
  nonce for the next manifest, so a car checks in with one request).
- ``PUT /api/v1/images/{name}?hardware_id=…&release_counter=…`` (``X-Admin-Token``): raw
  image body; returns its targets entry.
- ``POST /api/v1/campaigns`` (admin): create from a spec (see :class:`CampaignSpec`);
  ``POST /api/v1/campaigns/{name}/{start|pause|resume|stop|cancel}``,
  ``GET /api/v1/campaigns/{name}``: state, stage, per-outcome counts.
- ``POST /api/v1/keys/{image|director}/{role}/rotate`` (admin): new key for an online role.
- ``GET /director/{vin}/metadata/{file}`` (bearer), ``GET /image/metadata/{file}``: metadata.
- ``GET /image/targets/{file}``: image bytes, with single-range ``Range`` support (206/416).

Online metadata stays fresh: while the app runs, a background task calls
:meth:`OtaServer.refresh_metadata` once at start-up and then every ``refresh_interval_s``
(stopping with the app), and a request for a ``timestamp.json`` (the first file a car's
update cycle reads after root) re-signs what is due for that repository first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response

from evtwin.cloud._range import parse_range
from evtwin.cloud._server import OtaServer
from evtwin.errors import (
    OtaAuthError,
    OtaError,
    OtaInventoryError,
    OtaManifestError,
    OtaRangeError,
)

__all__ = ["create_app"]

log = logging.getLogger("evtwin.cloud.ota")

_MAX_IMAGE_BYTES = 512 * 1024 * 1024
_MAX_JSON_BYTES = 1024 * 1024


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ")
    return None


async def _capped_body(request: Request, cap_bytes: int) -> bytes:
    """The request body, refused (413) as soon as it grows past ``cap_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap_bytes:
        raise HTTPException(413, f"body of {declared} bytes exceeds {cap_bytes}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap_bytes:
            raise HTTPException(413, f"body exceeds {cap_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_body(request: Request) -> dict[str, Any]:
    body = await _capped_body(request, _MAX_JSON_BYTES)
    try:
        data = orjson.loads(body)  # strict JSON: no NaN/Infinity, nesting capped
    except ValueError as e:
        raise HTTPException(400, f"body is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise HTTPException(400, "body must be a JSON object")
    return data


def _json(content: dict[str, Any]) -> Response:
    return Response(orjson.dumps(content), media_type="application/json")


async def _refresh_loop(server: OtaServer, interval_s: float, stop: asyncio.Event) -> None:
    """Re-sign due online metadata every ``interval_s`` real seconds until ``stop`` is set.

    Signing runs in a worker thread (it holds the server's lock, not the event loop). A
    failing pass is logged and retried at the next interval; the loop ends only with ``stop``.
    """
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        if stop.is_set():
            break
        try:
            await asyncio.to_thread(server.refresh_metadata)
        except Exception:  # keep refreshing: an expired timestamp stops every car's updates
            log.exception("re-signing online metadata failed; retrying in %g s", interval_s)


def create_app(server: OtaServer, *, refresh_interval_s: float = 60.0) -> FastAPI:
    """The FastAPI application over ``server``.

    ``refresh_interval_s``: real seconds between the background passes that re-sign due
    online metadata (:meth:`OtaServer.refresh_metadata`); the first pass runs at start-up,
    before the app serves. ``app.state.refresher`` is the task (done once the app stopped).

    Raises:
        OtaError: ``refresh_interval_s`` is not positive.
    """
    if not refresh_interval_s > 0:
        raise OtaError(f"refresh interval must be positive, got {refresh_interval_s} s")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:  # a server back after an outage re-signs before it serves
            await asyncio.to_thread(server.refresh_metadata)
        except Exception:  # serve anyway: the loop and the request paths retry
            log.exception("re-signing online metadata at start-up failed")
        stop = asyncio.Event()
        app.state.refresher = asyncio.create_task(
            _refresh_loop(server, refresh_interval_s, stop), name="ota-metadata-refresher"
        )
        try:
            yield
        finally:
            stop.set()
            await app.state.refresher

    app = FastAPI(title="evtwin OTA server", version="1", lifespan=lifespan)

    def auth_vehicle(vin: str, authorization: str | None) -> None:
        try:
            server.authenticate_vehicle(vin, _bearer(authorization))
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/vehicles", status_code=201)
    async def register(
        request: Request, x_provisioning_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        inventory = await _json_body(request)
        try:
            creds = server.register(inventory, x_provisioning_token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        except OtaInventoryError as e:
            raise HTTPException(409 if "already" in str(e) else 400, str(e)) from e
        return {
            "vin": creds.vin,
            "token": creds.token,
            "director_root": json.loads(creds.director_root),
            "image_root": json.loads(creds.image_root),
        }

    # The two check-in routes are what every car calls all the time: plain Starlette routes
    # (no dependency injection or validation layer), on the event loop, the database write
    # awaited. Errors are the same HTTPExceptions, so answers look like every other route's.
    async def nonce(request: Request) -> Response:
        vin = request.path_params["vin"]
        auth_vehicle(vin, request.headers.get("authorization"))
        return _json({"nonce": server.nonce(vin)})

    async def manifest(request: Request) -> Response:
        vin = request.path_params["vin"]
        auth_vehicle(vin, request.headers.get("authorization"))
        body = await _json_body(request)
        try:
            result = await server.check_in_async(vin, body)
        except (OtaManifestError, OtaInventoryError) as e:
            raise HTTPException(400, str(e)) from e
        await asyncio.wrap_future(result.durable)
        return _json(
            {"assigned": result.assigned, "consent": result.consent, "nonce": result.next_nonce}
        )

    app.router.add_route("/api/v1/vehicles/{vin}/nonce", nonce, methods=["GET"])
    app.router.add_route("/api/v1/vehicles/{vin}/manifest", manifest, methods=["POST"])

    @app.put("/api/v1/images/{name}", status_code=201)
    async def release(
        name: str,
        request: Request,
        hardware_id: Annotated[list[str], Query()],
        release_counter: int,
        x_admin_token: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        try:
            server.authenticate_admin(x_admin_token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        data = await _capped_body(request, _MAX_IMAGE_BYTES)
        try:
            return server.release(name, data, hardware_id, release_counter)
        except OtaError as e:
            raise HTTPException(400, str(e)) from e

    def admin(token: str | None) -> None:
        try:
            server.authenticate_admin(token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e

    @app.post("/api/v1/campaigns", status_code=201)
    async def create_campaign(
        request: Request, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        admin(x_admin_token)
        spec = await _json_body(request)
        try:
            return server.create_campaign(spec)
        except OtaError as e:
            raise HTTPException(409 if "already exists" in str(e) else 400, str(e)) from e

    @app.get("/api/v1/campaigns/{name}")
    def campaign_status(
        name: str, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        admin(x_admin_token)
        try:
            return server.campaign_action(name, "status")
        except OtaError as e:
            raise HTTPException(404, str(e)) from e

    @app.post("/api/v1/campaigns/{name}/{action}")
    def campaign_action(
        name: str, action: str, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        admin(x_admin_token)
        if name not in server.campaigns:
            raise HTTPException(404, f"no campaign {name!r}")
        try:
            return server.campaign_action(name, action)
        except OtaError as e:
            raise HTTPException(409, str(e)) from e

    @app.post("/api/v1/keys/{repository}/{role}/rotate")
    def rotate_key(
        repository: str, role: str, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        admin(x_admin_token)
        try:
            return server.rotate_online_key(repository, role)
        except OtaError as e:
            raise HTTPException(400, str(e)) from e

    def artefact(path: str) -> bytes:
        data = server.artefact(path)
        if data is None:
            raise HTTPException(404, f"{path} not found")
        return data

    @app.get("/director/{vin}/metadata/{filename}")
    def director_metadata(
        vin: str, filename: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        auth_vehicle(vin, authorization)
        if filename == "timestamp.json":
            server.refresh_metadata([vin])
        return Response(
            artefact(f"director/{vin}/metadata/{filename}"), media_type="application/json"
        )

    @app.get("/image/metadata/{filename}")
    def image_metadata(filename: str) -> Response:
        if filename == "timestamp.json":
            server.refresh_metadata([])
        return Response(artefact(f"image/metadata/{filename}"), media_type="application/json")

    @app.get("/image/targets/{filename}")
    def image_target(filename: str, range: Annotated[str | None, Header()] = None) -> Response:
        data = artefact(f"image/targets/{filename}")
        size = len(data)
        headers = {"Accept-Ranges": "bytes"}
        try:
            span = parse_range(range, size)
        except OtaRangeError as e:
            raise HTTPException(416, str(e), headers={"Content-Range": f"bytes */{size}"}) from e
        if span is None:
            return Response(data, media_type="application/octet-stream", headers=headers)
        first, last = span
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        return Response(
            data[first : last + 1],
            status_code=206,
            media_type="application/octet-stream",
            headers=headers,
        )

    return app
