"""The vehicle's side of the OTA server's HTTP API: register, check in, fetch with a token.

The car reaches the cloud only over this protocol; it imports nothing from
:mod:`evtwin.cloud`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import urllib3

from evtwin.errors import OtaDownloadError, OtaError
from evtwin.ota._inventory import Registration, VehicleInventory
from evtwin.ota.vehicle._http_fetch import HttpConfig, HttpFetcher
from evtwin.ota.vehicle._primary import Primary, RepositoryUrls
from evtwin.ota.vehicle._time import AttestedClock

__all__ = ["ANSWER_CAPS", "OtaCloudClient"]

# The most bytes the car reads of each kind of answer (a hostile server cannot make it read
# more): a nonce is a few dozen bytes, a check-in answer names at most a few images per ECU,
# a registration answer carries two root metadata files. Error bodies are read to 4 KiB.
# Metadata and images go through python-tuf, which caps each file by its role's maximum or
# its signed length.
ANSWER_CAPS: dict[str, int] = {
    "nonce": 4 * 1024,
    "time": 4 * 1024,
    "check_in": 64 * 1024,
    "register": 1024 * 1024,
    "error": 4 * 1024,
}


_MAX_NONCES = 16  # the time server signs at most this many nonces per request


def _read_capped(resp: urllib3.BaseHTTPResponse, cap_bytes: int, what: str) -> bytes:
    """The body of ``resp``, refused as soon as it passes ``cap_bytes`` (the connection is
    then dropped, not drained)."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and (len(declared) > 18 or int(declared) > cap_bytes):
        resp.close()
        raise OtaDownloadError(f"{what}: answer of {declared[:24]} bytes exceeds {cap_bytes}")
    chunks, size = [], 0
    try:
        for chunk in resp.stream(16 * 1024):
            size += len(chunk)
            if size > cap_bytes:
                resp.close()
                raise OtaDownloadError(f"{what}: answer exceeds {cap_bytes} bytes")
            chunks.append(chunk)
    except urllib3.exceptions.HTTPError as e:
        resp.close()
        raise OtaDownloadError(f"{what}: {e}") from e
    resp.release_conn()
    return b"".join(chunks)


