"""HTTP API of the OTA server (FastAPI). Routes translate; :class:`OtaServer` decides.

Routes (JSON unless noted):

- ``POST /api/v1/vehicles`` (``X-Provisioning-Token``): register an inventory; returns
  ``{vin, token, director_root, image_root}`` (roots as metadata JSON).
- ``GET /api/v1/vehicles/{vin}/nonce`` (``Authorization: Bearer``): ``{nonce}``.
- ``POST /api/v1/vehicles/{vin}/time`` (bearer): ``{"nonces": [hex, …]}`` → the time
  server's signed attestation ``{"signed": {"time", "nonces", "vin"}, "signatures"}``.
- ``POST /api/v1/vehicles/{vin}/token`` (bearer): a fresh token replaces the current one
  (``{vin, token}``); the token before it may complete the rotation again for a short grace,
  if the answer was lost, until ``POST /api/v1/vehicles/{vin}/token/confirm`` (bearer: the new
  token) ends the grace (``{vin}``); ``POST /api/v1/vehicles/{vin}/revoke`` (admin): the
  car's token is refused from now on.
- ``POST /api/v1/vehicles/{vin}/manifest`` (bearer): signed manifest; returns
  ``{assigned, consent, nonce}`` once the manifest is committed (``nonce``: a fresh one-time
  nonce for the next manifest, so a car checks in with one request).
- ``PUT /api/v1/images/{name}?hardware_id=…&release_counter=…`` (``X-Admin-Token``): raw
  image body; returns its targets entry.
- ``PUT /api/v1/image-targets`` (admin): Image targets metadata signed offline at the key
  ceremony (``evtwin ota release --keys DIR``); publishes the pending images it names. A
  server made by the ceremony answers an image upload ``{"pending": true, …}``: stored, but
  listed nowhere and offered to no car until such signed targets name it.
- ``GET /api/v1/audit?limit=N`` (admin): the audit log of admin attempts.
- ``GET /api/v1/pending-images`` (admin): uploads waiting for the key holders' signatures.
- ``POST /api/v1/campaigns`` (admin): create from a spec (see :class:`CampaignSpec`);
  ``POST /api/v1/campaigns/{name}/{start|pause|resume|stop|cancel}``,
  ``GET /api/v1/campaigns/{name}``: state, stage, per-outcome counts.
- ``POST /api/v1/keys/{image|director}/{role}/rotate`` (admin): new key for an online role.
- ``GET /director/{vin}/metadata/{file}`` (bearer), ``GET /image/metadata/{file}``: metadata.
- ``GET /image/targets/{file}`` (any registered car's bearer token): image bytes, with
  single-range ``Range`` support (206/416),
  streamed from the store in 64 KiB chunks (never held whole in memory).

Mutual TLS bound to the VIN: over a connection with a client certificate (the server run
with :func:`evtwin.cloud.vin_bound_protocol`, which passes it in the ASGI TLS extension), a
car's routes, its registration and its image downloads are refused (403) for any VIN the
certificate does not name (:class:`evtwin.cloud._tls.VinBinding`).

Hardening (see docs/ota.md, "Threats, defences and tests"): request bodies are capped (a
manifest or any other JSON body at 64 KiB, an image at 512 MiB) and JSON above a few KiB is
parsed in a worker thread; a manifest is parsed and verified off the event loop and without
the server's lock; file names with anything but ``[A-Za-z0-9._-]`` are 404; admin and
provisioning tokens are throttled per client address (:class:`AuthThrottle`: 10 wrong
tokens a minute, then 429 with ``Retry-After``) and every admin attempt is written to the
database's audit log. Errors of the ``OtaError`` tree map to 4xx: auth 401, range 416,
release bounds 422, release conflict 409, the rest 400.

Online metadata stays fresh: while the app runs, a background task calls
:meth:`OtaServer.refresh_metadata` once at start-up and then every ``refresh_interval_s``
(stopping with the app), and a request for a ``timestamp.json`` (the first file a car's
update cycle reads after root) re-signs what is due for that repository first.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, BinaryIO

import orjson
from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from evtwin.cloud._openapi import extend_openapi
from evtwin.cloud._range import parse_range
from evtwin.cloud._server import OtaServer
from evtwin.cloud._throttle import AuthThrottle, SharedAuthThrottle
from evtwin.cloud._tls import VinBinding, request_certificate_vins
from evtwin.errors import (
    OtaAuthError,
    OtaError,
    OtaInventoryError,
    OtaManifestError,
    OtaRangeError,
    OtaReleaseConflictError,
    OtaReleaseError,
)

__all__ = ["create_app"]

log = logging.getLogger("evtwin.cloud.ota")

_MAX_IMAGE_BYTES = 512 * 1024 * 1024
_MAX_TARGETS_BYTES = 5 * 1024 * 1024  # python-tuf's default cap on targets metadata
_MAX_JSON_BYTES = 64 * 1024  # a manifest of 64 ECUs is a few KiB; registration and campaigns less
_THREAD_PARSE_BYTES = 8 * 1024  # JSON above this is parsed (and a manifest checked) in a thread
_CHUNK_BYTES = 64 * 1024  # images are read from the store and sent in chunks of this
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,250}$")


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ")
    return None


async def _capped_body(request: Request, cap_bytes: int) -> bytes:
    """The request body, refused (413) as soon as it grows past ``cap_bytes``."""
    declared = request.headers.get("content-length")
    if (
        declared is not None
        and declared.isdigit()
        and (len(declared) > 18 or int(declared) > cap_bytes)
    ):
        raise HTTPException(413, f"body of {declared[:24]} bytes exceeds {cap_bytes}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap_bytes:
            raise HTTPException(413, f"body exceeds {cap_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_body(request: Request) -> dict[str, Any]:
    return (await _json_body_sized(request))[0]


async def _json_body_sized(request: Request) -> tuple[dict[str, Any], int]:
    """The JSON object body and its size in bytes."""
    body = await _capped_body(request, _MAX_JSON_BYTES)
    try:  # strict JSON: no NaN/Infinity, nesting capped, integers within 64 bits
        if len(body) > _THREAD_PARSE_BYTES:  # off the event loop: other cars keep being served
            data = await asyncio.to_thread(orjson.loads, body)
        else:
            data = orjson.loads(body)
    except ValueError as e:
        raise HTTPException(400, f"body is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise HTTPException(400, "body must be a JSON object")
    return data, len(body)


def _json(content: dict[str, Any]) -> Response:
    return Response(orjson.dumps(content), media_type="application/json")


def _chunks(f: BinaryIO, first: int, length: int) -> Iterator[bytes]:
    """``length`` bytes of ``f`` from ``first``, read and yielded in bounded chunks; closes
    ``f`` at the end (or when the response is abandoned)."""
    try:
        f.seek(first)
        remaining = length
        while remaining > 0:
            data = f.read(min(_CHUNK_BYTES, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        f.close()


def _status_for(e: OtaError) -> int:
    if isinstance(e, OtaAuthError):
        return 401
    if isinstance(e, OtaRangeError):
        return 416
    if isinstance(e, OtaReleaseConflictError):
        return 409
    if isinstance(e, OtaReleaseError):
        return 422
    return 400


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _image_key_header(value: str | None) -> bytes | None:
    """``X-Image-Key``: the AES-256 key (64 hex digits) of an image encrypted by the
    uploader (the body is then the ciphertext)."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise HTTPException(422, "X-Image-Key must be 64 hex digits (an AES-256 key)")
    return bytes.fromhex(value)


