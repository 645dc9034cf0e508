"""Factory provisioning: what a car trusts, given to it at the factory, never by the server.

The car line gets a directory from the key ceremony's side (``evtwin ota keys factory``):

- ``director.root.json``: the Director root signed at the ceremony (every car's);
- ``image.root.json``: the Image repository's root metadata;
- ``time.key.json``: the time server's public key;
- ``provisioning.token`` (owner-only, optional): the factory's secret for registering cars.

A car registering with a server pins *these*, and refuses a registration answer whose roots
or time key differ (:class:`~evtwin.errors.OtaTrustError`): a server made with other keys
(or a man in the middle) cannot become the car's root of trust.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securesystemslib.signer import Key, Signer
from tuf.api.metadata import Metadata, Root

from evtwin.errors import OtaError, OtaKeyError, OtaMetadataError, OtaTrustError
from evtwin.ota._inventory import Registration
from evtwin.ota._keys import RoleKeys, load_keys, save_keys
from evtwin.ota._store import DirectoryStore, atomic_write
from evtwin.ota._twin import director_root_path

__all__ = [
    "FACTORY_FILES",
    "FactoryTrust",
    "check_registration",
    "export_factory",
    "load_factory",
    "time_key_path",
    "time_signer",
]

FACTORY_FILES = ("director.root.json", "image.root.json", "time.key.json")
_TOKEN_FILE = "provisioning.token"


def time_key_path(state_dir: Path) -> Path:
    """Where a server's time server key is kept (owner-only)."""
    return state_dir / "keys" / "time.keys.json"


def time_signer(state_dir: Path) -> Signer:
    """The time server's key in ``state_dir`` (made and saved owner-only on first use, so
    the key the factory hands out and the key the server signs with are the same)."""
    path = time_key_path(state_dir)
    if path.exists():
        return load_keys(path)["time"].signers[0]
    keys = RoleKeys.generate()
    save_keys(path, {"time": keys})
    return keys.signers[0]


def _key_dict(key: Key) -> dict[str, Any]:
    return {"keyid": key.keyid, **key.to_dict()}


def _parse_key(d: Mapping[str, Any], where: str) -> Key:
    try:
        rest = dict(d)
        return Key.from_dict(str(rest.pop("keyid")), rest)
    except (KeyError, TypeError, ValueError) as e:
        raise OtaMetadataError(f"{where}: malformed time server key: {e}") from e


def _root(data: bytes, where: str) -> dict[str, Any]:
    try:
        md = Metadata[Root].from_bytes(data)
    except Exception as e:  # DeserializationError and the like
        raise OtaMetadataError(f"{where}: not root metadata: {e}") from e
    if not isinstance(md.signed, Root):
        raise OtaMetadataError(f"{where}: not root metadata")
    out: dict[str, Any] = md.to_dict()
    return out


@dataclass(frozen=True, kw_only=True)
class FactoryTrust:
    """The roots, the time server key and (optionally) the provisioning token a car gets at
    the factory."""

    director_root: bytes
    image_root: bytes
    time_key: Mapping[str, Any]
    provisioning_token: str | None = None

    @property
    def roots(self) -> Registration:
        """The roots as :func:`~evtwin.ota.build_vehicle` takes them (``factory_roots``)."""
        return Registration(
            director_root=self.director_root, image_root=self.image_root, time_key=self.time_key
        )