class OtaCloudClient:
    """HTTP client of one vehicle (or of the factory, before it has a token).

    Args:
        base_url: the OTA server, e.g. ``http://127.0.0.1:8080``.
        token: the vehicle's bearer token (from registration).
    """

    def __init__(self, base_url: str, token: str | None = None, config: HttpConfig | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.config = config or HttpConfig()
        self._pool = self.config.pool()
        self._next_nonce: str | None = None  # handed out with the last check-in's answer
        self.last_consent = "required"  # the consent mode the server named at the last check-in

    def close(self) -> None:
        """Close this client's idle connections (the next request opens a fresh one)."""
        self._pool.clear()

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        kind: str,
    ) -> Any:
        """One API call; the answer is read up to ``ANSWER_CAPS[kind]`` bytes.

        Raises:
            OtaDownloadError: no answer, or one past its cap or not JSON.
            OtaError: the server refused (HTTP 4xx/5xx).
        """
        url = f"{self.base_url}{path}"
        what = f"{method} {url}"
        try:
            resp = self._pool.request(
                method,
                url,
                body=None if body is None else orjson.dumps(body),
                headers={**self._headers(), **(headers or {})},
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as e:
            raise OtaDownloadError(f"{what} failed: {e}") from e
        if resp.status >= 400:
            data = _read_capped(resp, ANSWER_CAPS["error"], what)
            try:
                detail = json.loads(data).get("detail", "")
            except (ValueError, AttributeError):
                detail = data[:200].decode(errors="replace")
            raise OtaError(f"{what}: HTTP {resp.status}: {detail}")
        data = _read_capped(resp, ANSWER_CAPS[kind], what)
        try:
            return orjson.loads(data)
        except ValueError as e:
            raise OtaDownloadError(f"{what}: answer is not JSON: {e}") from e

    def register(self, inventory: VehicleInventory, provisioning_token: str) -> Registration:
        """Register at the factory; keeps the issued token on this client."""
        out = self._call(
            "POST",
            "/api/v1/vehicles",
            inventory.to_dict(),
            headers={"X-Provisioning-Token": provisioning_token},
            kind="register",
        )
        self.token = str(out["token"])
        time_key = out.get("time_key")
        return Registration(
            director_root=json.dumps(out["director_root"]).encode(),
            image_root=json.dumps(out["image_root"]).encode(),
            time_key=time_key if isinstance(time_key, dict) else None,
        )

    def attest_time(self, vin: str, clock: AttestedClock) -> datetime:
        """Ask the time server for the current time over a fresh nonce of ``clock`` and move
        ``clock`` to it once verified; returns the attested time.

        Raises:
            OtaMetadataError: the attestation does not verify (``clock`` unchanged).
        """
        return self.attest_time_for(vin, [clock])

    def attest_time_for(self, vin: str, clocks: Sequence[AttestedClock]) -> datetime:
        """Uptane's time request for a whole car: each of ``clocks`` (one per ECU) makes a
        fresh nonce, one request carries them all (16 at most per request), and every clock
        verifies the signed answer for itself. Returns the attested time.

        Raises:
            OtaMetadataError: an attestation does not verify for some clock (that clock is
                unchanged).
            OtaDownloadError, OtaError: no answer, or the server refused.
        """
        if not clocks:
            raise OtaError("no clock to attest")
        when = None
        for first in range(0, len(clocks), _MAX_NONCES):
            batch = clocks[first : first + _MAX_NONCES]
            nonces = [c.fresh_nonce() for c in batch]
            answer = self._call(
                "POST", f"/api/v1/vehicles/{vin}/time", {"nonces": nonces}, kind="time"
            )
            for c in batch:
                when = c.attest(answer)
        assert when is not None
        return when

    def rotate_token(self, vin: str) -> None:
        """Swap this car's bearer token for a fresh one (the old one stops working)."""
        out = self._call("POST", f"/api/v1/vehicles/{vin}/token", kind="nonce")
        token = out.get("token") if isinstance(out, dict) else None
        if not isinstance(token, str) or not token:
            raise OtaDownloadError(f"token rotation for {vin}: no token in the answer")
        self.token = token

    def confirm_token(self, vin: str) -> None:
        """Tell the server this car stored the token its last rotation issued (sent with
        it): the token before it can no longer complete that rotation."""
        self._call("POST", f"/api/v1/vehicles/{vin}/token/confirm", kind="nonce")

    def urls(self, vin: str) -> RepositoryUrls:
        return RepositoryUrls(
            director_metadata=f"{self.base_url}/director/{vin}/metadata/",
            image_metadata=f"{self.base_url}/image/metadata/",
            image_targets=f"{self.base_url}/image/targets/",
        )

    def fetcher(self) -> HttpFetcher:
        """A python-tuf fetcher that sends this vehicle's credentials (read at each request,
        so it may be made before registration) and resumes drops."""

        def headers() -> dict[str, str]:
            return {"Authorization": f"Bearer {self.token}"} if self.token else {}

        return HttpFetcher(headers, self.config)

    def check_in(self, primary: Primary) -> dict[str, str]:
        """Send a fresh signed manifest; returns the Director's new assignments.

        Uses the one-time nonce the server handed out with the previous check-in's answer
        (one request per check-in), else asks for one; a nonce the server no longer holds
        (it keeps a few per car) is replaced by a fresh one and the manifest re-signed once.
        The consent mode of the campaign offering this car images (``required``, ``forced``
        or ``download_only``) is kept in :attr:`last_consent`.
        """
        vin = primary.vin
        nonce, self._next_nonce = self._next_nonce, None
        for attempt in range(2):
            if nonce is None:
                answer = self._call("GET", f"/api/v1/vehicles/{vin}/nonce", kind="nonce")
                nonce = str(answer["nonce"])
            try:
                out = self._call(
                    "POST",
                    f"/api/v1/vehicles/{vin}/manifest",
                    primary.manifest(nonce),
                    kind="check_in",
                )
            except OtaError as e:
                if attempt or "nonce" not in str(e) or isinstance(e, OtaDownloadError):
                    raise
                nonce = None
                continue
            break
        next_nonce = out.get("nonce")
        self._next_nonce = next_nonce if isinstance(next_nonce, str) else None
        assigned: dict[str, str] = out["assigned"]
        self.last_consent = str(out.get("consent", "required"))
        return assigned
