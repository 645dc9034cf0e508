"""Image keys at rest: wrapped with a key-encryption key the database never holds.

An encrypted release's image key (:mod:`evtwin.ota._crypt`) must stay with the server (the
Director wraps it to each ECU it assigns the image to), but the database alone must not
reveal it. The server stores it wrapped (AES-256-GCM, bound to the image name) under a
key-encryption key (KEK):

- in the PKCS#11 token when the server's online keys are there (the key ceremony with
  ``--pkcs11-module``): an AES-256 key generated inside the token, sensitive and not
  extractable; wrapping and unwrapping run in the token (:class:`Pkcs11Kek`);
- otherwise a 32-byte key in ``--state/keys/image-kek.key`` (owner-only), or in memory for a
  server without ``--state`` (:class:`LocalKek`).

Stored form: ``b"EVK1"``, the KEK's kind (``H`` token, ``F`` file/memory), then the nonce and
the ciphertext. A row of 32 bytes without that prefix is an image key stored before
wrapping existed, read as it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from evtwin.errors import OtaKeyError
from evtwin.ota import OtaBackend
from evtwin.ota.repository import Pkcs11Signer, Pkcs11Token

__all__ = ["ImageKeyWrapper", "LocalKek", "Pkcs11Kek", "image_key_wrapper"]

log = logging.getLogger("evtwin.cloud.ota")

_MAGIC = b"EVK1"
_KEK_FILE = "image-kek.key"
_KEK_REF = "image-kek.pkcs11.json"


class ImageKeyWrapper(Protocol):
    """Wraps image keys for storage and unwraps them for the Director."""

    def wrap(self, key: bytes, name: str) -> bytes: ...

    def unwrap(self, blob: bytes, name: str) -> bytes: ...


def _aad(name: str) -> bytes:
    return f"evtwin-ota image key|{name}".encode()


def _unwrap_prefix(blob: bytes, kind: bytes, name: str) -> bytes | None:
    """The sealed part of ``blob`` (``None``: a legacy raw key, returned by the caller)."""
    if not blob.startswith(_MAGIC):
        if len(blob) == 32:
            log.warning("image key of %r is stored unwrapped (written before wrapping)", name)
            return None
        raise OtaKeyError(f"image key of {name!r}: unknown stored form")
    if blob[4:5] != kind:
        raise OtaKeyError(
            f"image key of {name!r} was wrapped by a {blob[4:5]!r} key, this server holds {kind!r}"
        )
    return blob[5:]


class LocalKek:
    """A KEK held by the server process (from a file, or in memory)."""

    kind = b"F"

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise OtaKeyError(f"a key-encryption key has 32 bytes, got {len(kek)}")
        self._aead = AESGCM(kek)

    @classmethod
    def for_state(cls, state_dir: Path | None) -> LocalKek:
        """The KEK in ``state_dir/keys`` (made once, owner-only); in memory without one."""
        if state_dir is None:
            return cls(AESGCM.generate_key(bit_length=256))
        path = state_dir / "keys" / _KEK_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.parent):
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(AESGCM.generate_key(bit_length=256))
                    f.flush()
                    os.fsync(f.fileno())
            return cls(path.read_bytes())

    def wrap(self, key: bytes, name: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return _MAGIC + self.kind + nonce + self._aead.encrypt(nonce, key, _aad(name))

    def unwrap(self, blob: bytes, name: str) -> bytes:
        sealed = _unwrap_prefix(blob, self.kind, name)
        if sealed is None:
            return blob
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], _aad(name))
        except (InvalidTag, ValueError) as e:
            raise OtaKeyError(f"image key of {name!r} does not unwrap: {type(e).__name__}") from e


class Pkcs11Kek:
    """A KEK inside a PKCS#11 token: wrapping and unwrapping run in the token."""

    kind = b"H"

    def __init__(self, token: Pkcs11Token, label: str) -> None:
        self.token = token
        self.label = label

    def wrap(self, key: bytes, name: str) -> bytes:
        return _MAGIC + self.kind + self.token.seal(self.label, key, _aad(name))

    def unwrap(self, blob: bytes, name: str) -> bytes:
        sealed = _unwrap_prefix(blob, self.kind, name)
        return blob if sealed is None else self.token.unseal(self.label, sealed, _aad(name))


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory/.image-kek.lock`` (several server processes may
    start at once on one state directory: one makes the KEK, the others read it)."""
    with open(directory / ".image-kek.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _token_of(backend: OtaBackend) -> Pkcs11Token | None:
    for keys in (backend.image_repo.keys, backend.director.keys):
        for role_keys in keys.values():
            for signer in role_keys.signers:
                if isinstance(signer, Pkcs11Signer):
                    return signer.token
    return None


def image_key_wrapper(backend: OtaBackend, state_dir: Path | None) -> ImageKeyWrapper:
    """The KEK of a server: in its PKCS#11 token if its online keys are there (made there
    once, its label recorded in ``state_dir/keys/image-kek.pkcs11.json``), else
    :meth:`LocalKek.for_state`."""
    token = _token_of(backend)
    if token is None:
        return LocalKek.for_state(state_dir)
    if state_dir is None:  # a token without a state directory: a fresh KEK per process
        label = f"image-kek-{secrets.token_hex(4)}"
        token.generate_secret(label)
        return Pkcs11Kek(token, label)
    ref = state_dir / "keys" / _KEK_REF
    ref.parent.mkdir(parents=True, exist_ok=True)
    with _locked(ref.parent):
        if not ref.exists():
            label = f"image-kek-{secrets.token_hex(4)}"
            token.generate_secret(label)
            ref.write_text(json.dumps({"label": label, "token": token.token_label}))
        try:
            label = str(json.loads(ref.read_text())["label"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise OtaKeyError(f"{ref} is damaged: {e}") from e
    return Pkcs11Kek(token, label)
