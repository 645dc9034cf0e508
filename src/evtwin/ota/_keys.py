"""Signing keys and k-of-n role key sets (ed25519 via securesystemslib/cryptography)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner, Key, SecretsHandler, Signature, Signer

from evtwin.errors import OtaKeyError

__all__ = ["OfflineKey", "RoleKeys", "generate_signer", "is_offline", "load_keys", "save_keys"]


class OfflineKey(Signer):
    """The public half of a key whose private half is offline (with its key holders).

    A repository holds these for its offline roles: it knows the key (to build and check
    metadata) but can never sign with it; signing raises :class:`OtaKeyError`.
    """

    def __init__(self, public_key: Key) -> None:
        self._public_key = public_key

    @property
    def public_key(self) -> Key:
        return self._public_key

    def sign(self, payload: bytes) -> Signature:
        raise OtaKeyError(
            f"key {self._public_key.keyid[:12]}… is offline: this needs its key holders' "
            "signing ceremony (evtwin ota release --keys DIR), not the server"
        )

    @classmethod
    def from_priv_key_uri(
        cls,
        priv_key_uri: str,
        public_key: Key,
        secrets_handler: SecretsHandler | Callable[[str], str] | None = None,
    ) -> OfflineKey:
        return cls(public_key)


def generate_signer() -> CryptoSigner:
    """A fresh ed25519 signing key (private key in process memory)."""
    return CryptoSigner.generate_ed25519()


@dataclass(frozen=True, kw_only=True)
class RoleKeys:
    """The keys of one TUF role and how many of them must sign (k of n).

    Args:
        signers: the n signing keys the repository holds for the role.
        threshold: k, the number of distinct valid signatures a client requires.

    Raises:
        OtaKeyError: no keys, or a threshold outside 1..n.
    """

    signers: tuple[Signer, ...]
    threshold: int = 1

    def __post_init__(self) -> None:
        if not self.signers:
            raise OtaKeyError("a role needs at least one key, got 0")
        if not 1 <= self.threshold <= len(self.signers):
            raise OtaKeyError(
                f"threshold {self.threshold} is impossible with {len(self.signers)} key(s): "
                f"it must be 1..{len(self.signers)}"
            )

    @classmethod
    def generate(cls, count: int = 1, threshold: int = 1) -> RoleKeys:
        """``count`` fresh ed25519 keys with the given threshold."""
        if count < 1:
            raise OtaKeyError(f"a role needs at least one key, asked for {count}")
        return cls(signers=tuple(generate_signer() for _ in range(count)), threshold=threshold)

    @property
    def public_keys(self) -> Sequence[Key]:
        return [s.public_key for s in self.signers]

    @property
    def keyids(self) -> list[str]:
        return [s.public_key.keyid for s in self.signers]


def is_offline(keys: RoleKeys) -> bool:
    """Whether the role's private keys are offline (held as :class:`OfflineKey`)."""
    return any(isinstance(s, OfflineKey) for s in keys.signers)


def _pem_signers(keys: RoleKeys) -> list[str]:
    pems = []
    for signer in keys.signers:
        if not isinstance(signer, CryptoSigner):
            raise OtaKeyError(f"cannot save a {type(signer).__name__}: only in-process keys")
        pems.append(signer.private_bytes.decode())
    return pems


def save_keys(path: Path, keys: Mapping[str, RoleKeys]) -> None:
    """Write role key sets (private keys, PEM) to ``path``, readable by the owner only.

    Offline roles (:class:`OfflineKey`) are left out: there is no private key to write."""
    doc = {
        role: {"threshold": k.threshold, "keys": _pem_signers(k)}
        for role, k in keys.items()
        if not is_offline(k)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(path.with_suffix(".tmp"), path)


def load_keys(path: Path) -> dict[str, RoleKeys]:
    """Read role key sets written by :func:`save_keys`.

    Raises:
        OtaKeyError: the file is missing or malformed.
    """
    try:
        doc = json.loads(path.read_text())
        return {
            role: RoleKeys(
                signers=tuple(
                    CryptoSigner(load_pem_private_key(pem.encode(), password=None))
                    for pem in entry["keys"]
                ),
                threshold=int(entry["threshold"]),
            )
            for role, entry in doc.items()
        }
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OtaKeyError(f"cannot load keys from {path}: {e}") from e
