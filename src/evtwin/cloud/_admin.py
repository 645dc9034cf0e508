"""The release engineer's HTTP client of the OTA server: releases and campaigns."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

from evtwin.errors import OtaError

__all__ = ["AdminClient"]


class AdminClient:
    """Calls the server's admin API with ``X-Admin-Token``."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._pool = urllib3.PoolManager(timeout=urllib3.Timeout(total=timeout_s), retries=False)

    def _call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            resp = self._pool.request(
                method, url, body=body, headers={"X-Admin-Token": self.token, **(headers or {})}
            )
        except urllib3.exceptions.HTTPError as e:
            raise OtaError(f"{method} {url} failed: {e}") from e
        try:
            data: dict[str, Any] = json.loads(resp.data)
        except ValueError:
            data = {"detail": resp.data[:200].decode(errors="replace")}
        if resp.status >= 400:
            raise OtaError(f"{method} {url}: HTTP {resp.status}: {data.get('detail', '')}")
        return data

    def release(
        self,
        name: str,
        data: bytes,
        hardware_ids: Sequence[str],
        release_counter: int,
        *,
        encrypt: bool = False,
        image_key: bytes | None = None,
    ) -> dict[str, Any]:
        """Upload an image (``encrypt``: the server publishes it encrypted, the key wrapped
        to each ECU it is assigned to). With ``image_key``, ``data`` is already the
        ciphertext (:func:`evtwin.ota.encrypt_image`, made on the release engineer's side:
        the plaintext never reaches the server) and the key goes in ``X-Image-Key``."""
        query = urlencode(
            [("hardware_id", h) for h in hardware_ids]
            + [("release_counter", release_counter)]
            + ([("encrypt", "true")] if encrypt or image_key is not None else [])
        )
        headers = {"X-Image-Key": image_key.hex()} if image_key is not None else None
        return self._call("PUT", f"/api/v1/images/{quote(name, safe='')}?{query}", data, headers)

    def targets_metadata(self) -> bytes:
        """The published Image ``targets.json`` (what the key holders sign the next one
        from)."""
        url = f"{self.base_url}/image/metadata/targets.json"
        try:
            resp = self._pool.request("GET", url)
        except urllib3.exceptions.HTTPError as e:
            raise OtaError(f"GET {url} failed: {e}") from e
        if resp.status != 200:
            raise OtaError(f"GET {url}: HTTP {resp.status}")
        return bytes(resp.data)

    def publish_targets(self, signed: bytes) -> dict[str, Any]:
        """Upload Image targets metadata signed offline; the server publishes it."""
        return self._call("PUT", "/api/v1/image-targets", signed)

    def approve(self, name: str, sha256: str | None = None) -> dict[str, Any]:
        """This token's identity approves the uploaded release ``name`` (the upload with
        this ``sha256`` if several share the name)."""
        query = f"?sha256={sha256}" if sha256 else ""
        return self._call("POST", f"/api/v1/images/{quote(name, safe='')}/approve{query}")

    def pending_images(self) -> list[dict[str, Any]]:
        """Uploads waiting for the key holders' signatures: ``[{name, sha256, approvals}]``."""
        pending: list[dict[str, Any]] = self._call("GET", "/api/v1/pending-images")["pending"]
        return pending

    def audit_log(self, limit: int = 1000) -> list[dict[str, str]]:
        """The newest admin attempts, oldest first."""
        entries: list[dict[str, str]] = self._call("GET", f"/api/v1/audit?limit={limit}")["entries"]
        return entries

    def revoke_vehicle(self, vin: str) -> dict[str, Any]:
        """Revoke a car's credentials."""
        return self._call("POST", f"/api/v1/vehicles/{quote(vin, safe='')}/revoke")

    def create_campaign(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/api/v1/campaigns", json.dumps(spec).encode())

    def campaign(self, name: str, action: str) -> dict[str, Any]:
        """``status`` (GET) or ``start|pause|resume|stop|cancel`` (POST)."""
        path = f"/api/v1/campaigns/{quote(name, safe='')}"
        if action == "status":
            return self._call("GET", path)
        return self._call("POST", f"{path}/{quote(action, safe='')}")

    def rotate_key(self, repository: str, role: str) -> dict[str, Any]:
        """Rotate an online role's key (``image``: snapshot/timestamp; ``director``: all
        but root)."""
        path = f"/api/v1/keys/{quote(repository, safe='')}/{quote(role, safe='')}/rotate"
        return self._call("POST", path)