def _vin_for_token(server: OtaServer, token: str) -> str | None:
    """The VIN whose current bearer token this is (``None``: none; the route answers 401)."""
    try:
        return server.authenticate_any_vehicle(token)
    except OtaAuthError:
        return None


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


def create_app(
    server: OtaServer,
    *,
    refresh_interval_s: float = 60.0,
    throttle: AuthThrottle | SharedAuthThrottle | None = None,
    close_server: bool = False,
) -> FastAPI:
    """The FastAPI application over ``server``.

    ``refresh_interval_s``: real seconds between the background passes that re-sign due
    online metadata (:meth:`OtaServer.refresh_metadata`); the first pass runs at start-up,
    before the app serves. ``app.state.refresher`` is the task (done once the app stopped).
    ``throttle``: guessing limits for the admin and provisioning tokens (default: 10 wrong
    tokens per address per minute, counted in the database when the server shares its state
    with other processes: :class:`SharedAuthThrottle`); ``app.state.throttle``.
    ``close_server``: close ``server`` when the app stops (a worker process's own server).

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
            if close_server:
                await asyncio.to_thread(server.close)

    app = FastAPI(title="evtwin OTA server", version="1", lifespan=lifespan)
    app.add_middleware(VinBinding, vin_for_token=functools.partial(_vin_for_token, server))
    guard = throttle or (SharedAuthThrottle(server.db) if server.shared else AuthThrottle())
    app.state.throttle = guard

    @app.exception_handler(OtaError)
    async def ota_error(request: Request, e: OtaError) -> JSONResponse:
        # the last line of defence: an OtaError no route translated is the client's, not a 500
        return JSONResponse({"detail": str(e)}, status_code=_status_for(e))

    def auth_vehicle(vin: str, authorization: str | None) -> None:
        try:
            server.authenticate_vehicle(vin, _bearer(authorization))
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e

    def guarded(request: Request, token: str | None, what: str, action: str) -> str:
        """Check a secret (an admin identity's or the provisioning token) under the guessing
        limit; every admin attempt is audited. Returns the admin identity (``""`` for
        provisioning)."""
        address = _address(request)
        key = f"{what}@{address}"
        audit = what == "admin"
        wait = guard.retry_after_s(key)
        if wait is not None:
            if audit:
                server.audit(address, action, "throttled")
            raise HTTPException(
                429,
                f"too many wrong {what} tokens from {address}: retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        identity = ""
        try:
            if what == "admin":
                identity = server.authenticate_admin(token)
            else:
                server.authenticate_provisioning(token)
        except OtaAuthError as e:
            guard.failed(key)
            if audit:
                server.audit(address, action, "denied")
            raise HTTPException(401, str(e)) from e
        if audit:
            server.audit(address, action, "ok", identity)
        return identity

    def admin_action(request: Request) -> str:
        return f"{request.method} {request.url.path}"[:200]

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/vehicles", status_code=201)
    async def register(
        request: Request, x_provisioning_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        guarded(request, x_provisioning_token, "provisioning", "register")  # before the body
        inventory = await _json_body(request)
        vins = request_certificate_vins(request.scope)  # mutual TLS: the car's own certificate
        if vins is not None and str(inventory.get("vin", "")).upper() not in vins:
            raise HTTPException(403, f"client certificate names {sorted(vins)}, not this VIN")
        try:
            creds = await asyncio.to_thread(server.register, inventory, x_provisioning_token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        except OtaInventoryError as e:
            raise HTTPException(409 if "already" in str(e) else 400, str(e)) from e
        return {
            "vin": creds.vin,
            "token": creds.token,
            "director_root": json.loads(creds.director_root),
            "image_root": json.loads(creds.image_root),
            "time_key": creds.time_key,
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
        token = _bearer(request.headers.get("authorization"))
        try:  # with shared state: checked again when the check-in commits
            server.authenticate_check_in(vin, token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        body, size = await _json_body_sized(request)
        try:  # a large manifest is parsed and verified off the event loop
            result = await server.check_in_async(
                vin, body, offload=size > _THREAD_PARSE_BYTES, token=token
            )
        except (OtaManifestError, OtaInventoryError) as e:
            raise HTTPException(400, str(e)) from e
        await asyncio.wrap_future(result.durable)
        return _json(
            {"assigned": result.assigned, "consent": result.consent, "nonce": result.next_nonce}
        )

    app.router.add_route("/api/v1/vehicles/{vin}/nonce", nonce, methods=["GET"])
    app.router.add_route("/api/v1/vehicles/{vin}/manifest", manifest, methods=["POST"])
    app.openapi = extend_openapi(app.openapi)  # type: ignore[method-assign]

    async def rotate_token(request: Request) -> Response:
        vin = request.path_params["vin"]
        token = _bearer(request.headers.get("authorization"))
        try:
            fresh = await asyncio.to_thread(server.rotate_vehicle_token, vin, token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        return _json({"vin": vin, "token": fresh})

    app.router.add_route("/api/v1/vehicles/{vin}/token", rotate_token, methods=["POST"])

    async def confirm_token(request: Request) -> Response:
        vin = request.path_params["vin"]
        token = _bearer(request.headers.get("authorization"))
        try:
            await asyncio.to_thread(server.confirm_vehicle_token, vin, token)
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        return _json({"vin": vin})

    app.router.add_route("/api/v1/vehicles/{vin}/token/confirm", confirm_token, methods=["POST"])

    async def attest_time(request: Request) -> Response:
        vin = request.path_params["vin"]
        auth_vehicle(vin, request.headers.get("authorization"))
        body = await _json_body(request)
        try:
            return _json(server.attest_time(vin, body.get("nonces")))
        except OtaManifestError as e:
            raise HTTPException(400, str(e)) from e

    app.router.add_route("/api/v1/vehicles/{vin}/time", attest_time, methods=["POST"])

    @app.get("/api/v1/audit")
    def audit_log(
        request: Request,
        x_admin_token: Annotated[str | None, Header()] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> dict[str, Any]:
        """The newest admin attempts (time, address, identity, action, outcome), oldest
        first; reading it is itself audited."""
        guarded(request, x_admin_token, "admin", admin_action(request))
        return {"entries": server.db.audit_log(limit)}

    @app.post("/api/v1/vehicles/{vin}/revoke")
    def revoke_vehicle(
        vin: str, request: Request, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        """Revoke a car's credentials (admin): its token is refused from now on."""
        guarded(request, x_admin_token, "admin", admin_action(request))
        try:
            server.revoke_vehicle(vin)
        except OtaInventoryError as e:
            raise HTTPException(404, str(e)) from e
        return {"vin": vin, "revoked": True}

    @app.put("/api/v1/images/{name}", status_code=201)
    async def release(
        name: str,
        request: Request,
        hardware_id: Annotated[list[str], Query()],
        release_counter: int,
        x_admin_token: Annotated[str | None, Header()] = None,
        encrypt: bool = False,
        x_image_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        who = await asyncio.to_thread(
            guarded, request, x_admin_token, "admin", admin_action(request)
        )
        server.check_release(hardware_id, release_counter)  # 422 before the body is read
        image_key = _image_key_header(x_image_key)
        data = await _capped_body(request, _MAX_IMAGE_BYTES)
        return await asyncio.to_thread(
            functools.partial(server.release, by=who, encrypt=encrypt, image_key=image_key),
            name,
            data,
            hardware_id,
            release_counter,
        )

    @app.get("/api/v1/pending-images")
    def pending_images(
        request: Request, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        """Uploads waiting for the key holders' signatures (a ceremony server)."""
        guarded(request, x_admin_token, "admin", admin_action(request))
        return {"pending": server.pending_releases()}

    @app.post("/api/v1/images/{name}/approve")
    def approve_release(
        name: str,
        request: Request,
        x_admin_token: Annotated[str | None, Header()] = None,
        sha256: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None,
    ) -> dict[str, Any]:
        """This admin identity approves the uploaded release ``name`` — its content, by
        SHA-256 (campaigns may offer a release once the server's required number of
        distinct identities approved that content)."""
        who = guarded(request, x_admin_token, "admin", admin_action(request))
        return server.approve(name, who, sha256)

    @app.put("/api/v1/image-targets")
    async def signed_targets(
        request: Request, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        """Image targets metadata signed offline by the key holders (a server made by the
        key ceremony): the pending images it names are published."""
        await asyncio.to_thread(guarded, request, x_admin_token, "admin", admin_action(request))
        data = await _capped_body(request, _MAX_TARGETS_BYTES)
        return await asyncio.to_thread(server.publish_signed_targets, data)

    @app.post("/api/v1/campaigns", status_code=201)
    async def create_campaign(
        request: Request, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        await asyncio.to_thread(guarded, request, x_admin_token, "admin", admin_action(request))
        spec = await _json_body(request)
        try:
            return server.create_campaign(spec)
        except OtaError as e:
            raise HTTPException(409 if "already exists" in str(e) else 400, str(e)) from e

    @app.get("/api/v1/campaigns/{name}")
    def campaign_status(
        name: str, request: Request, x_admin_token: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        guarded(request, x_admin_token, "admin", admin_action(request))
        try:
            return server.campaign_action(name, "status")
        except OtaError as e:
            raise HTTPException(404, str(e)) from e

    @app.post("/api/v1/campaigns/{name}/{action}")
    def campaign_action(
        name: str,
        action: str,
        request: Request,
        x_admin_token: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        guarded(request, x_admin_token, "admin", admin_action(request))
        if not server.has_campaign(name):
            raise HTTPException(404, f"no campaign {name!r}")
        try:
            return server.campaign_action(name, action)
        except OtaError as e:
            raise HTTPException(409, str(e)) from e

    @app.post("/api/v1/keys/{repository}/{role}/rotate")
    def rotate_key(
        repository: str,
        role: str,
        request: Request,
        x_admin_token: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        guarded(request, x_admin_token, "admin", admin_action(request))
        try:
            return server.rotate_online_key(repository, role)
        except OtaError as e:
            raise HTTPException(400, str(e)) from e

    def artefact(path: str, filename: str) -> bytes:
        data = server.artefact(path) if _FILENAME.fullmatch(filename) else None
        if data is None:
            raise HTTPException(404, f"{filename[:80]!r} not found")
        return data

    @app.get("/director/{vin}/metadata/{filename}")
    def director_metadata(
        vin: str, filename: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        auth_vehicle(vin, authorization)
        if filename == "timestamp.json":
            server.refresh_metadata([vin])
        return Response(
            artefact(f"director/{vin}/metadata/{filename}", filename),
            media_type="application/json",
        )

    @app.get("/image/metadata/{filename}")
    def image_metadata(filename: str) -> Response:
        if filename == "timestamp.json":
            server.refresh_metadata([])
        return Response(
            artefact(f"image/metadata/{filename}", filename), media_type="application/json"
        )

    @app.get("/image/targets/{filename}")
    def image_target(
        filename: str,
        range: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Image bytes: for registered cars only (their bearer token)."""
        try:
            server.authenticate_any_vehicle(_bearer(authorization))
        except OtaAuthError as e:
            raise HTTPException(401, str(e)) from e
        opened = (
            server.open_artefact(f"image/targets/{filename}")
            if _FILENAME.fullmatch(filename)
            else None
        )
        if opened is None:
            raise HTTPException(404, f"{filename[:80]!r} not found")
        f, size = opened
        try:
            span = parse_range(range, size)
        except OtaRangeError as e:
            f.close()
            raise HTTPException(416, str(e), headers={"Content-Range": f"bytes */{size}"}) from e
        first, last = span if span is not None else (0, size - 1)
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(last - first + 1)}
        if span is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        return StreamingResponse(
            _chunks(f, first, last - first + 1),
            status_code=206 if span is not None else 200,
            media_type="application/octet-stream",
            headers=headers,
        )

    return app