def load_factory(directory: Path) -> FactoryTrust:
    """Read a factory provisioning directory (see the module's docstring).

    Raises:
        OtaError: a file is missing or unreadable.
        OtaMetadataError: a root or the time key is malformed.
    """
    if not directory.is_dir():
        raise OtaError(f"factory provisioning directory {directory} does not exist")
    try:
        director_root = (directory / "director.root.json").read_bytes()
        image_root = (directory / "image.root.json").read_bytes()
        key_text = (directory / "time.key.json").read_text()
    except OSError as e:
        raise OtaError(
            f"factory provisioning directory {directory} is incomplete: {e} "
            f"(it needs {', '.join(FACTORY_FILES)}; made by `evtwin ota keys factory`)"
        ) from e
    _root(director_root, f"{directory}/director.root.json")
    _root(image_root, f"{directory}/image.root.json")
    try:
        key = json.loads(key_text)
    except ValueError as e:
        raise OtaMetadataError(f"{directory}/time.key.json: not JSON: {e}") from e
    if not isinstance(key, dict):
        raise OtaMetadataError(f"{directory}/time.key.json: not a JSON object")
    _parse_key(key, f"{directory}/time.key.json")
    token_path = directory / _TOKEN_FILE
    token = token_path.read_text().strip() if token_path.exists() else None
    return FactoryTrust(
        director_root=director_root,
        image_root=image_root,
        time_key=key,
        provisioning_token=token or None,
    )


def export_factory(
    state_dir: Path, out_dir: Path, *, provisioning_token: str | None = None
) -> FactoryTrust:
    """Write the factory provisioning directory of the server whose state is ``state_dir``
    (made by the key ceremony, ``evtwin ota keys init --offline DIR --state STATE``).

    The time server key is made now if the server has none yet (the server then signs with
    it); with the online keys in a PKCS#11 token its public half is read from the token's
    key list.

    Raises:
        OtaKeyError: ``state_dir`` was not made by the key ceremony (no Director root signed
            offline, so cars would each get another root), or holds no published Image root.
    """
    signed = director_root_path(state_dir)
    if not signed.exists():
        raise OtaKeyError(
            f"{state_dir} holds no Director root signed at the key ceremony ({signed}): "
            "make the server's keys with `evtwin ota keys init --offline DIR --state "
            f"{state_dir}` to provision cars at the factory"
        )
    image_root = DirectoryStore(state_dir / "artifacts").get("image/metadata/root.json")
    if image_root is None:
        raise OtaKeyError(f"{state_dir} holds no published Image root (artifacts in S3?)")
    key = _pkcs11_time_key(state_dir) or _key_dict(time_signer(state_dir).public_key)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / "director.root.json", signed.read_bytes())
    atomic_write(out_dir / "image.root.json", image_root)
    atomic_write(out_dir / "time.key.json", json.dumps(key, sort_keys=True).encode())
    if provisioning_token:
        path = out_dir / _TOKEN_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(provisioning_token + "\n")
    return load_factory(out_dir)


def _pkcs11_time_key(state_dir: Path) -> dict[str, Any] | None:
    from evtwin.ota.repository import pkcs11_keys_path

    path = pkcs11_keys_path(state_dir)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
        public = str(doc["roles"]["time/server"]["keys"][0]["public"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None  # a token without a time key: the server makes one in the state dir
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from securesystemslib.signer import SSlibKey

    try:
        key = SSlibKey.from_crypto(Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)))
    except ValueError as e:
        raise OtaKeyError(f"{path}: malformed time server public key: {e}") from e
    return _key_dict(key)


def check_registration(factory: FactoryTrust, answered: Registration, server: str) -> None:
    """Refuse a registration answer whose roots or time server key are not the factory's.

    Raises:
        OtaTrustError: naming what differs.
    """
    for what, pinned, got in (
        ("Director root", factory.director_root, answered.director_root),
        ("Image repository root", factory.image_root, answered.image_root),
    ):
        if _root(pinned, "factory " + what) != _root(got, f"{server}'s {what}"):
            raise OtaTrustError(
                f"{server} answered another {what} than the factory provisioned: "
                "refusing to register with it (a server with other keys, or not our server)"
            )
    want = _parse_key(factory.time_key, "factory time key").keyid
    got_key = answered.time_key
    if got_key is None or _parse_key(got_key, f"{server}'s time key").keyid != want:
        raise OtaTrustError(
            f"{server} answered another time server key than the factory provisioned: "
            "refusing to register with it"
        )
